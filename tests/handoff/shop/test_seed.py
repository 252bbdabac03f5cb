from collections import Counter

from sqlalchemy import func, select

from handoff.core import patterns
from handoff.core.clock import utcnow
from handoff.shop import customers as shop_customers
from handoff.shop.models import Customer, Order, OrderStatus, PointsEntry, ReturnRequest
from handoff.shop.seed import seed_if_empty


def test_demo_shop_covers_customers_tiers_and_every_order_state(client, db):
    customers = db.scalars(select(Customer)).all()
    assert len(customers) >= 20
    policy = client.app.state.desk.policy
    tiers = Counter(shop_customers.customer_profile(db, policy=policy, customer_id=c.id, now=utcnow()).tier.name
                   for c in customers)
    assert set(tiers) == {t.name for t in policy.tiers}
    assert min(tiers.values()) >= 5

    orders = db.scalars(select(Order)).all()
    assert len(orders) >= 100
    assert {o.status for o in orders} == set(OrderStatus)
    # Delivered within the 7-day window and long ago, both present.
    now = utcnow()
    delivered = [o for o in orders if o.status == OrderStatus.delivered]
    assert any((now - o.delivered_at).days < 7 for o in delivered)
    assert any((now - o.delivered_at).days > 7 for o in delivered)
    # Shipped orders carry tracking events; every order id has the documented format.
    assert all(o.events for o in orders if o.shipped_at)
    assert all(patterns.ORDER_ID.match(o.id) for o in orders)
    assert db.scalar(select(func.count()).select_from(ReturnRequest)) > 0


def test_every_customer_has_a_points_ledger_with_a_positive_balance(db):
    for customer in db.scalars(select(Customer)):
        assert db.scalar(select(func.count()).where(PointsEntry.customer_id == customer.id)) > 0
        assert shop_customers.points_balance(db, customer_id=customer.id) > 0


def test_seeding_twice_adds_nothing(db):
    before = db.scalar(select(func.count()).select_from(Order))
    assert seed_if_empty(db) is False
    assert db.scalar(select(func.count()).select_from(Order)) == before
