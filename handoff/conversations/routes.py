"""Web chat API for the widget (and any front end a shop builds)."""

import time

from fastapi import APIRouter, Depends, Header, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from handoff.conversations import flows, limits
from handoff.conversations import service as conversations
from handoff.conversations.schemas import (
    ConversationOpened,
    ConversationOut,
    CustomerMessageIn,
    MessageOut,
    OpenConversation,
    QueueStatus,
    SentMessage,
)
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.deps import get_db, get_desk
from handoff.core.limits import client_ip
from handoff.queue import service as queue

router = APIRouter(prefix="/api/chat", tags=["web chat"])


@router.post("/conversations", response_model=ConversationOpened, status_code=201)
async def open_conversation(body: OpenConversation, request: Request, desk: Desk = Depends(get_desk)):
    """Open a conversation. A signed customer id makes it the shop's customer; else anonymous."""
    await run_in_threadpool(limits.opening, desk, ip=client_ip(request))
    customer_id = conversations.verified_customer(desk.settings, body.customer_id, body.signature,
                                                  body.timestamp, time.time())
    return await run_in_threadpool(lambda: flows.open_conversation(desk, channel=body.channel,
                                                                   customer_id=customer_id))


@router.get("/conversations/{conv_id}", response_model=ConversationOut)
def get_conversation(conv_id: str, x_chat_token: str | None = Header(default=None),
                     db: Session = Depends(get_db), desk: Desk = Depends(get_desk)):
    conv = conversations.authorize(db, conv_id=conv_id, token=x_chat_token)
    return ConversationOut(id=conv.id, state=conv.state.value,
                           customer=conversations.customer_ref(db, policy=desk.policy, customer_id=conv.customer_id,
                                                               now=utcnow()),
                           status=queue.status(desk, db, conv=conv))


@router.get("/conversations/{conv_id}/messages", response_model=list[MessageOut])
def list_messages(conv_id: str, after: int = 0, x_chat_token: str | None = Header(default=None),
                  db: Session = Depends(get_db)):
    conversations.authorize(db, conv_id=conv_id, token=x_chat_token)
    messages = conversations.messages_after(db, conv_id=conv_id, after=after)
    names = conversations.agent_names(db, messages)
    return [conversations.message_out(m, names) for m in messages]


@router.post("/conversations/{conv_id}/messages", response_model=SentMessage, status_code=201)
async def send_message(conv_id: str, body: CustomerMessageIn, request: Request,
                       x_chat_token: str | None = Header(default=None), desk: Desk = Depends(get_desk)):
    """Store the customer's message and wait for the answers (bot replies or a notice)."""
    message, replies = await flows.handle_customer_message(
        desk, conv_id=conv_id, text=body.text, payload=body.payload, client_id=body.client_id,
        web=flows.WebClient(ip=client_ip(request), token=x_chat_token))
    return SentMessage(message=message, replies=replies)


@router.get("/conversations/{conv_id}/status", response_model=QueueStatus)
def get_status(conv_id: str, x_chat_token: str | None = Header(default=None),
               db: Session = Depends(get_db), desk: Desk = Depends(get_desk)):
    return queue.status(desk, db, conv=conversations.authorize(db, conv_id=conv_id, token=x_chat_token))

