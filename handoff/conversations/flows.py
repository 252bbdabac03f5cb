"""A customer message, read top to bottom: stored, then answered by the bot,
or seen by the agent who holds the conversation, or taken as a survey answer.

``handle_customer_message`` is the turn (web chat REST and WebSocket, and
WeChat, all call it). Two units of work in SQL around one call to Rasa:

1. ``_before_bot``: a web chat sender checked (the conversation's token, the
   rate limits), the message stored (once per ``client_id``), a survey
   answer recognised and answered (the bot never sees it), the customer's
   metadata signed for the bot;
2. one call to Rasa (``conversations/bot.py`` → ``bot/desk_channel.py``): the
   bot's replies and the NLU of the message together; with an agent, only
   the NLU (the bot is paused);
3. ``_after_bot``: NLU and replies stored and published, then an angry
   customer handed to a human (``queue/flows.from_escalation``) or, when the
   bot is down and the customer pressed 转人工, ``queue/flows.when_bot_is_down``;
4. after a handoff, ``queue/dispatch.assign`` (outside the bot's turn).

A photo or a file (``handle_customer_attachment``) is stored the same way
but never goes to the bot, which cannot read it: the desk answers it (a
return's photo is filed with the return).

If Rasa does not answer within ``bot_timeout_seconds`` the customer gets an
apology and the offer of a human; their message is already stored, so
nothing is lost.
"""

import asyncio
import logging
import weakref
from dataclasses import dataclass
from typing import NamedTuple

from redis.client import Pipeline
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from handoff.attachments import service as attachments
from handoff.attachments.models import Attachment
from handoff.conversations import escalation, events, limits
from handoff.conversations import service as conversations
from handoff.conversations.bot import BotUnavailable, nlu_summary
from handoff.conversations.models import Conversation, Message, Role, State
from handoff.conversations.schemas import ConversationOpened, MessageOut
from handoff.core import realtime, signing
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.queue import dispatch
from handoff.queue import flows as handoffs
from handoff.queue import service as queue
from handoff.shop import cards, returns
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


def open_conversation(desk: Desk, *, channel: str, customer_id: str | None) -> ConversationOpened:
    """A new conversation with its welcome message; ``customer_id`` already verified (signed), or None.
    An id that is not a customer of the shop opens an anonymous conversation."""
    now = utcnow()
    with desk.session() as db:
        customer = conversations.customer_ref(db, policy=desk.policy, customer_id=customer_id, now=now)
        conv, token = conversations.create_conversation(db, channel=channel, now=now,
                                                        customer_id=customer.id if customer else None)
        text, buttons = welcome(desk.settings.shop_name)
        message = conversations.add_message(db, conv=conv, role=Role.bot, text=text, now=now, buttons=buttons)
        db.commit()
        return ConversationOpened(id=conv.id, token=token, state=conv.state.value, customer=customer,
                                  messages=[conversations.message_out(message)])


# --- one unit of work per phase of a turn: each helper below takes the phase's session ---


class WebClient(NamedTuple):
    """A web chat customer (REST or WebSocket): the message needs the conversation's own token
    and counts against the per-conversation and per-address limits (403 / 429 otherwise)."""

    ip: str
    token: str | None


@dataclass
class Turn:
    """What the first phase of a turn hands to the rest."""

    message: MessageOut  # the customer's, as stored
    created: bool  # False: a resend of something already handled
    state: State
    sender_id: str  # the conversation's sender id on Rasa
    metadata: dict  # signed for the bot
    survey_replies: list[MessageOut] | None = None  # it answered the satisfaction survey


def _store_customer_message(db: Session, live: Pipeline, conv: Conversation, text: str,
                            client_id: str | None, survey_answer: bool = False,
                            attachment: Attachment | None = None):
    now = utcnow()
    message, created = conversations.add_customer_message(db, conv=conv, text=text, client_id=client_id, now=now,
                                                          attachment=attachment)
    if created:
        if conv.state == State.closed and not survey_answer:  # the customer writes again: back to the bot
            conv.state = State.bot
            db.commit()
            events.state_changed(live, conv)
        events.message_added(live, conv, message, {})
        if conv.state != State.with_agent and not survey_answer and attachment is None:
            events.typing(live, conv, "bot")
    return message, created


def _signed_metadata(desk: Desk, db: Session, conv: Conversation, text: str) -> dict:
    """Who the customer is, for the bot: signed, since the action server believes it only from the desk."""
    tier = queue.customer_tier(desk, db, customer_id=conv.customer_id, now=utcnow())
    return signing.sign_metadata(desk.settings.service_token, conv.rasa_sender_id, {
        "customer_id": conv.customer_id, "channel": conv.channel, "tier": tier,
        "conversation_id": conv.id, "customer_text": text})


def _bot_messages(replies: list[dict] | None) -> list[tuple[str, list[dict], list[str]]]:
    """What the bot said, as (text, buttons, product SKUs to show as cards); when it did not answer,
    the apology with 转人工. Rasa sends an action's ``json_message`` as a message of its own: its cards
    join the message before it."""
    if replies is None:
        return [(BOT_DOWN, [HUMAN_BUTTON], [])]
    said = []
    for reply in replies:
        text = reply.get("text") or reply.get("image") or ""
        buttons = [{"title": str(b.get("title", ""))[:64], "payload": str(b.get("payload", ""))[:500]}
                   for b in reply.get("buttons") or []]
        custom = reply.get("custom") if isinstance(reply.get("custom"), dict) else {}
        skus = [str(c.get("sku")) for c in custom.get("cards") or [] if isinstance(c, dict) and c.get("sku")]
        if text or buttons:
            said.append((text, buttons, skus))
        elif skus and said:
            said[-1][2].extend(skus)
        elif skus:
            said.append(("", [], skus))
    return said


def _add_replies(desk: Desk, db: Session, conv: Conversation, replies: list[dict] | None) -> list[Message]:
    """The bot's replies (or, when it did not answer, the apology) added to the conversation, the
    orders its buttons offer and the products it names drawn as cards."""
    said = [(text, buttons, cards.order_cards(db, desk.catalog, customer_id=conv.customer_id, buttons=buttons)
             + cards.product_cards(desk.catalog, skus))
            for text, buttons, skus in _bot_messages(replies)]
    return conversations.add_bot_messages(db, conv=conv, said=said, now=utcnow(),
                                          role=Role.bot if replies is not None else Role.system)


def _store_replies(desk: Desk, db: Session, live: Pipeline, conv: Conversation,
                   replies: list[dict] | None) -> list[MessageOut]:
    """The bot's replies stored (committed) and published."""
    added = _add_replies(desk, db, conv, replies)
    db.commit()
    for message in added:
        events.message_added(live, conv, message, {})
    return [conversations.message_out(m) for m in added]


def _before_bot(desk: Desk, conv_id: str, text: str, payload: str | None, client_id: str | None,
                web: WebClient | None) -> Turn:
    """Phase 1: the sender checked, the message stored (a survey answer answered); what the bot needs."""
    with desk.session() as db, realtime.batch(desk.redis) as live:
        if web is not None:
            conv = conversations.authorize(db, conv_id=conv_id, token=web.token)
            limits.message(desk, conv_id=conv_id, ip=web.ip)
        else:
            conv = conversations.get_conversation(db, conv_id=conv_id)
        latest_survey = survey.latest(db, conv_id)
        survey_id = survey.match(conv, latest_survey, text, payload)
        message, created = _store_customer_message(db, live, conv, text, client_id, survey_id is not None)
        turn = Turn(conversations.message_out(message), created, conv.state, conv.rasa_sender_id,
                    _signed_metadata(desk, db, conv, text))
        if created and survey_id is not None:  # an answer to the satisfaction survey: the bot never sees it
            said = survey.answer(desk, db, conv=conv, survey_id=survey_id, message=message, text=text,
                                 payload=payload, now=utcnow())
            for reply in said:
                events.message_added(live, conv, reply, {})
            turn.survey_replies = [conversations.message_out(m) for m in said]
        elif created:
            survey.moved_on(db, latest_survey)
        return turn


def _after_bot(desk: Desk, turn: Turn, conv_id: str, nlu: dict | None, replies: list[dict] | None,
               bot_text: str) -> tuple[list[MessageOut], State]:
    """Phase 2: what the bot understood and said, stored and published; an angry customer escalated."""
    with desk.session() as db:
        conv = conversations.get_conversation(db, conv_id=conv_id)
        if nlu is not None:
            conversations.set_understood(db, message_id=turn.message.id, nlu=nlu)
        bot_down_handoff = replies is None and bot_text == HUMAN_BUTTON["payload"]
        added = [] if bot_down_handoff else _add_replies(desk, db, conv, replies)
        db.commit()
        with realtime.batch(desk.redis) as live:
            if nlu is not None:
                events.message_understood(live, conv, turn.message, nlu)
            for reply in added:
                events.message_added(live, conv, reply, {})
        out = [conversations.message_out(m) for m in added]
        if bot_down_handoff:
            return handoffs.when_bot_is_down(desk, db, conv_id=conv_id), State.queued
        # Only a negative message can escalate (conversations/escalation.py).
        angry = handoffs.from_escalation(desk, db, conv_id=conv_id) if escalation.is_negative(nlu) else []
        return (out + angry, State.queued) if angry else (out, conv.state)


def _agent_owned(desk: Desk, turn: Turn, conv_id: str, nlu: dict | None) -> None:
    """With an agent: the NLU stored; no new handoff, but a negative message is flagged to the console."""
    if nlu is None:
        return
    with desk.session() as db, realtime.batch(desk.redis) as live:
        conv = conversations.get_conversation(db, conv_id=conv_id)
        conversations.set_understood(db, message_id=turn.message.id, nlu=nlu)
        db.commit()
        events.message_understood(live, conv, turn.message, nlu)
        if escalation.is_negative(nlu):
            events.negative_message(live, conv, turn.message.id, nlu["sentiment"])


def bot_says(desk: Desk, *, conv_id: str, text: str, buttons: list[dict] | None = None) -> list[MessageOut]:
    """A bot message the desk writes itself (a channel's welcome), stored and published like Rasa's."""
    with desk.session() as db, realtime.batch(desk.redis) as live:
        conv = conversations.get_conversation(db, conv_id=conv_id)
        return _store_replies(desk, db, live, conv, [{"text": text, "buttons": buttons or []}])


async def handle_unreadable(desk: Desk, *, conv_id: str, text: str, client_id: str | None,
                            prompt: str) -> list[MessageOut]:
    """Something the bot cannot read (a picture, a file): stored as ``text`` for the agent; without an
    agent the customer is asked to write instead (``prompt``, with the 转人工 button)."""

    def work() -> list[MessageOut]:
        with desk.session() as db, realtime.batch(desk.redis) as live:
            conv = conversations.get_conversation(db, conv_id=conv_id)
            _message, created = _store_customer_message(db, live, conv, text, client_id)
            if not created or conv.state == State.with_agent:
                return []
            survey.moved_on(db, survey.latest(db, conv_id))
            # In the same batch: the customer's message is published before the prompt.
            return _store_replies(desk, db, live, conv, [{"text": prompt, "buttons": [HUMAN_BUTTON]}])

    async with _lock(conv_id):
        return await run_in_threadpool(work)


def _about_attachment(db: Session, conv: Conversation, attachment: Attachment) -> dict:
    """The desk's answer to a photo or a file while no agent holds the conversation: a return's
    photo is filed with the return; otherwise the customer is told who will look at it."""
    what = "图片" if attachment.kind == "image" else "文件"
    if attachment.kind == "image" and conv.customer_id:
        ret = returns.attach_photo(db, customer_id=conv.customer_id, attachment=attachment, now=utcnow())
        if ret is not None:
            return {"text": f"收到照片，已附在退货申请 {ret.id}（订单 {ret.order_id}）上，"
                            "我们会尽快审核，审核结果会在这里通知您。", "buttons": []}
    if conv.state == State.queued:
        return {"text": f"收到您的{what}了，客服接入后会一起查看。", "buttons": []}
    return {"text": f"收到您的{what}了。我还看不懂{what}里的内容，请用文字简单说一下遇到的问题；"
                    f"需要客服查看{what}，请点“转人工”。", "buttons": [HUMAN_BUTTON]}


async def handle_customer_attachment(desk: Desk, *, conv_id: str, data: bytes, name: str, client_id: str | None,
                                     web: WebClient | None = None) -> tuple[MessageOut, list[MessageOut]]:
    """A photo or a file from the customer: checked and re-encoded (``attachments/service.prepare``),
    stored as a message the agent sees; without an agent, the desk answers it (``_about_attachment``).
    The bot is not called: it cannot read pictures."""
    if web is not None:  # before any work on the file
        def check() -> None:
            with desk.session() as db:
                conversations.authorize(db, conv_id=conv_id, token=web.token)
                limits.message(desk, conv_id=conv_id, ip=web.ip)
        await run_in_threadpool(check)
    prepared = await run_in_threadpool(attachments.prepare, desk.settings, data=data, name=name)
    stored = False  # once its message is committed, the files stay whatever happens next

    def work() -> tuple[MessageOut, list[MessageOut]]:
        nonlocal stored
        with desk.session() as db, realtime.batch(desk.redis) as live:
            conv = conversations.get_conversation(db, conv_id=conv_id)
            attachment = attachments.add(db, prepared=prepared, conversation_id=conv.id, uploaded_by="customer",
                                         now=utcnow())
            message, created = _store_customer_message(db, live, conv, attachments.message_text(prepared),
                                                          client_id, attachment=attachment)
            out = conversations.message_out(message)
            if not created:  # a resend: the first upload's message stands
                prepared.discard()
                return out, []
            stored = True
            if conv.state == State.with_agent:  # the agent sees it; a return that asked for it gets it too
                if attachment.kind == "image" and conv.customer_id:
                    returns.attach_photo(db, customer_id=conv.customer_id, attachment=attachment, now=utcnow())
                    db.commit()
                return out, []
            survey.moved_on(db, survey.latest(db, conv_id))
            return out, _store_replies(desk, db, live, conv, [_about_attachment(db, conv, attachment)])

    async with _lock(conv_id):
        try:
            return await run_in_threadpool(work)
        except Exception:
            if not stored:
                prepared.discard()
            raise


def _pressed(nlu: dict | None, payload: str | None) -> dict | None:
    """A button press says nothing about the customer's mood: no sentiment, so it never
    counts towards an angry customer's handoff (the button's title may read negative:
    "商品有质量问题")."""
    if payload and nlu is not None:
        nlu["sentiment"] = None
    return nlu


async def handle_customer_message(desk: Desk, *, conv_id: str, text: str, payload: str | None,
                                  client_id: str | None, web: WebClient | None = None,
                                  ) -> tuple[MessageOut, list[MessageOut]]:
    """One customer message: stored, then answered by the bot (or seen by the agent); see the module.
    ``web``: a web chat customer, checked in the first unit of work (WeChat's are checked by its signature)."""
    text = text.strip()
    async with _lock(conv_id):
        turn = await run_in_threadpool(_before_bot, desk, conv_id, text, payload, client_id, web)
        if not turn.created:  # a resend of something already handled
            return turn.message, []
        if turn.survey_replies is not None:
            return turn.message, turn.survey_replies
        if turn.state == State.with_agent:
            try:
                nlu = _pressed(nlu_summary(await desk.bot.parse(turn.sender_id, text)), payload)
            except BotUnavailable:
                nlu = None
            await run_in_threadpool(_agent_owned, desk, turn, conv_id, nlu)
            return turn.message, []
        bot_text = payload if payload and payload.startswith("/") else text
        try:
            replies, parse = await desk.bot.send(turn.sender_id, bot_text, turn.metadata)
            nlu = _pressed(nlu_summary(parse), payload)
            if not replies:  # Rasa swallows a failed action (the action server down) and says nothing
                raise BotUnavailable("Rasa answered nothing")
        except BotUnavailable as exc:
            logger.warning("bot did not answer %s: %s", conv_id, exc)
            replies, nlu = None, None
        out, state = await run_in_threadpool(_after_bot, desk, turn, conv_id, nlu, replies, bot_text)
        if state == State.queued:
            # Handed off during this turn: assign it now that Rasa has released
            # the conversation (pausing the bot inside the turn would deadlock
            # on Rasa's conversation lock).
            await dispatch.assign(desk)
        return turn.message, out
