from fastapi import APIRouter, Depends
from redis import Redis
from sqlalchemy.orm import Session

from handoff.core.auth import require_service_token
from handoff.core.clock import utcnow
from handoff.core.deps import get_db, get_redis
from handoff.queue import service
from handoff.queue.schemas import HandoffCreate, HandoffOut

router = APIRouter(prefix="/api/handoffs", tags=["handoff"], dependencies=[Depends(require_service_token)])


@router.post("", response_model=HandoffOut, status_code=201)
def request_handoff(
    body: HandoffCreate, db: Session = Depends(get_db), redis: Redis = Depends(get_redis)
):
    return service.request_handoff(db, redis, body, utcnow())


@router.get("", response_model=list[HandoffOut])
def pending(db: Session = Depends(get_db)):
    return service.list_pending(db)
