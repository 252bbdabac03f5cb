"""The console's WebSocket: queue changes and the agent's conversations, live.

Protocol in docs/desk-api.md. An agent receives events of the conversations
they hold and of those they have open on screen ("watch").
"""

import asyncio
import contextlib

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

router = APIRouter()


def _agent_id(desk: Desk, token: str | None) -> int | None:
    with desk.session() as db:
        agent = agent_from_cookie(db, desk.redis, token)
        return agent.id if agent else None


def _summary(desk: Desk, conv_id: str) -> dict:
    with desk.session() as db:
        conv = conversations.get_conversation(db, conv_id)
        return summary(db, desk.policy, conv, utcnow()).model_dump(mode="json")


def _typing(desk: Desk, conv_id: str) -> None:
    with desk.session() as db:
        events.typing(desk.redis, conversations.get_conversation(db, conv_id), "agent")


@router.websocket("/ws/console")
async def console_socket(ws: WebSocket):
    desk: Desk = ws.app.state.desk
    agent_id = await run_in_threadpool(_agent_id, desk, ws.cookies.get(COOKIE))
    if agent_id is None:
        await ws.close(code=4401)
        return
    await ws.accept()
    watched: set[str] = set()
    inbox = desk.hub.listen("console", "queue")
    reader = asyncio.create_task(_read(ws, desk, watched))
    heartbeat = asyncio.create_task(_heartbeat(desk, agent_id))

    async def forward(_channel: str, event: dict) -> None:
        kind = event.get("type")
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


async def _heartbeat(desk: Desk, agent_id: int) -> None:
    """Keeps the agent counted as present while this console is open."""
    while True:
        await run_in_threadpool(console_heartbeat, desk.redis, agent_id)
        await asyncio.sleep(CONSOLE_ALIVE_SECONDS / 3)


async def _read(ws: WebSocket, desk: Desk, watched: set[str]) -> None:
    async for frame in frames(ws):
        kind = frame.get("type")
        if kind == "watch" and isinstance(frame.get("conversation_id"), str):
            watched.clear()  # one conversation on screen at a time
            watched.add(frame["conversation_id"][:32])
        elif kind == "typing" and isinstance(frame.get("conversation_id"), str):
            with contextlib.suppress(Exception):
                await run_in_threadpool(_typing, desk, frame["conversation_id"][:32])
