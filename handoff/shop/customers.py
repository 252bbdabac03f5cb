"""Customers of the shop: who they are, their tier (from the last 12 months'
spend) and points balance, and the WeChat users bound to them.

With ``orders.py``, ``returns.py`` and ``points.py`` this is the interface a
real shop's order system would implement (``shop/routes.py`` serves it to the
action server). Public functions take keyword arguments only.
"""

from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from handoff.core import patterns
from handoff.core.errors import DeskError, NotFound
from handoff.shop import schemas
from handoff.shop.models import Customer, Order, OrderStatus, PointsEntry, WechatBinding
from handoff.shop.policy import Policy


def yuan(fen: int) -> float:
    return round(fen / 100, 2)


def validate_phone(raw: str) -> str:
    phone = raw.strip()
    if not patterns.PHONE.match(phone):
        raise DeskError("手机号格式不正确：应为 11 位大陆手机号", code="bad_phone")
    return phone


def get_customer(db: Session, *, customer_id: str) -> Customer:
    customer = db.get(Customer, customer_id)
    if customer is None:
        raise NotFound("没有找到该会员", code="customer_not_found")
    return customer


def newest_first(db: Session, model, *, customer_id: str, load) -> Select:
    """A query of the customer's ``model`` rows (orders, returns), newest first, with ``load`` loaded;
    a customer who does not exist is a 404."""
    get_customer(db, customer_id=customer_id)
    return (select(model).where(model.customer_id == customer_id).options(selectinload(load))
            .order_by(model.created_at.desc()))


def spend_12m_fen(db: Session, *, customer_id: str, now: datetime) -> int:
    """Paid spend of the last 12 months, refunded and cancelled orders excluded."""
    total = db.scalar(
        select(func.coalesce(func.sum(Order.total_fen), 0)).where(
            Order.customer_id == customer_id,
            Order.paid_at.is_not(None),
            Order.paid_at >= now - timedelta(days=365),
            Order.status.not_in([OrderStatus.refunded, OrderStatus.cancelled]),
        )
    )
    return int(total)


def points_balance(db: Session, *, customer_id: str) -> int:
    total = db.scalar(
        select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
            PointsEntry.customer_id == customer_id
        )
    )
    return int(total)


def tier_info(tier) -> schemas.TierInfo:
    return schemas.TierInfo(name=tier.name, benefits=tier.benefits)


def tier_name(db: Session, *, policy: Policy, customer_id: str, now: datetime) -> str:
    """The customer's tier (what ``customer_profile`` says, for two queries instead of three)."""
    get_customer(db, customer_id=customer_id)
    return policy.tier_for_spend(yuan(spend_12m_fen(db, customer_id=customer_id, now=now))).name


def customer_profile(db: Session, *, policy: Policy, customer_id: str, now: datetime) -> schemas.CustomerProfile:
    customer = get_customer(db, customer_id=customer_id)
    spend = yuan(spend_12m_fen(db, customer_id=customer_id, now=now))
    nxt = policy.next_tier(spend)
    return schemas.CustomerProfile(
        customer_id=customer.id,
        name=customer.name,
        phone_masked=f"{customer.phone[:3]}****{customer.phone[-4:]}",
        tier=tier_info(policy.tier_for_spend(spend)),
        spend_12m_yuan=spend,
        points=points_balance(db, customer_id=customer_id),
        next_tier=tier_info(nxt) if nxt else None,
        spend_to_next_tier_yuan=round(nxt.min_spend - spend, 2) if nxt else None,
        birthday_month=customer.birthday_month,
    )


def customer_for_openid(db: Session, *, app_id: str, openid: str) -> str | None:
    """The customer the shop bound to this WeChat user, if any."""
    return db.scalar(select(WechatBinding.customer_id).where(
        WechatBinding.app_id == app_id, WechatBinding.openid == openid))


def bind_wechat(db: Session, *, app_id: str, openid: str, customer_id: str, now: datetime) -> None:
    """Bind (or re-bind) a WeChat user to a customer of the shop."""
    get_customer(db, customer_id=customer_id)
    binding = db.get(WechatBinding, (app_id, openid))
    if binding is None:
        db.add(WechatBinding(app_id=app_id, openid=openid, customer_id=customer_id, created_at=now))
    else:
        binding.customer_id = customer_id
    db.commit()
