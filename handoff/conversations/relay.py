"""The bot side of a conversation: customer message in, bot replies out.

In state ``bot`` (and ``queued``: the bot keeps answering routine questions
while the customer waits) a customer message goes to Rasa with the
customer's metadata and the replies go back to the customer. With an agent,
the bot is paused and the message only goes through NLU, so that the
console shows its intent and sentiment. If Rasa does not answer within
``bot_timeout_seconds`` the customer gets an apology and the offer of a
human; their message is already stored, so nothing is lost.
"""

import asyncio
import logging
import weakref

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from handoff.conversations import escalation, events
from handoff.conversations import service as conversations
from handoff.conversations.bot import BotUnavailable, nlu_summary
from handoff.conversations.models import Message, Role, State
from handoff.conversations.schemas import MessageOut
from handoff.core import signing
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.queue import dispatch, wording
from handoff.queue import service as queue
from handoff.queue.groups import TOPIC_OF_INTENT
from handoff.queue.models import HandoffReason, HandoffTopic
from handoff.queue.schemas import HandoffCreate
from handoff.survey import service as survey

logger = logging.getLogger(__name__)

HUMAN_BUTTON = {"title": "转人工", "payload": "/request_human"}
BOT_DOWN = ("抱歉，智能助手暂时没有响应，您的消息已经记录下来了。"
            "您可以稍后再试，或者点击“转人工”由客服为您处理。")

# One bot turn at a time per conversation in this process (the replies of
# two quick messages must not interleave).
_locks: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()


def _lock(conv_id: str) -> asyncio.Lock:
    lock = _locks.get(conv_id)
    if lock is None:
        lock = asyncio.Lock()
        _locks[conv_id] = lock
    return lock


def welcome(shop_name: str) -> tuple[str, list[dict]]:
    text = (f"您好，欢迎来到{shop_name}！我是智能客服小悦，可以帮您查物流、办理退换货、查询积分，也可以介绍商品和优惠活动。"
            "请直接输入您的问题，需要人工客服时说“转人工”就好。")
    buttons = [
        {"title": "查物流", "payload": "/track_order"},
        {"title": "退换货", "payload": "/request_return"},
        {"title": "查积分", "payload": "/query_points"},
        HUMAN_BUTTON,
    ]
    return text, buttons


def open_conversation(desk: Desk, channel: str, customer_id: str | None) -> tuple:
    """A new conversation with its welcome message: (conversation, token, messages)."""
    now = utcnow()
    with desk.session() as db:
        conv, token = conversations.create_conversation(db, channel, customer_id, now)
        text, buttons = welcome(desk.settings.shop_name)
        message = conversations.add_message(db, conv, Role.bot, text, now, buttons=buttons)
        db.commit()
        return conv, token, [conversations.message_out(message)]


# --- one unit of work per phase of a turn: each helper below takes the phase's session ---


def _store_customer_message(desk: Desk, db: Session, conv_id: str, text: str, client_id: str | None,
                            survey_answer: bool = False):
    now = utcnow()
    conv = conversations.get_conversation(db, conv_id)
    message, created = conversations.add_customer_message(db, conv, text, client_id, now)
    if created:
        if conv.state == State.closed and not survey_answer:  # the customer writes again: back to the bot
            conv.state = State.bot
            db.commit()
            events.state_changed(desk.redis, conv)
        events.message_added(desk.redis, conv, message, {})
        if conv.state != State.with_agent and not survey_answer:
            events.typing(desk.redis, conv, "bot")
    tier = queue.customer_tier(desk, db, conv.customer_id, now)
    # Signed: the action server believes who the customer is only from the desk.
    metadata = signing.sign_metadata(desk.settings.service_token, conv.rasa_sender_id, {
        "customer_id": conv.customer_id, "channel": conv.channel, "tier": tier,
        "conversation_id": conv.id, "customer_text": text})
    return (conversations.message_out(message), created, conv.state, conv.rasa_sender_id,
            metadata, message.id)


def _survey_answer(desk: Desk, db: Session, conv_id: str, survey_id: int, message_id: int, text: str,
                   payload: str | None) -> list[MessageOut]:
    conv = conversations.get_conversation(db, conv_id)
    said = survey.answer(desk, db, conv, survey_id, db.get(Message, message_id), text, payload, utcnow())
    for message in said:
        events.message_added(desk.redis, conv, message, {})
    return [conversations.message_out(m) for m in said]


def _store_nlu(desk: Desk, db: Session, conv_id: str, message_id: int, nlu: dict | None) -> None:
    if nlu is None:
        return
    message = db.get(Message, message_id)
    message.nlu = nlu
    db.commit()
    events.message_understood(desk.redis, conversations.get_conversation(db, conv_id), message, {})


def _store_replies(desk: Desk, db: Session, conv_id: str,
                   replies: list[dict] | None) -> tuple[list[MessageOut], State]:
    now = utcnow()
    conv = conversations.get_conversation(db, conv_id)
    stored: list[Message] = []
    if replies is None:
        stored.append(conversations.add_message(db, conv, Role.system, BOT_DOWN, now, buttons=[HUMAN_BUTTON]))
    for reply in replies or []:
        text = reply.get("text") or reply.get("image") or ""
        buttons = [{"title": str(b.get("title", ""))[:64], "payload": str(b.get("payload", ""))[:500]}
                   for b in reply.get("buttons") or []]
        if text or buttons:
            stored.append(conversations.add_message(db, conv, Role.bot, text, now, buttons=buttons))
    db.commit()
    for message in stored:
        events.message_added(desk.redis, conv, message, {})
    return [conversations.message_out(m) for m in stored], conv.state


def _escalate(desk: Desk, db: Session, conv_id: str) -> list[MessageOut]:
    """Send an angry customer to a human (policy.yml ``escalation``); the messages said."""
    now = utcnow()
    conv = conversations.get_conversation(db, conv_id)
    recent = conversations.last_customer_messages(db, conv_id, 5)
    reason = escalation.decide(desk.policy.escalation, [m.nlu for m in recent])
    if reason is None:
        return []
    if conv.state == State.queued:  # already waiting: only the priority changes
        queue.mark_angry(desk, db, conv, now)
        return []
    if conv.state != State.bot:
        return []
    latest = recent[-1].nlu
    topic = TOPIC_OF_INTENT.get(latest.get("intent") or "", "general")
    order_id = next((e["value"] for e in latest.get("entities") or [] if e.get("entity") == "order_id"), None)
    out = queue.request_handoff(desk, db, HandoffCreate(
        sender_id=conv.rasa_sender_id, customer_id=conv.customer_id, channel=conv.channel,
        reason=HandoffReason(reason), topic=HandoffTopic(topic), note=recent[-1].text[:2000]),
        now, angry=True)
    message = conversations.add_message(db, conv, Role.bot, wording.empathy(topic, order_id) + out.standing, now)
    db.commit()
    events.message_added(desk.redis, conv, message, {})
    return [conversations.message_out(message)]


def _handoff_without_bot(desk: Desk, db: Session, conv_id: str) -> list[MessageOut]:
    """The customer pressed 转人工 while the bot is down: the desk queues them itself."""
    now = utcnow()
    conv = conversations.get_conversation(db, conv_id)
    out = queue.request_handoff(desk, db, HandoffCreate(
        sender_id=conv.rasa_sender_id, customer_id=conv.customer_id, channel=conv.channel,
        reason=HandoffReason.fallback, topic=HandoffTopic.general,
        note="智能助手无响应，客户要求转人工"), now)
    message = conversations.add_message(db, conv, Role.system, out.notice, now)
    db.commit()
    events.message_added(desk.redis, conv, message, {})
    return [conversations.message_out(message)]


def _before_bot(desk: Desk, conv_id: str, text: str, payload: str | None, client_id: str | None):
    """Phase 1: the message stored (a survey answer answered); what the bot needs."""
    with desk.session() as db:
        survey_id = survey.match(db, conversations.get_conversation(db, conv_id), text, payload)
        message, created, state, sender, metadata, message_id = _store_customer_message(
            desk, db, conv_id, text, client_id, survey_id is not None)
        answered = None
        if created and survey_id is not None:  # an answer to the satisfaction survey: the bot never sees it
            answered = _survey_answer(desk, db, conv_id, survey_id, message_id, text, payload)
        elif created:
            survey.moved_on(db, conv_id)
        return message, created, state, sender, metadata, message_id, answered


def _after_bot(desk: Desk, conv_id: str, message_id: int, nlu: dict | None, replies: list[dict] | None,
               bot_text: str) -> tuple[list[MessageOut], State]:
    """Phase 2: what the bot understood and said, stored; an angry customer escalated."""
    with desk.session() as db:
        _store_nlu(desk, db, conv_id, message_id, nlu)
        if replies is None and bot_text == HUMAN_BUTTON["payload"]:
            return _handoff_without_bot(desk, db, conv_id), State.queued
        out, state = _store_replies(desk, db, conv_id, replies)
        angry = _escalate(desk, db, conv_id) if nlu is not None else []
        return (out + angry, State.queued) if angry else (out, state)


def _agent_owned(desk: Desk, conv_id: str, message_id: int, nlu: dict | None) -> None:
    """With an agent: the NLU stored; no new handoff, but a negative message is flagged to the console."""
    with desk.session() as db:
        _store_nlu(desk, db, conv_id, message_id, nlu)
        if escalation.is_negative(nlu):
            events.negative_message(desk.redis, conversations.get_conversation(db, conv_id), message_id,
                                    nlu["sentiment"])


def bot_says(desk: Desk, conv_id: str, text: str, buttons: list[dict] | None = None) -> list[MessageOut]:
    """A bot message the desk writes itself (a channel's welcome), stored and published like Rasa's."""
    with desk.session() as db:
        return _store_replies(desk, db, conv_id, [{"text": text, "buttons": buttons or []}])[0]


async def handle_unreadable(desk: Desk, conv_id: str, text: str, client_id: str | None,
                            prompt: str) -> list[MessageOut]:
    """Something the bot cannot read (a picture, a file): stored as ``text`` for the agent; without an
    agent the customer is asked to write instead (``prompt``, with the 转人工 button)."""

    def work() -> list[MessageOut]:
        with desk.session() as db:
            _message, created, state, *_ = _store_customer_message(desk, db, conv_id, text, client_id)
            if not created or state == State.with_agent:
                return []
            survey.moved_on(db, conv_id)
            return _store_replies(desk, db, conv_id, [{"text": prompt, "buttons": [HUMAN_BUTTON]}])[0]

    async with _lock(conv_id):
        return await run_in_threadpool(work)


async def handle_customer_message(desk: Desk, conv_id: str, text: str, payload: str | None,
                                  client_id: str | None) -> tuple[MessageOut, list[MessageOut]]:
    """One customer message: stored, then answered by the bot (or seen by the agent).

    Two units of work around one call to Rasa: ``_before_bot`` and ``_after_bot``.
    """
    text = text.strip()
    async with _lock(conv_id):
        message, created, state, sender, metadata, message_id, answered = await run_in_threadpool(
            _before_bot, desk, conv_id, text, payload, client_id)
        if not created:  # a resend of something already handled
            return message, []
        if answered is not None:
            return message, answered
        if state == State.with_agent:
            try:
                nlu = nlu_summary(await desk.bot.parse(sender, text))
            except BotUnavailable:
                nlu = None
            await run_in_threadpool(_agent_owned, desk, conv_id, message_id, nlu)
            return message, []
        bot_text = payload if payload and payload.startswith("/") else text
        try:
            replies, parse = await desk.bot.send(sender, bot_text, metadata)
            nlu = nlu_summary(parse)
        except BotUnavailable as exc:
            logger.warning("bot did not answer %s: %s", conv_id, exc)
            replies, nlu = None, None
        out, state = await run_in_threadpool(_after_bot, desk, conv_id, message_id, nlu, replies, bot_text)
        if state == State.queued:
            # Handed off during this turn: assign it now that Rasa has released
            # the conversation (pausing the bot inside the turn would deadlock
            # on Rasa's conversation lock).
            await dispatch.assign(desk)
        return message, out
