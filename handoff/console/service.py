"""What agents do with a conversation: read it with its context, reply, note, tag,
transfer and resolve. Plain functions; the routes add HTTP and the bot calls."""

from datetime import datetime

from pydantic import BaseModel, Field
from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff.agents.models import Agent
from handoff.attachments import service as attachments
from handoff.conversations import events
from handoff.conversations import service as conversations
from handoff.conversations.models import Conversation, Note, Role, State
from handoff.conversations.schemas import ConsoleMessageOut
from handoff.conversations.views import ConversationSummary, summary
from handoff.core.clock import UtcDatetime, shop_midnight, shop_today
from handoff.core.context import Desk
from handoff.core.errors import DeskError, Forbidden
from handoff.core.ids import BodyId
from handoff.history import service as history
from handoff.history.schemas import TimelineEntry
from handoff.queue import service as queue
from handoff.queue.groups import GROUPS, REASONS
from handoff.queue.models import HandoffRequest
from handoff.shop import schemas as shop_schemas
from handoff.shop import customers as shop
from handoff.shop import orders as shop_orders
from handoff.survey import service as survey
from handoff.wechat import outbox


class NoteOut(BaseModel):
    id: int
    agent_name: str
    text: str
    whisper: bool = False  # a supervisor's whisper to the agent holding the conversation
    created_at: UtcDatetime


class HandoffInfo(BaseModel):
    reason: str | None
    reason_name: str | None
    note: str
    requested_at: UtcDatetime | None


class ConversationDetail(ConversationSummary):
    messages: list[ConsoleMessageOut]
    notes: list[NoteOut]
    handoff: HandoffInfo
    slots: dict
    customer_profile: shop_schemas.CustomerProfile | None
    orders: list[shop_schemas.OrderDetail]
    # The customer's other conversations (with their rating) and their returns, newest first.
    timeline: list[TimelineEntry] = []


class TextIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class TagsIn(BaseModel):
    tags: list[str] = Field(max_length=20)


class TransferIn(BaseModel):
    group: str | None = None
    agent_id: BodyId | None = None


def _check_holder(conv: Conversation, agent: Agent) -> None:
    """Only the agent holding a conversation (or a supervisor or an admin)
    writes in it, adds notes to it or tags it."""
    if conv.agent_id != agent.id and agent.role.value == "agent":
        raise Forbidden("该会话不在您的接待中", "not_your_conversation")


def detail(desk: Desk, db: Session, *, conv_id: str, slots: dict, now: datetime) -> ConversationDetail:
    conv = conversations.get_conversation(db, conv_id=conv_id)
    messages = conversations.messages_after(db, conv_id=conv_id, after=0, limit=2000)
    names = conversations.agent_names(db, messages)
    notes = db.execute(
        select(Note, Agent.display_name).join(Agent, Agent.id == Note.agent_id)
        .where(Note.conversation_id == conv_id).order_by(Note.id)
    ).all()
    requested = db.scalar(select(HandoffRequest.created_at).where(HandoffRequest.conversation_id == conv_id)
                          .order_by(HandoffRequest.id.desc()).limit(1))
    profile, orders, earlier = None, [], []
    if conv.customer_id:
        try:
            profile = shop.customer_profile(db, policy=desk.policy, customer_id=conv.customer_id, now=now)
            orders = [shop_orders.get_order(db, customer_id=conv.customer_id, order_id=o.order_id)
                      for o in shop_orders.list_orders(db, customer_id=conv.customer_id, limit=5)]
            earlier = history.timeline(desk, db, customer_id=conv.customer_id, except_id=conv.id)
        except DeskError:
            profile, orders, earlier = None, [], []
    return ConversationDetail(
        **summary(db, desk.policy, conv, now).model_dump(),
        messages=_with_delivery(db, conv, [conversations.console_message_out(m, names) for m in messages]),
        notes=[note_out(n, name) for n, name in notes],
        handoff=HandoffInfo(reason=conv.reason, reason_name=REASONS.get(conv.reason or ""),
                            note=conv.handoff_note or "", requested_at=requested),
        slots=slots, customer_profile=profile, orders=orders, timeline=earlier,
    )


def _with_delivery(db: Session, conv: Conversation, messages: list[ConsoleMessageOut]) -> list[ConsoleMessageOut]:
    """Mark the messages that did not reach a WeChat customer."""
    if conv.channel == "wechat":
        problems = outbox.problems(db, [m.id for m in messages])
        for message in messages:
            message.delivery = problems.get(message.id)
    return messages


def list_conversations(desk: Desk, db: Session, *, agent: Agent, scope: str, now: datetime) -> list[ConversationSummary]:
    query = select(Conversation).order_by(Conversation.last_activity_at.desc()).limit(100)
    if scope == "mine":
        query = query.where(Conversation.agent_id == agent.id, Conversation.state == State.with_agent)
    else:
        query = query.where(Conversation.state.in_([State.queued, State.with_agent]))
    return [summary(db, desk.policy, c, now) for c in db.scalars(query)]


def check_can_reply(db: Session, *, conv_id: str, agent: Agent) -> Conversation:
    conv = conversations.get_conversation(db, conv_id=conv_id)
    _check_holder(conv, agent)
    if conv.state != State.with_agent:
        raise DeskError("会话未在人工接待中，无法回复", "not_with_agent")
    return conv


def reply(desk: Desk, db: Session, *, conv_id: str, agent: Agent, text: str, now: datetime,
          prepared: attachments.Prepared | None = None) -> ConsoleMessageOut:
    """The agent's message (with ``prepared``: a photo or a file, already checked and on disk)."""
    conv = check_can_reply(db, conv_id=conv_id, agent=agent)
    attachment = None
    if prepared is not None and prepared.kind != "image" and conv.channel == "wechat":
        raise DeskError("微信公众号只能给客户发图片，不能发文件，请改发图片或文字", "wechat_images_only")
    if prepared is not None:
        attachment = attachments.add(db, prepared=prepared, conversation_id=conv.id, uploaded_by="agent",
                                     agent_id=agent.id, now=now)
        text = attachments.message_text(prepared)
    message = conversations.add_message(db, conv=conv, role=Role.agent, text=text.strip(), now=now,
                                        agent_id=agent.id, attachment=attachment)
    if conv.first_agent_reply_at is None:
        conv.first_agent_reply_at = now
        if conv.sla_due_at is not None and now > conv.sla_due_at:
            conv.sla_breached = True
    db.commit()
    names = {agent.id: agent.display_name}
    events.message_added(desk.redis, conv, message, names)
    return conversations.console_message_out(message, names)


def add_note(redis: Redis, db: Session, *, conv_id: str, agent: Agent, text: str, now: datetime) -> NoteOut:
    conv = conversations.get_conversation(db, conv_id=conv_id)
    _check_holder(conv, agent)
    note = Note(conversation_id=conv.id, agent_id=agent.id, text=text.strip(), created_at=now)
    db.add(note)
    db.commit()
    events.note_added(redis, conv, note, agent.display_name)
    return note_out(note, agent.display_name)


def note_out(note: Note, agent_name: str) -> NoteOut:
    return NoteOut(id=note.id, agent_name=agent_name, text=note.text, whisper=note.whisper_to is not None,
                   created_at=note.created_at)


def set_tags(desk: Desk, db: Session, *, conv_id: str, tags: list[str], now: datetime,
             agent: Agent) -> ConversationSummary:
    conv = conversations.get_conversation(db, conv_id=conv_id)
    _check_holder(conv, agent)
    conv.tags = list(dict.fromkeys(t.strip()[:20] for t in tags if t.strip()))
    db.commit()
    events.state_changed(desk.redis, conv, conv.agent_id)
    return summary(db, desk.policy, conv, now)


def transfer(desk: Desk, db: Session, *, conv_id: str, agent: Agent, body: TransferIn,
             now: datetime) -> ConversationSummary:
    """Back to the queue of another group, or straight to another agent."""
    conv = conversations.get_conversation(db, conv_id=conv_id)
    _check_holder(conv, agent)
    if conv.state not in (State.with_agent, State.queued):
        raise DeskError("只能转接排队中或接待中的会话", "not_transferable")
    previous, old_group = conv.agent_id, conv.group
    if body.agent_id is not None:
        target = db.get(Agent, body.agent_id)
        if target is None or not target.active:
            raise DeskError("目标客服不存在或已停用", "bad_target")
        held = db.scalar(select(func.count()).where(Conversation.agent_id == target.id,
                                                    Conversation.state == State.with_agent)) or 0
        if held >= target.capacity and target.id != conv.agent_id:
            raise DeskError(f"{target.display_name}已达到接待上限", "target_full")
        queue.hand_to(conv=conv, agent=target, now=now)
        text = f"已为您转接给客服{target.display_name}，请稍候。"
    elif body.group in GROUPS:
        queue.requeue(conv=conv, group=body.group, now=now)
        text = f"正在为您转接到{GROUPS[body.group]}客服，请稍候。"
    else:
        raise DeskError("请选择要转接的技能组或客服", "bad_target")
    message = conversations.add_message(db, conv=conv, role=Role.system, text=text, now=now)
    db.commit()
    queue_changed = queue.sync_key(desk, conv=conv, old_group=old_group)
    events.message_added(desk.redis, conv, message, {})
    events.state_changed(desk.redis, conv, previous)
    if queue_changed:
        events.queue_changed(desk.redis)
    return summary(db, desk.policy, conv, now)


def resolve(desk: Desk, db: Session, *, conv_id: str, agent: Agent, now: datetime) -> ConversationSummary:
    """Close the conversation; the customer's next message goes to the bot."""
    conv = conversations.get_conversation(db, conv_id=conv_id)
    _check_holder(conv, agent)
    if conv.state == State.closed:
        return summary(db, desk.policy, conv, now)
    old_group = conv.group
    conv.state, conv.closed_at = State.closed, now
    queue.close_requests(db, conv=conv)
    message = conversations.add_message(
        db, conv=conv, role=Role.system, now=now,
        text="本次人工服务已结束，感谢您的耐心。如还有问题，可以直接继续问我（智能助手）。")
    asked = survey.end_with_agent(desk, db, conv=conv, now=now)
    db.commit()
    queue.sync_key(desk, conv=conv, old_group=old_group)
    for said in (message, *asked):
        events.message_added(desk.redis, conv, said, {})
    events.state_changed(desk.redis, conv, conv.agent_id)
    events.queue_changed(desk.redis)
    return summary(db, desk.policy, conv, now)


def stats(db: Session, *, now: datetime, timezone: str) -> dict:
    """The header's figures; "today" is the shop's day."""
    start_of_day = shop_midnight(shop_today(timezone, now), timezone)
    count = lambda *where: db.scalar(select(func.count()).select_from(Conversation).where(*where)) or 0  # noqa: E731
    return {
        "queued": count(Conversation.state == State.queued),
        "with_agent": count(Conversation.state == State.with_agent),
        "agents_online": len(queue.online_agents(db)),
        "sla_breaches_today": count(Conversation.sla_breached.is_(True),
                                    Conversation.queued_at >= start_of_day),
    }
