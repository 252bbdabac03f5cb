"""Agents' accounts and what they do in a conversation."""

from handoff.agents.models import Agent
from handoff.agents.passwords import hash_password, verify_password
from tests.handoff.conftest import Customer, Staff, handoff


def test_passwords_are_stored_as_salted_scrypt_hashes(client, db):
    stored = db.query(Agent).filter_by(username="xiaomei").one().password_hash
    assert stored.startswith("scrypt$16384$8$1$") and "agent123" not in stored
    assert hash_password("agent123") != hash_password("agent123")
    assert verify_password("agent123", stored) and not verify_password("agent124", stored)
    assert not verify_password("x", "md5$abc")


def test_login_logout_and_bad_credentials(client):
    bad = client.post("/api/agents/login", json={"username": "xiaomei", "password": "wrong"})
    unknown = client.post("/api/agents/login", json={"username": "nobody", "password": "wrong"})
    assert bad.status_code == unknown.status_code == 401
    assert bad.json()["detail"] == unknown.json()["detail"] == "用户名或密码错误"
    assert client.get("/api/console/queue").status_code == 401
    staff = Staff(client, "xiaomei", "agent123")
    assert staff.get("/api/agents/me").json()["display_name"] == "小美"
    client.post("/api/agents/logout", headers=staff.cookie)
    assert staff.get("/api/agents/me").status_code == 401


def test_only_admins_create_agents_and_skills_are_checked(client):
    agent, admin = Staff(client, "xiaomei", "agent123"), Staff(client, "admin", "admin123")
    body = {"username": "newbie", "display_name": "新人", "password": "long-enough-1", "skills": ["returns"]}
    assert agent.post("/api/agents", body).status_code == 403
    assert admin.post("/api/agents", body | {"skills": ["cooking"]}).status_code == 422
    created = admin.post("/api/agents", body)
    assert created.status_code == 201 and created.json()["capacity"] == 5
    assert admin.post("/api/agents", body).status_code == 409
    assert admin.post("/api/agents", body | {"username": "short", "password": "123"}).status_code == 422
    newbie = Staff(client, "newbie", "long-enough-1")
    assert newbie.get("/api/agents/me").json()["skills"] == ["returns"]


def test_notes_stay_private_tags_transfer_and_resolve(client):
    customer = Customer(client, None)
    handoff(client, customer.sender, topic="returns")
    mei, ming = Staff(client, "xiaomei", "agent123"), Staff(client, "xiaoming", "agent123")
    mei.post(f"/api/console/conversations/{customer.id}/claim")
    note = mei.post(f"/api/console/conversations/{customer.id}/notes", {"text": "客户语气很急，优先处理"})
    assert note.status_code == 201
    assert mei.put(f"/api/console/conversations/{customer.id}/tags", {"tags": ["退货", "退货", " 加急 "]}) \
        .json()["tags"] == ["退货", "加急"]
    # Someone else's conversation: no replying in it.
    assert ming.post(f"/api/console/conversations/{customer.id}/messages", {"text": "hi"}).status_code == 403
    detail = mei.get(f"/api/console/conversations/{customer.id}").json()
    assert [n["text"] for n in detail["notes"]] == ["客户语气很急，优先处理"]
    assert detail["handoff"]["reason_name"] == "客户要求转人工" and detail["handoff"]["note"] == "转人工"
    # Transfer to a colleague, then the colleague resolves.
    moved = mei.post(f"/api/console/conversations/{customer.id}/transfer", {"agent_id": ming.id})
    assert moved.json()["agent"]["name"] == "小明"
    assert ming.post(f"/api/console/conversations/{customer.id}/messages", {"text": "我来跟进"}).status_code == 201
    closed = ming.post(f"/api/console/conversations/{customer.id}/resolve")
    assert closed.json()["state"] == "closed"
    seen = customer.messages()
    assert all("客户语气很急" not in m["text"] for m in seen)
    assert [m["role"] for m in seen][-3:] == ["system", "agent", "system"]
    assert "本次人工服务已结束" in seen[-1]["text"]
    # The customer writes again: the conversation is the bot's once more.
    customer.say("还有个问题")
    assert customer.status()["state"] == "bot"


def test_transfer_to_a_group_requeues(client):
    customer = Customer(client)
    handoff(client, customer.sender, topic="general")
    mei = Staff(client, "xiaomei", "agent123")
    mei.post(f"/api/console/conversations/{customer.id}/claim")
    moved = mei.post(f"/api/console/conversations/{customer.id}/transfer", {"group": "points"})
    assert (moved.json()["state"], moved.json()["group_name"]) == ("queued", "积分会员")
    assert customer.status()["queue"]["group"] == "points"
    assert "积分会员" in customer.messages()[-1]["text"]


def test_context_panel_has_profile_orders_and_tracking(client):
    from handoff.core.signing import sign_customer

    customer = Customer(client, "C001", sign_customer("dev-shop-secret", "C001"))
    handoff(client, customer.sender, topic="logistics")
    admin = Staff(client, "admin", "admin123")
    detail = admin.get(f"/api/console/conversations/{customer.id}").json()
    assert detail["customer_profile"]["tier"]["name"] == "金卡会员"
    assert detail["customer_profile"]["points"] > 0
    orders = {o["order_id"]: o for o in detail["orders"]}
    assert "DD260001000001" in orders and orders["DD260001000001"]["events"]
    assert detail["slots"] == {}  # Rasa is down in these tests: no slots, no error


def test_canned_responses_can_be_edited_by_supervisors(client):
    staff = Staff(client, "supervisor", "super123")
    canned = Staff(client, "xiaomei", "agent123").get("/api/console/canned").json()
    assert any(c["shortcut"] == "/hi" for c in canned)
    created = staff.post("/api/console/canned", {"shortcut": "/yf", "title": "运费", "text": "质量问题运费由我们承担。"})
    assert created.status_code == 201
    cid = created.json()["id"]
    assert staff.put(f"/api/console/canned/{cid}", {"shortcut": "/yf", "title": "运费说明", "text": "改"}) \
        .json()["title"] == "运费说明"
    assert staff.client.delete(f"/api/console/canned/{cid}", headers=staff.cookie).status_code == 204
    assert staff.client.delete(f"/api/console/canned/{cid}", headers=staff.cookie).status_code == 404


def test_an_agent_whose_console_went_away_stops_receiving_chats(client):
    import time

    from handoff.agents.service import CONSOLE_ALIVE

    redis = client.app.state.redis
    with_console, api_only = Staff(client, "xiaomei", "agent123"), Staff(client, "xiaoming", "agent123")
    with client.websocket_connect("/ws/console", headers=with_console.cookie) as ws:
        ws.send_json({"type": "ping"})
        assert ws.receive_json()["type"] in ("pong", "queue")
        with_console.presence("online")
        api_only.presence("online")
        time.sleep(0.5)  # several maintenance ticks with the console open: still online
        assert with_console.get("/api/agents/me").json()["presence"] == "online"
    # The tab is closed; once its heartbeat key has expired (60 s, cut short here)...
    redis.delete(CONSOLE_ALIVE + str(with_console.id))
    for _ in range(50):
        if with_console.get("/api/agents/me").json()["presence"] == "away":
            break
        time.sleep(0.1)
    assert with_console.get("/api/agents/me").json()["presence"] == "away"
    assert api_only.get("/api/agents/me").json()["presence"] == "online"  # no console, not judged by one
