from actions.logistics import ActionDeliveryTime, ActionTrackOrder
from tests.actions.conftest import entity, make_tracker, signed

SIGNED_IN_C001 = signed(customer_id="C001", channel="web", tier="金卡会员")


def test_signed_in_customer_sees_the_open_order_with_tracking(run):
    result = run(ActionTrackOrder(), make_tracker("我的快递到哪了", metadata=SIGNED_IN_C001))
    assert "DD260001000001" in result.text and "运输中" in result.text
    assert "上海转运中心" in result.text and "运单号" in result.text
    assert result.slot("order_id") == "DD260001000001"


def test_order_number_typed_full_width_and_lower_case(run):
    tracker = make_tracker("订单到哪了", entities=[entity("order_id", "ｄｄ２６０００１０００００２")],
                           slots={"customer_id": "C001"})
    result = run(ActionTrackOrder(), tracker)
    assert "DD260001000002" in result.text and "已签收" in result.text


def test_another_customers_order_is_not_revealed(run):
    tracker = make_tracker("DD260001000001 到哪了", entities=[entity("order_id", "DD260001000001")],
                           slots={"customer_id": "C003"})
    result = run(ActionTrackOrder(), tracker)
    assert "没有在您的账户下找到订单 DD260001000001" in result.text
    assert "耳机" not in result.text and "运输中" not in result.text


def test_order_that_does_not_exist(run):
    tracker = make_tracker("DD999999999999", entities=[entity("order_id", "DD999999999999")],
                           slots={"customer_id": "C001"})
    assert "没有在您的账户下找到" in run(ActionTrackOrder(), tracker).text


def test_several_open_orders_are_offered_as_buttons(run, desk_get):
    busy = next(
        c for c in (f"C{n:03d}" for n in range(4, 23))
        if len(desk_get(f"/api/shop/customers/{c}/orders?open=true")) > 1
    )
    result = run(ActionTrackOrder(), make_tracker("快递到哪了", slots={"customer_id": busy}))
    assert "想查询哪一个" in result.text
    assert result.buttons and all(b["payload"].startswith('/track_order{"order_id":"DD') for b in result.buttons)


def test_signed_for_but_not_received_is_offered_to_a_human(run):
    tracker = make_tracker("显示签收了但是我没收到", entities=[entity("order_id", "DD260003000004")],
                           slots={"customer_id": "C003"})
    result = run(ActionTrackOrder(), tracker)
    assert "人工" in result.text
    assert result.slot("human_offered") is True and result.slot("handoff_reason") == "policy"
    assert {b["payload"] for b in result.buttons} == {"/request_human", "/deny"}


def test_delayed_order_apologises(run):
    tracker = make_tracker("怎么还没到", entities=[entity("order_id", "DD260003000001")],
                           slots={"customer_id": "C003"})
    result = run(ActionTrackOrder(), tracker)
    assert "物流延迟" in result.text and "抱歉" in result.text


def test_delivery_time_by_region(run):
    remote = run(ActionDeliveryTime(), make_tracker("新疆几天到", "ask_delivery_time",
                                                     [entity("region", "新疆")]))
    assert "偏远地区" in remote.text and "72 小时" in remote.text and "48 小时内发货" in remote.text
    same_city = run(ActionDeliveryTime(), make_tracker("杭州多久", "ask_delivery_time",
                                                        [entity("region", "杭州")]))
    assert "同城" in same_city.text and "24 小时" in same_city.text


def test_delivery_time_without_region_lists_all_zones_and_gold_priority(run):
    result = run(ActionDeliveryTime(), make_tracker("多久能到", "ask_delivery_time",
                                                     slots={"customer_tier": "金卡会员"}))
    assert all(h in result.text for h in ("24 小时", "48 小时", "72 小时"))
    assert "12小时内优先发货" in result.text


def test_delivery_time_of_the_customers_own_orders(run, desk_get):
    in_transit = run(ActionDeliveryTime(), make_tracker("我的耳机明天能到吗", "ask_delivery_time",
                                                         metadata=SIGNED_IN_C001))
    order = desk_get("/api/shop/customers/C001/orders/DD260001000001")
    assert "DD260001000001" in in_transit.text and "运输中" in in_transit.text
    assert "寄往上海" in in_transit.text and "48 小时" in in_transit.text and "预计" in in_transit.text
    assert order["status"] == "in_transit"
    paid = run(ActionDeliveryTime(), make_tracker("我下午下的单今天能发吗", "ask_delivery_time",
                                                   slots={"customer_id": "C002"}))
    assert "DD260002000001" in paid.text and "前发出" in paid.text
    assert paid.slot("order_id") == "DD260002000001"


def test_an_unknown_customer_gets_the_general_delivery_times(run):
    result = run(ActionDeliveryTime(), make_tracker("一般几天能到", "ask_delivery_time"))
    assert "杭州同城约 24 小时" in result.text and "告诉我收货城市" in result.text
