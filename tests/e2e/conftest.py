"""The whole product as `make run` starts it: scripts/run.py on free ports,
a fresh SQLite database and embedded Redis, the trained model."""

import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import psutil
import pytest
from playwright.sync_api import sync_playwright

from handoff.shop.seed import DEMO_WECHAT_APP_ID
from tests.e2e.pages import CHROMIUM_ARGS, shop_page
from handoff.core.signing import sign_metadata
from tests.support.servers import DESK_VENV, RASA_TOKEN, ROOT, SERVICE_TOKEN, desk_env, free_port, get_json, post_json
from tests.support.wechat_standin import WechatStandin, new_account


class Stack:
    def __init__(self, tmp, ports: dict[str, int] | None = None, **extra_env: str) -> None:
        self.dir = tmp  # logs in <dir>/log (scripts/run.py's RUN_DIR)
        self.ports = ports or {name: free_port() for name in ("rasa", "actions", "desk")}
        env = desk_env(tmp, RASA_PORT=str(self.ports["rasa"]), ACTIONS_PORT=str(self.ports["actions"]),
                       DESK_PORT=str(self.ports["desk"]), DESK_SERVICE_TOKEN=SERVICE_TOKEN,
                       RUN_DIR=str(tmp), **extra_env)
        env.pop("DESK_URL", None)
        self.started = time.time()
        self.log = open(tmp / "run.log", "w+b")
        self.proc = subprocess.Popen([str(DESK_VENV / "bin" / "python"), "scripts/run.py"], cwd=ROOT,
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.rasa = f"http://127.0.0.1:{self.ports['rasa']}"
        self.desk = f"http://127.0.0.1:{self.ports['desk']}"

    def rasa_api(self, path: str) -> str:
        """A URL of Rasa's HTTP API, with the token it requires."""
        return f"{self.rasa}{path}{'&' if '?' in path else '?'}token={RASA_TOKEN}"

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def wait_ready(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while "Ready in" not in self.output():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the stack did not start:\n" + self.output()[-3000:])
            time.sleep(1)

    def processes(self) -> list[psutil.Process]:
        """Everything the supervisor started, embedded redis-server included."""
        return psutil.Process(self.proc.pid).children(recursive=True)

    def post(self, url: str, body: dict, token: str | None = None) -> tuple[int, object]:
        return post_json(url, body, timeout=30, token=token)


def pytest_collection_modifyitems(items):
    """Tests that stop the shared stack run after every other test; just before them,
    those that read its logs (the whole run's, and they still talk to the stack)."""
    items.sort(key=lambda item: (item.get_closest_marker("stops_stack") is not None,
                                 item.get_closest_marker("reads_logs") is not None))


def pytest_configure(config):
    config.addinivalue_line("markers", "stops_stack: stops the session's stack; runs last")
    config.addinivalue_line("markers", "reads_logs: reads the session stack's logs; runs last but the stops_stack ones")


@pytest.fixture(scope="session")
def wechat():
    """WeChat's servers (a local stand-in), with the demo official account the stack is configured for."""
    with WechatStandin([new_account(DEMO_WECHAT_APP_ID)], free_port()) as standin:
        yield standin


@pytest.fixture(scope="session")
def stack(tmp_path_factory, wechat):
    if not (ROOT / "models" / "current.tar.gz").exists():
        pytest.fail("no trained model: run `make train` (make test does)")
    s = Stack(tmp_path_factory.mktemp("stack"), **wechat.desk_env())
    try:
        s.wait_ready()
        yield s
    finally:
        if s.proc.poll() is None:
            s.proc.send_signal(signal.SIGINT)
            s.proc.wait(timeout=60)


@pytest.fixture
def agent(stack):
    """Agent 小美 logged in over HTTP (offline again afterwards)."""
    http = httpx.Client(base_url=stack.desk, timeout=30)
    assert http.post("/api/agents/login", json={"username": "xiaomei", "password": "agent123"}).status_code == 200
    yield http
    http.put("/api/agents/me/presence", json={"presence": "offline"})


class Chat:
    """One customer's conversation through Rasa's REST channel, with the desk's (signed) metadata."""

    def __init__(self, stack: Stack, sender: str, customer_id: str | None = None) -> None:
        self.stack, self.sender = stack, sender
        metadata = {"channel": "web"} | ({"customer_id": customer_id} if customer_id else {})
        self.metadata = sign_metadata(SERVICE_TOKEN, sender, metadata)

    def say(self, text: str) -> str:
        status, replies = self.stack.post(f"{self.stack.rasa}/webhooks/rest/webhook",
                                          {"sender": self.sender, "message": text, "metadata": self.metadata})
        assert status == 200, replies
        self.last = replies
        return "\n".join(r.get("text", "") for r in replies)

    @property
    def buttons(self) -> list[dict]:
        return [b for r in self.last for b in r.get("buttons", [])]


class WebChat:
    """One anonymous visitor's conversation through the desk's web chat API (as the widget does)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        status, conv = stack.post(f"{stack.desk}/api/chat/conversations", {})
        assert status == 201, conv
        self.id, self.token = conv["id"], conv["token"]

    def say(self, text: str) -> str:
        status, sent = post_json(f"{self.stack.desk}/api/chat/conversations/{self.id}/messages", {"text": text},
                                 timeout=30, headers={"X-Chat-Token": self.token})
        assert status == 201, sent
        self.last = sent["replies"]
        return "\n".join(r.get("text", "") for r in self.last)

    def sms_code(self) -> str:
        """The code the desk's development SMS provider just "sent"."""
        return get_json(f"{self.stack.desk}/api/demo/sms")[1][0]["code"]


@pytest.fixture
def web_chat(stack):
    return lambda: WebChat(stack)


@pytest.fixture
def chat(stack, request):
    return lambda customer_id=None: Chat(stack, f"e2e-{request.node.name[:40]}", customer_id)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shop_site(stack):
    """A shop's own web server (another origin than the desk) with the widget on its page."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            body = shop_page(stack.desk, self.path.strip("/").split("?")[0] or "C001").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
