"""Orders of a customer, and how long shipping takes.

Every lookup of an order goes through the customer who asks: an order of
another customer is answered exactly like an order that does not exist.
"""

from sqlalchemy.orm import Session

from handoff.core import patterns
from handoff.core.errors import DeskError, NotFound
from handoff.shop import schemas
from handoff.shop.customers import newest_first, yuan
from handoff.shop.models import OPEN_STATUSES, ORDER_STATUS_ZH, Order
from handoff.shop.policy import Policy


# Fields of an order's detail that are the stored values as they are.
AS_STORED = ("payment_method", "province", "city", "paid_at", "shipped_at", "delivered_at", "carrier", "tracking_no")


def normalize_order_id(raw: str) -> str:
    order_id = raw.strip().upper()
    if not patterns.ORDER_ID.match(order_id):
        raise DeskError("订单号格式不正确：应为 DD 加 12 位数字", code="bad_order_id")
    return order_id


def summary_fields(order: Order) -> dict:
    return dict(
        order_id=order.id,
        status=order.status.value,
        status_zh=ORDER_STATUS_ZH[order.status],
        total_yuan=yuan(order.total_fen),
        created_at=order.created_at,
        item_names=[item.name for item in order.items],
    )


def list_orders(db: Session, *, customer_id: str, open_only: bool = False,
                limit: int = 10) -> list[schemas.OrderSummary]:
    query = newest_first(db, Order, customer_id=customer_id, load=Order.items).limit(limit)
    if open_only:
        query = query.where(Order.status.in_(OPEN_STATUSES))
    return [schemas.OrderSummary(**summary_fields(o)) for o in db.scalars(query)]


def owned_order(db: Session, *, customer_id: str, order_id: str) -> Order:
    order = db.get(Order, normalize_order_id(order_id))
    if order is None or order.customer_id != customer_id:
        # Same answer for "no such order" and "someone else's order".
        raise NotFound("没有找到该订单，请核对订单号", code="order_not_found")
    return order


def get_order(db: Session, *, customer_id: str, order_id: str) -> schemas.OrderDetail:
    order = owned_order(db, customer_id=customer_id, order_id=order_id)
    return schemas.OrderDetail(
        **summary_fields(order),
        **{name: getattr(order, name) for name in AS_STORED},
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


def delivery_estimate(*, policy: Policy, region: str | None) -> schemas.DeliveryEstimate:
    """Shipping and delivery times to a region (policy.yml ``shipping``)."""
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
