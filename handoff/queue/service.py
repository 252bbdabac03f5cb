"""The handoff queue.

SQL is the record: a conversation is waiting when its row says ``queued``.
Redis holds one sorted set per skill group (``desk:queue:<group>``), ordered
by priority and then by the time it was queued; it answers "who is next" and
"what is my position" fast, and is rebuilt from SQL whenever it may have
drifted (start-up, the maintenance loop), so a Redis restart loses nothing.

Claiming is one conditional UPDATE (``WHERE state = 'queued'`` and the agent
below capacity): two agents claiming at once, in one desk process or several,
get exactly one winner.
"""

import statistics
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session, aliased

from handoff.agents.models import Agent, Presence
from handoff.conversations import events
from handoff.conversations import service as conversations
from handoff.conversations.models import Conversation, Role, State
from handoff.conversations.schemas import AgentRef, QueueInfo, QueueStatus
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.errors import Conflict, DeskError
from handoff.queue import hours, wording
from handoff.queue.groups import GROUPS, group_for_topic
from handoff.queue.models import HandoffReason, HandoffRequest
from handoff.queue.schemas import HandoffCreate, HandoffOut
from handoff.shop import customers as shop

QUEUE_KEY = "desk:queue:"
# Set by every reconcile: a Redis without it lost what the desk put there (restarted empty, flushed).
RECONCILED_KEY = "desk:queue-reconciled"
HANDLE_TIME_KEY = "desk:stats:handle_seconds"
HANDOFF_STREAM = "desk:handoffs"  # an audit trail other services may follow
GOLD = "金卡会员"


def queue_key(group: str) -> str:
    return QUEUE_KEY + group


def score(priority: int, queued_at: datetime) -> float:
    """Lower is served first: higher priority, then earlier."""
    return -priority * 1e13 + queued_at.timestamp() * 1000


# A tier follows a year's spend: read from SQL at most every five minutes per
# customer (it is in the metadata of every bot turn), and again at once when
# the shop's rules (its thresholds) change.
TIER_SECONDS = 300


def customer_tier(desk: Desk, db: Session, *, customer_id: str | None, now: datetime) -> str | None:
    if not customer_id:
        return None
    key = f"desk:tier:{desk.policy_version}:{customer_id}"
    tier = desk.redis.get(key)
    if tier is None:
        try:
            tier = shop.tier_name(db, policy=desk.policy, customer_id=customer_id, now=now)
        except DeskError:
            tier = ""  # not a customer of the shop
        desk.redis.set(key, tier, ex=TIER_SECONDS)
    return tier or None


def priority_for(reason: str, tier: str | None, angry: bool = False) -> int:
    """+1 for a 金卡 member, +1 for a complaint, +1 for an angry customer."""
    return int(tier == GOLD) + int(reason == "complaint") + int(angry or reason == "negative_sentiment")


def sla_due(desk: Desk, queued_at: datetime, reason: str, tier: str | None) -> datetime:
    levels = desk.policy.sla
    minutes = levels.complaint_minutes if reason == "complaint" else levels.general_minutes
    if tier in levels.tier_minutes:
        minutes = min(minutes, levels.tier_minutes[tier])
    return queued_at + timedelta(minutes=minutes)


def online_agents(db: Session, group: str | None = None) -> list[Agent]:
    agents = db.scalars(select(Agent).where(Agent.active.is_(True), Agent.presence == Presence.online))
    return [a for a in agents if group is None or group in (a.skills or [])]


def handle_seconds(desk: Desk, db: Session) -> float:
    """Median handling time of the last 50 human conversations (cached a minute)."""
    cached = desk.redis.get(HANDLE_TIME_KEY)
    if cached:
        return float(cached)
    rows = db.execute(
        select(Conversation.assigned_at, Conversation.closed_at)
        .where(Conversation.closed_at.is_not(None), Conversation.assigned_at.is_not(None))
        .order_by(Conversation.closed_at.desc()).limit(50)
    ).all()
    durations = [(c - a).total_seconds() for a, c in rows if c >= a]
    value = statistics.median(durations) if len(durations) >= 3 else float(desk.settings.default_handle_seconds)
    desk.redis.set(HANDLE_TIME_KEY, value, ex=60)
    return value


def position(desk: Desk, conv: Conversation) -> int:
    rank = desk.redis.zrank(queue_key(conv.group), conv.id)
    if rank is None:  # Redis lost it: put it back from the record
        desk.redis.zadd(queue_key(conv.group), {conv.id: score(conv.priority, conv.queued_at)})
        rank = desk.redis.zrank(queue_key(conv.group), conv.id) or 0
    return rank + 1


def status(desk: Desk, db: Session, *, conv: Conversation, now: datetime | None = None) -> QueueStatus:
    """What the customer sees: state, position and estimated wait, or who answers."""
    now = now or utcnow()
    if conv.state == State.queued:
        pos = position(desk, conv)
        agents = online_agents(db, conv.group)
        slots = sum(a.capacity for a in agents) or 1
        # Each place ahead of us waits for one chat to end somewhere in the group.
        eta = max(30, int(pos * handle_seconds(desk, db) / slots))
        open_now = hours.is_open(desk.settings, desk.policy, now)
        return QueueStatus(state=conv.state.value, offer_ticket=not agents or not open_now,
                           queue=QueueInfo(position=pos, eta_seconds=eta, group=conv.group,
                                           group_name=GROUPS[conv.group], agents_online=len(agents),
                                           open_now=open_now))
    if conv.state == State.with_agent and conv.agent_id:
        agent = db.get(Agent, conv.agent_id)
        return QueueStatus(state=conv.state.value, agent=AgentRef(name=agent.display_name))
    if conv.state == State.bot and conv.reason:
        # Handed off outside business hours: the widget offers to leave a message.
        last = db.scalar(select(HandoffRequest).where(HandoffRequest.conversation_id == conv.id)
                         .order_by(HandoffRequest.id.desc()).limit(1))
        recent = last is not None and now - last.created_at < timedelta(hours=24)
        return QueueStatus(state=conv.state.value,
                           offer_ticket=bool(recent and last.status == "after_hours"))
    return QueueStatus(state=conv.state.value)


def _handoff_out(desk: Desk, db: Session, req: HandoffRequest, conv: Conversation,
                 again: bool = False) -> HandoffOut:
    st = status(desk, db, conv=conv)
    agent = db.get(Agent, conv.agent_id) if conv.agent_id else None
    out = HandoffOut(
        id=req.id, conversation_id=conv.id, sender_id=req.sender_id, customer_id=req.customer_id,
        channel=req.channel, reason=req.reason, topic=req.topic, note=req.note, status=req.status,
        created_at=req.created_at, state=conv.state.value, group=conv.group or group_for_topic(req.topic.value),
        group_name=GROUPS[conv.group or group_for_topic(req.topic.value)],
        position=st.queue.position if st.queue else None,
        eta_seconds=st.queue.eta_seconds if st.queue else None,
        agents_online=len(online_agents(db, conv.group or group_for_topic(req.topic.value))),
        open_now=hours.is_open(desk.settings, desk.policy, utcnow()),
        business_hours=hours.describe(desk.settings, desk.policy),
        agent_name=agent.display_name if agent else None,
    )
    out.standing = wording.where_you_stand(
        state=out.state, agent_name=out.agent_name, open_now=out.open_now, business_hours=out.business_hours,
        group_name=out.group_name, agents_online=out.agents_online, position=out.position,
        eta_seconds=out.eta_seconds, again=again, channel=conv.channel)
    empathy = ""
    if req.reason == HandoffReason.complaint:  # the full apology once; a shorter one when they ask again
        empathy = wording.STILL_UPSET if again else wording.empathy("complaint")
    out.notice = empathy + out.standing
    return out


def request_handoff(desk: Desk, db: Session, *, body: HandoffCreate, now: datetime,
                    angry: bool = False) -> HandoffOut:
    """Queue the conversation for a human (once: asking again answers the same request)."""
    conv = conversations.by_sender(db, rasa_sender_id=body.sender_id)
    if conv is None:  # a conversation the desk did not open (e.g. Rasa's own REST channel)
        conv, _ = conversations.create_conversation(db, channel=body.channel, customer_id=body.customer_id, now=now,
                                                    rasa_sender_id=body.sender_id)
    if conv.state in (State.queued, State.with_agent):
        current = db.scalar(select(HandoffRequest).where(HandoffRequest.conversation_id == conv.id)
                            .order_by(HandoffRequest.id.desc()).limit(1))
        if current is not None:  # asked again: the same request, said differently
            return _handoff_out(desk, db, current, conv, again=True)
    customer_id = conv.customer_id or body.customer_id
    tier = customer_tier(desk, db, customer_id=customer_id, now=now)
    open_now = hours.is_open(desk.settings, desk.policy, now)
    group = group_for_topic(body.topic.value)
    request = HandoffRequest(
        conversation_id=conv.id, sender_id=body.sender_id, customer_id=customer_id,
        channel=body.channel, reason=body.reason, topic=body.topic, note=body.note,
        status="queued" if open_now else "after_hours", created_at=now,
    )
    db.add(request)
    conv.customer_id = customer_id
    conv.reason, conv.topic, conv.group = body.reason.value, body.topic.value, group
    conv.handoff_note = body.note
    if open_now:
        conv.state = State.queued
        conv.priority = priority_for(body.reason.value, tier, angry)
        conv.queued_at = now
        conv.sla_due_at = sla_due(desk, now, body.reason.value, tier)
        conv.sla_breached = False
        conv.agent_id = conv.assigned_at = conv.first_agent_reply_at = conv.closed_at = None
    db.commit()
    if open_now:
        desk.redis.zadd(queue_key(group), {conv.id: score(conv.priority, now)})
        desk.redis.xadd(HANDOFF_STREAM, {"handoff_id": request.id, "conversation_id": conv.id,
                                         "reason": body.reason.value}, maxlen=10000)
        events.state_changed(desk.redis, conv)
        events.queue_changed(desk.redis)
    return _handoff_out(desk, db, request, conv)


def mark_angry(desk: Desk, db: Session, *, conv: Conversation, now: datetime) -> bool:
    """A waiting customer turned out to be angry: give them the anger priority (once)."""
    if conv.state != State.queued:
        return False
    tier = customer_tier(desk, db, customer_id=conv.customer_id, now=now)
    wanted = priority_for(conv.reason or "requested", tier, angry=True)
    if conv.priority >= wanted:
        return False
    conv.priority = wanted
    db.commit()
    desk.redis.zadd(queue_key(conv.group), {conv.id: score(conv.priority, conv.queued_at)})
    events.queue_changed(desk.redis)
    return True


def open_requests(db: Session) -> list[dict]:
    """Handoff requests still waiting for an agent, oldest first."""
    rows = db.scalars(select(HandoffRequest).where(HandoffRequest.status == "queued")
                      .order_by(HandoffRequest.created_at))
    return [{"id": r.id, "conversation_id": r.conversation_id, "sender_id": r.sender_id,
             "customer_id": r.customer_id, "channel": r.channel, "note": r.note,
             "reason": r.reason.value, "topic": r.topic.value, "created_at": r.created_at.isoformat() + "Z"}
            for r in rows]


def list_queue(db: Session) -> list[Conversation]:
    """Every waiting conversation, best first."""
    rows = db.scalars(select(Conversation).where(Conversation.state == State.queued))
    return sorted(rows, key=lambda c: score(c.priority, c.queued_at))


def claim(desk: Desk, db: Session, *, conv_id: str, agent: Agent, now: datetime) -> Conversation:
    """Give a waiting conversation to an agent. Exactly one of several claims wins."""
    conv = conversations.get_conversation(db, conv_id=conv_id)
    db.rollback()  # end the read transaction: the UPDATE below decides
    # Lock the agent's row (PostgreSQL) so that their capacity check is exact.
    db.execute(select(Agent.id).where(Agent.id == agent.id).with_for_update())
    mine = aliased(Conversation)
    held = (select(func.count()).select_from(mine)
            .where(mine.agent_id == agent.id, mine.state == State.with_agent).scalar_subquery())
    result = db.execute(
        update(Conversation)
        .where(and_(Conversation.id == conv_id, Conversation.state == State.queued,
                    held < agent.capacity))
        .values(state=State.with_agent, agent_id=agent.id, assigned_at=now, last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.rollback()
        db.refresh(conv)
        if conv.state != State.queued:
            raise Conflict("该会话已被其他客服接入", "already_claimed")
        raise Conflict("已达到接待上限，请先结束部分会话", "at_capacity")
    db.execute(update(HandoffRequest).where(HandoffRequest.conversation_id == conv_id,
                                            HandoffRequest.status == "queued").values(status="assigned"))
    db.refresh(conv)
    message = conversations.add_message(
        db, conv=conv, role=Role.system, text=f"客服{agent.display_name}已接入，正在为您服务。", now=now)
    db.commit()
    desk.redis.zrem(queue_key(conv.group), conv.id)
    events.message_added(desk.redis, conv, message, {})
    events.state_changed(desk.redis, conv)
    events.queue_changed(desk.redis)
    return conv


# --- the queue's state, written only here ------------------------------------
# (SQL fields in the caller's transaction; the Redis sorted sets after its commit.)


def requeue(*, conv: Conversation, group: str, now: datetime) -> None:
    """Back to waiting, in ``group`` (a transfer to a skill group). Keeps its place in time."""
    conv.state, conv.agent_id, conv.assigned_at = State.queued, None, None
    conv.group = group
    conv.queued_at = conv.queued_at or now


def hand_to(*, conv: Conversation, agent: Agent, now: datetime) -> None:
    """Straight to ``agent`` (a transfer to a colleague)."""
    conv.state, conv.agent_id, conv.assigned_at = State.with_agent, agent.id, now


def close_requests(db: Session, *, conv: Conversation) -> None:
    """The conversation ended: its open handoff requests end with it."""
    db.execute(update(HandoffRequest).where(HandoffRequest.conversation_id == conv.id,
                                            HandoffRequest.status.in_(["queued", "assigned"]))
               .values(status="closed"))


def sync_key(desk: Desk, *, conv: Conversation, old_group: str | None) -> bool:
    """After the commit: the conversation's place in the Redis queues as SQL now says
    (``old_group``: its group before the change). True when a queue changed."""
    changed = False
    if old_group and (conv.state != State.queued or conv.group != old_group):
        changed = bool(desk.redis.zrem(queue_key(old_group), conv.id))
    if conv.state == State.queued and conv.group:
        desk.redis.zadd(queue_key(conv.group), {conv.id: score(conv.priority, conv.queued_at)})
        changed = True
    return changed


def reconcile(desk: Desk, db: Session) -> int:
    """Make Redis match SQL: add what is missing, drop what is no longer waiting."""
    waiting = list_queue(db)
    changed = 0
    for group in GROUPS:
        want = {c.id: score(c.priority, c.queued_at) for c in waiting if c.group == group}
        have = dict(desk.redis.zrange(queue_key(group), 0, -1, withscores=True))
        extra = [m for m in have if m not in want]
        missing = {m: s for m, s in want.items() if have.get(m) != s}
        if extra:
            desk.redis.zrem(queue_key(group), *extra)
        if missing:
            desk.redis.zadd(queue_key(group), missing)
        changed += len(extra) + len(missing)
    desk.redis.set(RECONCILED_KEY, "1")
    return changed


def flag_sla_breaches(desk: Desk, db: Session, *, now: datetime) -> int:
    """Mark waiting or open conversations whose first human reply is overdue."""
    result = db.execute(
        update(Conversation)
        .where(Conversation.state.in_([State.queued, State.with_agent]),
               Conversation.first_agent_reply_at.is_(None), Conversation.sla_breached.is_(False),
               Conversation.sla_due_at < now)
        .values(sla_breached=True).execution_options(synchronize_session=False)
    )
    db.commit()
    if result.rowcount:
        events.queue_changed(desk.redis)
    return result.rowcount
