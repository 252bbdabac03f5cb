"""The shop API the actions use, over HTTP, on the seeded demo shop."""

import pytest

# Showcase data (handoff/shop/seed.py): C001 gold, C002 silver, C003 normal.
C001_IN_TRANSIT = "DD260001000001"
C001_DELIVERED_RECENT = "DD260001000002"
C001_DELIVERED_OLD = "DD260001000003"
C002_PAID = "DD260002000001"
C002_CUSTOMISED = "DD260002000002"
C002_RETURNING = "DD260002000003"
C003_DELAYED = "DD260003000001"
C003_UNPAID = "DD260003000003"


def test_every_shop_route_needs_the_service_token(client):
    for value in ("", "Bearer wrong", "test-token"):
        response = client.get("/api/shop/customers/C001", headers={"Authorization": value})
        assert response.status_code == 401
        assert response.json()["detail"] == "服务令牌无效"


def test_silver_member_sees_how_far_the_next_tier_is(client):
    body = client.get("/api/shop/customers/C002").json()
    assert body["tier"]["name"] == "银卡会员"
    assert body["next_tier"]["name"] == "金卡会员"
    assert body["spend_to_next_tier_yuan"] == pytest.approx(1000 - body["spend_12m_yuan"])


def test_open_orders_are_the_ones_still_on_their_way(client):
    orders = client.get("/api/shop/customers/C001/orders", params={"open": "true"}).json()
    assert [o["order_id"] for o in orders] == [C001_IN_TRANSIT]
    everything = client.get("/api/shop/customers/C001/orders").json()
    assert len(everything) == 3


def test_order_detail_has_items_and_tracking_newest_first(client):
    order = client.get(f"/api/shop/customers/C001/orders/{C001_IN_TRANSIT.lower()}").json()
    assert order["order_id"] == C001_IN_TRANSIT and order["status_zh"] == "运输中"
    assert order["items"][0]["name"] == "降噪蓝牙耳机"
    times = [e["time"] for e in order["events"]]
    assert times == sorted(times, reverse=True) and len(times) >= 3
    assert order["events"][-1]["state"] == "已揽收"
    assert order["created_at"].endswith("Z")


def test_another_customers_order_is_answered_like_a_missing_one(client):
    theirs = client.get(f"/api/shop/customers/C003/orders/{C001_IN_TRANSIT}")
    missing = client.get("/api/shop/customers/C003/orders/DD999999999999")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert "降噪" not in theirs.text


def test_malformed_order_id_is_a_clear_400(client):
    response = client.get("/api/shop/customers/C001/orders/' OR 1=1 --")
    assert response.status_code == 400
    assert "DD" in response.json()["detail"]


@pytest.mark.parametrize(
    "customer, order_id, reason, eligible, code",
    [
        ("C001", C001_DELIVERED_RECENT, "no_reason", True, "ok_return"),
        ("C001", C001_DELIVERED_OLD, "no_reason", False, "too_late"),
        ("C001", C001_DELIVERED_OLD, "faulty", True, "ok_return"),
        ("C001", C001_IN_TRANSIT, "no_reason", False, "in_transit"),
        ("C002", C002_PAID, "no_reason", True, "ok_instant_refund"),
        ("C002", C002_CUSTOMISED, "no_reason", False, "excluded"),
        ("C002", C002_CUSTOMISED, "damaged", True, "ok_return"),
        ("C002", C002_RETURNING, "no_reason", False, "return_exists"),
        ("C003", C003_UNPAID, "no_reason", False, "unpaid"),
        ("C003", C003_DELAYED, None, False, "in_transit"),
        ("C001", C001_DELIVERED_OLD, None, True, "ok_pending_reason"),
    ],
)
def test_return_eligibility_follows_the_shop_rules(client, customer, order_id, reason, eligible, code):
    params = {"reason": reason} if reason else {}
    url = f"/api/shop/customers/{customer}/orders/{order_id}/return-eligibility"
    body = client.get(url, params=params).json()
    assert (body["eligible"], body["code"]) == (eligible, code), body["message"]


def test_who_pays_return_shipping_and_when_a_photo_is_needed(client):
    url = f"/api/shop/customers/C001/orders/{C001_DELIVERED_OLD}/return-eligibility"
    faulty = client.get(url, params={"reason": "faulty"}).json()  # 599 yuan, a defect
    assert faulty["shipping_paid_by"] == "shop" and faulty["needs_photo"] is True
    url = f"/api/shop/customers/C001/orders/{C001_DELIVERED_RECENT}/return-eligibility"
    no_reason = client.get(url, params={"reason": "no_reason"}).json()  # 89 yuan
    assert no_reason["shipping_paid_by"] == "customer" and no_reason["needs_photo"] is False


def test_unknown_return_reason_is_rejected(client):
    url = f"/api/shop/customers/C001/orders/{C001_DELIVERED_RECENT}/return-eligibility"
    response = client.get(url, params={"reason": "bored"})
    assert response.status_code == 400 and "七天无理由" in response.json()["detail"]


def test_return_of_a_delivered_order_schedules_a_pickup_once(client):
    response = client.post("/api/shop/customers/C001/returns",
                           json={"order_id": C001_DELIVERED_RECENT, "reason": "no_reason"})
    assert response.status_code == 201
    ret = response.json()
    assert ret["return_id"].startswith("TH") and len(ret["return_id"]) == 14
    assert ret["status"] == "pickup_scheduled" and ret["refund_yuan"] == 89.0
    assert ret["pickup_deadline"] > ret["created_at"]
    order = client.get(f"/api/shop/customers/C001/orders/{C001_DELIVERED_RECENT}").json()
    assert order["status"] == "returning"
    again = client.post("/api/shop/customers/C001/returns",
                        json={"order_id": C001_DELIVERED_RECENT, "reason": "no_reason"})
    assert again.status_code == 409 and again.json()["code"] == "return_exists"
    listed = client.get("/api/shop/customers/C001/returns").json()
    assert [r["return_id"] for r in listed] == [ret["return_id"]]


def test_a_refunded_return_takes_back_the_points_its_order_earned(client):
    """After returning the ¥89 T-shirt the points answer no longer counts its +89 (issue 16)."""
    before = client.get("/api/shop/customers/C001/points").json()
    assert any(e["reason"] == f"购物返积分（订单 {C001_DELIVERED_RECENT}）" and e["delta"] == 89
               for e in before["recent"])
    client.post("/api/shop/customers/C001/returns", json={"order_id": C001_DELIVERED_RECENT, "reason": "no_reason"})
    after = client.get("/api/shop/customers/C001/points").json()
    assert after["balance"] == before["balance"] - 89
    assert after["recent"][0]["reason"] == f"退货扣回积分（订单 {C001_DELIVERED_RECENT}）"
    assert after["recent"][0]["delta"] == -89
    reshipped = client.get("/api/shop/customers/C001/points").json()["balance"]
    client.post("/api/shop/customers/C001/returns", json={"order_id": C001_DELIVERED_OLD, "reason": "wrong_item"})
    assert client.get("/api/shop/customers/C001/points").json()["balance"] == reshipped  # reshipped: kept


def test_paid_unshipped_order_is_refunded_at_once(client):
    ret = client.post("/api/shop/customers/C002/returns",
                      json={"order_id": C002_PAID, "reason": "no_reason"}).json()
    assert ret["status"] == "refunded" and ret["refunded_at"] is not None
    order = client.get(f"/api/shop/customers/C002/orders/{C002_PAID}").json()
    assert order["status"] == "refunded"


def test_wrong_item_is_reshipped_with_a_coupon(client):
    ret = client.post("/api/shop/customers/C001/returns",
                      json={"order_id": C001_DELIVERED_OLD, "reason": "wrong_item"}).json()
    assert (ret["resolution"], ret["coupon_yuan"], ret["refund_yuan"]) == ("reship", 10, 0)


def test_ineligible_return_is_refused_with_the_reason(client):
    response = client.post("/api/shop/customers/C002/returns",
                           json={"order_id": C002_CUSTOMISED, "reason": "no_reason"})
    assert response.status_code == 409
    assert "定制" in response.json()["detail"]


def test_cannot_return_someone_elses_order(client):
    response = client.post("/api/shop/customers/C003/returns",
                           json={"order_id": C001_DELIVERED_RECENT, "reason": "no_reason"})
    assert response.status_code == 404


def test_refund_status_of_a_return_in_progress(client):
    (ret,) = client.get("/api/shop/customers/C002/returns", params={"order_id": C002_RETURNING}).json()
    assert ret["status_zh"] == "等待快递上门取件"


def test_points_summary(client):
    body = client.get("/api/shop/customers/C001/points").json()
    assert body["worth_yuan"] == pytest.approx(body["balance"] / 100)
    assert body["max_share_of_order"] == 0.5 and body["recent"]


@pytest.mark.parametrize(
    "region, zone, hours",
    [("杭州", "same_city", 24), ("广州", "other_province", 48), ("新疆", "remote", 72),
     ("乌鲁木齐", "remote", 72), (None, "unknown", None)],
)
def test_delivery_estimate_by_region(client, region, zone, hours):
    params = {"region": region} if region else {}
    body = client.get("/api/shop/delivery-estimate", params=params).json()
    assert (body["zone"], body["delivery_hours"], body["ship_within_hours"]) == (zone, hours, 48)


def test_unknown_customer(client):
    response = client.get("/api/shop/customers/C999/points")
    assert response.status_code == 404 and response.json()["detail"] == "没有找到该会员"


def test_the_catalogue_gives_products_with_stock_and_the_current_promotions(client):
    body = client.get("/api/shop/catalog").json()
    earbuds = next(p for p in body["products"] if p["sku"] == "EB01")
    assert earbuds["name"] == "降噪蓝牙耳机" and earbuds["price"] == 299
    assert {"颜色": "黑色", "stock": 0} in earbuds["variants"]
    special = next(p for p in body["promotions"] if p["kind"] == "product_price")
    assert special["products"] == ["EB01"] and special["price"] == 269
    assert body["price_protection"]["days"] == 7
    assert client.get("/api/shop/catalog", headers={"Authorization": ""}).status_code == 401


def test_a_catalogue_with_a_promotion_of_an_unknown_product_is_refused(tmp_path):
    import yaml

    from handoff.core.settings import REPO_ROOT
    from handoff.shop.catalog import load_catalog

    data = yaml.safe_load((REPO_ROOT / "handoff" / "shop" / "catalog.yml").read_text(encoding="utf-8"))
    data["promotions"].append({"name": "错的", "kind": "product_price", "text": "…", "products": ["NOPE"]})
    broken = tmp_path / "catalog.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown SKUs"):
        load_catalog(broken)
