"""Abuse limits and what every request must pass: body size, control characters, rates,
Chinese error bodies, trusted proxies, no personal data in logs."""

import logging
import time

import pytest
from fastapi.testclient import TestClient

from handoff.app import create_app
from handoff.core.privacy import PrivacyFilter
from handoff.core.signing import sign_customer
from tests.handoff.conftest import AUTH


def chat_client(settings, **changes):
    for name, value in changes.items():
        setattr(settings, name, value)
    return TestClient(create_app(settings), headers=AUTH)


def open_chat(client, headers=None):
    response = client.post("/api/chat/conversations", json={}, headers=headers)
    return response


def test_a_body_over_the_cap_is_refused_with_413_declared_or_streamed(client):
    big = b'{"text": "' + b"x" * 70_000 + b'"}'
    declared = client.post("/api/chat/conversations", content=big, headers={"content-type": "application/json"})
    assert declared.status_code == 413
    assert declared.json() == {"detail": "请求内容太大：最多 64 KB", "code": "too_large"}
    streamed = client.post("/api/chat/conversations", content=iter([big[:40_000], big[40_000:]]),
                           headers={"content-type": "application/json"})
    assert streamed.status_code == 413 and streamed.json()["code"] == "too_large"


@pytest.mark.parametrize("text", ["a\u0000b", "\u0007铃", "退货\u001b[31m"])
def test_nul_and_control_characters_are_refused_with_422(client, text):
    conv = open_chat(client).json()
    answer = client.post(f"/api/chat/conversations/{conv['id']}/messages", json={"text": text},
                         headers={"X-Chat-Token": conv["token"]})
    assert answer.status_code == 422
    assert answer.json() == {"detail": "内容包含不允许的控制字符", "code": "control_characters"}
    assert client.get(f"/api/chat/conversations/{conv['id']}/messages",
                      headers={"X-Chat-Token": conv["token"]}).json()[-1]["text"] != text  # nothing stored


def test_tabs_and_newlines_are_ordinary_text(client):
    conv = open_chat(client).json()
    answer = client.post(f"/api/chat/conversations/{conv['id']}/messages", json={"text": "第一行\n第二行\t完"},
                         headers={"X-Chat-Token": conv["token"]})
    assert answer.status_code == 201


def test_a_control_character_in_the_path_or_query_is_refused(client):
    assert client.get("/api/console/conversations/ab%00cd").json()["code"] == "control_characters"
    assert client.get("/api/reports/satisfaction?by=%01").status_code == 422


@pytest.mark.parametrize("method, path, body, headers, status, code", [
    ("post", "/api/chat/conversations", b"{not json", {"content-type": "application/json"}, 422, "invalid"),
    ("post", "/api/chat/conversations", b"[1, 2]", {"content-type": "application/json"}, 422, "invalid"),
    ("post", "/api/chat/conversations", b"a=1", {"content-type": "application/x-www-form-urlencoded"}, 422,
     "invalid"),
    ("get", "/api/no-such-thing", None, {}, 404, "not_found"),
    ("delete", "/api/chat/conversations", None, {}, 405, "method_not_allowed"),
])
def test_every_error_is_detail_and_code_in_chinese(client, method, path, body, headers, status, code):
    response = client.request(method.upper(), path, content=body, headers=headers)
    assert response.status_code == status
    answer = response.json()
    assert answer["code"] == code
    assert answer["detail"] and not answer["detail"].isascii(), answer


def test_a_non_ascii_signature_is_simply_not_valid(client):
    answer = client.post("/api/chat/conversations", json={"customer_id": "C001", "signature": "é"})
    assert answer.status_code == 201 and answer.json()["customer"] is None


def test_signed_ids_carry_a_timestamp_that_expires(settings):
    now = int(time.time())
    with chat_client(settings, signed_id_max_age_seconds=3600) as client:
        fresh = {"customer_id": "C001", "timestamp": now, "signature": sign_customer(settings.shop_secret, "C001", now)}
        assert client.post("/api/chat/conversations", json=fresh).json()["customer"]["id"] == "C001"
        old = now - 7200
        stale = {"customer_id": "C001", "timestamp": old, "signature": sign_customer(settings.shop_secret, "C001", old)}
        assert client.post("/api/chat/conversations", json=stale).json()["customer"] is None
        moved = {**fresh, "timestamp": now - 1}  # the signature covers the timestamp
        assert client.post("/api/chat/conversations", json=moved).json()["customer"] is None


def test_the_unstamped_old_form_is_for_development_only(settings):
    from handoff.conversations.service import verified_customer
    old_form = sign_customer(settings.shop_secret, "C001")
    assert verified_customer(settings, "C001", old_form, None, time.time()) == "C001"
    settings.env = "production"
    assert verified_customer(settings, "C001", old_form, None, time.time()) is None


def test_conversations_per_address_are_limited(settings):
    with chat_client(settings, conversations_per_ip_per_hour=3) as client:
        answers = [open_chat(client) for _ in range(4)]
        assert [a.status_code for a in answers] == [201, 201, 201, 429]
        assert int(answers[-1].headers["Retry-After"]) > 0
        assert answers[-1].json()["code"] == "too_many_requests" and "新建会话太频繁" in answers[-1].json()["detail"]


def test_messages_per_conversation_are_limited_over_http_and_websocket(settings):
    with chat_client(settings, messages_per_conversation_per_minute=2) as client:
        conv = open_chat(client).json()
        send = lambda text: client.post(f"/api/chat/conversations/{conv['id']}/messages", json={"text": text},
                                        headers={"X-Chat-Token": conv["token"]})
        assert [send("你好").status_code, send("在吗").status_code] == [201, 201]
        third = send("在吗？？")
        assert third.status_code == 429 and "发送得太快" in third.json()["detail"]
        with client.websocket_connect(f"/ws/chat/{conv['id']}?token={conv['token']}") as ws:
            ws.send_json({"type": "message", "text": "还在吗", "client_id": "k1"})
            while (frame := ws.receive_json())["type"] != "error":
                pass
            assert frame["client_id"] == "k1" and "发送得太快" in frame["detail"]


def test_messages_per_address_are_limited_across_conversations(settings):
    with chat_client(settings, messages_per_ip_per_minute=3) as client:
        codes = []
        for _ in range(2):
            conv = open_chat(client).json()
            for text in ("你好", "在吗"):
                codes.append(client.post(f"/api/chat/conversations/{conv['id']}/messages", json={"text": text},
                                         headers={"X-Chat-Token": conv["token"]}).status_code)
        assert codes == [201, 201, 201, 429]


def test_forwarded_headers_count_only_from_a_trusted_proxy(settings):
    with chat_client(settings, trusted_proxies="testclient", conversations_per_ip_per_hour=1) as client:
        behind = lambda ip: open_chat(client, headers={"X-Forwarded-For": ip}).status_code
        assert [behind("203.0.113.7"), behind("203.0.113.8"), behind("203.0.113.7")] == [201, 201, 429]
        login = client.post("/api/agents/login", json={"username": "admin", "password": "admin123"},
                            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
        assert "secure" in login.headers["set-cookie"].lower()


def test_forwarded_headers_from_anyone_else_are_ignored(settings):
    with chat_client(settings, conversations_per_ip_per_hour=1) as client:
        behind = lambda ip: open_chat(client, headers={"X-Forwarded-For": ip}).status_code
        assert [behind("203.0.113.7"), behind("203.0.113.8")] == [201, 429]  # both are "testclient"
        login = client.post("/api/agents/login", json={"username": "admin", "password": "admin123"},
                            headers={"X-Forwarded-Proto": "https"})
        assert "secure" not in login.headers["set-cookie"].lower()


def test_logs_never_show_a_full_mobile_number_or_a_token():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/ws/chat/c_1?token=s3cr3t-Token_x&after=3", "1.1", 101),
                               None)
    PrivacyFilter().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /ws/chat/c_1?token=***&after=3 HTTP/1.1" 101'
    record = logging.LogRecord("desk", logging.WARNING, __file__, 1, "customer %s wrote %s", ("13800000001",
                               "我的手机号是13912345678，订单DD260001000001"), None)
    PrivacyFilter().filter(record)
    assert record.getMessage() == "customer 138****0001 wrote 我的手机号是139****5678，订单DD260001000001"
