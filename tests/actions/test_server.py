"""The action server answers only Rasa, on loopback; both Rasa-side processes refuse unsafe production settings."""

import json
import os
import subprocess
import sys

import pytest

from tests.support.servers import RASA_TOKEN, ROOT, SERVICE_TOKEN, free_port, get_json, post_json, wait_until

CALL = {"next_action": "action_track_order", "sender_id": "attacker", "version": "3.6.21",
        "tracker": {"sender_id": "attacker", "slots": {}, "latest_message": {
            "text": "我的快递到哪了", "intent": {"name": "track_order"}, "entities": [],
            "metadata": {"customer_id": "C001"}}, "events": [], "paused": False, "followup_action": None,
            "active_loop": {}, "latest_action_name": "action_listen"},
        "domain": {}}


@pytest.fixture(scope="module")
def action_server(desk_url, tmp_path_factory):
    port = free_port()
    env = dict(os.environ, DESK_ENV="development", RASA_TOKEN=RASA_TOKEN, DESK_SERVICE_TOKEN=SERVICE_TOKEN,
               ACTIONS_PORT=str(port), DESK_URL=desk_url)
    log = open(tmp_path_factory.mktemp("actions") / "actions.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "actions.server"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: get_json(url + "/health")[0] == 200, 60, "action server", proc)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def post(url: str, body: dict, authorization: str | None) -> tuple[int, dict]:
    return post_json(url, body, timeout=20, headers={"Authorization": authorization} if authorization else None)


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {RASA_TOKEN}", "Bearer é"])
def test_without_rasas_token_nothing_runs(action_server, authorization):
    status, body = post(action_server + "/webhook", CALL, authorization)
    assert status == 401 and "DD26" not in json.dumps(body, ensure_ascii=False)
    assert get_json(action_server + "/actions")[0] == 401


def test_with_the_token_an_unsigned_customer_id_is_still_nobody(action_server):
    status, body = post(action_server + "/webhook", CALL, f"Bearer {RASA_TOKEN}")
    assert status == 200
    said = " ".join(r.get("text") or "" for r in body["responses"])
    assert "验证您的身份" in said and "DD260001000001" not in said


def listening_addresses(port: int) -> set[str]:
    """The local addresses listening on ``port`` (IPv4 and IPv6), from the kernel's socket tables."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in list(f)[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    found.add(address)
    return found


def test_only_loopback_listens_by_default(action_server):
    assert listening_addresses(int(action_server.rsplit(":", 1)[1])) == {"0100007F"}  # 127.0.0.1 only


@pytest.mark.parametrize("module", ["actions.server", "bot.serve"])
@pytest.mark.parametrize("name, env", [
    ("RASA_TOKEN", {"DESK_SERVICE_TOKEN": "s" * 32}),
    ("RASA_TOKEN", {"DESK_SERVICE_TOKEN": "s" * 32, "RASA_TOKEN": "dev-rasa-token"}),
    ("RASA_TOKEN", {"DESK_SERVICE_TOKEN": "s" * 32, "RASA_TOKEN": "short"}),
    ("DESK_SERVICE_TOKEN", {"RASA_TOKEN": "r" * 32, "DESK_SERVICE_TOKEN": "dev-service-token"}),
])
def test_production_refuses_unsafe_secrets(module, name, env):
    clean = {k: v for k, v in os.environ.items() if k not in ("RASA_TOKEN", "DESK_SERVICE_TOKEN", "DESK_ENV")}
    result = subprocess.run([sys.executable, "-m", module], cwd=ROOT, env=clean | env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert name in result.stderr and "DESK_ENV=production" in result.stderr
