"""WeChat users of the desk's official accounts, and what happened to each message sent to them."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from handoff.core.db import Base


class WechatUser(Base):
    """One follower (OpenID) of one official account, and their current conversation."""

    __tablename__ = "wechat_users"
    __table_args__ = (UniqueConstraint("app_id", "openid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(String(32))
    openid: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    # Messages of the conversation up to this seq have been sent (or were
    # answered passively): the outbox sends what comes after.
    sent_seq: Mapped[int] = mapped_column(default=0)
    # WeChat accepts customer-service messages for 48 hours after this.
    last_inbound_at: Mapped[datetime]
    subscribed: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class WechatDelivery(Base):
    """How a desk message reached (or did not reach) a WeChat user."""

    __tablename__ = "wechat_deliveries"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(32), index=True)
    # passive (in the HTTP answer), sending, sent, undeliverable (outside the
    # 48-hour window or unfollowed), failed (WeChat refused or did not answer)
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime]
