"""The supervisor's API (supervisors and admins): the live board, whisper, take over."""

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from handoff.agents.deps import current_supervisor
from handoff.agents.models import Agent
from handoff.console.service import NoteOut
from handoff.conversations.views import ConversationSummary
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.deps import get_db, get_desk
from handoff.supervision import flows, service
from handoff.supervision.schemas import Board, WhisperIn

router = APIRouter(prefix="/api/supervisor", tags=["supervisor"], dependencies=[Depends(current_supervisor)])


@router.get("/board", response_model=Board)
def board(supervisor: Agent = Depends(current_supervisor), db: Session = Depends(get_db),
          desk: Desk = Depends(get_desk)):
    """Every open conversation with its agent, wait, SLA and the customer's latest mood; every agent's load."""
    return service.board(desk, db, supervisor=supervisor, now=utcnow())


@router.post("/conversations/{conv_id}/whisper", response_model=NoteOut, status_code=201)
def whisper(conv_id: str, body: WhisperIn, supervisor: Agent = Depends(current_supervisor),
            db: Session = Depends(get_db), desk: Desk = Depends(get_desk)):
    """A note only the agent holding the conversation sees, shown to them at once."""
    return service.whisper(desk, db, conv_id=conv_id, supervisor=supervisor, text=body.text, now=utcnow())


@router.post("/conversations/{conv_id}/take-over", response_model=ConversationSummary)
async def take_over(conv_id: str, supervisor: Agent = Depends(current_supervisor), desk: Desk = Depends(get_desk)):
    """The supervisor serves the customer from now on (the agent's console lets it go)."""
    return await flows.take_over(desk, conv_id=conv_id, supervisor_id=supervisor.id)
