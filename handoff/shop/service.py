"""Shop service functions: the interface a real shop's order system would implement.

Every lookup of an order goes through the customer who asks: an order of
another customer is answered exactly like an order that does not exist.
"""

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from handoff.core import patterns
from handoff.core.errors import Conflict, DeskError, NotFound
from handoff.shop import schemas
from handoff.shop.models import (
    IN_FLIGHT_STATUSES,
    OPEN_STATUSES,
    ORDER_STATUS_ZH,
    RETURN_STATUS_ZH,
    Customer,
    Order,
    OrderStatus,
    PointsEntry,
    ReturnRequest,
    ReturnStatus,
    WechatBinding,
)
from handoff.shop.policy import Policy

DEFECT_REASONS = ("faulty", "damaged", "wrong_item")


def yuan(fen: int) -> float:
    return round(fen / 100, 2)


def normalize_order_id(raw: str) -> str:
    order_id = raw.strip().upper()
    if not patterns.ORDER_ID.match(order_id):
        raise DeskError("订单号格式不正确：应为 DD 加 12 位数字", code="bad_order_id")
    return order_id


def validate_phone(raw: str) -> str:
    phone = raw.strip()
    if not patterns.PHONE.match(phone):
        raise DeskError("手机号格式不正确：应为 11 位大陆手机号", code="bad_phone")
    return phone


# --- customers -------------------------------------------------------------


def get_customer(db: Session, customer_id: str) -> Customer:
    customer = db.get(Customer, customer_id)
    if customer is None:
        raise NotFound("没有找到该会员", code="customer_not_found")
    return customer


def spend_12m_fen(db: Session, customer_id: str, now: datetime) -> int:
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


def points_balance(db: Session, customer_id: str) -> int:
    total = db.scalar(
        select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
            PointsEntry.customer_id == customer_id
        )
    )
    return int(total)


def _tier_info(tier) -> schemas.TierInfo:
    return schemas.TierInfo(name=tier.name, benefits=tier.benefits)


def customer_profile(
    db: Session, policy: Policy, customer_id: str, now: datetime
) -> schemas.CustomerProfile:
    customer = get_customer(db, customer_id)
    spend = yuan(spend_12m_fen(db, customer_id, now))
    nxt = policy.next_tier(spend)
    return schemas.CustomerProfile(
        customer_id=customer.id,
        name=customer.name,
        phone_masked=f"{customer.phone[:3]}****{customer.phone[-4:]}",
        tier=_tier_info(policy.tier_for_spend(spend)),
        spend_12m_yuan=spend,
        points=points_balance(db, customer_id),
        next_tier=_tier_info(nxt) if nxt else None,
        spend_to_next_tier_yuan=round(nxt.min_spend - spend, 2) if nxt else None,
        birthday_month=customer.birthday_month,
    )


# --- orders ----------------------------------------------------------------


def _summary_fields(order: Order) -> dict:
    return dict(
        order_id=order.id,
        status=order.status.value,
        status_zh=ORDER_STATUS_ZH[order.status],
        total_yuan=yuan(order.total_fen),
        created_at=order.created_at,
        item_names=[item.name for item in order.items],
    )


def list_orders(
    db: Session, customer_id: str, open_only: bool = False, limit: int = 10
) -> list[schemas.OrderSummary]:
    get_customer(db, customer_id)
    query = (
        select(Order)
        .where(Order.customer_id == customer_id)
        .options(selectinload(Order.items))
        .order_by(Order.created_at.desc())
        .limit(limit)
    )
    if open_only:
        query = query.where(Order.status.in_(OPEN_STATUSES))
    return [schemas.OrderSummary(**_summary_fields(o)) for o in db.scalars(query)]


def _owned_order(db: Session, customer_id: str, order_id: str) -> Order:
    order = db.get(Order, normalize_order_id(order_id))
    if order is None or order.customer_id != customer_id:
        # Same answer for "no such order" and "someone else's order".
        raise NotFound("没有找到该订单，请核对订单号", code="order_not_found")
    return order


def get_order(db: Session, customer_id: str, order_id: str) -> schemas.OrderDetail:
    order = _owned_order(db, customer_id, order_id)
    return schemas.OrderDetail(
        **_summary_fields(order),
        payment_method=order.payment_method,
        province=order.province,
        city=order.city,
        paid_at=order.paid_at,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        carrier=order.carrier,
        tracking_no=order.tracking_no,
        items=[
            schemas.OrderItemOut(
                name=i.name,
                quantity=i.quantity,
                price_yuan=yuan(i.price_fen),
                return_exclusion=i.return_exclusion,
            )
            for i in order.items
        ],
        events=[
            schemas.TrackingEventOut.model_validate(e)
            for e in sorted(order.events, key=lambda e: e.time, reverse=True)
        ],
    )


# --- returns ---------------------------------------------------------------


def _check_reason(policy: Policy, reason: str) -> None:
    if reason not in policy.reasons:
        allowed = "、".join(f"{k}（{v}）" for k, v in policy.reasons.items())
        raise DeskError(f"未知的退货原因，可选：{allowed}", code="bad_reason")


def return_eligibility(
    db: Session, policy: Policy, customer_id: str, order_id: str, reason: str | None, now: datetime
) -> schemas.Eligibility:
    """Whether the order can be returned; without a reason, only the order's state is checked."""
    if reason is not None:
        _check_reason(policy, reason)
    order = _owned_order(db, customer_id, order_id)
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


def create_return(
    db: Session, policy: Policy, customer_id: str, order_id: str, reason: str, now: datetime
) -> schemas.ReturnOut:
    _check_reason(policy, reason)
    order = _owned_order(db, customer_id, order_id)
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


def list_returns(
    db: Session, policy: Policy, customer_id: str, order_id: str | None = None
) -> list[schemas.ReturnOut]:
    get_customer(db, customer_id)
    query = (
        select(ReturnRequest)
        .where(ReturnRequest.customer_id == customer_id)
        .options(selectinload(ReturnRequest.order))
        .order_by(ReturnRequest.created_at.desc())
    )
    if order_id:
        query = query.where(ReturnRequest.order_id == normalize_order_id(order_id))
    return [_return_out(policy, r) for r in db.scalars(query)]


# --- points ----------------------------------------------------------------


def points_summary(
    db: Session, policy: Policy, customer_id: str, now: datetime
) -> schemas.PointsSummary:
    customer = get_customer(db, customer_id)
    balance = points_balance(db, customer_id)
    recent = db.scalars(
        select(PointsEntry)
        .where(PointsEntry.customer_id == customer_id)
        .order_by(PointsEntry.created_at.desc())
        .limit(5)
    )
    rules = policy.points
    spend = yuan(spend_12m_fen(db, customer_id, now))
    return schemas.PointsSummary(
        customer_id=customer_id,
        balance=balance,
        worth_yuan=round(balance / rules.points_per_yuan_off, 2),
        points_per_yuan_off=rules.points_per_yuan_off,
        max_share_of_order=rules.max_share_of_order,
        tier=_tier_info(policy.tier_for_spend(spend)),
        birthday_month=customer.birthday_month,
        recent=[schemas.PointsEntryOut.model_validate(e) for e in recent],
    )


# --- shipping --------------------------------------------------------------


def delivery_estimate(policy: Policy, region: str | None) -> schemas.DeliveryEstimate:
    rules = policy.shipping
    region = (region or "").strip() or None
    if region is None:
        zone, hours = "unknown", None
    elif region.startswith(rules.warehouse_city):
        zone, hours = "same_city", rules.same_city_hours
    elif any(region.startswith(r) for r in rules.remote_regions):
        zone, hours = "remote", rules.remote_hours
    else:
        zone, hours = "other_province", rules.other_province_hours
    return schemas.DeliveryEstimate(
        region=region,
        zone=zone,
        ship_within_hours=rules.ship_within_hours,
        delivery_hours=hours,
        warehouse_city=rules.warehouse_city,
    )


def customer_for_openid(db: Session, app_id: str, openid: str) -> str | None:
    """The customer the shop bound to this WeChat user, if any."""
    return db.scalar(select(WechatBinding.customer_id).where(
        WechatBinding.app_id == app_id, WechatBinding.openid == openid))


def bind_wechat(db: Session, app_id: str, openid: str, customer_id: str, now: datetime) -> None:
    """Bind (or re-bind) a WeChat user to a customer of the shop."""
    get_customer(db, customer_id)
    binding = db.get(WechatBinding, (app_id, openid))
    if binding is None:
        db.add(WechatBinding(app_id=app_id, openid=openid, customer_id=customer_id, created_at=now))
    else:
        binding.customer_id = customer_id
    db.commit()
