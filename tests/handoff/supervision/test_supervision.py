"""The supervisor's board, whisper and take-over (handoff/supervision/)."""

import json

from tests.handoff.conftest import Customer, Staff, handoff

WHISPER = "先别承诺退款，等我查一下仓库记录"


def served_by(client, agent: Staff, text: str = "我的快递到哪了") -> Customer:
    customer = Customer(client)
    customer.say(text)
    handoff(client, customer.sender)
    assert agent.post(f"/api/console/conversations/{customer.id}/claim").status_code == 200
    return customer


def frames_until(ws, done) -> list[dict]:
    seen = []
    while True:
        frame = ws.receive_json()
        seen.append(frame)
        if done(frame):
            return seen


def test_the_board_shows_every_open_conversation_with_its_agent_wait_sla_and_mood(client, db):
    mei = Staff(client, "xiaomei", "agent123")
    served = served_by(client, mei)
    waiting = Customer(client)
    waiting.say("怎么还没发货")
    handoff(client, waiting.sender, reason="complaint", topic="logistics")
    from handoff.conversations.models import Message
    angry = db.query(Message).filter_by(conversation_id=waiting.id, role="customer").one()
    angry.nlu = {"intent": "complain", "sentiment": {"label": "negative", "score": 0.93}}
    db.commit()
    Customer(client).say("你好")  # with the bot only: not on the board

    boss = Staff(client, "supervisor", "super123")
    board = boss.get("/api/supervisor/board").json()
    rows = {r["id"]: r for r in board["conversations"]}
    assert set(rows) == {served.id, waiting.id}
    assert (board["waiting"], board["with_agent"], board["negative"]) == (1, 1, 1)
    assert rows[served.id]["agent"]["name"] == "小美" and rows[served.id]["assigned_at"]
    assert rows[waiting.id]["agent"] is None and rows[waiting.id]["wait_seconds"] >= 0
    assert rows[waiting.id]["sla_seconds_left"] > 0 and rows[waiting.id]["priority_reasons"] == ["投诉"]
    assert rows[waiting.id]["last_sentiment"]["label"] == "negative"
    loads = {a["display_name"]: a for a in board["agents"]}
    assert loads["小美"]["active_count"] == 1
    # Agents have no board.
    assert mei.get("/api/supervisor/board").status_code == 403


def test_a_whisper_reaches_the_agent_at_once_and_never_the_customer(client):
    mei, boss = Staff(client, "xiaomei", "agent123"), Staff(client, "supervisor", "super123")
    customer = served_by(client, mei, "键盘坏了，我要退款")
    with client.websocket_connect("/ws/console", headers=mei.cookie) as console, \
            client.websocket_connect(f"/ws/chat/{customer.id}?token={customer.token}") as chat:
        sent = boss.post(f"/api/supervisor/conversations/{customer.id}/whisper", {"text": WHISPER})
        assert sent.status_code == 201 and sent.json()["whisper"] is True
        # The agent's console hears it without having the conversation open.
        (note,) = [f for f in frames_until(console, lambda f: f["type"] == "note") if f["type"] == "note"]
        assert note["note"]["text"] == WHISPER and note["note"]["whisper"] is True
        assert note["note"]["agent_name"] == "王主管"
        # The customer's socket carries the agent's next reply, and nothing of the whisper before it.
        assert mei.post(f"/api/console/conversations/{customer.id}/messages", {"text": "我帮您查一下"}).status_code == 201
        frames = frames_until(chat, lambda f: f["type"] == "message" and f["message"]["text"] == "我帮您查一下")
        assert WHISPER not in json.dumps(frames, ensure_ascii=False)
    assert all(WHISPER not in m["text"] for m in customer.messages())
    detail = mei.get(f"/api/console/conversations/{customer.id}").json()
    assert [(n["text"], n["whisper"]) for n in detail["notes"]] == [(WHISPER, True)]
    assert WHISPER not in json.dumps(detail["messages"], ensure_ascii=False)
    # Nobody to whisper to while it waits; agents cannot whisper.
    waiting = Customer(client)
    handoff(client, waiting.sender)
    refused = boss.post(f"/api/supervisor/conversations/{waiting.id}/whisper", {"text": "在吗"})
    assert refused.status_code == 400 and refused.json()["detail"] == "该会话还没有客服接待，无法发送悄悄话"
    assert mei.post(f"/api/supervisor/conversations/{customer.id}/whisper", {"text": "x"}).status_code == 403


def test_a_supervisor_takes_over_and_the_agent_lets_go(client):
    mei, boss = Staff(client, "xiaomei", "agent123"), Staff(client, "supervisor", "super123")
    customer = served_by(client, mei, "我要投诉")
    taken = boss.post(f"/api/supervisor/conversations/{customer.id}/take-over")
    assert taken.status_code == 200 and taken.json()["agent"]["name"] == "王主管"
    assert customer.messages()[-1]["text"] == "客服主管王主管已接手您的会话，正在为您服务。"
    assert mei.post(f"/api/console/conversations/{customer.id}/messages", {"text": "还在吗"}).status_code == 403
    assert boss.post(f"/api/console/conversations/{customer.id}/messages", {"text": "您好，我是主管"}).status_code == 201
    assert mei.get("/api/agents/me").json()["active_count"] == 0
    # A waiting conversation is simply claimed.
    waiting = Customer(client)
    handoff(client, waiting.sender)
    assert boss.post(f"/api/supervisor/conversations/{waiting.id}/take-over").json()["state"] == "with_agent"
