"""What the shop API answers. Money in yuan (two decimals), times in UTC."""

from pydantic import BaseModel, ConfigDict, Field

from handoff.core.clock import UtcDatetime
from handoff.shop.policy import Policy


class TierInfo(BaseModel):
    name: str
    benefits: str


class CustomerProfile(BaseModel):
    customer_id: str
    name: str
    phone_masked: str
    tier: TierInfo
    spend_12m_yuan: float
    points: int
    next_tier: TierInfo | None
    spend_to_next_tier_yuan: float | None
    birthday_month: int


class OrderItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    quantity: int
    price_yuan: float
    return_exclusion: str | None


class TrackingEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    time: UtcDatetime
    state: str
    location: str
    description: str


class OrderSummary(BaseModel):
    order_id: str
    status: str
    status_zh: str
    total_yuan: float
    created_at: UtcDatetime
    item_names: list[str]


class OrderDetail(OrderSummary):
    payment_method: str
    province: str
    city: str
    paid_at: UtcDatetime | None
    shipped_at: UtcDatetime | None
    delivered_at: UtcDatetime | None
    carrier: str | None
    tracking_no: str | None
    items: list[OrderItemOut]
    events: list[TrackingEventOut]  # newest first


class Eligibility(BaseModel):
    order_id: str
    reason: str | None
    eligible: bool
    code: str  # machine-readable: ok_instant_refund, ok_return, too_late, excluded, ...
    message: str  # Simplified Chinese, for the customer
    refund_yuan: float
    instant_refund: bool
    shipping_paid_by: str  # customer | shop
    needs_photo: bool


class ReturnCreate(BaseModel):
    order_id: str
    reason: str


class ReturnOut(BaseModel):
    return_id: str
    order_id: str
    reason: str
    reason_zh: str
    status: str
    status_zh: str
    resolution: str
    refund_yuan: float
    payment_method: str
    shipping_paid_by: str
    needs_photo: bool
    coupon_yuan: int
    created_at: UtcDatetime
    pickup_deadline: UtcDatetime | None
    received_at: UtcDatetime | None
    refunded_at: UtcDatetime | None
    refund_due_by: UtcDatetime | None


class PointsEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    delta: int
    reason: str
    created_at: UtcDatetime


class PointsSummary(BaseModel):
    customer_id: str
    balance: int
    worth_yuan: float
    points_per_yuan_off: int
    max_share_of_order: float
    tier: TierInfo
    birthday_month: int
    recent: list[PointsEntryOut]


class DeliveryEstimate(BaseModel):
    region: str | None
    zone: str  # same_city | other_province | remote | unknown
    ship_within_hours: int
    delivery_hours: int | None
    warehouse_city: str


class WechatBindingIn(BaseModel):
    """The shop tells the desk which customer a WeChat user is."""

    app_id: str = Field(min_length=1, max_length=32)
    openid: str = Field(min_length=1, max_length=64)
    customer_id: str = Field(min_length=1, max_length=16)


class RulesIn(BaseModel):
    rules: Policy
    # The version the form was loaded with (0: never edited): a later save by someone else wins 409.
    version: int = Field(ge=0)


class RulesOut(BaseModel):
    rules: Policy
    version: int
    updated_at: UtcDatetime | None
    updated_by: str
    # What applies when the rules name no service hours (the desk's settings).
    default_business_hours: str
    default_business_days: list[int]
