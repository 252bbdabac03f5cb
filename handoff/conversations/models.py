"""Conversations, their messages and agents' private notes (left messages: handoff/tickets/)."""

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from handoff.attachments.models import Attachment
from handoff.core.db import Base


class State(str, enum.Enum):
    bot = "bot"  # Rasa answers
    queued = "queued"  # waiting for an agent; the bot still answers routine questions
    with_agent = "with_agent"  # a human owns it; the bot is paused
    closed = "closed"  # resolved; the customer's next message goes back to the bot


class Role(str, enum.Enum):
    customer = "customer"
    bot = "bot"
    agent = "agent"
    system = "system"


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_state_group", "state", "group"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # sha256 of the secret the widget holds; empty for conversations without one.
    token_hash: Mapped[str] = mapped_column(String(64), default="")
    rasa_sender_id: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str | None] = mapped_column(String(16), index=True)
    state: Mapped[State] = mapped_column(Enum(State, native_enum=False), default=State.bot)
    # The current (or last) handoff.
    reason: Mapped[str | None] = mapped_column(String(32))
    topic: Mapped[str | None] = mapped_column(String(32))
    group: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(default=0)
    handoff_note: Mapped[str] = mapped_column(Text, default="")
    queued_at: Mapped[datetime | None]
    sla_due_at: Mapped[datetime | None]
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    assigned_at: Mapped[datetime | None]
    first_agent_reply_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("conversation_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    seq: Mapped[int]
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[dict]] = mapped_column(JSON, default=list)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    client_id: Mapped[str | None] = mapped_column(String(64))
    # What the bot understood (customer messages): intent, confidence, entities, sentiment.
    nlu: Mapped[dict | None] = mapped_column(JSON)
    # Orders and products shown as cards (handoff/shop/cards.py), beside the text and buttons.
    cards: Mapped[list[dict] | None] = mapped_column(JSON)
    # A photo or a file (handoff/attachments/); the text is then "[图片]" or "[文件] <name>".
    attachment_id: Mapped[str | None] = mapped_column(ForeignKey("attachments.id"))
    created_at: Mapped[datetime]

    attachment: Mapped[Attachment | None] = relationship()


class Note(Base):
    """An agent's private note: never sent to the customer. A supervisor's whisper is a note
    addressed to the agent holding the conversation, shown to them at once."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    text: Mapped[str] = mapped_column(Text)
    # The agent a supervisor whispered to (handoff/supervision/); None for an ordinary note.
    whisper_to: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime]

