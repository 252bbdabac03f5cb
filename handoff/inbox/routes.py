"""The inbox (admins and supervisors) and the agents' "机器人理解错了" flag."""

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from handoff.agents.deps import current_agent, current_supervisor
from handoff.agents.models import Agent
from handoff.core.clock import utcnow
from handoff.core.deps import get_db
from handoff.core.ids import PathId
from handoff.inbox import service
from handoff.knowledge import service as knowledge
from handoff.inbox.schemas import FlagIn, InboxGroup, ItemsIn, NewFaqIn, TeachIn

router = APIRouter(prefix="/api/admin/inbox", tags=["admin: unanswered questions"])
flags = APIRouter(prefix="/api/console", tags=["agent console"])


@router.get("", response_model=list[InboxGroup], dependencies=[Depends(current_supervisor)])
def inbox(status: str = "open", db: Session = Depends(get_db)):
    """Reads the conversations stored since the last look, then the groups of similar messages."""
    service.collect(db)
    return service.groups(db, status=status)


@router.post("/teach", dependencies=[Depends(current_supervisor)])
def teach(body: TeachIn, actor: Agent = Depends(current_supervisor), db: Session = Depends(get_db)):
    """Adds the messages as examples of an intent (one in five kept for evaluation)."""
    return service.teach(db, item_ids=body.item_ids, intent=body.intent, actor=actor, now=utcnow())


@router.post("/faq", status_code=201)
def new_faq(body: NewFaqIn, actor: Agent = Depends(current_supervisor), db: Session = Depends(get_db)):
    """A new FAQ answer whose questions are the messages."""
    return service.new_faq(db, item_ids=body.item_ids, title=body.title, text=body.text, actor=actor,
                           now=utcnow())


@router.post("/dismiss")
def dismiss(body: ItemsIn, actor: Agent = Depends(current_supervisor), db: Session = Depends(get_db)):
    return {"dismissed": service.dismiss(db, item_ids=body.item_ids, actor=actor, now=utcnow())}


@flags.get("/intents", dependencies=[Depends(current_agent)])
def intents(db: Session = Depends(get_db)):
    """Every intent and FAQ answer with its Chinese name, for the console's labels and the flag."""
    return [{"name": i["name"], "label": i["label"]} for i in knowledge.list_intents(db)]


@flags.post("/messages/{message_id}/flag", status_code=201)
async def flag(message_id: PathId, body: FlagIn, agent: Agent = Depends(current_agent),
               db: Session = Depends(get_db)):
    """"机器人理解错了": the message goes to the inbox with the intent it should have had."""
    item = await run_in_threadpool(service.flag, db, message_id=message_id, intent=body.intent, agent=agent,
                                   now=utcnow())
    return {"item_id": item.id, "status": item.status}
