"""The agent console's API (docs/desk-api.md) and its page."""

from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from handoff.agents import service as agents
from handoff.agents.deps import current_agent
from handoff.agents.models import Agent
from handoff.agents.schemas import CannedIn, CannedOut
from handoff.console import flows, service
from handoff.console.service import ConversationDetail, NoteOut, TagsIn, TextIn, TransferIn
from handoff.conversations.schemas import ConsoleMessageOut
from handoff.conversations.views import ConversationSummary, summary
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.deps import get_db, get_desk
from handoff.core.ids import PathId
from handoff.queue import service as queue
from handoff.queue.groups import GROUPS

STATIC = Path(__file__).parent / "static"
router = APIRouter(prefix="/api/console", tags=["agent console"], dependencies=[Depends(current_agent)])
pages = APIRouter(include_in_schema=False)


@pages.get("/console")
def console_page():
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


@pages.get("/console/admin")
def admin_page():
    return FileResponse(STATIC / "admin.html", headers={"Cache-Control": "no-cache"})


@pages.get("/console/workspace")
def workspace_page():
    """The admin workspace (机器人训练台): FAQ, training data, training and models, audit log."""
    return FileResponse(STATIC / "workspace.html", headers={"Cache-Control": "no-cache"})


@router.get("/groups")
def groups():
    return [{"key": key, "name": name} for key, name in GROUPS.items()]


@router.get("/queue", response_model=list[ConversationSummary])
def waiting(db: Session = Depends(get_db), desk: Desk = Depends(get_desk)):
    now = utcnow()
    return [summary(db, desk.policy, c, now) for c in queue.list_queue(db)]


@router.get("/conversations", response_model=list[ConversationSummary])
def list_conversations(scope: str = "mine", agent: Agent = Depends(current_agent),
                       db: Session = Depends(get_db), desk: Desk = Depends(get_desk)):
    return service.list_conversations(desk, db, agent=agent, scope=scope, now=utcnow())


@router.get("/conversations/{conv_id}", response_model=ConversationDetail)
async def conversation(conv_id: str, desk: Desk = Depends(get_desk)):
    """The transcript with the context panel: handoff, NLU, slots, customer and orders."""
    return await flows.open_conversation(desk, conv_id=conv_id)


@router.post("/conversations/{conv_id}/claim", response_model=ConversationSummary)
async def claim(conv_id: str, agent: Agent = Depends(current_agent), desk: Desk = Depends(get_desk)):
    return await flows.claim(desk, conv_id=conv_id, agent_id=agent.id)


@router.post("/conversations/{conv_id}/messages", response_model=ConsoleMessageOut, status_code=201)
def reply(conv_id: str, body: TextIn, agent: Agent = Depends(current_agent),
          db: Session = Depends(get_db), desk: Desk = Depends(get_desk)):
    return service.reply(desk, db, conv_id=conv_id, agent=agent, text=body.text, now=utcnow())


@router.post("/conversations/{conv_id}/notes", response_model=NoteOut, status_code=201)
def note(conv_id: str, body: TextIn, agent: Agent = Depends(current_agent),
         db: Session = Depends(get_db), desk: Desk = Depends(get_desk)):
    return service.add_note(desk.redis, db, conv_id=conv_id, agent=agent, text=body.text, now=utcnow())


@router.put("/conversations/{conv_id}/tags", response_model=ConversationSummary)
def tags(conv_id: str, body: TagsIn, agent: Agent = Depends(current_agent), db: Session = Depends(get_db),
         desk: Desk = Depends(get_desk)):
    return service.set_tags(desk, db, conv_id=conv_id, tags=body.tags, now=utcnow(), agent=agent)


@router.post("/conversations/{conv_id}/transfer", response_model=ConversationSummary)
async def transfer(conv_id: str, body: TransferIn, agent: Agent = Depends(current_agent),
                   desk: Desk = Depends(get_desk)):
    return await flows.transfer(desk, conv_id=conv_id, agent_id=agent.id, body=body)


@router.post("/conversations/{conv_id}/resolve", response_model=ConversationSummary)
async def resolve(conv_id: str, agent: Agent = Depends(current_agent), desk: Desk = Depends(get_desk)):
    return await flows.resolve(desk, conv_id=conv_id, agent_id=agent.id)


@router.get("/canned", response_model=list[CannedOut])
def canned(db: Session = Depends(get_db)):
    return agents.list_canned(db)


@router.post("/canned", response_model=CannedOut, status_code=201)
def add_canned(body: CannedIn, agent: Agent = Depends(current_agent), db: Session = Depends(get_db)):
    return agents.save_canned(db, body, actor=agent)


@router.put("/canned/{canned_id}", response_model=CannedOut)
def edit_canned(canned_id: PathId, body: CannedIn, agent: Agent = Depends(current_agent),
                db: Session = Depends(get_db)):
    return agents.save_canned(db, body, canned_id, actor=agent)


@router.delete("/canned/{canned_id}", status_code=204)
def delete_canned(canned_id: PathId, agent: Agent = Depends(current_agent), db: Session = Depends(get_db)):
    agents.delete_canned(db, canned_id, actor=agent)


@router.get("/stats")
def stats(db: Session = Depends(get_db), desk: Desk = Depends(get_desk)):
    return service.stats(db, now=utcnow(), timezone=desk.settings.timezone)
