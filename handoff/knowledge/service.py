"""FAQ answers and training examples: plain functions over a session.

Every change writes an audit entry in the same transaction. Changes that the
model must learn (examples, new or deleted FAQ answers) bump the revision, so
the training page can say the live model is out of date; an answer's text is
served live (``answer``) and needs no retraining.
"""

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from handoff.agents.models import Agent
from handoff.audit import service as audit
from handoff.core.errors import Conflict, DeskError, NotFound
from handoff.knowledge.labels import INTENT_LABELS, intent_label
from handoff.knowledge.models import Example, FaqAnswer, Revision
from handoff.knowledge.schemas import ExampleIn, ExampleUpdate, FaqCreate, FaqUpdate
from handoff.knowledge.text import (annotate, annotation_errors, edit_distance, near_duplicate_limit,
                                    plain)

# Intents whose examples the shop edits (the rest are produced by the pipeline).
EDITABLE_INTENTS = [i for i in INTENT_LABELS if i not in ("nlu_fallback", "faq")]
# Below these an intent (an FAQ answer) is learnt poorly: the editor warns.
MIN_EXAMPLES = 10
MIN_FAQ_EXAMPLES = 5


class Invalid(DeskError):
    status_code = 422


# --- revision -----------------------------------------------------------------

def revision(db: Session) -> int:
    row = db.get(Revision, 1)
    return row.revision if row else 0


def _bump(db: Session, now: datetime) -> None:
    row = db.get(Revision, 1)
    if row is None:
        db.add(Revision(id=1, revision=1, changed_at=now))
    else:
        db.execute(update(Revision).where(Revision.id == 1)
                   .values(revision=Revision.revision + 1, changed_at=now))


# --- FAQ answers ----------------------------------------------------------------

def _faq_view(answer: FaqAnswer) -> dict:
    return {"title": answer.title, "text": answer.text, "buttons": list(answer.buttons or [])}


def faq_titles(db: Session) -> dict[str, str]:
    return dict(db.execute(select(FaqAnswer.key, FaqAnswer.title)).all())


def example_counts(db: Session) -> dict[str, int]:
    rows = db.execute(select(Example.intent, func.count()).where(Example.holdout.is_(False))
                      .group_by(Example.intent))
    return dict(rows.all())


def faq_warnings(count: int) -> list[str]:
    if count < MIN_FAQ_EXAMPLES:
        return [f"只有 {count} 条问法，至少需要 {MIN_FAQ_EXAMPLES} 条机器人才能可靠地认出这个问题"]
    return []


def list_faq(db: Session, *, query: str | None = None) -> list[dict]:
    counts = example_counts(db)
    stmt = select(FaqAnswer).order_by(FaqAnswer.title)
    answers = list(db.scalars(stmt))
    if query:
        q = query.strip().lower()
        matching_keys = set(db.scalars(select(Example.intent).where(Example.text.contains(q))))
        answers = [a for a in answers if q in a.title.lower() or q in a.text.lower()
                   or q in a.key or f"faq/{a.key}" in matching_keys]
    out = []
    for answer in answers:
        count = counts.get(f"faq/{answer.key}", 0)
        out.append({**faq_columns(answer), "example_count": count, "warnings": faq_warnings(count)})
    return out


def faq_columns(answer: FaqAnswer) -> dict:
    return {"key": answer.key, "title": answer.title, "text": answer.text,
            "buttons": answer.buttons or [], "version": answer.version,
            "updated_at": answer.updated_at, "updated_by": answer.updated_by}


def get_faq(db: Session, key: str) -> FaqAnswer:
    answer = db.scalar(select(FaqAnswer).where(FaqAnswer.key == key))
    if answer is None:
        raise NotFound("没有这个常见问题", "faq_not_found")
    return answer


def _next_key(db: Session) -> str:
    taken = set(db.scalars(select(FaqAnswer.key)))
    number = len(taken) + 1
    while f"faq_{number}" in taken:
        number += 1
    return f"faq_{number}"


def create_faq(db: Session, *, body: FaqCreate, actor: Agent, now: datetime) -> tuple[FaqAnswer, list[str]]:
    key = body.key or _next_key(db)
    if db.scalar(select(FaqAnswer.id).where(FaqAnswer.key == key)):
        raise Conflict("这个标识已被其他常见问题使用", "faq_key_taken")
    if db.scalar(select(FaqAnswer.id).where(FaqAnswer.title == body.title)):
        raise Conflict(f"已经有标题为“{body.title}”的常见问题", "faq_title_taken")
    answer = FaqAnswer(key=key, title=body.title, text=body.text,
                       buttons=[b.model_dump() for b in body.buttons], version=1,
                       updated_at=now, updated_by=actor.display_name)
    db.add(answer)
    db.flush()
    warnings: list[str] = []
    for text in dict.fromkeys(t.strip() for t in body.examples if t.strip()):
        _, found = _add_example(db, intent=f"faq/{key}", text=text, actor=actor, now=now,
                                known={f"faq/{key}"})
        warnings += found
    warnings += faq_warnings(len(body.examples))
    audit.record(db, actor=actor, entity="faq", key=key, action="create", before=None,
                 after={**_faq_view(answer), "examples": body.examples}, now=now)
    _bump(db, now)
    db.commit()
    return answer, warnings


def update_faq(db: Session, *, key: str, body: FaqUpdate, actor: Agent, now: datetime) -> FaqAnswer:
    """Changes the answer; refused with 409 when someone saved it since ``body.version``."""
    answer = get_faq(db, key)
    before = _faq_view(answer)
    clash = db.scalar(select(FaqAnswer.id).where(FaqAnswer.title == body.title, FaqAnswer.key != key))
    if clash:
        raise Conflict(f"已经有标题为“{body.title}”的常见问题", "faq_title_taken")
    # One conditional UPDATE: of two editors who started from the same version, one wins.
    result = db.execute(
        update(FaqAnswer).where(FaqAnswer.key == key, FaqAnswer.version == body.version)
        .values(title=body.title, text=body.text, buttons=[b.model_dump() for b in body.buttons],
                version=FaqAnswer.version + 1, updated_at=now, updated_by=actor.display_name)
    )
    if result.rowcount != 1:
        db.rollback()
        raise Conflict("这条答案已被其他人修改，请刷新后再编辑", "faq_edited_meanwhile")
    db.refresh(answer)
    audit.record(db, actor=actor, entity="faq", key=key, action="update", before=before,
                 after=_faq_view(answer), now=now)
    db.commit()
    return answer


def delete_faq(db: Session, *, key: str, actor: Agent, now: datetime) -> None:
    answer = get_faq(db, key)
    examples = list(db.scalars(select(Example.text).where(Example.intent == f"faq/{key}")))
    audit.record(db, actor=actor, entity="faq", key=key, action="delete",
                 before={**_faq_view(answer), "examples": examples}, after=None, now=now)
    db.execute(delete(Example).where(Example.intent == f"faq/{key}"))
    db.delete(answer)
    _bump(db, now)
    db.commit()


def answer(db: Session, key: str) -> dict:
    """What the bot says for ``faq/<key>`` now (the action asks on every FAQ turn)."""
    return {"key": key, **_faq_view(get_faq(db, key))}


# --- intents and examples ---------------------------------------------------------

def known_intents(db: Session) -> set[str]:
    return set(EDITABLE_INTENTS) | {f"faq/{k}" for k in db.scalars(select(FaqAnswer.key))}


def intent_warnings(intent: str, count: int) -> list[str]:
    if intent.startswith("faq/"):
        return faq_warnings(count)
    if count < MIN_EXAMPLES:
        return [f"只有 {count} 条训练语句，建议至少 {MIN_EXAMPLES} 条"]
    return []


def list_intents(db: Session) -> list[dict]:
    counts = example_counts(db)
    titles = faq_titles(db)
    out = []
    for intent in EDITABLE_INTENTS + sorted(f"faq/{k}" for k in titles):
        count = counts.get(intent, 0)
        out.append({"name": intent, "label": intent_label(intent, titles), "examples": count,
                    "warnings": intent_warnings(intent, count)})
    return out


def list_examples(db: Session, *, intent: str | None = None, query: str | None = None,
                  limit: int = 200, offset: int = 0) -> list[dict]:
    stmt = select(Example).order_by(Example.id.desc()).limit(limit).offset(offset)
    if intent:
        stmt = stmt.where(Example.intent == intent)
    if query:
        stmt = stmt.where(Example.text.contains(query.strip()))
    titles = faq_titles(db)
    return [_example_out(e, titles) for e in db.scalars(stmt)]


def _example_out(example: Example, titles: dict[str, str]) -> dict:
    return {"id": example.id, "intent": example.intent,
            "intent_label": intent_label(example.intent, titles), "text": example.text,
            "source": example.source, "holdout": example.holdout,
            "created_at": example.created_at, "created_by": example.created_by}


def check_example(db: Session, *, intent: str, text: str, known: set[str] | None = None,
                  exclude_id: int | None = None) -> list[str]:
    """Refuses an example the model cannot use; returns warnings about one it can."""
    if intent not in (known if known is not None else known_intents(db)):
        raise Invalid(f"没有这个意图：{intent}", "unknown_intent")
    errors = annotation_errors(text)
    if errors:
        raise Invalid("；".join(errors), "bad_annotation")
    key = plain(text)
    if not key:
        raise Invalid("训练语句不能只有标点或空格", "empty_example")
    titles = faq_titles(db)
    same = db.execute(select(Example.id, Example.intent).where(Example.plain == key)).all()
    for other_id, other_intent in same:
        if other_id == exclude_id:
            continue
        if other_intent == intent:
            raise Conflict("这条训练语句已经存在", "duplicate_example")
        raise Conflict(f"这句话已是“{intent_label(other_intent, titles)}”的训练语句："
                       "同一句话不能教给两个意图，如需更正请把它移过来", "duplicate_other_intent")
    limit = near_duplicate_limit(key)
    candidates = db.execute(
        select(Example.plain, Example.intent).where(Example.intent != intent,
                                                    func.length(Example.plain).between(len(key) - limit,
                                                                                       len(key) + limit))
    ).all()
    warnings = []
    for other, other_intent in candidates:
        if edit_distance(key, other, limit) <= limit:
            warnings.append(f"与“{intent_label(other_intent, titles)}”的训练语句“{other}”非常相似，"
                            "可能让机器人混淆")
            if len(warnings) >= 3:
                break
    return warnings


def _add_example(db: Session, *, intent: str, text: str, actor: Agent | None, now: datetime,
                 source: str = "admin", holdout: bool = False,
                 known: set[str] | None = None) -> tuple[Example, list[str]]:
    if "](" not in text:  # order numbers and phones annotated, so the data stays consistent
        text = annotate(text)
    warnings = check_example(db, intent=intent, text=text, known=known)
    example = Example(intent=intent, text=text, plain=plain(text), source=source, holdout=holdout,
                      created_at=now, created_by=actor.display_name if actor else "系统")
    db.add(example)
    db.flush()
    return example, warnings


def add_example(db: Session, *, body: ExampleIn, actor: Agent | None, now: datetime,
                source: str = "admin", holdout: bool = False) -> tuple[dict, list[str]]:
    example, warnings = _add_example(db, intent=body.intent, text=body.text, actor=actor, now=now,
                                     source=source, holdout=holdout)
    count = example_counts(db).get(body.intent, 0)
    warnings += intent_warnings(body.intent, count)
    audit.record(db, actor=actor, entity="example", key=body.intent, action="create", before=None,
                 after={"intent": body.intent, "text": example.text, "holdout": holdout}, now=now)
    if not holdout:
        _bump(db, now)
    db.commit()
    return _example_out(example, faq_titles(db)), warnings


def get_example(db: Session, example_id: int) -> Example:
    example = db.get(Example, example_id)
    if example is None:
        raise NotFound("没有这条训练语句", "example_not_found")
    return example


def update_example(db: Session, *, example_id: int, body: ExampleUpdate, actor: Agent,
                   now: datetime) -> tuple[dict, list[str]]:
    """Edits the text and/or moves the example to another intent."""
    example = get_example(db, example_id)
    before = {"intent": example.intent, "text": example.text}
    intent = body.intent or example.intent
    text = body.text.strip() if body.text else example.text
    warnings = check_example(db, intent=intent, text=text, exclude_id=example.id)
    moved = intent != example.intent
    example.intent, example.text, example.plain = intent, text, plain(text)
    audit.record(db, actor=actor, entity="example", key=intent, action="move" if moved else "update",
                 before=before, after={"intent": intent, "text": text}, now=now)
    if not example.holdout:
        _bump(db, now)
    db.commit()
    if moved:
        warnings += intent_warnings(before["intent"], example_counts(db).get(before["intent"], 0))
    return _example_out(example, faq_titles(db)), warnings


def delete_example(db: Session, *, example_id: int, actor: Agent, now: datetime) -> None:
    example = get_example(db, example_id)
    audit.record(db, actor=actor, entity="example", key=example.intent, action="delete",
                 before={"intent": example.intent, "text": example.text}, after=None, now=now)
    db.delete(example)
    if not example.holdout:
        _bump(db, now)
    db.commit()
