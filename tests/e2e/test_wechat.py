"""WeChat end to end: the stand-in pushes messages to the running product (real Rasa,
action server and desk) and logs what the desk sends through the customer-service API."""

import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from handoff.shop.seed import DEMO_WECHAT_OPENID
from tests.support.servers import free_port, poll, start_desk, stop
from tests.support.wechat_standin import desk_client, message_xml

_ids = iter(range(int(time.time() * 1000), 10**15))


def text(openid: str, content: str) -> str:
    return message_xml(openid, "text", {"Content": content}, msg_id=next(_ids))




def test_bot_answer_handoff_agent_reply_and_survey_over_wechat(stack, wechat, agent):
    account = next(iter(wechat.state.accounts.values()))
    desk = desk_client(stack.desk)
    push = lambda xml: wechat.state.push(desk, account, xml, encrypted=True)  # noqa: E731
    me = DEMO_WECHAT_OPENID  # bound by the demo shop to customer C001

    welcome = push(message_xml(me, "event", {"Event": "subscribe", "EventKey": ""}))
    assert "欢迎关注" in welcome.content
    answer = push(text(me, "我的快递到哪了 DD260001000001"))
    assert answer.attempts == 1 and "DD260001000001" in answer.content, answer
    handed = push(text(me, "转人工"))
    assert "已为您转接" in handed.content, handed

    conv_id = next(c["id"] for c in agent.get("/api/console/queue").json()
                   if c["channel"] == "wechat" and c["customer"] and c["customer"]["id"] == "C001")
    agent.put("/api/agents/me/presence", json={"presence": "online"})
    agent.post(f"/api/console/conversations/{conv_id}/claim")
    poll(lambda: agent.get(f"/api/console/conversations/{conv_id}").json()["state"] == "with_agent")
    assert agent.post(f"/api/console/conversations/{conv_id}/messages",
                      json={"text": "您好，我是客服小美，您的包裹今天派送"}).status_code == 201
    poll(lambda: "您好，我是客服小美，您的包裹今天派送" in "\n".join(wechat.state.messages_to(me)))
    assert push(text(me, "好的谢谢")).body == "success"  # with an agent the bot is quiet

    assert agent.post(f"/api/console/conversations/{conv_id}/resolve").status_code == 200
    poll(lambda: any("回复数字 1-5" in t for t in wechat.state.messages_to(me)))
    rated = push(text(me, "5"))
    assert "问题解决了吗" in rated.content, rated
    detail = agent.get(f"/api/console/conversations/{conv_id}").json()
    assert [m["text"] for m in detail["messages"] if m["role"] == "customer"][-1] == "5"
    sent = [json.loads(s["body"]) for s in wechat.state.sent if s["touser"] == me]
    assert all(s["msgtype"] == "text" for s in sent) and len(sent) == len(wechat.state.messages_to(me))


class SlowRasa(BaseHTTPRequestHandler):
    """A proxy to the real Rasa that takes its time over customer messages."""

    upstream = ""
    delay = 0.0

    def _forward(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else None
        if self.path.startswith("/webhooks/"):
            time.sleep(self.delay)
        headers = {"Content-Type": "application/json"} | (
            {"Authorization": self.headers["Authorization"]} if self.headers.get("Authorization") else {})
        request = urllib.request.Request(self.upstream + self.path, data=body, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            data, status = response.read(), response.status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._forward("GET")

    def do_POST(self):
        self._forward("POST")

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_desk(stack, wechat, tmp_path):
    handler = type("Handler", (SlowRasa,), {"upstream": stack.rasa, "delay": 6.0})
    proxy = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    proc, url = start_desk(tmp_path, DESK_RASA_URL=f"http://127.0.0.1:{proxy.server_port}",
                           DESK_BOT_TIMEOUT_SECONDS="20", **wechat.desk_env())
    try:
        yield url
    finally:
        stop(proc)
        proxy.shutdown()


def test_a_slow_bot_answers_success_at_once_then_one_customer_service_message(slow_desk, wechat):
    account = next(iter(wechat.state.accounts.values()))
    openid = "oSlowBotCustomer000000000001"
    pushed = wechat.state.push(desk_client(slow_desk), account, text(openid, "请问怎么退货"))
    # Answered within WeChat's 5 seconds (no retry), without the reply.
    assert pushed.body == "success" and pushed.attempts == 1 and pushed.seconds < 5
    replies = poll(lambda: wechat.state.messages_to(openid), timeout=30)
    time.sleep(3)  # nothing else follows
    assert len(wechat.state.messages_to(openid)) == 1
    assert "退" in replies[0], replies
