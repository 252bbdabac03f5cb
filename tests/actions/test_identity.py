import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.identity import ValidateTrackOrderForm, clean_order_id, clean_phone, identity_slots
from tests.actions.conftest import make_tracker


def validate_phone(value, domain):
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ValidateTrackOrderForm().validate_phone(value, dispatcher, make_tracker(), domain))
    return result, " ".join(m["text"] for m in dispatcher.messages)


def test_known_phone_identifies_the_customer(desk_url, domain):
    result, said = validate_phone("13800000002", domain)
    assert result == {"phone": "13800000002", "customer_id": "C002", "customer_tier": "银卡会员"}
    assert "已确认您的身份" in said


def test_unknown_phone_is_asked_again(desk_url, domain):
    result, said = validate_phone("13999999999", domain)
    assert result == {"phone": None} and "没有找到" in said


def test_malformed_phone_never_reaches_the_desk(desk_url, domain):
    result, said = validate_phone("12345", domain)
    assert result == {"phone": None} and "11 位" in said


def test_phone_is_only_asked_when_the_customer_is_unknown(domain):
    form = ValidateTrackOrderForm()
    ask = lambda tracker: asyncio.run(form.required_slots(["phone"], CollectingDispatcher(), tracker, domain))
    assert ask(make_tracker()) == ["phone"]
    assert ask(make_tracker(metadata={"customer_id": "C001"})) == []
    assert ask(make_tracker(slots={"customer_id": "C001"})) == []


def test_values_are_folded_and_validated():
    assert clean_order_id("ｄｄ２６０００１０００００１") == "DD260001000001"
    assert clean_order_id("DD2600010000011") is None
    assert clean_order_id("'; DROP TABLE shop_orders; --") is None
    assert clean_phone("１３８０００００００１") == "13800000001"
    assert clean_phone("12800000001") is None


def test_metadata_becomes_slots():
    events = identity_slots({"customer_id": "C001", "tier": "金卡会员", "channel": "wechat", "x": 1})
    assert {(e["name"], e["value"]) for e in events} == {
        ("customer_id", "C001"), ("customer_tier", "金卡会员"), ("channel", "wechat")}
