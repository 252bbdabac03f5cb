"""The FAQ and training-data editors' API (admins and supervisors), and the live FAQ answers (service token)."""

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from handoff.agents.deps import current_supervisor
from handoff.agents.models import Agent
from handoff.conversations.bot import BotUnavailable
from handoff.core.auth import require_service_token
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.deps import get_db, get_desk
from handoff.core.errors import DeskError
from handoff.core.ids import MAX_ID, PathId
from handoff.knowledge import service
from handoff.knowledge.labels import intent_label
from handoff.knowledge.schemas import (ExampleIn, ExampleOut, ExampleSaved, ExampleUpdate, FaqCreate,
                                       FaqOut, FaqUpdate, IntentOut, PreviewIn, PreviewOut)

router = APIRouter(prefix="/api/admin", tags=["admin: FAQ and training data"])
live = APIRouter(prefix="/api/shop", tags=["shop"], dependencies=[Depends(require_service_token)])


class BotDown(DeskError):
    status_code = 503


@router.get("/faq", response_model=list[FaqOut], dependencies=[Depends(current_supervisor)])
def list_faq(q: str | None = None, db: Session = Depends(get_db)):
    return service.list_faq(db, query=q)


@router.get("/faq/{key}", response_model=FaqOut, dependencies=[Depends(current_supervisor)])
def get_faq(key: str, db: Session = Depends(get_db)):
    answer = service.get_faq(db, key)
    count = service.example_counts(db).get(f"faq/{key}", 0)
    return {**service.faq_columns(answer), "example_count": count, "warnings": service.faq_warnings(count)}


@router.post("/faq", response_model=FaqOut, status_code=201)
def create_faq(body: FaqCreate, actor: Agent = Depends(current_supervisor), db: Session = Depends(get_db)):
    answer, warnings = service.create_faq(db, body=body, actor=actor, now=utcnow())
    return {**service.faq_columns(answer), "example_count": len(body.examples), "warnings": warnings}


@router.put("/faq/{key}", response_model=FaqOut)
def update_faq(key: str, body: FaqUpdate, actor: Agent = Depends(current_supervisor),
               db: Session = Depends(get_db)):
    answer = service.update_faq(db, key=key, body=body, actor=actor, now=utcnow())
    return get_faq(answer.key, db)


@router.delete("/faq/{key}", status_code=204)
def delete_faq(key: str, actor: Agent = Depends(current_supervisor), db: Session = Depends(get_db)):
    service.delete_faq(db, key=key, actor=actor, now=utcnow())


@router.post("/faq/preview", response_model=PreviewOut, dependencies=[Depends(current_supervisor)])
async def preview(body: PreviewIn, desk: Desk = Depends(get_desk)):
    """How the live model reads a sample question, and the answer it would give now."""
    try:
        parse = await desk.bot.parse("admin-preview", body.text)
    except BotUnavailable:
        raise BotDown("机器人暂时无法连接，请稍后再试", "bot_unavailable") from None
    with desk.session() as db:
        titles = service.faq_titles(db)
        intent = (parse.get("intent") or {}).get("name") or "nlu_fallback"
        confidence = float((parse.get("intent") or {}).get("confidence") or 0.0)
        faq_key = None
        if intent == "faq":
            selected = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
            faq_key = (selected.get("intent_response_key") or "").removeprefix("faq/") or None
        answer = service.answer(db, faq_key)["text"] if faq_key in titles else None
        ranking = [{"intent": r.get("name"), "label": intent_label(r.get("name") or "", titles),
                    "confidence": round(float(r.get("confidence") or 0), 4)}
                   for r in (parse.get("intent_ranking") or [])[:5]]
    label = intent_label(f"faq/{faq_key}" if faq_key else intent, titles)
    return {"intent": f"faq/{faq_key}" if faq_key else intent, "intent_label": label,
            "confidence": round(confidence, 4), "faq_key": faq_key, "answer": answer, "ranking": ranking}


@router.get("/intents", response_model=list[IntentOut], dependencies=[Depends(current_supervisor)])
def list_intents(db: Session = Depends(get_db)):
    return service.list_intents(db)


@router.get("/examples", response_model=list[ExampleOut], dependencies=[Depends(current_supervisor)])
def list_examples(intent: str | None = None, q: str | None = None,
                  limit: int = Query(200, ge=1, le=1000), offset: int = Query(0, ge=0, le=MAX_ID),
                  db: Session = Depends(get_db)):
    return service.list_examples(db, intent=intent, query=q, limit=limit, offset=offset)


@router.post("/examples", response_model=ExampleSaved, status_code=201)
def add_example(body: ExampleIn, actor: Agent = Depends(current_supervisor), db: Session = Depends(get_db)):
    example, warnings = service.add_example(db, body=body, actor=actor, now=utcnow())
    return {"example": example, "warnings": warnings}


@router.patch("/examples/{example_id}", response_model=ExampleSaved)
def update_example(example_id: PathId, body: ExampleUpdate, actor: Agent = Depends(current_supervisor),
                   db: Session = Depends(get_db)):
    example, warnings = service.update_example(db, example_id=example_id, body=body, actor=actor,
                                               now=utcnow())
    return {"example": example, "warnings": warnings}


@router.delete("/examples/{example_id}", status_code=204)
def delete_example(example_id: PathId, actor: Agent = Depends(current_supervisor),
                   db: Session = Depends(get_db)):
    service.delete_example(db, example_id=example_id, actor=actor, now=utcnow())


@live.get("/faq/{key}")
def live_answer(key: str, db: Session = Depends(get_db)):
    """The current text of an FAQ answer, for the action that answers FAQ questions."""
    return service.answer(db, key)
