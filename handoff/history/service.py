"""Finding past conversations (history and search) and a customer's timeline.

One box searches what an agent has at hand: a customer number (C001), a
phone number (the customer's conversations; shown masked), an order number
(the conversations that mention it), or any words the customer wrote. Tags
and a date range narrow it down. Newest first, at most ``limit``.
"""

import unicodedata
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from handoff.conversations.models import Conversation, Message, Role, State
from handoff.conversations.service import customer_ref
from handoff.core import patterns
from handoff.core.clock import shop_midnight
from handoff.core.context import Desk
from handoff.core.privacy import mask_phone, scrub
from handoff.history.schemas import Found, TimelineEntry
from handoff.queue.groups import REASONS
from handoff.shop import returns as shop_returns
from handoff.shop.models import Customer
from handoff.survey.models import Survey

STATE_NAMES = {State.bot: "机器人接待", State.queued: "排队中", State.with_agent: "人工接待中", State.closed: "已结束"}


def search(desk: Desk, db: Session, *, q: str = "", tag: str | None = None, start: date | None = None,
           end: date | None = None, limit: int = 50, now: datetime) -> list[Found]:
    text = unicodedata.normalize("NFKC", q).strip()
    query = select(Conversation).order_by(Conversation.last_activity_at.desc())
    word = text.upper()
    if patterns.ORDER_ID.match(word):
        # As typed (dd…, lower case): compared in upper case.
        mentioned = select(Message.conversation_id).where(func.upper(Message.text).contains(word))
        query = query.where(or_(Conversation.id.in_(mentioned), func.upper(Conversation.handoff_note).contains(word)))
    elif patterns.PHONE.match(text):
        customer = db.scalar(select(Customer.id).where(Customer.phone == text))
        query = query.where(Conversation.customer_id == (customer or "-"))
    elif text and db.get(Customer, word) is not None:
        query = query.where(Conversation.customer_id == word)
    elif text:
        said = select(Message.conversation_id).where(Message.role == Role.customer, Message.text.contains(text))
        query = query.where(Conversation.id.in_(said))
    tz = desk.settings.timezone
    if start:
        query = query.where(Conversation.last_activity_at >= shop_midnight(start, tz))
    if end:
        query = query.where(Conversation.created_at < shop_midnight(end + timedelta(days=1), tz))
    convs = [c for c in db.scalars(query.limit(limit * 4 if tag else limit)) if not tag or tag in (c.tags or [])]
    convs = convs[:limit]
    ratings, first_said = _ratings(db, convs), _first_said(db, convs)
    return [_found(desk, db, conv, text, now, ratings.get(conv.id), first_said.get(conv.id, "")) for conv in convs]


def _found(desk: Desk, db: Session, conv: Conversation, text: str, now: datetime, rating: int | None,
           first_said: str) -> Found:
    matching = db.scalar(select(Message.text).where(
        Message.conversation_id == conv.id, Message.role == Role.customer,
        func.upper(Message.text).contains(text.upper())).limit(1)) if text else None
    phone = db.scalar(select(Customer.phone).where(Customer.id == conv.customer_id)) if conv.customer_id else None
    return Found(
        id=conv.id, state=conv.state.value, state_name=STATE_NAMES[conv.state], channel=conv.channel,
        customer=customer_ref(db, policy=desk.policy, customer_id=conv.customer_id, now=now),
        phone_masked=mask_phone(phone) if phone else None,
        reason_name=REASONS.get(conv.reason or ""), tags=conv.tags or [], rating=rating,
        created_at=conv.created_at, last_activity_at=conv.last_activity_at,
        snippet=scrub(matching or first_said)[:120],
    )


def _ratings(db: Session, convs: list[Conversation]) -> dict[str, int]:
    """The latest survey rating of each conversation that has one: one query for all of them."""
    rows = db.execute(select(Survey.conversation_id, Survey.rating).where(
        Survey.conversation_id.in_([c.id for c in convs]), Survey.rating.is_not(None)).order_by(Survey.id))
    return dict(rows.all())  # (ordered by id: the latest wins)


def _first_said(db: Session, convs: list[Conversation]) -> dict[str, str]:
    """The first customer message of each conversation: one query for all of them."""
    first = (select(Message.conversation_id, func.min(Message.seq).label("seq"))
             .where(Message.conversation_id.in_([c.id for c in convs]), Message.role == Role.customer)
             .group_by(Message.conversation_id).subquery())
    rows = db.execute(select(Message.conversation_id, Message.text).join(
        first, and_(Message.conversation_id == first.c.conversation_id, Message.seq == first.c.seq)))
    return dict(rows.all())


def timeline(desk: Desk, db: Session, *, customer_id: str, except_id: str | None = None,
             limit: int = 20) -> list[TimelineEntry]:
    """The customer's other conversations (with their rating) and their returns, newest first."""
    convs = list(db.scalars(select(Conversation).where(Conversation.customer_id == customer_id,
                                                       Conversation.id != (except_id or ""))
                            .order_by(Conversation.created_at.desc()).limit(limit)))
    ratings, first_said = _ratings(db, convs), _first_said(db, convs)
    entries = []
    for conv in convs:
        handled = "人工接待" if conv.agent_id or conv.reason else "机器人接待"
        title = handled + (" · " + REASONS[conv.reason] if conv.reason in REASONS else "")
        entries.append(TimelineEntry(kind="conversation", at=conv.created_at, conversation_id=conv.id, title=title,
                                     detail=scrub(first_said.get(conv.id) or "（没有留言）")[:80],
                                     rating=ratings.get(conv.id)))
    for ret in shop_returns.list_returns(db, policy=desk.policy, customer_id=customer_id)[:limit]:
        entries.append(TimelineEntry(kind="return", at=ret.created_at, title=f"退货 {ret.return_id}",
                                     detail=f"订单 {ret.order_id} · {ret.reason_zh} · {ret.status_zh}"))
    return sorted(entries, key=lambda e: e.at, reverse=True)[:limit]
