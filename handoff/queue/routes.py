"""Handoff requests from the action server (service token)."""

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.core.auth import require_service_token
from handoff.core.clock import utcnow
from handoff.core.deps import get_db
from handoff.queue import service
from handoff.queue.models import HandoffRequest
from handoff.queue.schemas import HandoffCreate, HandoffOut

router = APIRouter(prefix="/api/handoffs", tags=["handoff"], dependencies=[Depends(require_service_token)])


@router.post("", response_model=HandoffOut, status_code=201)
def request_handoff(body: HandoffCreate, request: Request, db: Session = Depends(get_db)):
    """Queue the conversation for a human; answers where it stands (position, wait, hours).

    Asking again while the conversation waits or is with an agent answers the
    same request: nothing is queued twice.
    """
    return service.request_handoff(request.app.state.desk, db, body, utcnow())


@router.get("", response_model=list[dict])
def open_requests(db: Session = Depends(get_db)):
    """Requests still waiting for an agent, oldest first."""
    rows = db.scalars(select(HandoffRequest).where(HandoffRequest.status == "queued")
                      .order_by(HandoffRequest.created_at))
    return [{"id": r.id, "conversation_id": r.conversation_id, "sender_id": r.sender_id,
             "customer_id": r.customer_id, "channel": r.channel, "note": r.note,
             "reason": r.reason.value, "topic": r.topic.value, "created_at": r.created_at.isoformat() + "Z"}
            for r in rows]
