"""WeChat users and their conversations: plain functions over a database session.

A follower of an official account has one current conversation; their next
message after it was closed (longer than ``wechat_new_conversation_hours``
ago) starts a new one. The customer is the one the shop bound to their
OpenID, if any; otherwise the bot asks for a phone or order number as on the
web.
"""

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.conversations import service as conversations
from handoff.conversations.models import Conversation, Message, Role, State
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.settings import WechatAccount
from handoff.shop import customers as shop
from handoff.wechat.models import WechatUser

CHANNEL = "wechat"

# Menu buttons (自定义菜单) of type "click": EventKey -> (what the customer "said", payload for the bot).
MENU = {
    "TRACK_ORDER": ("查物流", "/track_order"),
    "RETURN": ("退换货", "/request_return"),
    "POINTS": ("查积分", "/query_points"),
    "HUMAN": ("转人工", "/request_human"),
}

MEDIA_NAMES = {"image": "图片", "voice": "语音", "video": "视频", "shortvideo": "小视频", "file": "文件",
               "location": "位置", "link": "链接"}
MEDIA_PROMPT = "抱歉，我暂时看不懂图片和文件。请用文字描述您的问题，或回复“转人工”由客服为您处理。"


def welcome_text(shop_name: str) -> str:
    return (f"您好，欢迎关注{shop_name}！我是智能客服小悦，可以帮您：\n"
            "· 查物流：发送订单号，或“我的快递到哪了”\n"
            "· 退换货：发送“我要退货”\n"
            "· 查积分：发送“我有多少积分”\n"
            "需要人工客服时回复“转人工”，也可以点下方菜单。")


def enter(desk: Desk, account: WechatAccount, openid: str, now: datetime | None = None) -> tuple[int, str]:
    """The follower's row and current conversation, opening one if needed: (user id, conversation id)."""
    now = now or utcnow()
    fresh_after = now - timedelta(hours=desk.settings.wechat_new_conversation_hours)
    with desk.session() as db:
        for _ in range(3):  # another desk process may be opening the same one
            user = _user(db, account.app_id, openid, now)
            conv = db.get(Conversation, user.conversation_id) if user.conversation_id else None
            if conv is not None and not (conv.state == State.closed and conv.last_activity_at < fresh_after):
                user.last_inbound_at, user.subscribed = now, True
                if conv.customer_id is None:
                    conv.customer_id = shop.customer_for_openid(db, app_id=account.app_id, openid=openid)
                db.commit()
                return user.id, conv.id
            customer_id = shop.customer_for_openid(db, app_id=account.app_id, openid=openid)
            new, _token = conversations.create_conversation(db, channel=CHANNEL, customer_id=customer_id, now=now)
            unchanged = (WechatUser.conversation_id.is_(None) if user.conversation_id is None
                         else WechatUser.conversation_id == user.conversation_id)
            moved = db.execute(
                update(WechatUser).where(WechatUser.id == user.id, unchanged)
                .values(conversation_id=new.id, sent_seq=0, last_inbound_at=now, subscribed=True)
            ).rowcount
            if moved:
                db.commit()
                return user.id, new.id
            db.rollback()
            db.expire_all()
    raise RuntimeError(f"could not open a conversation for {openid}")


def _user(db: Session, app_id: str, openid: str, now: datetime) -> WechatUser:
    query = select(WechatUser).where(WechatUser.app_id == app_id, WechatUser.openid == openid)
    user = db.scalar(query)
    if user is not None:
        return user
    try:
        db.add(WechatUser(app_id=app_id, openid=openid, sent_seq=0, last_inbound_at=now, created_at=now))
        db.commit()
    except IntegrityError:
        db.rollback()
    return db.scalar(query)


def unsubscribed(desk: Desk, account: WechatAccount, openid: str) -> None:
    """Stop customer-service messages to someone who unfollowed (WeChat would refuse them)."""
    with desk.session() as db:
        db.execute(update(WechatUser).where(WechatUser.app_id == account.app_id, WechatUser.openid == openid)
                   .values(subscribed=False))
        db.commit()


def button_payload(desk: Desk, conv_id: str, text: str) -> str | None:
    """WeChat has no buttons: a reply that is exactly a button's title stands for its payload."""
    wanted = text.strip()
    if not wanted:
        return None
    with desk.session() as db:
        latest = db.scalar(select(Message).where(Message.conversation_id == conv_id, Message.role != Role.customer)
                           .order_by(Message.seq.desc()).limit(1))
        for button in (latest.buttons or []) if latest is not None else []:
            if button.get("title", "").strip() == wanted:
                return button.get("payload")
    return None


def media_text(kind: str, media_id: str | None) -> str:
    """What the agent sees for a picture, voice without text, file..."""
    name = MEDIA_NAMES.get(kind, kind)
    return f"[{name}] media_id={media_id}" if media_id else f"[{name}]"
