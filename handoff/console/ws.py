"""The console's WebSocket: queue changes and the agent's conversations, live.

Protocol in docs/desk-api.md. An agent receives events of the conversations
they hold and of those they have open on screen ("watch").

Only pages of the desk's own origin may open it (a browser always sends
Origin on a WebSocket; clients without one are not browsers). The log-in
session is checked at connect, whenever the agent's sessions are ended
(a "session_ended" event: password, role or account changed) and on every
heartbeat; once it is gone the socket closes with 4401 and a reason.
"""

import asyncio
import contextlib
import logging
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from handoff.agents.deps import COOKIE, agent_from_cookie
from handoff.agents.service import CONSOLE_ALIVE_SECONDS, console_heartbeat
from handoff.conversations import events
from handoff.conversations import service as conversations
from handoff.conversations.views import summary
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.realtime import frames, pump

logger = logging.getLogger(__name__)
router = APIRouter()

CLOSE_SESSION_ENDED = 4401
CLOSE_BAD_ORIGIN = 4403
NOT_LOGGED_IN = "请先登录"
SESSION_GONE = "登录已失效，请重新登录"
BAD_ORIGIN = "连接来源与工作台地址不符，已拒绝"


def _host(hostport: str) -> str:
    """host[:port], lower case, without a default port."""
    hostport = hostport.strip().lower()
    for default in (":80", ":443"):
        hostport = hostport.removesuffix(default)
    return hostport


def same_origin(origin: str | None, host: str | None) -> bool:
    """No Origin (not a browser), or the Origin's host is the request's Host."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and bool(host) \
        and _host(parts.netloc) == _host(host)


def _close_reason(text: str) -> str:
    """A close frame's reason holds at most 123 bytes."""
    return text.encode()[:123].decode(errors="ignore")


def _agent_id(desk: Desk, token: str | None) -> int | None:
    with desk.session() as db:
        agent = agent_from_cookie(db, desk.redis, token)
        return agent.id if agent else None


def _summary(desk: Desk, conv_id: str) -> dict:
    with desk.session() as db:
        conv = conversations.get_conversation(db, conv_id=conv_id)
        return summary(db, desk.policy, conv, utcnow()).model_dump(mode="json")


def _typing(desk: Desk, conv_id: str) -> None:
    with desk.session() as db:
        events.typing(desk.redis, conversations.get_conversation(db, conv_id=conv_id), "agent")


@router.websocket("/ws/console")
async def console_socket(ws: WebSocket):
    desk: Desk = ws.app.state.desk
    # Accepted before closing, so that a browser sees the code and the reason
    # (a refused handshake only shows as 1006).
    if not same_origin(ws.headers.get("origin"), ws.headers.get("host")):
        await ws.accept()
        await ws.close(code=CLOSE_BAD_ORIGIN, reason=_close_reason(BAD_ORIGIN))
        return
    token = ws.cookies.get(COOKIE)
    agent_id = await run_in_threadpool(_agent_id, desk, token)
    if agent_id is None:
        await ws.accept()
        await ws.close(code=CLOSE_SESSION_ENDED, reason=_close_reason(NOT_LOGGED_IN))
        return
    await ws.accept()
    watched: set[str] = set()
    inbox = await desk.hub.listen("console", "queue")
    reader = asyncio.create_task(_read(ws, desk, watched))
    heartbeat = asyncio.create_task(_heartbeat(desk, agent_id, token, inbox))

    async def forward(_channel: str, event: dict) -> None:
        kind = event.get("type")
        if kind == "session_ended":
            # Someone's sessions were ended: close if this socket's is among them.
            if event.get("agent_id") == agent_id and \
                    await run_in_threadpool(_agent_id, desk, token) != agent_id:
                await ws.close(code=CLOSE_SESSION_ENDED, reason=_close_reason(event.get("reason") or SESSION_GONE))
                raise WebSocketDisconnect(CLOSE_SESSION_ENDED)
            return
        if kind == "queue":
            await ws.send_json({"type": "queue"})
            return
        conv_id = event.get("conversation_id")
        if agent_id not in (event.get("agent_id"), event.get("previous_agent_id")) and conv_id not in watched:
            return
        if kind == "conversation":
            await ws.send_json({"type": "conversation",
                                "conversation": await run_in_threadpool(_summary, desk, conv_id)})
        elif kind in ("message", "note", "negative"):
            await ws.send_json(event)
        elif kind == "typing":
            await ws.send_json({"type": "typing", "conversation_id": conv_id})

    try:
        await pump(desk.hub, inbox, reader, forward)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        heartbeat.cancel()


async def _heartbeat(desk: Desk, agent_id: int, token: str | None, inbox: asyncio.Queue) -> None:
    """Keeps the agent counted as present while this console is open, and
    ends the socket (through its own inbox) once its session is gone."""
    period = min(desk.settings.console_session_check_seconds, CONSOLE_ALIVE_SECONDS / 3)
    while True:
        try:
            if await run_in_threadpool(_agent_id, desk, token) != agent_id:
                await inbox.put(("local", {"type": "session_ended", "agent_id": agent_id, "reason": SESSION_GONE}))
                return
            await run_in_threadpool(console_heartbeat, desk.redis, agent_id)
        except Exception:  # Redis or the database briefly away: try again next beat
            logger.warning("console heartbeat failed for agent %s", agent_id, exc_info=True)
        await asyncio.sleep(period)


async def _read(ws: WebSocket, desk: Desk, watched: set[str]) -> None:
    async for frame in frames(ws):
        kind = frame.get("type")
        if kind == "watch" and isinstance(frame.get("conversation_id"), str):
            watched.clear()  # one conversation on screen at a time
            watched.add(frame["conversation_id"][:32])
        elif kind == "typing" and isinstance(frame.get("conversation_id"), str):
            with contextlib.suppress(Exception):
                await run_in_threadpool(_typing, desk, frame["conversation_id"][:32])
