"""Agents: accounts, log-in sessions, presence, canned responses."""

import hashlib
import secrets
from datetime import datetime
from functools import cache

from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.agents import throttle
from handoff.agents.models import Agent, CannedResponse, Presence, Role
from handoff.agents.passwords import hash_password, verify_password
from handoff.agents.schemas import AgentCreate, AgentOut, AgentUpdate, CannedIn
from handoff.audit import service as audit
from handoff.core.clock import utcnow
from handoff.conversations.models import Conversation, State
from handoff.core.errors import Conflict, Forbidden, NotFound, Unauthorized
from handoff.core.realtime import publish
from handoff.core.settings import Settings
from handoff.queue.groups import GROUPS

SESSION_KEY = "desk:session:"
# Per agent: the Redis keys of their open sessions, so that all of them can be
# ended when the account changes (password, role, deactivation).
AGENT_SESSIONS_KEY = "desk:agent-sessions:"

# Why an agent's sessions ended, as their console shows it.
ENDED_PASSWORD = "您的密码已被修改，请重新登录"
ENDED_ROLE = "您的角色已变更，请重新登录"
ENDED_DEACTIVATED = "您的账号已被停用"


@cache
def _dummy_hash() -> str:
    """Checked for unknown user names too, so that timing does not reveal which exist."""
    return hash_password(secrets.token_hex(8))


def active_count(db: Session, agent_id: int) -> int:
    return db.scalar(
        select(func.count()).where(
            Conversation.agent_id == agent_id, Conversation.state == State.with_agent
        )
    ) or 0


def agent_out(db: Session, agent: Agent) -> AgentOut:
    out = AgentOut.model_validate(agent)
    out.active_count = active_count(db, agent.id)
    return out


def get_agent(db: Session, agent_id: int) -> Agent:
    agent = db.get(Agent, agent_id)
    if agent is None:
        raise NotFound("客服不存在", "agent_not_found")
    return agent


def list_agents(db: Session) -> list[AgentOut]:
    return [agent_out(db, a) for a in db.scalars(select(Agent).order_by(Agent.id))]


def _audit_view(agent: Agent) -> dict:
    """An account as the audit log shows it (never the password hash)."""
    return {"username": agent.username, "display_name": agent.display_name,
            "role": agent.role.value, "skills": list(agent.skills), "capacity": agent.capacity,
            "active": agent.active}


def create_agent(db: Session, body: AgentCreate, now: datetime, *, actor: Agent | None = None) -> Agent:
    agent = Agent(
        username=body.username, display_name=body.display_name,
        password_hash=hash_password(body.password), role=body.role,
        skills=body.skills, capacity=body.capacity, presence=Presence.offline,
        active=True, created_at=now,
    )
    db.add(agent)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise Conflict("用户名已存在", "username_taken") from None
    audit.record(db, actor=actor, entity="agent", key=agent.username, action="create",
                 before=None, after=_audit_view(agent), now=now)
    db.commit()
    return agent


def update_agent(db: Session, agent_id: int, body: AgentUpdate, *, redis: Redis, actor: Agent | None = None,
                 now: datetime | None = None, keep_token: str | None = None) -> Agent:
    """Change an account. A new password, another role or a deactivation ends
    every session of the agent (all but ``keep_token``'s, the caller's own
    when admins change their own account) and closes their consoles."""
    agent = get_agent(db, agent_id)
    before = _audit_view(agent)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if changes.get("active") is False and agent.active:
        ended = ENDED_DEACTIVATED
    elif "role" in changes and changes["role"] != agent.role:
        ended = ENDED_ROLE
    elif "password" in changes:
        ended = ENDED_PASSWORD
    else:
        ended = None
    if "password" in changes:
        agent.password_hash = hash_password(changes.pop("password"))
        before["password"], changes_password = "", True
    else:
        changes_password = False
    for key, value in changes.items():
        setattr(agent, key, value)
    if agent.active is False:
        agent.presence = Presence.offline
    after = _audit_view(agent)
    if changes_password:
        after["password"] = "已修改"
    audit.record(db, actor=actor, entity="agent", key=agent.username, action="update",
                 before=before, after=after, now=now or utcnow())
    db.commit()
    if ended is not None:
        end_sessions(redis, agent.id, reason=ended, keep_token=keep_token)
    return agent


def login(db: Session, redis: Redis, settings: Settings, *, username: str, password: str, ip: str) -> Agent:
    """authenticate(), throttled: refused (429) while the user name or the
    address is locked out, before any password hashing."""
    throttle.check(redis, settings, username=username, ip=ip)
    try:
        agent = authenticate(db, username, password)
    except Unauthorized:
        throttle.failed(redis, settings, username=username, ip=ip)
        raise
    throttle.succeeded(redis, username=username, ip=ip)
    return agent


def authenticate(db: Session, username: str, password: str) -> Agent:
    agent = db.scalar(select(Agent).where(Agent.username == username))
    if agent is None:
        verify_password(password, _dummy_hash())
        raise Unauthorized("用户名或密码错误", "bad_credentials")
    if not verify_password(password, agent.password_hash) or not agent.active:
        raise Unauthorized("用户名或密码错误", "bad_credentials")
    return agent


def _session_key(token: str) -> str:
    return SESSION_KEY + hashlib.sha256(token.encode()).hexdigest()


def open_session(redis: Redis, agent_id: int, hours: float) -> str:
    token = secrets.token_urlsafe(32)
    key, index, ttl = _session_key(token), AGENT_SESSIONS_KEY + str(agent_id), int(hours * 3600)
    known = list(redis.smembers(index))
    if known:  # forget the sessions that have expired
        pipe = redis.pipeline(transaction=False)
        for old in known:
            pipe.exists(old)
        expired = [old for old, alive in zip(known, pipe.execute()) if not alive]
        if expired:
            redis.srem(index, *expired)
    pipe = redis.pipeline()
    pipe.set(key, agent_id, ex=ttl)
    pipe.sadd(index, key)
    pipe.expire(index, ttl)  # the index lives as long as the newest session
    pipe.execute()
    return token


def session_agent_id(redis: Redis, token: str | None) -> int | None:
    if not token:
        return None
    value = redis.get(_session_key(token))
    return int(value) if value else None


def close_session(redis: Redis, token: str | None) -> None:
    if token:
        key = _session_key(token)
        agent_id = redis.get(key)
        redis.delete(key)
        if agent_id:
            redis.srem(AGENT_SESSIONS_KEY + str(agent_id), key)


def end_sessions(redis: Redis, agent_id: int, *, reason: str, keep_token: str | None = None) -> int:
    """End every session of an agent (but ``keep_token``'s, if it is theirs) and
    tell their open consoles, which close with ``reason``. Any change of a
    password, a role or an account's state must call this. Returns how many
    sessions ended."""
    index = AGENT_SESSIONS_KEY + str(agent_id)
    keep = _session_key(keep_token) if keep_token and session_agent_id(redis, keep_token) == agent_id else None
    keys = [key for key in redis.smembers(index) if key != keep]
    if keys:
        pipe = redis.pipeline()
        pipe.delete(*keys)
        pipe.srem(index, *keys)
        ended = pipe.execute()[0]
    else:
        ended = 0
    publish(redis, "console", {"type": "session_ended", "agent_id": agent_id, "reason": reason})
    return ended


def set_presence(db: Session, agent: Agent, presence: Presence) -> Agent:
    agent.presence = presence
    db.commit()
    return agent


# An agent whose console is open keeps a short-lived "alive" key fresh. When
# the console has been gone for longer than the key lives (closed tab, lost
# network), an agent left 在线 is set to 离开 so that no new chats go to
# nobody. Agents working through the API alone (no console) are not touched.
CONSOLE_SEEN = "desk:console:seen:"
CONSOLE_ALIVE = "desk:console:alive:"
CONSOLE_ALIVE_SECONDS = 60


def console_heartbeat(redis: Redis, agent_id: int) -> None:
    pipe = redis.pipeline()
    pipe.set(CONSOLE_SEEN + str(agent_id), 1, ex=24 * 3600)
    pipe.set(CONSOLE_ALIVE + str(agent_id), 1, ex=CONSOLE_ALIVE_SECONDS)
    pipe.execute()


def away_without_console(db: Session, redis: Redis) -> list[int]:
    """Set online agents whose console went away to 离开; their ids."""
    gone = []
    for agent in db.scalars(select(Agent).where(Agent.presence == Presence.online)):
        if redis.exists(CONSOLE_SEEN + str(agent.id)) and not redis.exists(CONSOLE_ALIVE + str(agent.id)):
            agent.presence = Presence.away
            redis.delete(CONSOLE_SEEN + str(agent.id))
            gone.append(agent.id)
    db.commit()
    return gone


def ensure_seed_agents(db: Session, admin_username: str, admin_password: str, demo: bool,
                       capacity: int, now: datetime) -> None:
    """On an empty database: the first admin, the demo agents and canned responses."""
    if db.scalar(select(func.count()).select_from(Agent)):
        return
    people = [(admin_username, "管理员", admin_password, Role.admin, list(GROUPS))]
    if demo:
        people += [
            ("xiaomei", "小美", "agent123", Role.agent, ["returns", "logistics", "general"]),
            ("xiaoming", "小明", "agent123", Role.agent, ["points", "complaint", "general"]),
            ("xiaoyu", "小雨", "agent123", Role.agent, ["presales", "general"]),
            ("supervisor", "王主管", "super123", Role.supervisor, list(GROUPS)),
        ]
    for username, name, password, role, skills in people:
        db.add(Agent(username=username, display_name=name, password_hash=hash_password(password),
                     role=role, skills=skills, capacity=capacity, presence=Presence.offline,
                     active=True, created_at=now))
    for shortcut, title, text in DEFAULT_CANNED:
        db.add(CannedResponse(shortcut=shortcut, title=title, text=text))
    db.commit()


DEFAULT_CANNED = [
    ("/hi", "问候", "您好，我是人工客服，很高兴为您服务，请问有什么可以帮您？"),
    ("/wait", "请稍等", "好的，正在为您查询，请稍等一下哦～"),
    ("/wl", "物流催促", "已为您联系快递加急处理，有新的物流进展会第一时间通知您。"),
    ("/th", "退货说明", "商品签收7天内、不影响二次销售可申请七天无理由退货，快递员会在24小时内上门取件。"),
    ("/bye", "结束语", "感谢您的耐心，还有其他问题随时联系我们，祝您生活愉快！"),
]


def list_canned(db: Session) -> list[CannedResponse]:
    return list(db.scalars(select(CannedResponse).order_by(CannedResponse.shortcut)))


def _check_canned_editor(actor: Agent) -> None:
    """The canned responses are shared by every agent: supervisors and admins edit them."""
    if actor.role not in (Role.supervisor, Role.admin):
        raise Forbidden("只有主管或管理员可以修改公共快捷回复", "canned_supervisor_only")


def save_canned(db: Session, body: CannedIn, canned_id: int | None = None, *, actor: Agent) -> CannedResponse:
    _check_canned_editor(actor)
    if canned_id is None:
        canned = CannedResponse(**body.model_dump())
        db.add(canned)
    else:
        canned = db.get(CannedResponse, canned_id)
        if canned is None:
            raise NotFound("快捷回复不存在", "canned_not_found")
        for key, value in body.model_dump().items():
            setattr(canned, key, value)
    db.commit()
    return canned


def delete_canned(db: Session, canned_id: int, *, actor: Agent) -> None:
    _check_canned_editor(actor)
    canned = db.get(CannedResponse, canned_id)
    if canned is None:
        raise NotFound("快捷回复不存在", "canned_not_found")
    db.delete(canned)
    db.commit()
