from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from handoff.conversations.models import Conversation
from handoff.core.db import Base


class Ticket(Base):
    """A message left by a customer when no agent could answer (留言), and the agent's answer."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | answered
    created_at: Mapped[datetime]
    # Left on WeChat: the follower, whose current conversation the answer goes to.
    wechat_user_id: Mapped[int | None] = mapped_column(ForeignKey("wechat_users.id"))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    answer_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    sms_status: Mapped[str | None] = mapped_column(String(8))  # sent | failed; None: no SMS was due

    conversation: Mapped[Conversation] = relationship()
