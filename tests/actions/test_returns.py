import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.returns import (
    ActionAskOrderId,
    ActionAskReturnConfirmed,
    ActionAskReturnReason,
    ActionRefundStatus,
    ActionReturnPolicy,
    ActionSubmitReturn,
    ValidateReturnForm,
    reason_from_text,
)
from tests.actions.conftest import entity, make_tracker


def validate(method: str, value, tracker, domain):
    dispatcher = CollectingDispatcher()
    form = ValidateReturnForm()
    result = asyncio.run(getattr(form, method)(value, dispatcher, tracker, domain))
    return result, " ".join(m.get("text") or "" for m in dispatcher.messages)


def test_return_policy_is_read_from_the_shop_rules(run):
    result = run(ActionReturnPolicy(), make_tracker("怎么退货", "ask_return_policy"))
    assert "7 天内无理由退换货" in result.text and "定制/印字商品" in result.text


def test_reasons_are_understood_from_customer_words():
    assert reason_from_text("七天无理由") == "no_reason"
    assert reason_from_text("衣服大了不合适") == "no_reason"
    assert reason_from_text("杯子碎了") == "damaged"
    assert reason_from_text("你们发错货了") == "wrong_item"
    assert reason_from_text("耳机开不了机") == "faulty"
    assert reason_from_text("嗯") is None


def test_the_form_offers_returnable_orders_only(run):
    result = run(ActionAskOrderId(), make_tracker(slots={"customer_id": "C002"}))
    payloads = [b["payload"] for b in result.buttons]
    assert any("DD260002000002" in p for p in payloads)  # delivered
    assert not any("DD260002000003" in p for p in payloads)  # already returning


def test_reason_buttons_come_from_the_policy(run):
    result = run(ActionAskReturnReason(), make_tracker())
    assert [b["title"] for b in result.buttons] == ["七天无理由", "质量问题", "商品破损", "错发/漏发"]


def test_order_already_being_returned_is_refused(desk_url, domain):
    tracker = make_tracker("退 DD260002000003", "request_return", slots={"customer_id": "C002"})
    result, said = validate("validate_order_id", "DD260002000003", tracker, domain)
    assert result == {"order_id": None} and "已有退货申请" in said and "DD260002000003" in said


def test_an_order_from_earlier_that_cannot_be_returned_is_dropped_without_a_refusal(desk_url, domain, run):
    """C001 tracked DD260001000001 (on its way), then says "我要退货": no "包裹还在路上" about an order
    not mentioned, then "请问要退哪个订单" (the regression of issue 16); the question says why it is missing."""
    tracker = make_tracker("我要退货", "request_return", slots={"customer_id": "C001", "order_id": "DD260001000001"})
    result, said = validate("validate_order_id", "DD260001000001", tracker, domain)
    assert result == {"order_id": None} and said == ""
    asked = run(ActionAskOrderId(), make_tracker(slots={"customer_id": "C001"}))
    assert "DD260001000001 还在路上，签收后就可以申请退货" in asked.text
    assert not any("DD260001000001" in b["payload"] for b in asked.buttons)
    # Pressed on a button (its payload is the message's text), the same order is refused with the reason.
    pressed = make_tracker('/request_return{"order_id":"DD260001000001"}', "request_return",
                           entities=[entity("order_id", "DD260001000001")], slots={"customer_id": "C001"})
    result, said = validate("validate_order_id", "DD260001000001", pressed, domain)
    assert result == {"order_id": None} and "包裹还在路上" in said


def test_order_buttons_show_the_full_order_number(run):
    result = run(ActionAskOrderId(), make_tracker(slots={"customer_id": "C002"}))
    assert any(b["title"].startswith("DD260002000002 ") for b in result.buttons)


def test_someone_elses_order_is_refused_without_details(desk_url, domain):
    tracker = make_tracker("DD260001000002", "request_return", slots={"customer_id": "C003"})
    result, said = validate("validate_order_id", "DD260001000002", tracker, domain)
    assert result == {"order_id": None} and "没有找到该订单" in said and "T恤" not in said


def test_order_given_before_verification_is_checked_once_the_customer_is_known(anonymous_sender, simulated_sms,
                                                                                domain):
    sender = anonymous_sender()
    tracker = lambda: make_tracker(slots={"order_id": "DD260001000002"}, sender=sender)
    validate("validate_phone", "13800000003", tracker(), domain)
    result, said = validate("validate_verification_code", simulated_sms()["code"], tracker(), domain)
    assert result["customer_id"] == "C003" and result["order_id"] is None  # C001's order, not C003's


def test_customised_goods_are_refused_a_no_reason_return_and_offered_a_human(desk_url, domain):
    tracker = make_tracker(slots={"customer_id": "C002", "order_id": "DD260002000002"})
    result, said = validate("validate_return_reason", "七天无理由", tracker, domain)
    assert "定制" in said and result["return_confirmed"] is False and result["human_offered"] is True


def test_late_no_reason_return_is_asked_again_for_a_defect(desk_url, domain):
    tracker = make_tracker(slots={"customer_id": "C001", "order_id": "DD260001000003"})
    result, said = validate("validate_return_reason", "不想要了 七天无理由", tracker, domain)
    assert result == {"return_reason": None} and "质量问题" in said
    result, _ = validate("validate_return_reason", "质量问题", tracker, domain)
    assert result == {"return_reason": "faulty"}


def test_cancel_words_end_the_form(desk_url, domain):
    tracker = make_tracker(slots={"customer_id": "C001", "order_id": "DD260001000002"})
    result, _ = validate("validate_return_reason", "算了不退了", tracker, domain)
    assert result["return_confirmed"] is False
    form = ValidateReturnForm()
    cancelled = make_tracker(slots={"customer_id": "C001", "return_confirmed": False})
    slots = asyncio.run(form.required_slots(["phone", "order_id", "return_reason", "return_confirmed"],
                                            CollectingDispatcher(), cancelled, domain))
    assert slots == []


def test_a_reason_read_as_no_is_a_reason_and_does_not_cancel(desk_url, domain):
    asked_reason = make_tracker("拍错了", "deny", slots={"customer_id": "C001", "order_id": "DD260001000002",
                                                       "requested_slot": "return_reason"})
    result, _ = validate("validate_return_confirmed", False, asked_reason, domain)
    assert result == {"return_confirmed": None}
    really_cancels = make_tracker("算了 拍错了也不退了", "deny", slots={"requested_slot": "return_reason"})
    assert validate("validate_return_confirmed", False, really_cancels, domain)[0] == {"return_confirmed": False}
    at_confirmation = make_tracker("不要", "deny", slots={"requested_slot": "return_confirmed"})
    assert validate("validate_return_confirmed", False, at_confirmation, domain)[0] == {"return_confirmed": False}
    # The form goes on to validate the reason (the SDK validates only the slots still required).
    form, slots = ValidateReturnForm(), ["phone", "order_id", "return_reason", "return_confirmed"]
    read_as_no = make_tracker("拍重复了 不需要了", "deny", slots={
        "customer_id": "C001", "order_id": "DD260001000002", "requested_slot": "return_reason",
        "return_reason": "拍重复了 不需要了", "return_confirmed": False})
    assert "return_reason" in asyncio.run(form.required_slots(slots, CollectingDispatcher(), read_as_no, domain))


def test_confirmation_sums_up_refund_payment_and_pickup(run):
    tracker = make_tracker(slots={"customer_id": "C001", "order_id": "DD260001000002",
                                  "return_reason": "no_reason"})
    result = run(ActionAskReturnConfirmed(), tracker)
    assert "¥89.00" in result.text and "退货运费由您承担" in result.text and "24 小时内上门取件" in result.text
    assert {b["payload"] for b in result.buttons} == {"/affirm", "/deny"}


def test_a_reason_in_the_customers_own_words_is_shown_with_the_reason_it_was_filed_as(run):
    slots = {"customer_id": "C001", "order_id": "DD260001000002", "return_reason": "no_reason"}
    typed = run(ActionAskReturnConfirmed(), make_tracker("尺码不合适，穿着太小了", "inform", slots=slots))
    assert "· 原因：七天无理由（按您说的“尺码不合适，穿着太小了”）" in typed.text
    pressed = run(ActionAskReturnConfirmed(), make_tracker("七天无理由", "inform", slots=slots))
    assert "· 原因：七天无理由\n" in pressed.text


def test_confirmed_return_is_created_through_the_desk(run, desk_get):
    tracker = make_tracker("确认", "affirm", slots={
        "customer_id": "C001", "order_id": "DD260001000002", "return_reason": "no_reason",
        "return_confirmed": True})
    result = run(ActionSubmitReturn(), tracker)
    assert "退货申请已提交" in result.text and "TH" in result.text
    assert result.slot("order_id") is None and result.slot("return_confirmed") is None
    (ret,) = desk_get("/api/shop/customers/C001/returns")
    assert ret["order_id"] == "DD260001000002" and ret["return_id"] in result.text


def test_unshipped_order_is_refunded_instantly(run):
    tracker = make_tracker("确认", "affirm", slots={
        "customer_id": "C002", "order_id": "DD260002000001", "return_reason": "no_reason",
        "return_confirmed": True})
    result = run(ActionSubmitReturn(), tracker)
    assert "已为您取消订单 DD260002000001 并退款 ¥359.00" in result.text


def test_declined_confirmation_creates_nothing(run, desk_get):
    before = desk_get("/api/shop/customers/C003/returns")
    tracker = make_tracker("不了", "deny", slots={
        "customer_id": "C003", "order_id": "DD260003000004", "return_reason": "no_reason",
        "return_confirmed": False})
    result = run(ActionSubmitReturn(), tracker)
    assert "已为您取消本次退货申请" in result.text
    assert desk_get("/api/shop/customers/C003/returns") == before


def test_refund_status_of_a_return_waiting_for_pickup(run):
    result = run(ActionRefundStatus(), make_tracker("退款到哪了", "ask_refund_status",
                                                     slots={"customer_id": "C002"}))
    assert "DD260002000003" in result.text and "等待快递上门取件" in result.text


def test_refund_status_without_returns(run, desk_get):
    result = run(ActionRefundStatus(), make_tracker(
        "退款呢", "ask_refund_status", [entity("order_id", "DD260003000001")],
        slots={"customer_id": "C003"}))
    assert "没有退款记录" in result.text
