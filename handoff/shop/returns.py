"""Returns: whether an order can be returned and why not, filing a return, and
the customer's returns with where their refund stands (policy.yml ``returns``).
"""

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff.attachments.models import Attachment
from handoff.core.errors import Conflict, DeskError
from handoff.shop import points, schemas
from handoff.shop.customers import newest_first, yuan
from handoff.shop.models import (
    IN_FLIGHT_STATUSES,
    ORDER_STATUS_ZH,
    RETURN_STATUS_ZH,
    Order,
    OrderStatus,
    ReturnRequest,
    ReturnStatus,
)
from handoff.shop.orders import normalize_order_id, owned_order
from handoff.shop.policy import Policy

DEFECT_REASONS = ("faulty", "damaged", "wrong_item")


def _check_reason(policy: Policy, reason: str) -> None:
    if reason not in policy.reasons:
        allowed = "、".join(f"{k}（{v}）" for k, v in policy.reasons.items())
        raise DeskError(f"未知的退货原因，可选：{allowed}", code="bad_reason")


def return_eligibility(db: Session, *, policy: Policy, customer_id: str, order_id: str, reason: str | None,
                       now: datetime) -> schemas.Eligibility:
    """Whether the order can be returned; without a reason, only the order's state is checked."""
    if reason is not None:
        _check_reason(policy, reason)
    order = owned_order(db, customer_id=customer_id, order_id=order_id)
    return _eligibility(policy, order, reason, now)


def _eligibility(
    policy: Policy, order: Order, reason: str | None, now: datetime
) -> schemas.Eligibility:
    rules = policy.returns
    refund_fen = order.total_fen
    defect = reason in DEFECT_REASONS
    base = dict(
        order_id=order.id,
        reason=reason,
        refund_yuan=yuan(refund_fen),
        instant_refund=False,
        shipping_paid_by="shop" if defect else "customer",
        needs_photo=defect and refund_fen > rules.auto_approve_max_yuan * 100,
    )

    def no(code: str, message: str) -> schemas.Eligibility:
        return schemas.Eligibility(**base, eligible=False, code=code, message=message)

    def yes(code: str, message: str, **extra) -> schemas.Eligibility:
        return schemas.Eligibility(**{**base, **extra}, eligible=True, code=code, message=message)

    active = [r for r in order.returns if r.status != ReturnStatus.refunded]
    if active or order.status == OrderStatus.returning:
        which = f"（{active[0].id}）" if active else ""
        return no("return_exists", f"该订单已有退货申请{which}，正在处理中。")
    if order.status == OrderStatus.unpaid:
        return no("unpaid", "该订单还未付款，无需退款；不想要的话直接在订单页取消即可。")
    if order.status in (OrderStatus.refunded, OrderStatus.cancelled):
        return no("closed", f"该订单{ORDER_STATUS_ZH[order.status]}，无需再次申请。")
    if order.status == OrderStatus.paid:
        return yes(
            "ok_instant_refund",
            f"订单尚未发货，可以立即取消并退款（{rules.instant_refund_minutes} 分钟内原路退回）。",
            instant_refund=True,
            shipping_paid_by="shop",
            needs_photo=False,
        )
    if order.status in IN_FLIGHT_STATUSES:
        return no(
            "in_transit",
            "包裹还在路上，签收后即可申请退货；如需拦截包裹或拒收，可以转人工客服处理。",
        )
    # Delivered.
    if reason is None:
        return yes("ok_pending_reason", "该订单可以申请退货，请选择退货原因。")
    days = (now - order.delivered_at).total_seconds() / 86400
    if defect:
        if days > rules.defect_claim_days:
            return no(
                "too_late",
                f"该订单签收已超过 {rules.defect_claim_days} 天，质量问题需要人工客服核实处理。",
            )
        return yes("ok_return", "符合退货条件，运费由我们承担。")
    if days > rules.no_reason_days:
        return no(
            "too_late",
            f"该订单签收已超过 {rules.no_reason_days} 天，不支持七天无理由退货；"
            "如果商品有质量问题，可以选择“质量问题”原因申请。",
        )
    excluded = sorted(
        {i.return_exclusion for i in order.items if i.return_exclusion in rules.excluded_categories}
    )
    if excluded:
        names = "、".join(rules.excluded_categories[c] for c in excluded)
        return no("excluded", f"订单中包含{names}，不支持七天无理由退货。")
    return yes("ok_return", "符合七天无理由退货条件，退货运费由您承担。")


def _next_return_id(db: Session, now: datetime) -> str:
    prefix = "TH" + now.strftime("%y%m%d")
    count = db.scalar(select(func.count()).where(ReturnRequest.id.like(prefix + "%")))
    return f"{prefix}{count + 1:06d}"


def create_return(db: Session, *, policy: Policy, customer_id: str, order_id: str, reason: str,
                  now: datetime) -> schemas.ReturnOut:
    _check_reason(policy, reason)
    order = owned_order(db, customer_id=customer_id, order_id=order_id)
    check = _eligibility(policy, order, reason, now)
    if not check.eligible:
        raise Conflict(check.message, code=check.code)
    rules = policy.returns
    reship = reason == "wrong_item"
    ret = ReturnRequest(
        id=_next_return_id(db, now),
        order_id=order.id,
        customer_id=customer_id,
        reason=reason,
        resolution="reship" if reship else "refund",
        refund_fen=0 if reship else order.total_fen,
        shipping_paid_by=check.shipping_paid_by,
        needs_photo=check.needs_photo,
        coupon_yuan=rules.wrong_item_coupon_yuan if reship else 0,
        created_at=now,
        received_at=None,
        refunded_at=None,
        pickup_deadline=None,
        status=ReturnStatus.pickup_scheduled,
    )
    if check.instant_refund:
        ret.status = ReturnStatus.refunded
        ret.refunded_at = now + timedelta(minutes=rules.instant_refund_minutes)
        order.status = OrderStatus.refunded
    else:
        ret.pickup_deadline = now + timedelta(hours=rules.pickup_within_hours)
        order.status = OrderStatus.returning
    if not reship:  # the money goes back, and so do the points the order earned
        points.take_back_order_points(db, order_id=order.id, now=now)
    db.add(ret)
    db.commit()
    return _return_out(policy, ret)


def _return_out(policy: Policy, ret: ReturnRequest) -> schemas.ReturnOut:
    due = None
    if ret.status == ReturnStatus.received and ret.received_at:
        due = ret.received_at + timedelta(hours=policy.returns.refund_after_receipt_hours)
    return schemas.ReturnOut(
        return_id=ret.id,
        order_id=ret.order_id,
        reason=ret.reason,
        reason_zh=policy.reasons.get(ret.reason, ret.reason),
        status=ret.status.value,
        status_zh=RETURN_STATUS_ZH[ret.status],
        resolution=ret.resolution,
        refund_yuan=yuan(ret.refund_fen),
        payment_method=ret.order.payment_method,
        shipping_paid_by=ret.shipping_paid_by,
        needs_photo=ret.needs_photo,
        coupon_yuan=ret.coupon_yuan,
        created_at=ret.created_at,
        pickup_deadline=ret.pickup_deadline,
        received_at=ret.received_at,
        refunded_at=ret.refunded_at,
        refund_due_by=due,
    )


def list_returns(db: Session, *, policy: Policy, customer_id: str,
                 order_id: str | None = None) -> list[schemas.ReturnOut]:
    query = newest_first(db, ReturnRequest, customer_id=customer_id, load=ReturnRequest.order)
    if order_id:
        query = query.where(ReturnRequest.order_id == normalize_order_id(order_id))
    return [_return_out(policy, r) for r in db.scalars(query)]


PHOTO_WITHIN = timedelta(days=7)


def attach_photo(db: Session, *, customer_id: str, attachment: Attachment, now: datetime) -> ReturnRequest | None:
    """The customer's photo of the problem, for their newest open return that asked for one and has none
    yet (filed within the last week): that return, or None (not committed)."""
    has_photo = select(Attachment.id).where(Attachment.return_id == ReturnRequest.id).exists()
    ret = db.scalar(select(ReturnRequest).where(
        ReturnRequest.customer_id == customer_id, ReturnRequest.needs_photo.is_(True),
        ReturnRequest.status.in_((ReturnStatus.pickup_scheduled, ReturnStatus.received)),
        ReturnRequest.created_at >= now - PHOTO_WITHIN, ~has_photo,
    ).order_by(ReturnRequest.created_at.desc()).limit(1))
    if ret is not None:
        attachment.return_id = ret.id
    return ret
