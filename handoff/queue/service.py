"""Recording handoff requests. SQL first (the record), then Redis (the announcement)."""

from datetime import datetime

from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.queue.models import HandoffRequest
from handoff.queue.schemas import HandoffCreate, HandoffOut

HANDOFF_STREAM = "desk:handoffs"


def request_handoff(db: Session, redis: Redis, body: HandoffCreate, now: datetime) -> HandoffOut:
    # One open request per conversation: asking twice does not queue twice.
    existing = db.scalar(
        select(HandoffRequest).where(
            HandoffRequest.sender_id == body.sender_id, HandoffRequest.status == "pending"
        )
    )
    if existing is not None:
        return HandoffOut.model_validate(existing)
    request = HandoffRequest(**body.model_dump(), status="pending", created_at=now)
    db.add(request)
    db.commit()
    redis.xadd(HANDOFF_STREAM, {"handoff_id": request.id, "reason": request.reason.value})
    return HandoffOut.model_validate(request)


def list_pending(db: Session) -> list[HandoffOut]:
    rows = db.scalars(
        select(HandoffRequest)
        .where(HandoffRequest.status == "pending")
        .order_by(HandoffRequest.created_at)
    )
    return [HandoffOut.model_validate(r) for r in rows]
