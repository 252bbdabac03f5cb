"""Agents' accounts kept safe: log-in throttling, sessions that end when the
account changes (their consoles close too), the console socket's origin check,
and who may change shared canned replies, notes and tags."""

import statistics
import time

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from handoff.app import create_app
from tests.handoff.conftest import AUTH, Customer, Staff, handoff

LOCKED = "登录尝试次数过多，请 1 分钟后再试"


@pytest.fixture
def settings(settings):
    # Lock-outs of one second, so that a test can wait for one to expire.
    return settings.model_copy(update={"login_lockout_seconds": 1, "login_max_failures": 5,
                                       "login_max_failures_per_ip": 10})


def login(client: TestClient, username: str, password: str):
    response = client.post("/api/agents/login", json={"username": username, "password": password})
    client.cookies.clear()
    return response


def closed(ws) -> tuple[int, str]:
    """Read the socket until the desk closes it: (code, reason)."""
    with pytest.raises(WebSocketDisconnect) as info:
        for _ in range(100):
            ws.receive_json()
    return info.value.code, info.value.reason


def connected(ws) -> None:
    ws.send_json({"type": "ping"})
    while ws.receive_json()["type"] != "pong":
        pass


# --- log-in throttling ------------------------------------------------------

def test_wrong_passwords_lock_a_user_out_until_the_lockout_expires(client):
    for _ in range(5):
        assert login(client, "xiaomei", "wrong").status_code == 401
    locked = login(client, "xiaomei", "agent123")  # even the right password
    assert locked.status_code == 429
    assert locked.json() == {"detail": LOCKED, "code": "too_many_attempts"}
    assert locked.headers["Retry-After"] == "1"
    assert login(client, "XiaoMei", "wrong").status_code == 429  # same name in other case
    assert login(client, "xiaoming", "agent123").status_code == 200  # other agents are not locked
    time.sleep(int(locked.headers["Retry-After"]) + 0.3)
    assert login(client, "xiaomei", "agent123").status_code == 200


def test_a_successful_login_clears_the_failure_count(client):
    for _ in range(4):
        assert login(client, "xiaomei", "wrong").status_code == 401
    assert login(client, "xiaomei", "agent123").status_code == 200
    for _ in range(4):
        assert login(client, "xiaomei", "wrong").status_code == 401
    assert login(client, "xiaomei", "agent123").status_code == 200


def test_unknown_user_names_are_throttled_like_known_ones(client):
    for _ in range(5):
        assert login(client, "nobody", "wrong").status_code == 401
    assert login(client, "nobody", "wrong").status_code == 429


def test_a_locked_out_attempt_does_not_hash_the_password(client):
    """Refused before scrypt (~50 ms a hash): far faster than a checked attempt."""
    checked, locked = [], []
    for _ in range(5):
        started = time.perf_counter()
        assert login(client, "xiaomei", "wrong").status_code == 401
        checked.append(time.perf_counter() - started)
    for _ in range(5):
        started = time.perf_counter()
        assert login(client, "xiaomei", "wrong").status_code == 429
        locked.append(time.perf_counter() - started)
    assert statistics.median(locked) < statistics.median(checked) / 3, (locked, checked)


def test_too_many_failures_from_one_address_lock_that_address_out(client):
    # Ten wrong passwords from one address, spread over names (none reaches 5).
    for name in ["xiaomei", "xiaoming", "xiaoyu", "nobody", "somebody"] * 2:
        assert login(client, name, "wrong").status_code == 401
    locked = login(client, "supervisor", "super123")
    assert locked.status_code == 429 and locked.json()["code"] == "too_many_attempts"
    assert int(locked.headers["Retry-After"]) >= 1
    # Another address is not concerned.
    elsewhere = TestClient(client.app, headers=AUTH, client=("10.0.0.7", 40000))
    assert login(elsewhere, "supervisor", "super123").status_code == 200
    time.sleep(1.3)
    assert login(client, "supervisor", "super123").status_code == 200


# --- sessions end when the account changes ------------------------------------

@pytest.mark.parametrize("change, reason", [
    ({"password": "a-new-password-1"}, "您的密码已被修改，请重新登录"),
    ({"role": "supervisor"}, "您的角色已变更，请重新登录"),
    ({"active": False}, "您的账号已被停用"),
])
def test_an_account_change_ends_the_agents_sessions_and_closes_their_console(client, change, reason):
    admin = Staff(client, "admin", "admin123")
    mei, mei_elsewhere = Staff(client, "xiaomei", "agent123"), Staff(client, "xiaomei", "agent123")
    ming = Staff(client, "xiaoming", "agent123")
    with client.websocket_connect("/ws/console", headers=mei.cookie) as ws, \
            client.websocket_connect("/ws/console", headers=ming.cookie) as other:
        connected(ws)
        connected(other)
        assert admin.patch(f"/api/agents/{mei.id}", change).status_code == 200
        assert closed(ws) == (4401, reason)
        connected(other)  # another agent's console stays open
    assert mei.get("/api/agents/me").status_code == 401
    assert mei_elsewhere.get("/api/agents/me").status_code == 401
    assert ming.get("/api/agents/me").status_code == 200
    assert admin.get("/api/agents/me").status_code == 200


def test_other_changes_keep_the_session(client):
    admin, mei = Staff(client, "admin", "admin123"), Staff(client, "xiaomei", "agent123")
    assert admin.patch(f"/api/agents/{mei.id}", {"display_name": "小美美", "capacity": 3,
                                                 "role": "agent", "active": True}).status_code == 200
    assert mei.get("/api/agents/me").json()["display_name"] == "小美美"


def test_the_new_password_works_and_admins_changing_their_own_keep_this_session(client):
    admin, admin_elsewhere = Staff(client, "admin", "admin123"), Staff(client, "admin", "admin123")
    mei = Staff(client, "xiaomei", "agent123")
    assert admin.patch(f"/api/agents/{mei.id}", {"password": "a-new-password-1"}).status_code == 200
    assert login(client, "xiaomei", "agent123").status_code == 401
    assert login(client, "xiaomei", "a-new-password-1").status_code == 200
    assert admin.patch(f"/api/agents/{admin.id}", {"password": "admin-new-pass"}).status_code == 200
    assert admin.get("/api/agents/me").status_code == 200
    assert admin_elsewhere.get("/api/agents/me").status_code == 401


def test_a_console_closes_soon_after_its_session_ends_any_other_way(settings):
    """Logged out in another tab (or expired): the heartbeat notices."""
    quick = settings.model_copy(update={"console_session_check_seconds": 0.2})
    with TestClient(create_app(quick), headers=AUTH) as client:
        mei = Staff(client, "xiaomei", "agent123")
        with client.websocket_connect("/ws/console", headers=mei.cookie) as ws:
            connected(ws)
            assert client.post("/api/agents/logout", headers=mei.cookie).status_code == 204
            started = time.monotonic()
            assert closed(ws) == (4401, "登录已失效，请重新登录")
            assert time.monotonic() - started < 5


def test_a_console_without_a_session_is_closed_with_a_reason(client):
    with client.websocket_connect("/ws/console") as ws:
        assert closed(ws) == (4401, "请先登录")


# --- the console socket's origin ----------------------------------------------

def test_the_console_socket_refuses_other_origins(client):
    mei = Staff(client, "xiaomei", "agent123")
    for origin in ["https://evil.example", "http://testserver.evil.example", "null"]:
        with client.websocket_connect("/ws/console", headers=mei.cookie | {"Origin": origin}) as ws:
            assert closed(ws) == (4403, "连接来源与工作台地址不符，已拒绝"), origin
    for origin in ["http://testserver", "https://TestServer:443"]:
        with client.websocket_connect("/ws/console", headers=mei.cookie | {"Origin": origin}) as ws:
            connected(ws)


# --- permissions ----------------------------------------------------------------

def test_only_supervisors_and_admins_change_shared_canned_replies(client):
    agent, supervisor = Staff(client, "xiaomei", "agent123"), Staff(client, "supervisor", "super123")
    body = {"shortcut": "/yf", "title": "运费", "text": "质量问题运费由我们承担。"}
    refused = agent.post("/api/console/canned", body)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "只有主管或管理员可以修改公共快捷回复",
                              "code": "canned_supervisor_only"}
    created = supervisor.post("/api/console/canned", body)
    assert created.status_code == 201
    cid = created.json()["id"]
    assert agent.put(f"/api/console/canned/{cid}", body | {"title": "改"}).status_code == 403
    assert agent.delete(f"/api/console/canned/{cid}").status_code == 403
    assert any(c["id"] == cid and c["title"] == "运费" for c in agent.get("/api/console/canned").json())
    edited = supervisor.put(f"/api/console/canned/{cid}", body | {"title": "运费说明"})
    assert edited.json()["title"] == "运费说明"
    assert Staff(client, "admin", "admin123").delete(f"/api/console/canned/{cid}").status_code == 204


def test_notes_and_tags_only_on_conversations_the_agent_holds(client):
    waiting, held = Customer(client), Customer(client)
    handoff(client, waiting.sender, topic="returns")
    handoff(client, held.sender, topic="points")
    mei, ming = Staff(client, "xiaomei", "agent123"), Staff(client, "xiaoming", "agent123")
    supervisor = Staff(client, "supervisor", "super123")
    assert ming.post(f"/api/console/conversations/{held.id}/claim").status_code == 200
    for conv in (waiting, held):  # queued, and someone else's
        note = mei.post(f"/api/console/conversations/{conv.id}/notes", {"text": "看一下"})
        assert note.status_code == 403 and note.json()["code"] == "not_your_conversation"
        assert mei.put(f"/api/console/conversations/{conv.id}/tags", {"tags": ["加急"]}).status_code == 403
        supervised = supervisor.post(f"/api/console/conversations/{conv.id}/notes", {"text": "主管备注"})
        assert supervised.status_code == 201
        assert supervisor.put(f"/api/console/conversations/{conv.id}/tags", {"tags": ["加急"]}).json()["tags"] \
            == ["加急"]
    assert ming.post(f"/api/console/conversations/{held.id}/notes", {"text": "我来跟进"}).status_code == 201
    assert ming.put(f"/api/console/conversations/{held.id}/tags", {"tags": ["积分"]}).json()["tags"] == ["积分"]
    notes = mei.get(f"/api/console/conversations/{held.id}").json()["notes"]
    assert [n["text"] for n in notes] == ["主管备注", "我来跟进"]
