"""A photo or a file sent in a conversation. The bytes are on disk (``Settings.uploads_dir``);
this row says whose they are, what they are, and, for a return's photo, which return."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from handoff.core.db import Base


class Attachment(Base):
    __tablename__ = "attachments"

    # Random and unguessable; also the file's name on disk (never the sender's file name).
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # image | pdf
    content_type: Mapped[str] = mapped_column(String(32))  # of the stored bytes (re-encoded images: jpeg or png)
    name: Mapped[str] = mapped_column(String(120))  # the sender's file name, shown only
    size_bytes: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(8))  # customer | agent
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    # The return this photo documents (a refund above the no-photo limit asks for one).
    return_id: Mapped[str | None] = mapped_column(ForeignKey("shop_returns.id"), index=True)
    created_at: Mapped[datetime]
