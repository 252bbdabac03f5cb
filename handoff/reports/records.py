"""Writing the service record of an episode when it ends."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff.conversations.models import Conversation, Message, Role
from handoff.core.context import Desk
from handoff.queue import service as queue
from handoff.queue.groups import TOPIC_OF_INTENT
from handoff.reports.models import ServiceRecord

GUEST_TIER = "访客"


def recorded_up_to(db: Session, conv_id: str) -> int:
    """The last sequence number that belongs to an episode already recorded (0: none)."""
    return db.scalar(select(func.max(ServiceRecord.last_seq)).where(ServiceRecord.conversation_id == conv_id)) or 0


def is_survey_answer(message: Message) -> bool:
    return bool(message.nlu and message.nlu.get("survey"))


def episode_customer_messages(db: Session, conv_id: str, after_seq: int) -> list[Message]:
    """What the customer said after ``after_seq``, survey answers left out."""
    rows = db.scalars(select(Message).where(
        Message.conversation_id == conv_id, Message.seq > after_seq, Message.role == Role.customer,
    ).order_by(Message.seq))
    return [m for m in rows if not is_survey_answer(m)]


def topic_of(messages: list[Message], fallback: str | None = None) -> str:
    """The topic of the first customer message whose intent has one; else the handoff's, else "general"."""
    for message in messages:
        intent = (message.nlu or {}).get("intent")
        if intent in TOPIC_OF_INTENT:
            return TOPIC_OF_INTENT[intent]
    return fallback or "general"


def record_episode(desk: Desk, db: Session, conv: Conversation, now: datetime, *,
                   handed_off: bool) -> ServiceRecord | None:
    """The record of the episode that ends now (flushed, not committed); None if it had no customer message."""
    after = recorded_up_to(db, conv.id)
    said = episode_customer_messages(db, conv.id, after)
    if not said:
        return None
    record = ServiceRecord(
        conversation_id=conv.id, first_seq=after + 1, last_seq=conv.last_seq, channel=conv.channel,
        customer_id=conv.customer_id, tier=queue.customer_tier(desk, db, customer_id=conv.customer_id, now=now) or GUEST_TIER,
        topic=topic_of(said, conv.topic if handed_off else None),
        handed_off=handed_off, started_at=said[0].created_at, ended_at=now, demo=False,
    )
    if handed_off:
        record.reason, record.agent_id = conv.reason, conv.agent_id
        record.queued_at, record.first_reply_at, record.sla_due_at = (
            conv.queued_at, conv.first_agent_reply_at, conv.sla_due_at)
    db.add(record)
    db.flush()
    return record
