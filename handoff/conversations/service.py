"""Conversations and messages: plain functions over a database session.

Publishing to live listeners happens after the commit (see events.py), so a
listener never sees something that is not in SQL.
"""

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.agents.models import Agent
from handoff.attachments.models import Attachment
from handoff.conversations.models import Conversation, Message, Role, State
from handoff.conversations.schemas import AttachmentOut, ConsoleMessageOut, CustomerRef, MessageOut
from handoff.core import signing
from handoff.core.errors import DeskError, Forbidden, NotFound
from handoff.core.settings import Settings
from handoff.shop import customers as shop
from handoff.shop.policy import Policy


def verified_customer(settings: Settings, customer_id: str | None, signature: str | None,
                      timestamp: int | None, now: float) -> str | None:
    """The customer id when the shop signed it recently; None (anonymous) otherwise.

    The unstamped old form is accepted in development only.
    """
    if not customer_id or not signature:
        return None
    ok = signing.customer_signature_ok(settings.shop_secret, customer_id, signature, timestamp, now=now,
                                       max_age=settings.signed_id_max_age_seconds,
                                       allow_unstamped=settings.env == "development")
    return customer_id if ok else None


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_conversation(db: Session, *, channel: str, customer_id: str | None, now: datetime,
                        rasa_sender_id: str | None = None) -> tuple[Conversation, str]:
    """A new conversation and the secret token that gives access to it."""
    conv_id = "c_" + secrets.token_hex(8)
    token = secrets.token_urlsafe(24)
    conv = Conversation(
        id=conv_id, token_hash=_hash_token(token), channel=channel, customer_id=customer_id,
        rasa_sender_id=rasa_sender_id or f"desk-{conv_id}", state=State.bot, tags=[],
        last_seq=0, priority=0, sla_breached=False, handoff_note="",
        created_at=now, last_activity_at=now,
    )
    db.add(conv)
    db.flush()
    return conv, token


def get_conversation(db: Session, *, conv_id: str) -> Conversation:
    conv = db.get(Conversation, conv_id)
    if conv is None:
        raise NotFound("会话不存在", "conversation_not_found")
    return conv


def authorize(db: Session, *, conv_id: str, token: str | None) -> Conversation:
    """The conversation, if the token is its own (403 otherwise, 404 if unknown)."""
    conv = get_conversation(db, conv_id=conv_id)
    if not token or not conv.token_hash or not hmac.compare_digest(conv.token_hash, _hash_token(token)):
        raise Forbidden("无权访问该会话", "not_your_conversation")
    return conv


def by_sender(db: Session, *, rasa_sender_id: str) -> Conversation | None:
    return db.scalar(select(Conversation).where(Conversation.rasa_sender_id == rasa_sender_id))


def _take_seqs(db: Session, conv: Conversation, count: int, now: datetime) -> int:
    """Reserve the conversation's next ``count`` sequence numbers; the first of them."""
    last = db.execute(
        update(Conversation).where(Conversation.id == conv.id)
        .values(last_seq=Conversation.last_seq + count, last_activity_at=now)
        .returning(Conversation.last_seq)
    ).scalar_one()
    conv.last_seq = last
    return last - count + 1


def add_message(db: Session, *, conv: Conversation, role: Role, text: str, now: datetime,
                buttons: list[dict] | None = None, agent_id: int | None = None,
                client_id: str | None = None, nlu: dict | None = None,
                attachment: Attachment | None = None) -> Message:
    """Append a message with the conversation's next sequence number (not committed)."""
    message = Message(conversation_id=conv.id, seq=_take_seqs(db, conv, 1, now), role=role, text=text,
                      buttons=buttons or [], agent_id=agent_id, client_id=client_id,
                      nlu=nlu, attachment=attachment, created_at=now)
    db.add(message)
    db.flush()
    return message


def add_bot_messages(db: Session, *, conv: Conversation, said: list[tuple],
                     now: datetime, role: Role = Role.bot) -> list[Message]:
    """The bot's replies of one turn, ``(text, buttons)`` or ``(text, buttons, cards)`` each: two statements
    however many (not committed)."""
    if not said:
        return []
    first = _take_seqs(db, conv, len(said), now)
    messages = [Message(conversation_id=conv.id, seq=first + i, role=role, text=one[0], buttons=one[1] or [],
                        cards=one[2] if len(one) > 2 and one[2] else None, created_at=now)
                for i, one in enumerate(said)]
    db.add_all(messages)
    db.flush()
    return messages


def add_customer_message(db: Session, *, conv: Conversation, text: str, client_id: str | None,
                         now: datetime, attachment: Attachment | None = None) -> tuple[Message, bool]:
    """Store the customer's message once per client_id: (message, newly stored).

    A resend is rare: it is found by the unique (conversation, client_id) when the
    insert fails, not looked up before every message."""
    try:
        message = add_message(db, conv=conv, role=Role.customer, text=text, now=now, client_id=client_id,
                              attachment=attachment)
        db.commit()
    except IntegrityError:  # sent before (a resend), or the same client_id raced in through another socket
        db.rollback()
        existing = db.scalar(select(Message).where(
            Message.conversation_id == conv.id, Message.client_id == client_id)) if client_id else None
        if existing is None:
            raise
        return existing, False
    return message, True


def set_understood(db: Session, *, message_id: int, nlu: dict) -> None:
    """What the bot understood of a customer message (not committed)."""
    db.execute(update(Message).where(Message.id == message_id).values(nlu=nlu))


def messages_after(db: Session, *, conv_id: str, after: int, limit: int = 500) -> list[Message]:
    return list(db.scalars(
        select(Message).where(Message.conversation_id == conv_id, Message.seq > after)
        .order_by(Message.seq).limit(limit)
    ))


def last_customer_messages(db: Session, *, conv_id: str, n: int) -> list[Message]:
    """The customer's last ``n`` messages, oldest first."""
    rows = db.scalars(select(Message).where(Message.conversation_id == conv_id, Message.role == Role.customer)
                      .order_by(Message.seq.desc()).limit(n))
    return list(reversed(list(rows)))


def agent_names(db: Session, messages: list[Message]) -> dict[int, str]:
    ids = {m.agent_id for m in messages if m.agent_id is not None}
    if not ids:
        return {}
    return dict(db.execute(select(Agent.id, Agent.display_name).where(Agent.id.in_(ids))).all())


def message_out(message: Message, names: dict[int, str] | None = None) -> MessageOut:
    return MessageOut(
        id=message.id, seq=message.seq, role=message.role.value, text=message.text,
        buttons=message.buttons or [], client_id=message.client_id,
        agent_name=(names or {}).get(message.agent_id) if message.agent_id else None,
        created_at=message.created_at,
        attachment=attachment_out(message.attachment) if message.attachment_id else None,
        cards=message.cards or [],
    )


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(id=attachment.id, kind=attachment.kind, name=attachment.name,
                         content_type=attachment.content_type, size_bytes=attachment.size_bytes,
                         width=attachment.width, height=attachment.height)


def console_message_out(message: Message, names: dict[int, str] | None = None) -> ConsoleMessageOut:
    return ConsoleMessageOut(**message_out(message, names).model_dump(), nlu=message.nlu)


def customer_ref(db: Session, *, policy: Policy, customer_id: str | None, now: datetime) -> CustomerRef | None:
    if not customer_id:
        return None
    try:
        profile = shop.customer_profile(db, policy=policy, customer_id=customer_id, now=now)
    except DeskError:  # an id the shop does not know: show it as anonymous
        return None
    return CustomerRef(id=profile.customer_id, name=profile.name, tier=profile.tier.name)

