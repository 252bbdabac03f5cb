"""Two desk processes on one database and one Redis, as a shop scales out:
claims stay exclusive across processes, and live events cross them."""

import json
import threading
import time

import httpx
import pytest
from websockets.sync.client import connect

from handoff.core.redis import EmbeddedRedis
from tests.support.servers import SERVICE_TOKEN, start_desk, stop


@pytest.fixture(scope="module")
def desks(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("multi")
    redis = EmbeddedRedis(tmp / "redis")
    shared = {"REDIS_URL": f"unix://{redis.socket}", "DESK_RASA_URL": "http://127.0.0.1:9"}
    first = start_desk(tmp, **shared)
    second = start_desk(tmp, **shared)  # same SQLite file (DESK_DATABASE_URL from tmp), same Redis
    try:
        yield first[1], second[1]
    finally:
        stop(first[0])
        stop(second[0])
        redis.stop()


def login(url: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    assert client.post("/api/agents/login", json={"username": username, "password": password}).status_code == 200
    return client


def queued_conversation(url: str) -> tuple[str, str]:
    opened = httpx.post(f"{url}/api/chat/conversations", json={}).json()
    response = httpx.post(f"{url}/api/handoffs", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                          json={"sender_id": f"desk-{opened['id']}", "reason": "requested", "topic": "general"})
    assert response.status_code == 201
    return opened["id"], opened["token"]


def test_claims_on_two_desk_processes_have_exactly_one_winner(desks):
    a_url, b_url = desks
    mei, ming = login(a_url, "xiaomei", "agent123"), login(b_url, "xiaoming", "agent123")
    for _ in range(10):
        conv_id, _token = queued_conversation(a_url)
        barrier = threading.Barrier(2)
        results = {}

        def claim(name, client):
            barrier.wait()
            results[name] = client.post(f"/api/console/conversations/{conv_id}/claim")

        threads = [threading.Thread(target=claim, args=pair) for pair in (("mei", mei), ("ming", ming))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r in results.values())
        assert codes == [200, 409], {k: r.text for k, r in results.items()}
        winner = mei if results["mei"].status_code == 200 else ming
        assert winner.post(f"/api/console/conversations/{conv_id}/resolve").status_code == 200


def test_an_agent_on_one_process_reaches_a_customer_on_the_other(desks):
    a_url, b_url = desks
    conv_id, token = queued_conversation(a_url)
    agent = login(a_url, "xiaomei", "agent123")
    assert agent.post(f"/api/console/conversations/{conv_id}/claim").status_code == 200
    ws_url = b_url.replace("http://", "ws://") + f"/ws/chat/{conv_id}?token={token}&after=100"
    with connect(ws_url) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "status"
        started = time.monotonic()
        agent.post(f"/api/console/conversations/{conv_id}/messages", json={"text": "跨进程的回复"})
        while True:
            frame = json.loads(ws.recv(timeout=10))
            if frame["type"] == "message":
                break
        assert frame["message"]["text"] == "跨进程的回复" and frame["message"]["agent_name"] == "小美"
        assert time.monotonic() - started < 5
    agent.post(f"/api/console/conversations/{conv_id}/resolve")
