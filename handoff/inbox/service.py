"""The unanswered-question inbox: collecting, grouping, and teaching the bot from it.

``collect`` reads the messages and surveys stored since its last run (the
inbox page and the maintenance loop call it) and keeps the customer messages
the bot did not handle well:

- fallback / out_of_scope: the NLU did not understand (asked to rephrase),
- low_confidence: it understood with less than LOW_CONFIDENCE,
- corrected: the customer's next message said it was wrong ("不是这个", "答非所问"),
- handoff: the conversation went to a human after the bot fell back,
- low_rating: the episode was rated 1 or 2 (policy.yml survey.follow_up_max_rating),
- flagged: an agent marked it "机器人理解错了" in the console, with the right intent.

Texts are kept masked (phones and order numbers replaced). ``groups`` puts
similar messages together by their sentence embeddings, biggest and newest
first. Teaching from a group adds its messages as examples (one in five is
kept out of training, for the evaluation gate) or makes a new FAQ answer.
"""

import re
import zlib
from collections import Counter
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.agents.models import Agent
from handoff.audit import service as audit
from handoff.conversations.models import Conversation, Message, Role
from handoff.core.errors import DeskError, NotFound
from handoff.inbox import embeddings
from handoff.inbox.models import InboxItem, InboxScan
from handoff.knowledge import service as knowledge
from handoff.knowledge.labels import intent_label
from handoff.knowledge.service import Invalid
from handoff.knowledge.schemas import ExampleIn, FaqCreate
from handoff.knowledge.models import Example
from handoff.knowledge.text import mask, plain
from handoff.reports.models import ServiceRecord
from handoff.survey.models import Survey

LOW_CONFIDENCE = 0.5
# The customer says the last answer was wrong.
CORRECTION = re.compile(r"不是(这个|这样|问这个|我问的)|答非所问|没(听|看)?懂|你理解错|不对不对|说的不对|牛头不对马嘴|文不对题|我问的是")
# Two messages at least this similar (cosine of e5 embeddings) to a group's centre go in the group.
SIMILAR = 0.9
# One in this many messages taught from the inbox is kept for evaluation instead of training.
HOLDOUT_EVERY = 5
BATCH = 2000
REASON_LABELS = {"fallback": "没听懂", "out_of_scope": "超出范围", "low_confidence": "把握不大",
                 "corrected": "顾客说答错了", "handoff": "没听懂后转人工", "low_rating": "差评会话",
                 "flagged": "客服标记理解错"}


def _scan(db: Session) -> InboxScan:
    scan = db.get(InboxScan, 1)
    if scan is None:
        scan = InboxScan(id=1, last_message_id=0, last_survey_id=0)
        db.add(scan)
        db.flush()
    return scan


def _understood(nlu: dict | None) -> tuple[str | None, float | None]:
    if not nlu:
        return None, None
    return nlu.get("faq") or nlu.get("intent"), nlu.get("confidence")


def _keep(db: Session, message: Message, reason: str, found: dict[int, InboxItem]) -> InboxItem | None:
    """Adds ``reason`` to the message's inbox item, making the item if needed."""
    text = (message.text or "").strip()
    if len(text) < 2 or text.startswith("/"):  # button payloads are not the customer's words
        return None
    item = found.get(message.id) or db.scalar(select(InboxItem).where(InboxItem.message_id == message.id))
    if item is None:
        intent, confidence = _understood(message.nlu)
        item = InboxItem(message_id=message.id, conversation_id=message.conversation_id, text=mask(text),
                         reasons=[], intent=intent, confidence=confidence, status="open",
                         said_at=message.created_at)
        db.add(item)
    found[message.id] = item
    if reason not in item.reasons:
        item.reasons = [*item.reasons, reason]
    return item


def collect(db: Session) -> int:
    """Reads what was stored since the last run; returns how many messages it kept.

    Two collects at once (the inbox page and the maintenance loop, or two desk
    processes) read the same new messages: the one that writes second finds the
    first one's rows (the scan row, an item's message) and gives up, rolled back
    whole; what it read is the other's, or stays for the next run.
    """
    try:
        return _collect(db)
    except IntegrityError:
        db.rollback()
        return 0


def _collect(db: Session) -> int:
    scan = _scan(db)
    found: dict[int, InboxItem] = {}
    messages = list(db.scalars(select(Message).where(Message.id > scan.last_message_id, Message.role == Role.customer)
                               .order_by(Message.id).limit(BATCH)))
    handed_after_fallback = {c.id for c in db.scalars(select(Conversation).where(
        Conversation.id.in_({m.conversation_id for m in messages}), Conversation.reason == "fallback"))}
    for message in messages:
        intent, confidence = _understood(message.nlu)
        if intent in ("nlu_fallback", "out_of_scope"):
            reason = "fallback" if intent == "nlu_fallback" else "out_of_scope"
            if _keep(db, message, reason, found) and message.conversation_id in handed_after_fallback:
                _keep(db, message, "handoff", found)
        elif confidence is not None and confidence < LOW_CONFIDENCE:
            _keep(db, message, "low_confidence", found)
        if CORRECTION.search(message.text or ""):
            previous = db.scalar(select(Message).where(
                Message.conversation_id == message.conversation_id, Message.role == Role.customer,
                Message.seq < message.seq).order_by(Message.seq.desc()).limit(1))
            if previous is not None and previous.nlu:
                _keep(db, previous, "corrected", found)
    if messages:
        scan.last_message_id = messages[-1].id
    low = db.scalars(select(Survey).where(Survey.id > scan.last_survey_id, Survey.rating.is_not(None))
                     .order_by(Survey.id).limit(BATCH))
    for survey in low:
        scan.last_survey_id = survey.id
        if survey.demo or survey.rating > 2:
            continue
        record = db.get(ServiceRecord, survey.record_id)
        if record is None:
            continue
        for message in db.scalars(select(Message).where(
                Message.conversation_id == record.conversation_id, Message.role == Role.customer,
                Message.seq.between(record.first_seq, record.last_seq), Message.nlu.is_not(None))):
            _keep(db, message, "low_rating", found)
    _embed_missing(list(found.values()))
    db.commit()
    return len(found)


def _embed_missing(items: list[InboxItem]) -> None:
    missing = [i for i in items if i.embedding is None]
    for item, vector in zip(missing, embeddings.embed([i.text for i in missing])):
        item.embedding = embeddings.to_bytes(vector)


def flag(db: Session, *, message_id: int, intent: str, agent: Agent, now: datetime) -> InboxItem:
    """An agent's "机器人理解错了": the message goes to the inbox with the right intent."""
    message = db.get(Message, message_id)
    if message is None or message.role != Role.customer:
        raise NotFound("没有这条顾客消息", "message_not_found")
    if intent not in knowledge.known_intents(db):
        raise Invalid(f"没有这个意图：{intent}", "unknown_intent")
    item = _keep(db, message, "flagged", {})
    if item is None:
        raise Invalid("这条消息太短或是按钮，无法用于训练", "not_teachable")
    item.suggested_intent, item.flagged_by, item.status = intent, agent.display_name, "open"
    _embed_missing([item])
    audit.record(db, actor=agent, entity="inbox", key=str(message_id), action="label", before=None,
                 after={"text": item.text, "intent": intent}, now=now)
    db.commit()
    return item


def groups(db: Session, *, status: str = "open") -> list[dict]:
    """Similar messages together, biggest group first, then the newest."""
    items = list(db.scalars(select(InboxItem).where(InboxItem.status == status).order_by(InboxItem.said_at.desc())))
    _embed_missing(items)
    clusters: list[dict] = []
    for item in items:
        vector = embeddings.from_bytes(item.embedding)
        best, best_similarity = None, SIMILAR
        for cluster in clusters:
            centre = cluster["sum"] / np.linalg.norm(cluster["sum"])
            similarity = float(centre @ vector)
            if similarity >= best_similarity:
                best, best_similarity = cluster, similarity
        if best is None:
            clusters.append({"items": [item], "sum": vector.copy()})
        else:
            best["items"].append(item)
            best["sum"] = best["sum"] + vector
    clusters = _merge_close(clusters)
    titles = knowledge.faq_titles(db)
    out = [_group_out(sorted(c["items"], key=lambda i: i.said_at, reverse=True), titles) for c in clusters]
    return sorted(out, key=lambda g: (-g["count"], -g["newest_at"].timestamp()))


def _merge_close(clusters: list[dict]) -> list[dict]:
    """Merges groups whose centres are close (each the other's closest): a greedy first pass
    depends on the order it met the messages in, this does not."""
    while len(clusters) > 1:
        centres = np.stack([c["sum"] / np.linalg.norm(c["sum"]) for c in clusters])
        similarity = centres @ centres.T
        np.fill_diagonal(similarity, -1.0)
        closest = similarity.argmax(axis=1)
        merged, used = [], set()
        for i, j in enumerate(closest):
            if i in used or j in used or closest[j] != i or similarity[i, j] < SIMILAR:
                continue
            merged.append({"items": clusters[i]["items"] + clusters[j]["items"],
                           "sum": clusters[i]["sum"] + clusters[j]["sum"]})
            used |= {i, int(j)}
        if not merged:
            return clusters
        clusters = merged + [c for k, c in enumerate(clusters) if k not in used]
    return clusters


def _group_out(items: list[InboxItem], titles: dict[str, str]) -> dict:
    reasons = Counter(r for i in items for r in i.reasons)
    suggested = Counter(i.suggested_intent for i in items if i.suggested_intent).most_common(1)
    understood = Counter(i.intent for i in items if i.intent).most_common(1)
    return {
        "id": min(i.id for i in items), "count": len(items), "item_ids": [i.id for i in items],
        "newest_at": max(i.said_at for i in items),
        "reasons": [{"reason": r, "label": REASON_LABELS.get(r, r), "count": n} for r, n in reasons.most_common()],
        "suggested_intent": suggested[0][0] if suggested else None,
        "suggested_label": intent_label(suggested[0][0], titles) if suggested else None,
        "understood_as": intent_label(understood[0][0], titles) if understood else None,
        "examples": [{"id": i.id, "text": i.text, "conversation_id": i.conversation_id,
                      "reasons": [REASON_LABELS.get(r, r) for r in i.reasons], "said_at": i.said_at,
                      "understood_as": intent_label(i.intent, titles) if i.intent else None,
                      "confidence": i.confidence} for i in items[:20]],
    }


def _open_items(db: Session, item_ids: list[int]) -> list[InboxItem]:
    items = list(db.scalars(select(InboxItem).where(InboxItem.id.in_(item_ids), InboxItem.status == "open")))
    if not items:
        raise NotFound("这些问题已经处理过了，请刷新", "inbox_items_gone")
    return items


def holdout(text: str) -> bool:
    """One in HOLDOUT_EVERY taught messages is kept for evaluation: a stable choice by the text."""
    return zlib.crc32(text.encode()) % HOLDOUT_EVERY == 0


def teach(db: Session, *, item_ids: list[int], intent: str, actor: Agent, now: datetime) -> dict:
    """Adds the messages as examples of ``intent``; a message the data already has is skipped."""
    if intent not in knowledge.known_intents(db):
        raise Invalid(f"没有这个意图：{intent}", "unknown_intent")
    added, kept_for_evaluation, skipped = 0, 0, []
    label = intent_label(intent, knowledge.faq_titles(db))
    for item in _open_items(db, item_ids):
        held = holdout(item.text)
        try:
            knowledge.add_example(db, body=ExampleIn(intent=intent, text=item.text), actor=actor, now=now,
                                  source="inbox", holdout=held)
        except DeskError as exc:  # a duplicate or a bad text: say so, go on with the rest
            db.rollback()
            skipped.append(f"“{item.text}”：{exc.message}")
            continue
        item = db.get(InboxItem, item.id)
        item.status, item.resolution = "added", f"已加入“{label}”" + ("（评估用）" if held else "")
        added += 1
        kept_for_evaluation += held
        db.commit()
    return {"added": added, "kept_for_evaluation": kept_for_evaluation, "skipped": skipped}


def new_faq(db: Session, *, item_ids: list[int], title: str, text: str, actor: Agent, now: datetime) -> dict:
    """A new FAQ answer whose questions are the group's messages."""
    items = _open_items(db, item_ids)
    known = set(db.scalars(select(Example.plain).where(Example.plain.in_([plain(i.text) for i in items]))))
    questions = [i.text for i in items if plain(i.text) not in known]  # already taught elsewhere: skipped
    answer, warnings = knowledge.create_faq(
        db, body=FaqCreate(title=title, text=text, examples=questions), actor=actor, now=now)
    for item in db.scalars(select(InboxItem).where(InboxItem.id.in_([i.id for i in items]))):
        item.status, item.resolution = "added", f"新建常见问题“{answer.title}”"
    db.commit()
    return {"key": answer.key, "added": len(items), "warnings": warnings}


def dismiss(db: Session, *, item_ids: list[int], actor: Agent, now: datetime) -> int:
    items = _open_items(db, item_ids)
    for item in items:
        item.status, item.resolution = "dismissed", f"{actor.display_name} 忽略"
    audit.record(db, actor=actor, entity="inbox", key=f"{len(items)} 条", action="dismiss", before=None,
                 after={"texts": [i.text for i in items][:20]}, now=now)
    db.commit()
    return len(items)
