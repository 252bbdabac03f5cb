"""The logged-in agent, from the session cookie."""

from fastapi import Depends, Request
from redis import Redis
from sqlalchemy.orm import Session

from handoff.agents import service
from handoff.agents.models import Agent, Role
from handoff.core.deps import get_db, get_redis
from handoff.core.errors import Forbidden, Unauthorized

COOKIE = "desk_session"


def agent_from_cookie(db: Session, redis: Redis, token: str | None) -> Agent | None:
    agent_id = service.session_agent_id(redis, token)
    agent = db.get(Agent, agent_id) if agent_id is not None else None
    return agent if agent is not None and agent.active else None


def current_agent(
    request: Request, db: Session = Depends(get_db), redis: Redis = Depends(get_redis)
) -> Agent:
    agent = agent_from_cookie(db, redis, request.cookies.get(COOKIE))
    if agent is None:
        raise Unauthorized("请先登录", "not_logged_in")
    return agent


def current_admin(agent: Agent = Depends(current_agent)) -> Agent:
    if agent.role != Role.admin:
        raise Forbidden("需要管理员权限", "admin_only")
    return agent


def current_supervisor(agent: Agent = Depends(current_agent)) -> Agent:
    if agent.role not in (Role.admin, Role.supervisor):
        raise Forbidden("需要主管或管理员权限", "supervisor_only")
    return agent
