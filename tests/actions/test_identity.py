"""Who the customer is: signed desk metadata, or verified in the conversation (SMS code, order + last four digits).

The actions run as the action server runs them, against a real desk whose
development SMS provider shows the code it "sent" (GET /api/demo/sms).
"""

import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.identity import (
    VERIFIED,
    ValidateTrackOrderForm,
    clean_order_id,
    clean_phone,
    customer_id,
    identity_slots,
    order_and_last4,
)
from tests.actions.conftest import make_tracker, signed

C001_ORDER = "DD260001000001"


def call(method, *args, tracker, domain):
    dispatcher = CollectingDispatcher()
    result = asyncio.run(method(*args, dispatcher, tracker, domain))
    return result, " ".join(m["text"] for m in dispatcher.messages)


def test_a_phone_number_alone_identifies_nobody(anonymous_sender, simulated_sms, domain):
    form, sender = ValidateTrackOrderForm(), anonymous_sender()
    tracker = make_tracker("13800000002", sender=sender)
    result, said = call(form.validate_phone, "13800000002", tracker=tracker, domain=domain)
    assert result == {"phone": "13800000002", "verification_code": None}
    assert "customer_id" not in result
    assert "138****0002" in said and "验证码" in said and "张" not in said
    assert simulated_sms()["phone"] == "138****0002"


def test_the_sms_code_verifies_the_customer(anonymous_sender, simulated_sms, domain):
    form, sender = ValidateTrackOrderForm(), anonymous_sender()
    call(form.validate_phone, "13800000002", tracker=make_tracker(sender=sender), domain=domain)
    code = simulated_sms()["code"]
    wrong_code = "000000" if code != "000000" else "111111"
    result, said = call(form.validate_verification_code, wrong_code, tracker=make_tracker(sender=sender),
                        domain=domain)
    assert result == {"verification_code": None} and "验证码不正确" in said
    result, said = call(form.validate_verification_code, code, tracker=make_tracker(sender=sender), domain=domain)
    assert result == {"verification_code": VERIFIED, "customer_id": "C002", "customer_tier": "银卡会员"}
    assert "身份验证成功" in said


def test_an_unknown_phone_is_answered_like_a_known_one(anonymous_sender, domain):
    form = ValidateTrackOrderForm()
    known = call(form.validate_phone, "13800000002", tracker=make_tracker(sender=anonymous_sender()), domain=domain)
    unknown = call(form.validate_phone, "13999999999", tracker=make_tracker(sender=anonymous_sender()), domain=domain)
    assert unknown[1].replace("139****9999", "X") == known[1].replace("138****0002", "X")


def test_the_code_is_read_from_the_customers_words(domain):
    form = ValidateTrackOrderForm()
    asked = {"requested_slot": "verification_code"}
    for text, code in [("验证码是 836412", "836412"), ("８３６４１２", "836412"), ("没收到", None)]:
        result, _ = call(form.extract_verification_code, tracker=make_tracker(text, slots=asked), domain=domain)
        assert result == ({"verification_code": code} if code else {})
    # Not while the phone is asked for.
    result, _ = call(form.extract_verification_code, tracker=make_tracker("836412"), domain=domain)
    assert result == {}


def test_order_number_and_last_four_digits_verify_instead_of_the_phone(anonymous_sender, domain):
    form, sender = ValidateTrackOrderForm(), anonymous_sender()
    asked = {"requested_slot": "phone"}
    for text, digits, verified in [(f"{C001_ORDER} 9999", "9999", False), (f"订单{C001_ORDER}，尾号0001", "0001", True)]:
        proof, _ = call(form.extract_phone, tracker=make_tracker(text, slots=asked, sender=sender), domain=domain)
        assert proof == {"verification_code": f"订单:{C001_ORDER} {digits}"}  # checked by the validator
        result, said = call(form.validate_verification_code, proof["verification_code"],
                            tracker=make_tracker(text, slots=asked, sender=sender), domain=domain)
        if verified:
            assert result["customer_id"] == "C001" and result["verification_code"] == VERIFIED
        else:
            assert result == {"verification_code": None, "phone": None} and "不对" in said


def test_the_fallback_lets_the_form_take_a_phone_or_a_code(run):
    from actions.fallback import ActionFallback
    for text, asked in [("13800000001", "phone"), (f"{C001_ORDER} 0001", "phone"), ("836412", "verification_code")]:
        tracker = make_tracker(text, "nlu_fallback", slots={"requested_slot": asked}, active_loop="points_form")
        assert run(ActionFallback(), tracker).text == ""
    tracker = make_tracker("嗯嗯", "nlu_fallback", slots={"requested_slot": "phone"}, active_loop="points_form")
    assert run(ActionFallback(), tracker).text


def test_order_and_last4_are_found_in_running_text():
    assert order_and_last4("DD260001000001 0001") == ("DD260001000001", "0001")
    assert order_and_last4("订单号ｄｄ２６０００１０００００１ 手机尾号0001") == ("DD260001000001", "0001")
    assert order_and_last4("DD260001000001") is None
    assert order_and_last4("手机尾号0001") is None


def test_phone_and_code_are_only_asked_when_the_customer_is_unknown(domain):
    form = ValidateTrackOrderForm()
    slots = ["phone", "verification_code"]
    ask = lambda tracker: asyncio.run(form.required_slots(slots, CollectingDispatcher(), tracker, domain))
    assert ask(make_tracker()) == slots
    assert ask(make_tracker(metadata=signed(customer_id="C001"))) == []
    assert ask(make_tracker(slots={"customer_id": "C001"})) == []


def test_metadata_the_desk_did_not_sign_is_ignored(domain):
    forged = {"customer_id": "C001", "channel": "web", "tier": "金卡会员"}
    assert customer_id(make_tracker(metadata=forged)) is None
    tampered = {**signed(customer_id="C002"), "customer_id": "C001"}
    assert customer_id(make_tracker(metadata=tampered)) is None
    # Signed for another conversation: not this one's customer.
    assert customer_id(make_tracker(metadata=signed("other-sender", customer_id="C001"))) is None
    assert customer_id(make_tracker(metadata=signed(customer_id="C001"))) == "C001"
    assert identity_slots(forged, "test-sender") == []


def test_values_are_folded_and_validated():
    assert clean_order_id("ｄｄ２６０００１０００００１") == "DD260001000001"
    assert clean_order_id("DD2600010000011") is None
    assert clean_order_id("'; DROP TABLE shop_orders; --") is None
    assert clean_phone("１３８０００００００１") == "13800000001"
    assert clean_phone("12800000001") is None


def test_signed_metadata_becomes_slots():
    metadata = {**signed(customer_id="C001", tier="金卡会员", channel="wechat"), "x": 1}
    events = identity_slots(metadata, "test-sender")
    assert {(e["name"], e["value"]) for e in events} == {
        ("customer_id", "C001"), ("customer_tier", "金卡会员"), ("channel", "wechat")}
