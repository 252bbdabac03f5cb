"""Points: the balance, what it is worth, the latest entries and the tier (policy.yml ``points``)."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.shop import schemas
from handoff.shop.customers import get_customer, points_balance, spend_12m_fen, tier_info, yuan
from handoff.shop.models import PointsEntry
from handoff.shop.policy import Policy


EARNED = "购物返积分（订单 {}）"
TAKEN_BACK = "退货扣回积分（订单 {}）"


def take_back_order_points(db: Session, *, order_id: str, now: datetime) -> int:
    """A refunded return gives back the points its order earned (not committed); the points taken back."""
    earned = db.scalar(select(PointsEntry).where(PointsEntry.reason == EARNED.format(order_id)))
    taken = db.scalar(select(PointsEntry.id).where(PointsEntry.reason == TAKEN_BACK.format(order_id)))
    if earned is None or taken is not None:
        return 0
    db.add(PointsEntry(customer_id=earned.customer_id, delta=-earned.delta, reason=TAKEN_BACK.format(order_id),
                       created_at=now))
    return earned.delta


def points_summary(db: Session, *, policy: Policy, customer_id: str, now: datetime) -> schemas.PointsSummary:
    customer = get_customer(db, customer_id=customer_id)
    balance = points_balance(db, customer_id=customer_id)
    recent = db.scalars(
        select(PointsEntry)
        .where(PointsEntry.customer_id == customer_id)
        .order_by(PointsEntry.created_at.desc())
        .limit(5)
    )
    rules = policy.points
    spend = yuan(spend_12m_fen(db, customer_id=customer_id, now=now))
    return schemas.PointsSummary(
        customer_id=customer_id,
        balance=balance,
        worth_yuan=round(balance / rules.points_per_yuan_off, 2),
        points_per_yuan_off=rules.points_per_yuan_off,
        max_share_of_order=rules.max_share_of_order,
        tier=tier_info(policy.tier_for_spend(spend)),
        birthday_month=customer.birthday_month,
        recent=[schemas.PointsEntryOut.model_validate(e) for e in recent],
    )
