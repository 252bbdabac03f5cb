"""Desk messages on their way to WeChat users.

Every message the bot, an agent or the survey adds to a WeChat conversation
goes out exactly once: either in the HTTP answer to the customer's message
(passive reply) or as a customer-service message (客服消息). A follower's
``sent_seq`` says how far their conversation has gone out; whoever moves it
(compare-and-set in SQL) sends what it covered, so two desk processes never
send the same message. While a customer's message is being answered
(``turn_key`` is set) the outbox leaves that follower alone, so that the reply
can still go passively.

Each desk process runs :func:`run`: it wakes on the ``wechat`` event of a new
message and also sweeps every few seconds, so a message is not lost when an
event is (a restart, another process busy).
"""

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from handoff.attachments import service as attachments
from handoff.conversations import events
from handoff.conversations import service as conversations
from handoff.conversations.models import Conversation, Message, Role
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.redis import release
from handoff.wechat.api import WechatError
from handoff.wechat.models import WechatDelivery, WechatUser
from handoff.wechat.protocol import split_text

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=48)
OUTSIDE_WINDOW = "未送达：客户已超过 48 小时没有发消息，微信不允许客服再发消息，请等客户再次来信"
UNFOLLOWED = "未送达：客户已取消关注公众号"
INTERRUPTED = "发送被中断（客服系统重启），客户可能没有收到，请确认后重发"


def turn_key(app_id: str, openid: str) -> str:
    return f"wechat:turn:{app_id}:{openid}"


@dataclass
class Claimed:
    user_id: int
    app_id: str
    openid: str
    conversation_id: str
    last_inbound_at: datetime
    subscribed: bool
    message_ids: list[int]
    texts: list[str]
    # Position in ``texts`` -> the attachment id of a photo, sent as an image instead of its text.
    images: dict[int, str] = field(default_factory=dict)

    @property
    def sends(self) -> list[tuple[str, str]]:
        """What goes out, in order: ("text", joined texts) and ("image", attachment id)."""
        out: list[tuple[str, str]] = []
        run: list[str] = []
        for i, text in enumerate(self.texts):
            if i in self.images:
                out += [("text", chunk) for chunk in split_text(run)] + [("image", self.images[i])]
                run = []
            else:
                run.append(text)
        return out + [("text", chunk) for chunk in split_text(run)]

    @property
    def passive_text(self) -> str | None:
        """The one text that can go back in the HTTP answer, if that is all there is to send."""
        sends = self.sends
        return sends[0][1] if len(sends) == 1 and sends[0][0] == "text" else None


def wechat_text(message: Message) -> str:
    """A desk message as plain WeChat text: buttons become the words to reply with."""
    hints = [b["title"] for b in message.buttons or [] if not str(b.get("payload", "")).startswith("/survey:")]
    text = message.text or ""
    if hints:
        text = (text + "\n" if text else "") + "您可以回复：" + "｜".join(hints)
    return text


def claim(desk: Desk, user_id: int, status: str = "sending", respect_turn: bool = True) -> Claimed | None:
    """Take what the follower has not been sent yet (None: nothing, or someone else has it)."""
    now = utcnow()
    with desk.session() as db:
        user = db.get(WechatUser, user_id)
        if user is None or user.conversation_id is None:
            return None
        if respect_turn and desk.redis.exists(turn_key(user.app_id, user.openid)):
            return None
        pending = list(db.scalars(select(Message).where(
            Message.conversation_id == user.conversation_id, Message.seq > user.sent_seq)
            .order_by(Message.seq).limit(200)))
        if not pending:
            return None
        moved = db.execute(update(WechatUser).where(WechatUser.id == user.id, WechatUser.sent_seq == user.sent_seq)
                           .values(sent_seq=pending[-1].seq)).rowcount
        if not moved:
            db.rollback()
            return None
        outbound = [m for m in pending if m.role != Role.customer and wechat_text(m)]
        for message in outbound:
            db.add(WechatDelivery(message_id=message.id, conversation_id=user.conversation_id, status=status,
                                  detail="", updated_at=now))
        db.commit()
        images = {i: m.attachment_id for i, m in enumerate(outbound)
                  if m.attachment_id and m.attachment.kind == "image"}
        return Claimed(user.id, user.app_id, user.openid, user.conversation_id, user.last_inbound_at,
                       user.subscribed, [m.id for m in outbound], [wechat_text(m) for m in outbound], images)


def record(desk: Desk, claimed: Claimed, status: str, detail: str = "") -> None:
    """Write how the claimed messages went; the console hears at once when they did not arrive."""
    _mark(desk, claimed.conversation_id, claimed.message_ids, status, detail)


def interrupted(desk: Desk, older_than: timedelta = timedelta(minutes=2)) -> None:
    """Messages left 'sending' by a desk process that stopped mid-send: say they may not have arrived."""
    with desk.session() as db:
        rows = db.execute(select(WechatDelivery.conversation_id, WechatDelivery.message_id).where(
            WechatDelivery.status == "sending", WechatDelivery.updated_at < utcnow() - older_than)).all()
    by_conversation: dict[str, list[int]] = {}
    for conversation_id, message_id in rows:
        by_conversation.setdefault(conversation_id, []).append(message_id)
    for conversation_id, message_ids in by_conversation.items():
        _mark(desk, conversation_id, message_ids, "failed", INTERRUPTED)


def _mark(desk: Desk, conversation_id: str, message_ids: list[int], status: str, detail: str) -> None:
    if not message_ids:
        return
    with desk.session() as db:
        db.execute(update(WechatDelivery).where(WechatDelivery.message_id.in_(message_ids))
                   .values(status=status, detail=detail[:200], updated_at=utcnow()))
        db.commit()
        if status in ("undeliverable", "failed"):
            conv = db.get(Conversation, conversation_id)
            messages = list(db.scalars(select(Message).where(Message.id.in_(message_ids))))
            names = conversations.agent_names(db, messages)
            for message in messages:
                events.delivery_changed(desk.redis, conv, message, names, {"status": status, "detail": detail})


def problems(db: Session, message_ids: list[int]) -> dict[int, dict]:
    """Messages of a transcript that did not reach WeChat, for the console."""
    if not message_ids:
        return {}
    rows = db.scalars(select(WechatDelivery).where(WechatDelivery.message_id.in_(message_ids),
                                                   WechatDelivery.status.in_(["undeliverable", "failed"])))
    return {d.message_id: {"status": d.status, "detail": d.detail} for d in rows}


async def send(desk: Desk, claimed: Claimed) -> None:
    """Send claimed messages as customer-service messages, joined into as few as WeChat allows."""
    if not claimed.message_ids:
        return
    account = desk.settings.wechat_account(claimed.app_id)
    if account is None or desk.wechat is None:
        await run_in_threadpool(record, desk, claimed, "failed", "公众号未配置")
        return
    if not claimed.subscribed:
        await run_in_threadpool(record, desk, claimed, "undeliverable", UNFOLLOWED)
        return
    if utcnow() - claimed.last_inbound_at > WINDOW:
        await run_in_threadpool(record, desk, claimed, "undeliverable", OUTSIDE_WINDOW)
        return
    try:
        for kind, value in claimed.sends:
            if kind == "image":
                image = await run_in_threadpool(attachments.path_of(desk.settings, value).read_bytes)
                await desk.wechat.send_image(account, claimed.openid, image, f"{value}.jpg")
            else:
                await desk.wechat.send_text(account, claimed.openid, value)
    except WechatError as exc:
        logger.warning("customer-service message to %s refused: %s", claimed.openid, exc)
        detail = OUTSIDE_WINDOW if exc.outside_window else f"发送失败（微信错误码 {exc.code}）：{exc.message}"
        await run_in_threadpool(record, desk, claimed, "undeliverable" if exc.outside_window else "failed", detail)
        return
    await run_in_threadpool(record, desk, claimed, "sent")


async def deliver(desk: Desk, user_id: int) -> None:
    """Send everything the follower is owed, in order; one sender per follower across processes."""
    lock, mine = f"wechat:sending:{user_id}", secrets.token_hex(8)
    if not desk.redis.set(lock, mine, nx=True, ex=120):
        return  # another process is sending to them; the sweep catches what it leaves
    try:
        while (claimed := await run_in_threadpool(claim, desk, user_id)) is not None:
            await send(desk, claimed)
    finally:
        release(desk.redis, lock, mine)


def owed(desk: Desk, conversation_id: str | None = None, limit: int = 100) -> list[int]:
    """Followers whose conversation has messages after ``sent_seq``."""
    with desk.session() as db:
        query = (select(WechatUser.id).join(Conversation, Conversation.id == WechatUser.conversation_id)
                 .where(Conversation.last_seq > WechatUser.sent_seq).limit(limit))
        if conversation_id is not None:
            query = query.where(WechatUser.conversation_id == conversation_id)
        return list(db.scalars(query))


async def run(desk: Desk) -> None:
    """This process's sender: on each new WeChat message event, and a sweep every few seconds."""
    inbox = await desk.hub.listen("wechat")
    busy: set[int] = set()
    tasks: set[asyncio.Task] = set()

    def start(user_id: int) -> None:
        if user_id in busy:
            return
        busy.add(user_id)
        task = asyncio.create_task(deliver(desk, user_id))
        tasks.add(task)
        task.add_done_callback(lambda t, u=user_id: (busy.discard(u), tasks.discard(t), _log_failure(t)))

    period = desk.settings.maintenance_seconds
    next_sweep = asyncio.get_running_loop().time()
    try:
        while True:
            try:
                with contextlib.suppress(asyncio.TimeoutError):
                    _channel, event = await asyncio.wait_for(inbox.get(), timeout=period)
                    for user_id in await run_in_threadpool(owed, desk, event.get("conversation_id")):
                        start(user_id)
                if asyncio.get_running_loop().time() >= next_sweep:
                    next_sweep = asyncio.get_running_loop().time() + period
                    for user_id in await run_in_threadpool(owed, desk):
                        start(user_id)
                    await run_in_threadpool(interrupted, desk)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database or Redis hiccuped: the next round retries
                logger.exception("WeChat outbox round failed")
                await asyncio.sleep(period)
    finally:
        desk.hub.remove(inbox)
        for task in tasks:
            task.cancel()


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("WeChat delivery failed", exc_info=task.exception())
