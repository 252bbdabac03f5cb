"""Handoff requests from the action server (service token)."""

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from handoff.core.auth import require_service_token
from handoff.core.context import Desk
from handoff.core.deps import get_db, get_desk
from handoff.queue import flows, service
from handoff.queue.schemas import HandoffCreate, HandoffOut

router = APIRouter(prefix="/api/handoffs", tags=["handoff"], dependencies=[Depends(require_service_token)])


@router.post("", response_model=HandoffOut, status_code=201)
def request_handoff(body: HandoffCreate, db: Session = Depends(get_db), desk: Desk = Depends(get_desk)):
    """Queue the conversation for a human; answers where it stands (position, wait, hours).

    Asking again while the conversation waits or is with an agent answers the
    same request: nothing is queued twice.
    """
    return flows.from_bot(desk, db, body=body)


@router.get("", response_model=list[dict])
def open_requests(db: Session = Depends(get_db)):
    """Requests still waiting for an agent, oldest first."""
    return service.open_requests(db)
