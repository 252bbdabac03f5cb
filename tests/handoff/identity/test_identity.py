"""Verifying an anonymous customer: one-time SMS code, or order number + the phone's last four digits.

The real desk (SQLite, embedded Redis); the "SMS" is the development provider,
whose simulated phone the demo page reads (GET /api/demo/sms).
"""

import time

import pytest
from fastapi.testclient import TestClient

from handoff.app import create_app
from tests.handoff.conftest import AUTH

MEMBER_PHONE = "13800000001"  # C001 张先生 in the demo shop
C001_ORDER = "DD260001000001"  # in transit (tests/handoff/shop/test_shop_api.py)


def open_anonymous(client) -> tuple[str, str]:
    """A new anonymous web conversation: (conversation id, Rasa sender id)."""
    conv = client.post("/api/chat/conversations", json={}).json()
    assert conv["customer"] is None
    return conv["id"], f"desk-{conv['id']}"


def customer_of(client, conv_id: str, db) -> str | None:
    from handoff.conversations.models import Conversation
    db.expire_all()
    return db.get(Conversation, conv_id).customer_id


def last_sms(client) -> dict:
    return client.get("/api/demo/sms").json()[0]


def send(client, sender: str, phone: str = MEMBER_PHONE):
    return client.post("/api/identity/codes", json={"sender_id": sender, "phone": phone})


def verify(client, sender: str, **body):
    return client.post("/api/identity/verify", json={"sender_id": sender, **body})


def test_the_code_sent_to_the_members_phone_verifies_the_conversation(client, db):
    conv_id, sender = open_anonymous(client)
    sent = send(client, sender)
    assert sent.status_code == 200
    assert sent.json() == {"phone": "138****0001", "expires_in": 300}
    sms = last_sms(client)
    assert sms["phone"] == "138****0001" and sms["code"] in sms["text"] and "验证码" in sms["text"]

    wrong = verify(client, sender, code="000000" if sms["code"] != "000000" else "111111")
    assert (wrong.status_code, wrong.json()["code"]) == (400, "code_wrong")
    assert customer_of(client, conv_id, db) is None

    right = verify(client, sender, code=sms["code"])
    assert right.status_code == 200
    assert right.json() == {"id": "C001", "name": "张伟", "tier": "金卡会员"}
    assert customer_of(client, conv_id, db) == "C001"
    # A code works once.
    again = verify(client, sender, code=sms["code"])
    assert again.json()["code"] == "code_expired"


def test_an_unknown_phone_gets_the_same_answer_and_no_code_works(client, db):
    conv_id, sender = open_anonymous(client)
    before = client.get("/api/demo/sms").json()
    sent = send(client, sender, "13912345678")
    assert sent.status_code == 200 and sent.json()["phone"] == "139****5678"
    assert client.get("/api/demo/sms").json() == before  # nothing was sent
    for code in ("000000", "123456"):
        assert verify(client, sender, code=code).json()["code"] == "code_wrong"
    assert customer_of(client, conv_id, db) is None


def test_order_number_and_last_four_digits_verify_too(client, db):
    conv_id, sender = open_anonymous(client)
    for order, digits in [(C001_ORDER, "9999"), ("DD999999999999", "0001"), ("not-an-order", "0001")]:
        answer = verify(client, sender, order_id=order, phone_last4=digits)
        assert answer.status_code == 400
        assert answer.json() == {"detail": "订单号或手机号后四位不对，请核对后再试。", "code": "order_mismatch"}
    assert verify(client, sender, order_id=C001_ORDER.lower(), phone_last4="0001").json()["id"] == "C001"
    assert customer_of(client, conv_id, db) == "C001"


def test_five_wrong_tries_lock_the_conversation_even_for_the_right_code(client):
    _conv_id, sender = open_anonymous(client)
    send(client, sender)
    code = last_sms(client)["code"]
    wrong = "000000" if code != "000000" else "111111"
    answers = [verify(client, sender, code=wrong) for _ in range(6)]
    assert [a.status_code for a in answers] == [400] * 5 + [429]
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert "尝试次数过多" in answers[-1].json()["detail"]
    locked = verify(client, sender, code=code)
    assert locked.status_code == 429
    assert send(client, sender).status_code == 429  # no new code either


def test_codes_per_phone_are_limited_across_conversations(client):
    answers = [send(client, open_anonymous(client)[1]).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]


@pytest.fixture
def short_codes(settings):
    settings.verification_code_seconds = 1
    with TestClient(create_app(settings), headers=AUTH) as c:
        yield c


def test_an_expired_code_is_refused(short_codes):
    _conv_id, sender = open_anonymous(short_codes)
    send(short_codes, sender)
    code = last_sms(short_codes)["code"]
    time.sleep(2.2)
    assert verify(short_codes, sender, code=code).json()["code"] == "code_expired"


@pytest.mark.parametrize("body, status", [
    ({"sender_id": "x", "phone": "12345"}, 400), ({"sender_id": "desk-c_missing", "phone": MEMBER_PHONE}, 404)])
def test_malformed_phone_or_unknown_conversation(client, body, status):
    answer = client.post("/api/identity/codes", json=body)
    assert answer.status_code == status and answer.json()["detail"]


def test_without_sms_the_customer_is_told_to_use_an_order_number(settings):
    settings.sms_provider = "none"
    with TestClient(create_app(settings), headers=AUTH) as client:
        _conv_id, sender = open_anonymous(client)
        answer = send(client, sender)
        assert answer.status_code == 400 and answer.json()["code"] == "sms_unavailable"
        assert "订单号" in answer.json()["detail"]
        assert client.get("/api/demo/sms").status_code == 404


def test_the_verification_api_needs_the_service_token(client):
    _conv_id, sender = open_anonymous(client)
    for path, body in [("/api/identity/codes", {"sender_id": sender, "phone": MEMBER_PHONE}),
                       ("/api/identity/verify", {"sender_id": sender, "code": "123456"})]:
        assert client.post(path, json=body, headers={"Authorization": ""}).status_code == 401


def test_the_phone_lookup_that_identified_anyone_is_gone(client):
    assert client.get(f"/api/shop/customers/by-phone/{MEMBER_PHONE}").status_code == 404
