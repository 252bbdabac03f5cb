"""The widget's WebSocket: live messages and queue status, and sending.

Protocol in docs/desk-api.md. The socket listens to the conversation's
channel before it reads the backlog, so nothing falls between the two; the
client drops a message whose id it already has.
"""

import asyncio
import contextlib
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from handoff.conversations import events, flows
from handoff.conversations import service as conversations
from handoff.conversations.schemas import CustomerMessageIn
from handoff.core.context import Desk
from handoff.core.errors import DeskError, describe_validation_error
from handoff.core.limits import client_ip
from handoff.core.realtime import frames, pump
from handoff.queue import service as queue

logger = logging.getLogger(__name__)
router = APIRouter()

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def _customer_view(message: dict) -> dict:
    return {k: v for k, v in message.items() if k != "nlu"}


def _status(desk: Desk, conv_id: str) -> dict:
    with desk.session() as db:
        conv = conversations.get_conversation(db, conv_id=conv_id)
        return queue.status(desk, db, conv=conv).model_dump(mode="json")


def _backlog(desk: Desk, conv_id: str, after: int) -> list[dict]:
    with desk.session() as db:
        messages = conversations.messages_after(db, conv_id=conv_id, after=after)
        names = conversations.agent_names(db, messages)
        return [conversations.message_out(m, names).model_dump(mode="json") for m in messages]


@router.websocket("/ws/chat/{conv_id}")
async def chat_socket(ws: WebSocket, conv_id: str, token: str = "", after: int = 0):
    desk: Desk = ws.app.state.desk

    def check():
        with desk.session() as db:
            conversations.authorize(db, conv_id=conv_id, token=token)

    try:
        await run_in_threadpool(check)
    except DeskError as exc:
        await ws.close(code=CLOSE_NOT_FOUND if exc.status_code == 404 else CLOSE_FORBIDDEN)
        return
    await ws.accept()
    inbox = await desk.hub.listen(f"conv:{conv_id}", "queue")
    reader = asyncio.create_task(_read(ws, desk, conv_id, flows.WebClient(ip=client_ip(ws), token=token)))
    status: dict = {}

    async def forward(_channel: str, event: dict) -> None:
        nonlocal status
        kind = event.get("type")
        if kind == "message":
            await ws.send_json({"type": "message", "message": _customer_view(event["message"])})
        elif kind == "typing" and event.get("role") != "customer":
            await ws.send_json({"type": "typing", "role": event["role"]})
        elif kind == "state" or (kind == "queue" and status.get("state") == "queued"):
            new = await run_in_threadpool(_status, desk, conv_id)
            if new != status:
                status = new
                await ws.send_json({"type": "status", "status": status})

    try:
        for message in await run_in_threadpool(_backlog, desk, conv_id, after):
            await ws.send_json({"type": "message", "message": message})
        status = await run_in_threadpool(_status, desk, conv_id)
        await ws.send_json({"type": "status", "status": status})
        await pump(desk.hub, inbox, reader, forward)
    except (WebSocketDisconnect, RuntimeError):
        desk.hub.remove(inbox)
        reader.cancel()


async def _read(ws: WebSocket, desk: Desk, conv_id: str, client: flows.WebClient) -> None:
    """Client -> server frames. Ends when the client goes away."""
    async for frame in frames(ws, bad_frame_detail="消息格式不正确"):
        kind = frame.get("type")
        if kind == "typing":
            await run_in_threadpool(_customer_typing, desk, conv_id)
        elif kind == "message":
            try:
                body = CustomerMessageIn.model_validate(frame)
            except ValidationError as exc:
                detail = "；".join(describe_validation_error(e) for e in exc.errors())
                await ws.send_json({"type": "error", "detail": detail, "client_id": frame.get("client_id")})
                continue
            # One frame at a time per connection: the next is read when this one is answered.
            await _handle(ws, desk, conv_id, body, client)
        else:
            await ws.send_json({"type": "error", "detail": "未知的消息类型"})


async def _handle(ws: WebSocket, desk: Desk, conv_id: str, body: CustomerMessageIn,
                  client: flows.WebClient) -> None:
    try:
        await flows.handle_customer_message(desk, conv_id=conv_id, text=body.text, payload=body.payload,
                                            client_id=body.client_id, web=client)
    except DeskError as exc:  # too fast (429): said to the customer, nothing stored
        await ws.send_json({"type": "error", "detail": exc.message, "client_id": body.client_id})
    except Exception:  # the customer must hear about it; the message itself is stored first
        logger.exception("handling a message of %s failed", conv_id)
        with contextlib.suppress(Exception):
            await ws.send_json({"type": "error", "detail": "消息处理失败，请稍后重试", "client_id": body.client_id})


def _customer_typing(desk: Desk, conv_id: str) -> None:
    with desk.session() as db:
        events.typing(desk.redis, conversations.get_conversation(db, conv_id=conv_id), "customer")
