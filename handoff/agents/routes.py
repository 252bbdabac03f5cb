"""Log-in, presence and agent accounts."""

from fastapi import APIRouter, Depends, Request, Response
from redis import Redis
from sqlalchemy.orm import Session

from handoff.agents import service
from handoff.agents.deps import COOKIE, current_admin, current_agent, current_supervisor
from handoff.agents.models import Agent, Presence
from handoff.agents.schemas import AgentCreate, AgentOut, AgentUpdate, LoginIn, PresenceIn
from handoff.console import flows as console_flows
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.deps import get_db, get_desk, get_redis
from handoff.core.ids import PathId
from handoff.core.limits import client_ip

router = APIRouter(prefix="/api/agents", tags=["agents"])


@router.post("/login", response_model=AgentOut,
             responses={429: {"description": "登录尝试次数过多（Retry-After）"}})
def login(body: LoginIn, response: Response, request: Request, db: Session = Depends(get_db),
          redis: Redis = Depends(get_redis), desk: Desk = Depends(get_desk)):
    settings = desk.settings
    agent = service.login(db, redis, settings, username=body.username, password=body.password,
                          ip=client_ip(request))
    token = service.open_session(redis, agent.id, settings.session_hours)
    response.set_cookie(COOKIE, token, max_age=int(settings.session_hours * 3600), httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")
    return service.agent_out(db, agent)


@router.post("/logout", status_code=204)
def logout(request: Request, response: Response, db: Session = Depends(get_db),
           redis: Redis = Depends(get_redis)):
    token = request.cookies.get(COOKIE)
    agent_id = service.session_agent_id(redis, token)
    if agent_id is not None:
        service.set_presence(db, service.get_agent(db, agent_id), Presence.offline)
    service.close_session(redis, token)
    response.delete_cookie(COOKIE)


@router.get("/me", response_model=AgentOut)
def me(agent: Agent = Depends(current_agent), db: Session = Depends(get_db)):
    return service.agent_out(db, agent)


@router.put("/me/presence", response_model=AgentOut)
async def presence(body: PresenceIn, agent: Agent = Depends(current_agent), desk: Desk = Depends(get_desk)):
    return await console_flows.set_presence(desk, agent_id=agent.id, presence=body.presence)


@router.get("", response_model=list[AgentOut], dependencies=[Depends(current_supervisor)])
def list_agents(db: Session = Depends(get_db)):
    return service.list_agents(db)


@router.post("", response_model=AgentOut, status_code=201)
def create_agent(body: AgentCreate, admin: Agent = Depends(current_admin), db: Session = Depends(get_db)):
    return service.agent_out(db, service.create_agent(db, body, utcnow(), actor=admin))


@router.patch("/{agent_id}", response_model=AgentOut)
def update_agent(agent_id: PathId, body: AgentUpdate, request: Request, admin: Agent = Depends(current_admin),
                 db: Session = Depends(get_db), redis: Redis = Depends(get_redis)):
    # Admins changing their own account stay logged in here; their other sessions end.
    keep = request.cookies.get(COOKIE) if agent_id == admin.id else None
    return service.agent_out(db, service.update_agent(db, agent_id, body, redis=redis, actor=admin,
                                                      now=utcnow(), keep_token=keep))
