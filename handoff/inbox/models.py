"""Messages the bot misunderstood, as the inbox keeps them."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from handoff.core.db import Base


class InboxItem(Base):
    __tablename__ = "inbox_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(32), index=True)
    # The customer's words with phones and order numbers replaced (knowledge/text.py mask).
    text: Mapped[str] = mapped_column(Text)
    # Why it is here: fallback, out_of_scope, low_confidence, corrected, handoff, low_rating, flagged.
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What the bot understood ("faq/<key>" for an FAQ answer) and how sure it was.
    intent: Mapped[str | None] = mapped_column(String(80))
    confidence: Mapped[float | None]
    # The right intent, when an agent flagged the message in the console.
    suggested_intent: Mapped[str | None] = mapped_column(String(80))
    flagged_by: Mapped[str] = mapped_column(String(64), default="")
    # open, added (taught to the bot), dismissed.
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    resolution: Mapped[str] = mapped_column(String(128), default="")
    said_at: Mapped[datetime]
    # float32 multilingual-e5-small embedding of the text, for grouping.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)


class InboxScan(Base):
    """One row: how far the collector has read messages and surveys."""

    __tablename__ = "inbox_scan"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_message_id: Mapped[int] = mapped_column(default=0)
    last_survey_id: Mapped[int] = mapped_column(default=0)
