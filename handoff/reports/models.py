"""One row per finished service episode: the facts the dashboard counts.

A desk conversation lives on after it is closed (the customer's next message
goes back to the bot), so the unit of the reports is the episode: from the
first customer message after the previous episode to the agent's resolve, or
to the bot's last answer after the conversation went quiet.
"""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from handoff.core.db import Base


class ServiceRecord(Base):
    __tablename__ = "service_records"
    # One record per episode, even when two desk processes notice its end.
    __table_args__ = (UniqueConstraint("conversation_id", "first_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    # The episode's messages are those with first_seq <= seq <= last_seq.
    first_seq: Mapped[int]
    last_seq: Mapped[int]
    channel: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str | None] = mapped_column(String(16))
    tier: Mapped[str] = mapped_column(String(16), default="访客")
    # The topic of the intent that started the episode (queue.groups.TOPIC_OF_INTENT).
    topic: Mapped[str] = mapped_column(String(32), default="general")
    handed_off: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(String(32))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    started_at: Mapped[datetime]
    queued_at: Mapped[datetime | None]
    first_reply_at: Mapped[datetime | None]
    sla_due_at: Mapped[datetime | None]
    ended_at: Mapped[datetime] = mapped_column(index=True)
    # Seeded demo data (make run on an empty database), shown as such.
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
