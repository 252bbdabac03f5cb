"""How staff see a conversation: the summary used in queue lists and events."""

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.agents.models import Agent
from handoff.conversations.models import Conversation, Message, Role
from handoff.conversations.schemas import CustomerRef
from handoff.conversations.service import customer_ref
from handoff.core.clock import UtcDatetime
from handoff.queue.groups import GROUPS, REASONS
from handoff.queue.service import GOLD
from handoff.shop.policy import Policy


class AgentBrief(BaseModel):
    id: int
    name: str


class ConversationSummary(BaseModel):
    id: str
    state: str
    channel: str
    customer: CustomerRef | None
    reason: str | None
    reason_name: str | None
    topic: str | None
    group: str | None
    group_name: str | None
    priority: int
    priority_reasons: list[str]  # why it is ahead in the queue: 金卡会员, 投诉, 情绪激动
    queued_at: UtcDatetime | None
    wait_seconds: int | None
    sla_due_at: UtcDatetime | None
    sla_seconds_left: int | None
    sla_breached: bool
    agent: AgentBrief | None
    assigned_at: UtcDatetime | None = None  # when the agent got it
    tags: list[str]
    preview: str
    last_sentiment: dict | None
    last_activity_at: UtcDatetime


def priority_reasons(conv: Conversation, customer: CustomerRef | None) -> list[str]:
    """The parts of ``queue/service.priority_for`` that apply, in words."""
    gold = customer is not None and customer.tier == GOLD
    complaint = conv.reason == "complaint"
    angry = conv.priority - int(gold) - int(complaint) > 0
    return [words for words, on in (("金卡会员", gold), ("投诉", complaint), ("情绪激动", angry)) if on]


def summary(db: Session, policy: Policy, conv: Conversation, now: datetime) -> ConversationSummary:
    last_customer = db.scalar(
        select(Message).where(Message.conversation_id == conv.id, Message.role == Role.customer)
        .order_by(Message.seq.desc()).limit(1)
    )
    agent = db.get(Agent, conv.agent_id) if conv.agent_id else None
    waiting = conv.queued_at is not None and conv.state.value in ("queued", "with_agent")
    open_sla = conv.sla_due_at is not None and conv.first_agent_reply_at is None and waiting
    customer = customer_ref(db, policy=policy, customer_id=conv.customer_id, now=now)
    return ConversationSummary(
        id=conv.id, state=conv.state.value, channel=conv.channel, customer=customer,
        reason=conv.reason, reason_name=REASONS.get(conv.reason or ""),
        topic=conv.topic, group=conv.group, group_name=GROUPS.get(conv.group or ""),
        priority=conv.priority, priority_reasons=priority_reasons(conv, customer) if conv.priority else [],
        queued_at=conv.queued_at,
        wait_seconds=int((now - conv.queued_at).total_seconds()) if waiting and conv.state.value == "queued" else None,
        sla_due_at=conv.sla_due_at,
        sla_seconds_left=int((conv.sla_due_at - now).total_seconds()) if open_sla else None,
        sla_breached=conv.sla_breached,
        agent=AgentBrief(id=agent.id, name=agent.display_name) if agent else None,
        assigned_at=conv.assigned_at if agent else None,
        tags=conv.tags or [],
        preview=(last_customer.text[:80] if last_customer else ""),
        last_sentiment=(last_customer.nlu or {}).get("sentiment") if last_customer else None,
        last_activity_at=conv.last_activity_at,
    )
