"""Shop tables. Money is stored in fen (1/100 yuan) as integers."""

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from handoff.core.db import Base


class OrderStatus(str, enum.Enum):
    unpaid = "unpaid"
    paid = "paid"  # paid, not shipped yet
    shipped = "shipped"
    in_transit = "in_transit"
    out_for_delivery = "out_for_delivery"
    delayed = "delayed"
    delivered = "delivered"
    returning = "returning"  # a return is in progress
    refunded = "refunded"
    cancelled = "cancelled"


# What a customer reads for each state.
ORDER_STATUS_ZH = {
    OrderStatus.unpaid: "待付款",
    OrderStatus.paid: "已付款，待发货",
    OrderStatus.shipped: "已发货",
    OrderStatus.in_transit: "运输中",
    OrderStatus.out_for_delivery: "派送中",
    OrderStatus.delayed: "物流延迟",
    OrderStatus.delivered: "已签收",
    OrderStatus.returning: "退货处理中",
    OrderStatus.refunded: "已退款",
    OrderStatus.cancelled: "已取消",
}

# Orders a customer may still be waiting for.
OPEN_STATUSES = (
    OrderStatus.paid,
    OrderStatus.shipped,
    OrderStatus.in_transit,
    OrderStatus.out_for_delivery,
    OrderStatus.delayed,
)
IN_FLIGHT_STATUSES = OPEN_STATUSES[1:]


class ReturnStatus(str, enum.Enum):
    pickup_scheduled = "pickup_scheduled"  # waiting for the courier
    received = "received"  # the warehouse has the goods
    refunded = "refunded"
    reshipped = "reshipped"


RETURN_STATUS_ZH = {
    ReturnStatus.pickup_scheduled: "等待快递上门取件",
    ReturnStatus.received: "仓库已收货，退款处理中",
    ReturnStatus.refunded: "已退款",
    ReturnStatus.reshipped: "已安排补发",
}


class Customer(Base):
    __tablename__ = "shop_customers"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(11), unique=True, index=True)
    birthday_month: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]

    orders: Mapped[list["Order"]] = relationship(back_populates="customer")


class Order(Base):
    __tablename__ = "shop_orders"

    id: Mapped[str] = mapped_column(String(14), primary_key=True)  # DD + 12 digits
    customer_id: Mapped[str] = mapped_column(ForeignKey("shop_customers.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(Enum(OrderStatus, native_enum=False))
    total_fen: Mapped[int]
    payment_method: Mapped[str] = mapped_column(String(16))  # 微信支付 / 支付宝 / 银行卡
    province: Mapped[str] = mapped_column(String(16))
    city: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    carrier: Mapped[str | None] = mapped_column(String(16))
    tracking_no: Mapped[str | None] = mapped_column(String(24))

    customer: Mapped[Customer] = relationship(back_populates="orders")
    items: Mapped[list["OrderItem"]] = relationship(
        back_populates="order", cascade="all, delete-orphan"
    )
    events: Mapped[list["TrackingEvent"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="TrackingEvent.time"
    )
    returns: Mapped[list["ReturnRequest"]] = relationship(back_populates="order")


class OrderItem(Base):
    __tablename__ = "shop_order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("shop_orders.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    quantity: Mapped[int]
    price_fen: Mapped[int]
    # A key of policy.returns.excluded_categories, or None.
    return_exclusion: Mapped[str | None] = mapped_column(String(16))

    order: Mapped[Order] = relationship(back_populates="items")


class TrackingEvent(Base):
    __tablename__ = "shop_tracking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("shop_orders.id"), index=True)
    time: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(8))  # 已揽收, 运输中, 派送中, 已签收, 延迟 ...
    location: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(200))

    order: Mapped[Order] = relationship(back_populates="events")


class ReturnRequest(Base):
    __tablename__ = "shop_returns"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # TH + 12 digits
    order_id: Mapped[str] = mapped_column(ForeignKey("shop_orders.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("shop_customers.id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))  # a key of policy.reasons
    status: Mapped[ReturnStatus] = mapped_column(Enum(ReturnStatus, native_enum=False))
    resolution: Mapped[str] = mapped_column(String(8))  # refund | reship
    refund_fen: Mapped[int]
    shipping_paid_by: Mapped[str] = mapped_column(String(8))  # customer | shop
    needs_photo: Mapped[bool]
    coupon_yuan: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    pickup_deadline: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship(back_populates="returns")


class PointsEntry(Base):
    __tablename__ = "shop_points_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("shop_customers.id"), index=True)
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]


class WechatBinding(Base):
    """A WeChat user (OpenID of one official account) the shop has bound to a customer,
    e.g. when they logged in to the shop's WeChat pages."""

    __tablename__ = "shop_wechat_bindings"

    app_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("shop_customers.id"), index=True)
    created_at: Mapped[datetime]


class ShopRules(Base):
    """The shop's rules as edited in the admin workspace (one row); absent: policy.yml as shipped."""

    __tablename__ = "shop_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    rules: Mapped[dict] = mapped_column(JSON)
    # Incremented on every save: a save based on an older version is refused (409),
    # and every desk process reloads the rules when it sees a new one.
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))
