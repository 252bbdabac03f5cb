"""A message from WeChat, handled exactly once whatever WeChat's retries.

WeChat waits 5 seconds for the answer, then sends the same message again (up
to three retries). The first request marks the message as seen in Redis and
starts the bot's turn; if the turn is over within ``wechat_reply_seconds``
the bot's reply goes back in the HTTP answer (passive reply), otherwise the
answer is ``success`` and the outbox sends the reply as a customer-service
message when it is ready. A retry never starts a second turn: it gets the
same passive reply again if there was one (WeChat lost the first answer), or
``success`` (and the reply then goes out through the outbox).

Seen-state of a message in Redis: ``pending`` (turn running, reply may still
go passively), ``passive`` (being answered passively), ``reply:<text>`` (was
answered passively with this text), ``async`` (the outbox sends the reply).
The moves pending -> passive and pending -> async are compare-and-set, so a
reply is never both given passively to a request WeChat gave up on and
withheld from the outbox.
"""

import asyncio
import logging

from fastapi import Response
from starlette.concurrency import run_in_threadpool
from wechatpy.messages import BaseMessage

from handoff.conversations import flows
from handoff.core.context import Desk
from handoff.core.errors import DeskError
from handoff.core.redis import swap
from handoff.core.settings import WechatAccount
from handoff.tickets import flows as tickets
from handoff.wechat import outbox, service
from handoff.wechat.api import WechatError
from handoff.wechat.protocol import dedupe_key, render_text_reply

logger = logging.getLogger(__name__)

SEEN_SECONDS = 600  # WeChat's retries come within ~15 s; a replay later still finds the SQL copy
# Turns still running after their request was answered "success".
_background: set[asyncio.Task] = set()


def success() -> Response:
    return Response("success", media_type="text/plain")


def _cas(desk: Desk, key: str, old: str, new: str) -> bool:
    return swap(desk.redis, key, old, new, SEEN_SECONDS)


def _seen_state(desk: Desk, key: str) -> str | None:
    value = desk.redis.get(key)
    return value.decode() if isinstance(value, bytes) else value


async def receive(desk: Desk, account: WechatAccount, message: BaseMessage, encrypted: bool) -> Response:
    key = f"wechat:seen:{account.app_id}:{dedupe_key(message)}"
    if not desk.redis.set(key, "pending", nx=True, ex=SEEN_SECONDS):
        return await _repeat(desk, account, message, key, encrypted)
    turn = outbox.turn_key(account.app_id, message.source)
    desk.redis.set(turn, key, ex=60)
    task = asyncio.create_task(handle(desk, account, message), name=f"wechat-{key}")
    done, _ = await asyncio.wait({task}, timeout=desk.settings.wechat_reply_seconds)
    if task in done and task.exception() is not None:
        desk.redis.delete(turn, key)  # let WeChat's retry try again; the SQL copy stops a double message
        logger.error("WeChat message %s failed", key, exc_info=task.exception())
        return Response("系统繁忙", status_code=500, media_type="text/plain")
    if task in done and _cas(desk, key, "pending", "passive"):
        user_id = task.result()
        claimed = user_id and await run_in_threadpool(outbox.claim, desk, user_id, "sending", False)
        desk.redis.delete(turn)
        passive = claimed.passive_text if claimed else None
        if passive is not None:
            await run_in_threadpool(outbox.record, desk, claimed, "passive")
            desk.redis.set(key, "reply:" + passive, ex=SEEN_SECONDS)
            return _xml(render_text_reply(account, message, passive, encrypted))
        desk.redis.set(key, "async", ex=SEEN_SECONDS)
        if claimed:  # too long for one message, or a photo: all of it as customer-service messages
            _in_background(outbox.send(desk, claimed))
        return success()
    # The bot is slow (or WeChat already retried): answer now, send the reply when it is ready.
    _cas(desk, key, "pending", "async")
    desk.redis.delete(turn)
    _in_background(_finish(desk, task))
    return success()


async def _repeat(desk: Desk, account: WechatAccount, message: BaseMessage, key: str, encrypted: bool) -> Response:
    """WeChat sent a message again: never a second turn."""
    for _ in range(20):
        state = _seen_state(desk, key)
        if state == "pending" and _cas(desk, key, "pending", "async"):
            return success()  # the first request's reply will go through the outbox
        if state and state.startswith("reply:"):
            return _xml(render_text_reply(account, message, state.removeprefix("reply:"), encrypted))
        if state != "passive":
            return success()
        await asyncio.sleep(0.05)  # the first request is writing its passive reply
    return success()


async def _finish(desk: Desk, task: asyncio.Task) -> None:
    user_id = await task
    if user_id is not None:
        await outbox.deliver(desk, user_id)


def _in_background(coro) -> None:
    task = asyncio.create_task(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)
    task.add_done_callback(outbox._log_failure)


def _xml(xml: str) -> Response:
    return Response(xml, media_type="application/xml")


async def handle(desk: Desk, account: WechatAccount, message: BaseMessage) -> int | None:
    """Store the message and let the bot (or the agent) answer it; the follower's id (None: nothing to send)."""
    kind = message.type
    event = (getattr(message, "event", "") or "").lower() if kind == "event" else ""
    if event == "unsubscribe":  # nothing to answer; customer-service messages stop
        return await run_in_threadpool(service.unsubscribed, desk, account, message.source)
    user_id, conv_id = await run_in_threadpool(service.enter, desk, account, message.source)
    client_id = f"wx{message.id}" if kind != "event" else None
    if kind == "text" and _leaves_a_message(message.content):
        await run_in_threadpool(lambda: tickets.leave_on_wechat(desk, conv_id=conv_id, user_id=user_id,
                                                                text=message.content.strip()[:2000],
                                                                client_id=client_id))
    elif kind == "text":
        text = (message.content or "").strip()[:2000]
        payload = await run_in_threadpool(service.button_payload, desk, conv_id, text)
        await flows.handle_customer_message(desk, conv_id=conv_id, text=text or " ", payload=payload,
                                            client_id=client_id)
    elif kind == "voice" and (message.recognition or "").strip():
        await flows.handle_customer_message(desk, conv_id=conv_id, text=message.recognition.strip()[:2000],
                                            payload=None, client_id=client_id)
    elif kind == "event":
        await _event(desk, account, message, event, conv_id)
    elif kind == "image" and desk.wechat is not None and message.media_id:
        await _picture(desk, account, message, conv_id, client_id)
    else:  # voice without text, file, video, location, link
        raw = message._data  # wechatpy keeps the fields; types it has no class for (file) are "unknown"
        kind = str(raw.get("MsgType") or kind).lower()
        await flows.handle_unreadable(desk, conv_id=conv_id, text=service.media_text(kind, raw.get("MediaId")),
                                      client_id=client_id, prompt=service.MEDIA_PROMPT)
    return user_id


def _leaves_a_message(content: str | None) -> bool:
    """"留言 明天下午请联系我": what the handoff notice tells a follower to write when nobody can answer."""
    text = (content or "").strip()
    return text.startswith("留言") and len(text.removeprefix("留言").strip(" ：:，,")) >= 2


async def _picture(desk: Desk, account: WechatAccount, message: BaseMessage, conv_id: str,
                   client_id: str | None) -> None:
    """A photo: downloaded through the media API and handled like a web chat photo (checked,
    re-encoded, filed with a return that asked for it). When WeChat will not give it, or it is
    refused, the agent still sees that a photo came and the customer is asked for words."""
    try:
        data = await desk.wechat.download_media(account, message.media_id, desk.settings.max_upload_bytes)
        await flows.handle_customer_attachment(desk, conv_id=conv_id, data=data, name="微信图片.jpg",
                                               client_id=client_id)
        return
    except WechatError as exc:
        logger.warning("could not download WeChat media %s: %s", message.media_id, exc)
        prompt = service.MEDIA_PROMPT
    except DeskError as exc:  # refused (too large, not an image): say why
        prompt = f"抱歉，这张图片无法接收：{exc.message}。您也可以用文字描述问题，或回复“转人工”。"
    await flows.handle_unreadable(desk, conv_id=conv_id, text=service.media_text("image", message.media_id),
                                  client_id=client_id, prompt=prompt)


async def _event(desk: Desk, account: WechatAccount, message: BaseMessage, event: str, conv_id: str) -> None:
    if event in ("subscribe", "subscribe_scan"):
        await run_in_threadpool(lambda: flows.bot_says(desk, conv_id=conv_id,
                                                       text=service.welcome_text(desk.settings.shop_name)))
    elif event == "click" and message.key in service.MENU:
        title, payload = service.MENU[message.key]
        client_id = f"wxe{message.time}"[:64]
        await flows.handle_customer_message(desk, conv_id=conv_id, text=title, payload=payload, client_id=client_id)
