"""Left messages: the widget leaves one, agents list and answer them (docs/desk-api.md)."""

from typing import Literal

from fastapi import APIRouter, Depends, Header, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from handoff.agents.deps import current_agent
from handoff.agents.models import Agent
from handoff.core.context import Desk
from handoff.core.deps import get_db, get_desk
from handoff.core.ids import PathId
from handoff.core.limits import client_ip
from handoff.tickets import flows, service
from handoff.tickets.schemas import AnswerIn, TicketIn, TicketLeft, TicketOut

chat = APIRouter(prefix="/api/chat", tags=["web chat"])
console = APIRouter(prefix="/api/console", tags=["agent console"], dependencies=[Depends(current_agent)])


@chat.post("/conversations/{conv_id}/tickets", response_model=TicketLeft, status_code=201)
async def leave_message(conv_id: str, body: TicketIn, request: Request,
                        x_chat_token: str | None = Header(default=None), desk: Desk = Depends(get_desk)):
    """Leave a message for the team (留言) when nobody can answer now; a mobile number in
    ``contact`` also gets an SMS when it is answered (where the shop has an SMS gateway)."""
    return await run_in_threadpool(lambda: flows.leave(desk, conv_id=conv_id, token=x_chat_token,
                                                       ip=client_ip(request), text=body.text,
                                                       contact=body.contact))


@console.get("/tickets", response_model=list[TicketOut])
def tickets(status: Literal["open", "answered"] = "open", db: Session = Depends(get_db)):
    return [service.ticket_out(t) for t in service.list_tickets(db, status=status)]


@console.post("/tickets/{ticket_id}/answer", response_model=TicketOut)
async def answer(ticket_id: PathId, body: AnswerIn, agent: Agent = Depends(current_agent),
                 desk: Desk = Depends(get_desk)):
    """Answer a left message: it reaches the customer in their channel; the answer says how."""
    return await flows.answer(desk, ticket_id=ticket_id, agent_id=agent.id, text=body.text)
