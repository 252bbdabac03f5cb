"""The web chat API and WebSocket with a real SQLite and Redis (Rasa is down
here: the bot's own answers are tested in tests/e2e against a trained model)."""

import pytest
from starlette.websockets import WebSocketDisconnect

from handoff.core.signing import sign_customer
from tests.handoff.conftest import Customer, Staff, handoff


def test_a_signed_customer_is_known_and_a_wrong_signature_is_anonymous(client):
    signed = Customer(client, "C002", sign_customer("dev-shop-secret", "C002"))
    assert signed.opened["customer"] == {"id": "C002", "name": "李娜", "tier": "银卡会员"}
    forged = Customer(client, "C002", sign_customer("not-the-secret", "C002"))
    unsigned = Customer(client, "C002")
    assert forged.opened["customer"] is None and unsigned.opened["customer"] is None
    welcome = signed.opened["messages"][0]
    assert welcome["role"] == "bot" and "转人工" in [b["title"] for b in welcome["buttons"]]


def test_messages_are_stored_once_per_client_id_and_never_lost_when_the_bot_is_down(client):
    customer = Customer(client)
    first = customer.say("我的快递到哪了", client_id="m-1")
    assert first.status_code == 201
    # Rasa is not running: an apology and the offer of a human, the message kept.
    (notice,) = first.json()["replies"]
    assert notice["role"] == "system" and notice["buttons"] == [{"title": "转人工", "payload": "/request_human"}]
    again = customer.say("我的快递到哪了", client_id="m-1")
    assert again.json()["message"]["id"] == first.json()["message"]["id"] and again.json()["replies"] == []
    texts = [(m["seq"], m["role"], m["text"]) for m in customer.messages()]
    assert [t for t in texts if t[1] == "customer"] == [(2, "customer", "我的快递到哪了")]
    assert [m["seq"] for m in customer.messages(after=2)] == [3]


def test_pressing_request_human_while_the_bot_is_down_still_reaches_a_human(client):
    customer = Customer(client)
    response = customer.say("转人工", payload="/request_human")
    assert response.json()["replies"][0]["text"].startswith("已为您转接")
    staff = Staff(client, "admin", "admin123")
    (item,) = staff.get("/api/console/queue").json()
    assert (item["id"], item["reason"], item["preview"]) == (customer.id, "fallback", "转人工")


@pytest.mark.parametrize("body, detail", [
    ({"text": "好" * 2001}, "消息太长：最多 2000 个字"),
    ({"text": "   "}, "消息不能为空"),
    ({"text": ""}, "消息不能为空"),
    ({}, "缺少消息"),
])
def test_bad_messages_get_a_clear_422(client, body, detail):
    customer = Customer(client)
    response = customer.say(**body) if body else client.post(
        f"/api/chat/conversations/{customer.id}/messages", json={}, headers=customer.headers)
    assert response.status_code == 422 and response.json()["detail"] == detail
    assert [m["role"] for m in customer.messages()] == ["bot"]  # nothing stored


def test_another_customers_conversation_is_403_and_unknown_is_404(client):
    mine, theirs = Customer(client), Customer(client)
    for method, path in [("get", ""), ("get", "/messages"), ("get", "/status")]:
        response = getattr(client, method)(f"/api/chat/conversations/{theirs.id}{path}", headers=mine.headers)
        assert response.status_code == 403, path
    response = client.post(f"/api/chat/conversations/{theirs.id}/messages", json={"text": "hi"},
                           headers=mine.headers)
    assert response.status_code == 403 and response.json()["detail"] == "无权访问该会话"
    assert client.get("/api/chat/conversations/c_nope", headers=mine.headers).status_code == 404
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect(f"/ws/chat/{theirs.id}?token={mine.token}") as ws:
            ws.receive_json()
    assert closed.value.code == 4403


def test_websocket_replays_missed_messages_then_streams_agent_replies(client):
    customer = Customer(client)
    customer.say("你好", client_id="w-1")
    handoff(client, customer.sender)
    staff = Staff(client, "xiaomei", "agent123")
    with client.websocket_connect(f"/ws/chat/{customer.id}?token={customer.token}&after=1") as ws:
        replayed = [ws.receive_json() for _ in range(2)]
        assert [f["message"]["seq"] for f in replayed] == [2, 3]
        assert "nlu" not in replayed[0]["message"]
        status = ws.receive_json()
        assert status["type"] == "status" and status["status"]["queue"]["position"] == 1
        assert staff.post(f"/api/console/conversations/{customer.id}/claim").status_code == 200
        frames = [ws.receive_json() for _ in range(2)]
        joined = next(f for f in frames if f["type"] == "message")
        assert joined["message"]["text"] == "客服小美已接入，正在为您服务。"
        assert staff.post(f"/api/console/conversations/{customer.id}/messages",
                          {"text": "您好，我是小美"}).status_code == 201
        frame = ws.receive_json()
        while frame["type"] != "message":
            frame = ws.receive_json()
        assert frame["message"]["role"] == "agent" and frame["message"]["agent_name"] == "小美"
        assert frame["message"]["text"] == "您好，我是小美"


def test_websocket_send_while_with_agent_reaches_the_console(client):
    customer = Customer(client)
    handoff(client, customer.sender)
    staff = Staff(client, "xiaomei", "agent123")
    staff.post(f"/api/console/conversations/{customer.id}/claim")
    with client.websocket_connect("/ws/console", headers=staff.cookie) as console, \
            client.websocket_connect(f"/ws/chat/{customer.id}?token={customer.token}") as ws:
        console.send_json({"type": "watch", "conversation_id": customer.id})
        ws.send_json({"type": "message", "text": "<b>还没到</b>", "client_id": "ws-1"})
        frame = console.receive_json()
        while frame["type"] != "message":
            frame = console.receive_json()
        assert frame["conversation_id"] == customer.id and frame["message"]["text"] == "<b>还没到</b>"
        ws.send_json({"type": "message", "text": "x" * 2001})
        error = ws.receive_json()
        while error["type"] != "error":
            error = ws.receive_json()
        assert error["detail"] == "消息太长：最多 2000 个字"
    assert [m["text"] for m in customer.messages() if m["role"] == "customer"] == ["<b>还没到</b>"]


def test_a_bot_that_hangs_gets_the_customer_an_apology_within_the_timeout(settings):
    """A Rasa that accepts the connection and never answers (a real socket)."""
    import socket
    import time

    from fastapi.testclient import TestClient

    from handoff.app import create_app

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    settings.rasa_url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    try:
        with TestClient(create_app(settings)) as client:
            customer = Customer(client)
            started = time.monotonic()
            response = customer.say("我的快递到哪了")
            elapsed = time.monotonic() - started
            assert response.status_code == 201
            assert response.json()["replies"][0]["text"].startswith("抱歉，智能助手暂时没有响应")
            assert elapsed < settings.bot_timeout_seconds + 2
            assert [m["text"] for m in customer.messages() if m["role"] == "customer"] == ["我的快递到哪了"]
    finally:
        silent.close()
