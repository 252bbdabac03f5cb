"""The survey of one service episode, and the follow-up (回访) a low rating opens."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from handoff.core.db import Base


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One survey per episode: the record is unique.
    record_id: Mapped[int] = mapped_column(ForeignKey("service_records.id"), unique=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    # The questions asked, in order (rating, resolved, then policy.yml's extras, comment).
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The question waiting for an answer; "" when the survey is finished.
    step: Mapped[str] = mapped_column(String(16), default="rating")
    # False once the customer wrote something else: digits then go to the bot.
    awaiting: Mapped[bool] = mapped_column(Boolean, default=True)
    sent_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    rating: Mapped[int | None]
    resolved: Mapped[bool | None]
    nps: Mapped[int | None]
    ces: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]  # the rating, which makes it a response
    completed_at: Mapped[datetime | None]
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class FollowUp(Base):
    """A supervisor's task to call back a customer who rated 1 or 2."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), unique=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done
    note: Mapped[str] = mapped_column(Text, default="")
    done_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
