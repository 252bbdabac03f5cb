"""Verifying an anonymous customer: plain functions over the desk's Redis and database.

Two ways, both limited per conversation and per phone, both answering in
words that do not reveal whether a phone number or an order exists:
- a one-time code sent by SMS to the phone (``send_code`` then ``check_code``);
- an order number with the last four digits of the phone it was placed with
  (``check_order``).
On success the conversation gets the customer (``Conversation.customer_id``):
from then on the desk sends the bot that customer, signed, with every
message, and the console shows the customer as verified.
"""

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.conversations import events
from handoff.conversations import service as conversations
from handoff.conversations.models import Conversation
from handoff.conversations.schemas import CustomerRef
from handoff.core import limits
from handoff.core.limits import Limit
from handoff.core.context import Desk
from handoff.core.errors import DeskError, NotFound
from handoff.core.privacy import mask_phone
from handoff.identity import sms
from handoff.shop.models import Customer, Order
from handoff.shop.customers import validate_phone
from handoff.shop.orders import normalize_order_id

CODE_KEY = "desk:verify:code:"
TOO_MANY = "验证尝试次数过多，请 {wait}后再试，或直接转人工客服。"
NO_SMS = ("暂时无法发送短信验证码。您也可以发送订单号和下单手机号的后四位来验证身份，"
          "例如：DD260101000001 0001")


class VerificationFailed(DeskError):
    """A wrong or expired code, or an order number that does not match: the customer may try again."""


def _conversation(db: Session, sender_id: str) -> Conversation:
    conv = conversations.by_sender(db, rasa_sender_id=sender_id)
    if conv is None:
        raise NotFound("会话不存在", "conversation_not_found")
    return conv


def _digest(desk: Desk, *parts: str) -> str:
    """A keyed hash: neither phones nor codes are kept readable in Redis."""
    key = desk.settings.session_secret.encode()
    return hmac.new(key, "\n".join(parts).encode(), hashlib.sha256).hexdigest()


def _count_failure(desk: Desk, conv: Conversation) -> None:
    attempts = desk.settings.verification_attempts_per_conversation
    limits.check(desk.redis, Limit(f"verify-fail:{conv.id}", attempts, 3600), message=TOO_MANY, code="too_many_attempts")


def _refuse_when_locked(desk: Desk, conv: Conversation) -> None:
    """Refused without counting while the conversation has used up its tries."""
    limits.check_used_up(desk.redis, f"verify-fail:{conv.id}", message=TOO_MANY, code="too_many_attempts",
                         limit=desk.settings.verification_attempts_per_conversation)


def send_code(desk: Desk, db: Session, *, sender_id: str, phone: str) -> dict:
    """Send a code to ``phone`` if a customer uses it. The answer is the same either way."""
    phone = validate_phone(phone)
    conv = _conversation(db, sender_id)
    _refuse_when_locked(desk, conv)
    settings = desk.settings
    limits.check(desk.redis, Limit(f"verify-send:{conv.id}", settings.verification_attempts_per_conversation, 3600),
                 message=TOO_MANY, code="too_many_codes")
    limits.check(desk.redis, Limit(f"verify-phone:{_digest(desk, 'phone', phone)[:32]}",
                                   settings.verification_codes_per_phone_per_hour, 3600),
                 message="这个手机号获取验证码太频繁了，请 {wait}后再试。", code="too_many_codes")
    provider = sms.sender(settings, desk.redis)
    if provider is None:
        raise DeskError(NO_SMS, "sms_unavailable")
    customer = db.scalar(select(Customer).where(Customer.phone == phone))
    code = f"{secrets.randbelow(10**6):06d}"
    key = CODE_KEY + conv.id
    desk.redis.hset(key, mapping={"customer_id": customer.id if customer else "",
                                  "code": _digest(desk, "code", conv.id, code)})
    desk.redis.expire(key, settings.verification_code_seconds)
    if customer is not None:
        minutes = max(1, settings.verification_code_seconds // 60)
        text = f"【{settings.shop_name}】您的验证码是 {code}，{minutes} 分钟内有效。客服不会向您索要验证码，请勿告诉他人。"
        try:
            provider.send(phone, text, code)
        except sms.SmsUnavailable:
            desk.redis.delete(key)
            raise DeskError(NO_SMS, "sms_unavailable") from None
    return {"phone": mask_phone(phone), "expires_in": settings.verification_code_seconds}


def check_code(desk: Desk, db: Session, *, sender_id: str, code: str, now: datetime) -> CustomerRef:
    conv = _conversation(db, sender_id)
    _refuse_when_locked(desk, conv)
    stored = desk.redis.hgetall(CODE_KEY + conv.id)
    if not stored:
        raise VerificationFailed("验证码已过期或还没有发送，请重新输入手机号获取验证码。", "code_expired")
    given = "".join(ch for ch in code if ch.isdigit())
    if not hmac.compare_digest(stored["code"], _digest(desk, "code", conv.id, given)) or not stored["customer_id"]:
        _count_failure(desk, conv)
        raise VerificationFailed("验证码不正确，请核对短信里的 6 位数字后重新输入。", "code_wrong")
    desk.redis.delete(CODE_KEY + conv.id)
    return _verified(desk, db, conv, stored["customer_id"], now)


def check_order(desk: Desk, db: Session, *, sender_id: str, order_id: str, phone_last4: str,
                now: datetime) -> CustomerRef:
    conv = _conversation(db, sender_id)
    _refuse_when_locked(desk, conv)
    wrong = VerificationFailed("订单号或手机号后四位不对，请核对后再试。", "order_mismatch")
    try:
        order = db.get(Order, normalize_order_id(order_id))
    except DeskError:
        order = None
    customer = db.get(Customer, order.customer_id) if order is not None else None
    if customer is None or not hmac.compare_digest(customer.phone[-4:], phone_last4.strip()[-4:].rjust(4)):
        _count_failure(desk, conv)
        raise wrong
    return _verified(desk, db, conv, customer.id, now)


def _verified(desk: Desk, db: Session, conv: Conversation, customer_id: str, now: datetime) -> CustomerRef:
    limits.reset(desk.redis, f"verify-fail:{conv.id}")
    if conv.customer_id != customer_id:
        conv.customer_id = customer_id
        db.commit()
        events.state_changed(desk.redis, conv)  # the console shows the customer, verified
    return conversations.customer_ref(db, policy=desk.policy, customer_id=customer_id, now=now)
