"""Demo shop data: 22 customers across the three tiers, 100+ orders in every state.

Deterministic (fixed random seed); times are relative to the moment of seeding,
so "delivered 3 days ago" is true on first start. A few showcase customers have
hand-picked orders that the README and the tests name.
"""

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.core.clock import utcnow
from handoff.shop.points import EARNED, TAKEN_BACK
from handoff.shop.models import (
    Customer,
    Order,
    OrderItem,
    OrderStatus,
    PointsEntry,
    ReturnRequest,
    ReturnStatus,
    TrackingEvent,
    WechatBinding,
)

S = OrderStatus

CATALOG = [
    ("纯棉短袖T恤", None),
    ("轻便跑步鞋", None),
    ("降噪蓝牙耳机", None),
    ("不锈钢保温杯", None),
    ("双肩电脑背包", None),
    ("机械键盘", None),
    ("全棉四件套", None),
    ("手机壳", None),
    ("护手霜礼盒", None),
    ("定制刻字钢笔", "customised"),
    ("印字马克杯", "customised"),
    ("新鲜车厘子 2斤", "fresh"),
    ("大闸蟹礼盒", "fresh"),
    ("电子书年卡（已激活）", "digital"),
    ("一次性内裤 10条装", "hygiene"),
    ("清仓羽绒服（特价不退）", "final_sale"),
]

PLACES = [
    ("浙江", "杭州"), ("上海", "上海"), ("北京", "北京"), ("广东", "广州"), ("广东", "深圳"),
    ("四川", "成都"), ("湖北", "武汉"), ("江苏", "南京"), ("新疆", "乌鲁木齐"), ("西藏", "拉萨"),
    ("青海", "西宁"), ("陕西", "西安"),
]
CARRIERS = [("顺丰速运", "SF"), ("中通快递", "ZT"), ("圆通速递", "YT"), ("京东物流", "JD")]
PAYMENTS = ["微信支付", "支付宝", "银行卡"]
SURNAMES = "张李王刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋"
GIVEN = ["伟", "娜", "芳", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "丹"]

# Spend ranges (yuan) per tier; customers C001-C007 gold, C008-C014 silver, the rest normal.
TIER_SPEND = {"gold": (1100, 3000), "silver": (560, 940), "normal": (60, 450)}

# The lifecycle a generated order is in, cycled so that every state is covered.
SCENARIOS = [
    "delivered_old", "delivered_recent", "in_transit", "delivered_old", "paid",
    "shipped", "out_for_delivery", "delayed", "unpaid", "returning",
    "refunded", "delivered_old", "cancelled", "return_received",
]
COUNTED = {"delivered_old", "delivered_recent", "in_transit", "paid", "shipped",
           "out_for_delivery", "delayed", "returning", "return_received"}

# A WeChat user the demo shop has bound to customer C001 (the account of
# scripts/wechat_standin.py and of the tests).
DEMO_WECHAT_APP_ID = "wxd0000000000demo"
DEMO_WECHAT_OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"


def _tier_of(n: int) -> str:
    return "gold" if n <= 7 else "silver" if n <= 14 else "normal"


class _Builder:
    def __init__(self, db: Session, now: datetime, rng: random.Random) -> None:
        self.db, self.now, self.rng = db, now, rng
        self.return_serial = 0

    def ago(self, **kw) -> datetime:
        return self.now - timedelta(**kw)

    def order(self, customer: Customer, seq: int, scenario: str, total_fen: int,
              items: list[tuple[str, str | None]] | None = None, place=None,
              prices: list[int] | None = None) -> Order:
        rng = self.rng
        province, city = place or rng.choice(PLACES)
        number = int(customer.id[1:])
        order = Order(
            id=f"DD26{number:04d}{seq:06d}", customer=customer, total_fen=total_fen,
            payment_method=rng.choice(PAYMENTS), province=province, city=city,
            status=S.unpaid, created_at=self.now, paid_at=None, shipped_at=None,
            delivered_at=None, carrier=None, tracking_no=None,
        )
        chosen = items or rng.sample(CATALOG[:9], rng.choice([1, 1, 2]))
        self._items(order, chosen, total_fen, prices)
        getattr(self, f"_{scenario}")(order)
        self.db.add(order)
        return order

    def _items(self, order: Order, chosen, total_fen: int, prices: list[int] | None = None) -> None:
        if prices is None:
            first = total_fen if len(chosen) == 1 else int(total_fen * self.rng.uniform(0.3, 0.7))
            prices = [first, total_fen - first][: len(chosen)]
        for (name, exclusion), price in zip(chosen, prices):
            order.items.append(OrderItem(name=name, quantity=1, price_fen=price,
                                         return_exclusion=exclusion))

    # --- lifecycle steps ---------------------------------------------------

    def _pay(self, order: Order, created: datetime) -> None:
        order.created_at = created
        order.paid_at = created + timedelta(minutes=self.rng.randint(1, 20))
        order.status = S.paid

    def _ship(self, order: Order, shipped: datetime) -> None:
        carrier, prefix = self.rng.choice(CARRIERS)
        order.carrier = carrier
        order.tracking_no = f"{prefix}{self.rng.randint(10**11, 10**12 - 1)}"
        order.shipped_at = shipped
        order.status = S.shipped
        self._event(order, shipped, "已揽收", "杭州", "【杭州仓】快递员已揽收，包裹已出库")

    def _event(self, order: Order, time: datetime, state: str, location: str, text: str) -> None:
        order.events.append(TrackingEvent(time=time, state=state, location=location, description=text))

    def _transit(self, order: Order, at: datetime) -> None:
        self._event(order, at, "运输中", "杭州", "快件已从【杭州转运中心】发出，下一站【"
                    f"{order.city}转运中心】")
        self._event(order, at + timedelta(hours=10), "运输中", order.city,
                    f"快件已到达【{order.city}转运中心】")
        order.status = S.in_transit

    def _deliver(self, order: Order, delivered: datetime) -> None:
        self._event(order, delivered - timedelta(hours=3), "派送中", order.city,
                    "快递员王师傅（电话 138****6621）正在为您派送")
        self._event(order, delivered, "已签收", order.city,
                    self.rng.choice(["已签收，签收人：本人", "已签收，已放入小区快递柜", "已签收，门卫代收"]))
        order.delivered_at = delivered
        order.status = S.delivered

    def _delivered_at(self, order: Order, days: float) -> None:
        delivered = self.ago(days=days)
        self._pay(order, delivered - timedelta(days=3))
        self._ship(order, delivered - timedelta(days=2))
        self._transit(order, delivered - timedelta(days=1, hours=20))
        self._deliver(order, delivered)

    def _delivered_old(self, order: Order) -> None:
        self._delivered_at(order, self.rng.uniform(10, 300))

    def _delivered_20_days_ago(self, order: Order) -> None:
        self._delivered_at(order, 20)

    def _delivered_recent(self, order: Order) -> None:
        self._delivered_at(order, self.rng.uniform(0.5, 5.5))

    def _unpaid(self, order: Order) -> None:
        order.created_at = self.ago(hours=self.rng.uniform(0.2, 10))

    def _cancelled(self, order: Order) -> None:
        order.created_at = self.ago(days=self.rng.uniform(2, 60))
        order.status = S.cancelled

    def _paid(self, order: Order) -> None:
        self._pay(order, self.ago(hours=self.rng.uniform(2, 30)))

    def _shipped(self, order: Order) -> None:
        self._pay(order, self.ago(hours=30))
        self._ship(order, self.ago(hours=self.rng.uniform(2, 8)))

    def _in_transit(self, order: Order) -> None:
        self._pay(order, self.ago(days=2, hours=6))
        self._ship(order, self.ago(days=1, hours=20))
        self._transit(order, self.ago(days=1, hours=12))

    def _out_for_delivery(self, order: Order) -> None:
        self._in_transit(order)
        self._event(order, self.ago(hours=1), "派送中", order.city,
                    "快递员王师傅（电话 138****6621）正在为您派送")
        order.status = S.out_for_delivery

    def _delayed(self, order: Order) -> None:
        self._pay(order, self.ago(days=5))
        self._ship(order, self.ago(days=4, hours=12))
        self._transit(order, self.ago(days=4))
        new_eta = (self.now + timedelta(days=2)).strftime("%m月%d日")
        self._event(order, self.ago(days=1), "延迟", order.city,
                    f"受天气影响，快件延迟派送，预计 {new_eta} 送达（已补偿 5 元无门槛券）")
        order.status = S.delayed

    def _return(self, order: Order, status: ReturnStatus, created: datetime) -> ReturnRequest:
        self.return_serial += 1
        ret = ReturnRequest(
            id=f"TH26{self.return_serial:010d}", order=order, customer_id=order.customer.id,
            reason="no_reason", status=status, resolution="refund", refund_fen=order.total_fen,
            shipping_paid_by="customer", needs_photo=False, coupon_yuan=0, created_at=created,
            pickup_deadline=created + timedelta(hours=24), received_at=None, refunded_at=None,
        )
        self.db.add(ret)
        return ret

    def _returning(self, order: Order) -> None:
        self._delivered_at(order, 3)
        self._return(order, ReturnStatus.pickup_scheduled, self.ago(hours=5))
        order.status = S.returning

    def _return_received(self, order: Order) -> None:
        self._delivered_at(order, 5)
        ret = self._return(order, ReturnStatus.received, self.ago(days=2))
        ret.received_at = self.ago(hours=6)
        order.status = S.returning

    def _refunded(self, order: Order) -> None:
        self._delivered_at(order, self.rng.uniform(12, 40))
        ret = self._return(order, ReturnStatus.refunded, order.delivered_at + timedelta(days=2))
        ret.received_at = ret.created_at + timedelta(days=2)
        ret.refunded_at = ret.received_at + timedelta(hours=5)
        order.status = S.refunded


def _customer(n: int, rng: random.Random, now: datetime) -> Customer:
    name = SURNAMES[(n - 1) % len(SURNAMES)] + GIVEN[(n - 1) % len(GIVEN)]
    return Customer(id=f"C{n:03d}", name=name, phone=f"138{n:08d}",
                    birthday_month=rng.randint(1, 12), created_at=now - timedelta(days=400))


def _showcase(b: _Builder, customers: dict[int, Customer]) -> None:
    """Hand-picked orders for the README and the tests, at the catalogue's prices (catalog.yml, which
    the demo shop's page shows): 张伟 spends ¥1,146 (金卡), 李娜 ¥985 (银卡), 王芳 ¥398 (普通)."""
    c1, c2, c3 = customers[1], customers[2], customers[3]
    b.order(c1, 1, "in_transit", 65800, [CATALOG[2], CATALOG[1]], ("上海", "上海"), prices=[29900, 35900])
    b.order(c1, 2, "delivered_recent", 8900, [CATALOG[0]], ("浙江", "杭州"))
    b.order(c1, 3, "delivered_20_days_ago", 39900, [CATALOG[5]], ("浙江", "杭州"))
    b.order(c2, 1, "paid", 35900, [CATALOG[1]], ("北京", "北京"))
    b.order(c2, 2, "delivered_recent", 12800, [CATALOG[9]], ("北京", "北京"))
    b.order(c2, 3, "returning", 19900, [CATALOG[4]], ("北京", "北京"))
    b.order(c2, 4, "delivered_old", 29900, [CATALOG[6]], ("北京", "北京"))
    b.order(c3, 1, "delayed", 3900, [CATALOG[7]], ("新疆", "乌鲁木齐"))
    b.order(c3, 2, "refunded", 8900, [CATALOG[3]], ("新疆", "乌鲁木齐"))
    b.order(c3, 3, "unpaid", 6900, [CATALOG[8]], ("新疆", "乌鲁木齐"))
    b.order(c3, 4, "delivered_recent", 35900, [CATALOG[1]], ("新疆", "乌鲁木齐"))


def _generated(b: _Builder, customer: Customer, n: int, first_seq: int) -> list[Order]:
    rng = b.rng
    count = rng.randint(5, 6)
    scenarios = [SCENARIOS[(n * 3 + k) % len(SCENARIOS)] for k in range(count)]
    low, high = TIER_SPEND[_tier_of(n)]
    target = int(rng.uniform(low, high) * 100)
    weights = [rng.uniform(0.5, 1.5) if s in COUNTED else 0 for s in scenarios]
    counted = sum(weights) or 1
    orders = []
    for k, scenario in enumerate(scenarios):
        if weights[k]:
            total = max(int(target * weights[k] / counted) // 100 * 100 - 10, 990)
        else:
            total = rng.randint(20, 200) * 100 - 10
        chosen = None
        if scenario == "delivered_recent" and rng.random() < 0.4:
            chosen = [rng.choice(CATALOG[9:])]
        orders.append(b.order(customer, first_seq + k, scenario, total, chosen))
    return orders


def _points(db: Session, customer: Customer, rng: random.Random, now: datetime) -> None:
    def add(delta: int, reason: str, when: datetime) -> None:
        db.add(PointsEntry(customer_id=customer.id, delta=delta, reason=reason, created_at=when))

    earned = 0
    for order in customer.orders:
        if order.status in (S.delivered, S.returning) and order.delivered_at:
            points = order.total_fen // 100
            add(points, EARNED.format(order.id), order.delivered_at)
            earned += points
            for ret in order.returns:  # a return for a refund took them back
                if ret.resolution == "refund":
                    add(-points, TAKEN_BACK.format(order.id), ret.created_at)
                    earned -= points
    for day in range(rng.randint(3, 20)):
        add(5, "每日签到", now - timedelta(days=day + 1))
        earned += 5
    if rng.random() < 0.3:
        add(100, "邀请好友首单奖励", now - timedelta(days=rng.randint(5, 90)))
        earned += 100
    if earned > 600 and rng.random() < 0.5:
        add(-500, "积分抵现（抵扣 5 元）", now - timedelta(days=rng.randint(1, 30)))


def seed_if_empty(db: Session, now: datetime | None = None) -> bool:
    """Seed the demo shop into an empty database. Returns True when it seeded."""
    if db.scalar(select(Customer.id).limit(1)) is not None:
        return False
    now = now or utcnow()
    rng = random.Random(2026)
    b = _Builder(db, now, rng)
    customers = {n: _customer(n, rng, now) for n in range(1, 23)}
    db.add_all(customers.values())
    _showcase(b, customers)
    for n, customer in customers.items():
        if not customer.orders:  # showcase customers keep just their own orders
            _generated(b, customer, n, first_seq=1)
        _points(db, customer, rng, now)
    # The demo WeChat user of README's try-it steps is customer C001.
    db.add(WechatBinding(app_id=DEMO_WECHAT_APP_ID, openid=DEMO_WECHAT_OPENID, customer_id="C001",
                         created_at=now))
    db.commit()
    return True
