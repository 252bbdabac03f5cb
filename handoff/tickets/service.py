"""Left messages: plain functions over a session (not committed unless they say so)."""

import re
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from handoff.agents.models import Agent
from handoff.conversations import service as conversations
from handoff.conversations.models import Conversation, Message, Role
from handoff.core.errors import Conflict, NotFound
from handoff.tickets.models import Ticket
from handoff.tickets.schemas import TicketOut
from handoff.wechat.models import WechatUser

PHONE = re.compile(r"^1\d{10}$")  # a mainland mobile number, the only kind an SMS gateway takes here


def phone_of(contact: str) -> str | None:
    digits = re.sub(r"[\s\-+]", "", contact or "").removeprefix("86")
    return digits if PHONE.match(digits) else None


def confirmation(sms_to: str | None) -> str:
    text = "已收到您的留言，客服会尽快回复，回复会发到这里"
    return text + (f"，同时短信通知您（{sms_to}）。" if sms_to else "。")


def leave(db: Session, *, conv: Conversation, text: str, contact: str, now: datetime, said: str,
          wechat_user_id: int | None = None) -> tuple[Ticket, Message]:
    """The ticket and the confirmation ``said`` in the conversation (committed)."""
    ticket = Ticket(conversation_id=conv.id, customer_id=conv.customer_id, text=text.strip(),
                    contact=contact.strip(), status="open", created_at=now, wechat_user_id=wechat_user_id)
    db.add(ticket)
    message = conversations.add_message(db, conv=conv, role=Role.system, text=said, now=now)
    db.commit()
    return ticket, message


def list_tickets(db: Session, *, status: str = "open") -> list[Ticket]:
    newest_answered = status == "answered"
    order = Ticket.answered_at.desc() if newest_answered else Ticket.created_at
    return list(db.scalars(select(Ticket).where(Ticket.status == status).order_by(order).limit(200)))


def ticket_out(ticket: Ticket, delivery: list[str] | None = None) -> TicketOut:
    return TicketOut(id=ticket.id, conversation_id=ticket.conversation_id, channel=ticket.conversation.channel,
                     customer_id=ticket.customer_id, text=ticket.text, contact=ticket.contact,
                     status=ticket.status, created_at=ticket.created_at, answer=ticket.answer,
                     answered_at=ticket.answered_at, delivery=delivery or [])


def excerpt(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def answer(db: Session, *, ticket_id: int, agent: Agent, text: str, now: datetime
           ) -> tuple[Ticket, Conversation, Message]:
    """The agent's answer, as their message in the customer's conversation (committed). Exactly one
    of two agents answering at once wins; the other gets 409. A WeChat follower's answer goes to
    their current conversation (the one WeChat's outbox sends from)."""
    ticket = db.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("留言不存在", "ticket_not_found")
    won = db.execute(update(Ticket).where(Ticket.id == ticket_id, Ticket.status == "open").values(
        status="answered", answer=text.strip(), answered_at=now, answered_by=agent.id)).rowcount
    if not won:
        db.rollback()
        raise Conflict("这条留言已经有客服回复过了", "already_answered")
    conv = ticket.conversation
    if ticket.wechat_user_id is not None:
        follower = db.get(WechatUser, ticket.wechat_user_id)
        if follower is not None and follower.conversation_id:
            conv = conversations.get_conversation(db, conv_id=follower.conversation_id)
    message = conversations.add_message(db, conv=conv, role=Role.agent, agent_id=agent.id, now=now,
                                        text=f"关于您的留言“{excerpt(ticket.text)}”：\n{text.strip()}")
    ticket.answer_message_id = message.id
    db.commit()
    db.refresh(ticket)
    return ticket, conv, message


def record_sms(db: Session, *, ticket_id: int, status: str) -> None:
    db.execute(update(Ticket).where(Ticket.id == ticket_id).values(sms_status=status))
    db.commit()
