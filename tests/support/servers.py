"""Starting the project's real servers for tests (standard library only).

Both virtual environments import this: the desk's tests start the whole
product, the action tests start a desk.
"""

import json
import os
import random
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RASA_VENV = ROOT / ".venv" / "rasa"
DESK_VENV = ROOT / ".venv" / "desk"
SERVICE_TOKEN = "test-service-token"
RASA_TOKEN = "test-rasa-token"  # Rasa's --auth-token, also the action server's key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def consecutive_ports(n: int) -> int:
    """The first of ``n`` free consecutive ports (scripts/run.py puts replicas on port, port + 1, ...)."""
    for _ in range(200):
        base = random.randint(20000, 60000)
        sockets = []
        try:
            for port in range(base, base + n):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free consecutive ports")


def get_json(url: str, timeout: float = 5, token: str | None = None) -> tuple[int, object]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def post_json(url: str, body: dict, timeout: float = 5, token: str | None = None,
              headers: dict | None = None) -> tuple[int, object]:
    headers = {"Accept": "application/json", "Content-Type": "application/json"} | (headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def wait_until(ready, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{what} not ready after {timeout} s")


def poll(check, timeout: float = 20.0, interval: float = 0.05):
    """Call ``check`` until it returns something true; that value (AssertionError after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def desk_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DESK_DATABASE_URL=f"sqlite:///{tmp / 'desk.db'}",
        DESK_EMBEDDED_REDIS_DIR=str(tmp / "redis"),
        DESK_TRAINING_DIR=str(tmp / "training"),
        DESK_UPLOADS_DIR=str(tmp / "uploads"),
        DESK_ENV="development",
        DESK_SERVICE_TOKEN=SERVICE_TOKEN,
        RASA_TOKEN=RASA_TOKEN,
        # Tests run at any hour; after-hours behaviour has its own tests.
        DESK_BUSINESS_HOURS="00:00-24:00",
        # Every test client and load generator is one address (127.0.0.1): the
        # per-address and per-conversation limits have their own tests
        # (tests/handoff/core/test_abuse.py), here they would only throttle the run.
        DESK_CONVERSATIONS_PER_IP_PER_HOUR="1000000",
        DESK_MESSAGES_PER_IP_PER_MINUTE="1000000",
        DESK_MESSAGES_PER_CONVERSATION_PER_MINUTE="1000000",
        PYTHONUNBUFFERED="1",
    )
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def start_desk(tmp: Path, **env: str) -> tuple[subprocess.Popen, str]:
    """A real desk (uvicorn, SQLite, embedded Redis unless REDIS_URL is given) on a free port."""
    port = free_port()
    log = open(tmp / f"desk-{port}.log", "ab")
    proc = subprocess.Popen(
        [str(DESK_VENV / "bin" / "uvicorn"), "--factory", "handoff.app:create_app",
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=desk_env(tmp, **env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: get_json(url + "/healthz")[0] in (200, 503), 60, "desk", proc)
    return proc, url


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
