import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from handoff.core.db import Base
from handoff.queue.groups import GROUPS


class HandoffReason(str, enum.Enum):
    requested = "requested"
    complaint = "complaint"
    negative_sentiment = "negative_sentiment"
    fallback = "fallback"
    policy = "policy"  # the rules say a human decides (e.g. signed for but not received)


# One topic per skill group (handoff/queue/groups.py), so that a new group
# is a new topic without a second list to keep in step.
HandoffTopic = enum.Enum("HandoffTopic", {key: key for key in GROUPS}, type=str)


class HandoffRequest(Base):
    __tablename__ = "handoff_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    sender_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    reason: Mapped[HandoffReason] = mapped_column(Enum(HandoffReason, native_enum=False))
    topic: Mapped[HandoffTopic] = mapped_column(Enum(HandoffTopic, native_enum=False))
    note: Mapped[str] = mapped_column(Text, default="")
    # queued -> assigned -> closed; after_hours when nobody could take it.
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[datetime]
