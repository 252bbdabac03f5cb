"""The handoff queue on real SQLite and Redis: order, capacity, atomic claims, restarts."""

import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from handoff.app import create_app
from handoff.core.signing import sign_customer
from tests.handoff.conftest import AUTH, Customer, Staff, handoff
from tests.support.servers import poll


def queue_ids(staff: Staff) -> list[str]:
    return [item["id"] for item in staff.get("/api/console/queue").json()]


def test_a_handoff_is_recorded_announced_and_queued_once(client):
    customer = Customer(client)
    first = handoff(client, customer.sender, reason="complaint", topic="logistics")
    assert (first["state"], first["status"], first["group"], first["position"]) == ("queued", "queued", "logistics", 1)
    again = handoff(client, customer.sender, reason="requested")
    assert again["id"] == first["id"]
    assert [h["id"] for h in client.get("/api/handoffs").json()] == [first["id"]]
    stream = client.app.state.redis.xrange("desk:handoffs")
    assert [fields["handoff_id"] for _id, fields in stream] == [str(first["id"])]
    assert customer.status()["state"] == "queued"


def test_gold_members_complaints_and_angry_customers_go_first(client):
    staff = Staff(client, "admin", "admin123")
    plain = Customer(client)
    handoff(client, plain.sender)  # priority 0, first in time
    angry = Customer(client)
    handoff(client, angry.sender, reason="negative_sentiment")  # +1
    gold = Customer(client, "C001", sign_customer("dev-shop-secret", "C001"))
    handoff(client, gold.sender, reason="complaint")  # 金卡 +1, complaint +1
    later_plain = Customer(client)
    handoff(client, later_plain.sender)
    assert queue_ids(staff) == [gold.id, angry.id, plain.id, later_plain.id]
    items = {i["id"]: i for i in staff.get("/api/console/queue").json()}
    assert items[gold.id]["priority"] == 2 and items[gold.id]["customer"]["tier"] == "金卡会员"
    # SLA: 金卡 5 minutes beats the complaint's 2 hours; a general question 10 minutes.
    assert 290 <= items[gold.id]["sla_seconds_left"] <= 300
    assert 590 <= items[plain.id]["sla_seconds_left"] <= 600


def test_the_customer_sees_position_and_wait_and_who_answers(client):
    staff = Staff(client, "xiaomei", "agent123")
    first, second = Customer(client), Customer(client)
    handoff(client, first.sender, topic="returns")
    handoff(client, second.sender, topic="returns")
    status = second.status()
    assert status["queue"]["position"] == 2 and status["queue"]["group_name"] == "退换货"
    assert status["queue"]["agents_online"] == 0 and status["offer_ticket"] is True
    assert status["queue"]["eta_seconds"] >= 30
    assert staff.post(f"/api/console/conversations/{first.id}/claim").status_code == 200
    assert second.status()["queue"]["position"] == 1
    assert first.status() == {"state": "with_agent", "offer_ticket": False, "queue": None,
                              "agent": {"name": "小美"}}
    assert first.messages()[-1]["text"] == "客服小美已接入，正在为您服务。"


def test_online_agent_gets_the_longest_waiting_conversation_automatically(client):
    staff = Staff(client, "xiaomei", "agent123")
    older, newer = Customer(client), Customer(client)
    handoff(client, older.sender, topic="logistics")
    handoff(client, newer.sender, topic="logistics")
    staff.presence("online")
    mine = staff.get("/api/console/conversations?scope=mine").json()
    assert {c["id"] for c in mine} == {older.id, newer.id}
    assert staff.get("/api/agents/me").json()["active_count"] == 2


def test_capacity_is_respected_by_automatic_assignment_and_claims(client, settings):
    admin = Staff(client, "admin", "admin123")
    created = admin.post("/api/agents", {"username": "solo", "display_name": "单人", "password": "solo-pass-1",
                                         "skills": ["general"], "capacity": 2})
    assert created.status_code == 201
    solo = Staff(client, "solo", "solo-pass-1")
    customers = [Customer(client) for _ in range(3)]
    for c in customers:
        handoff(client, c.sender)
    solo.presence("online")
    assert len(solo.get("/api/console/conversations?scope=mine").json()) == 2
    left = queue_ids(solo)
    assert left == [customers[2].id]
    response = solo.post(f"/api/console/conversations/{left[0]}/claim")
    assert response.status_code == 409 and response.json()["detail"].startswith("已达到接待上限")
    # Resolving one frees a place: the last one is assigned automatically.
    mine = solo.get("/api/console/conversations?scope=mine").json()
    assert solo.post(f"/api/console/conversations/{mine[0]['id']}/resolve").status_code == 200
    assert {c["id"] for c in solo.get("/api/console/conversations?scope=mine").json()} >= {customers[2].id}


def test_two_agents_claiming_at_once_exactly_one_wins(client):
    a, b = Staff(client, "xiaomei", "agent123"), Staff(client, "xiaoming", "agent123")
    for _ in range(10):
        customer = Customer(client)
        handoff(client, customer.sender)
        barrier = threading.Barrier(2)

        def claim(staff: Staff):
            barrier.wait()
            return staff.post(f"/api/console/conversations/{customer.id}/claim")

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(claim, [a, b]))
        codes = sorted(r.status_code for r in results)
        assert codes == [200, 409], [r.text for r in results]
        loser = next(r for r in results if r.status_code == 409)
        assert loser.json()["detail"] == "该会话已被其他客服接入"
        holders = [c["agent"]["id"] for c in a.get("/api/console/conversations?scope=open").json()
                   if c["id"] == customer.id]
        assert len(holders) == 1
        winner = a if results[0].status_code == 200 else b
        winner.post(f"/api/console/conversations/{customer.id}/resolve")


def test_queued_conversations_survive_a_desk_restart_and_a_lost_redis(settings):
    with TestClient(create_app(settings), headers=AUTH) as client:
        customers = [Customer(client) for _ in range(3)]
        for c in customers:
            handoff(client, c.sender, topic="points")
        ids = [c.id for c in customers]
    # Restarted desk, Redis data intact.
    with TestClient(create_app(settings), headers=AUTH) as client:
        staff = Staff(client, "admin", "admin123")
        assert queue_ids(staff) == ids
        # Redis loses everything (a restart without persistence): rebuilt from SQL.
        client.app.state.redis.flushall()
    with TestClient(create_app(settings), headers=AUTH) as client:
        staff = Staff(client, "admin", "admin123")
        assert queue_ids(staff) == ids
        assert client.app.state.redis.zrange("desk:queue:points", 0, -1) == ids
        staff.presence("online")
        # Assigned by the presence change or, when it races the maintenance loop's pass, by the next tick.
        mine = lambda: {c["id"] for c in staff.get("/api/console/conversations?scope=mine").json()}
        poll(lambda: mine() == set(ids), timeout=10)


def test_after_hours_the_customer_may_leave_a_message(settings):
    settings.business_hours = "00:00-00:01"
    settings.business_days = "8"  # no day is a business day
    with TestClient(create_app(settings), headers=AUTH) as client:
        customer = Customer(client)
        answer = handoff(client, customer.sender)
        assert (answer["state"], answer["status"], answer["open_now"]) == ("bot", "after_hours", False)
        assert customer.status() == {"state": "bot", "offer_ticket": True, "queue": None, "agent": None}
        ticket = client.post(f"/api/chat/conversations/{customer.id}/tickets",
                             json={"text": "明天请联系我，退货的事", "contact": "13800000009"},
                             headers=customer.headers)
        assert ticket.status_code == 201
        staff = Staff(client, "admin", "admin123")
        assert [t["text"] for t in staff.get("/api/console/tickets").json()] == ["明天请联系我，退货的事"]
        assert queue_ids(staff) == []


def test_sla_breaches_are_flagged_and_counted(client, db):
    from datetime import timedelta

    from handoff.conversations.models import Conversation

    staff = Staff(client, "admin", "admin123")
    customer = Customer(client)
    handoff(client, customer.sender)
    conv = db.get(Conversation, customer.id)
    conv.sla_due_at -= timedelta(minutes=11)
    db.commit()
    client.app.state.redis.delete("desk:stats:handle_seconds")
    for _ in range(50):  # the maintenance loop runs every 0.2 s in tests
        item = staff.get("/api/console/queue").json()[0]
        if item["sla_breached"]:
            break
        threading.Event().wait(0.1)
    assert item["sla_breached"] and item["sla_seconds_left"] < 0
    assert staff.get("/api/console/stats").json()["sla_breaches_today"] == 1


def test_unknown_conversation_is_404_and_service_token_is_required(client):
    staff = Staff(client, "admin", "admin123")
    assert staff.post("/api/console/conversations/c_nope/claim").status_code == 404
    assert staff.get("/api/console/conversations/c_nope").status_code == 404
    response = client.post("/api/handoffs", json={"sender_id": "x", "reason": "requested"},
                           headers={"Authorization": ""})
    assert response.status_code == 401
    response = client.post("/api/handoffs", json={"sender_id": "x", "reason": "bored"})
    assert response.status_code == 422 and response.json()["detail"]
