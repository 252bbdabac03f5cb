"""After the whole end-to-end run: the logs of every process hold no full mobile number and no chat token."""

import re

import pytest
from websockets.sync.client import connect

PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
SECRET_IN_URL = re.compile(r"(?:token|signature)=(?!\*\*\*)[^&\s\"']+")


@pytest.mark.reads_logs
def test_no_personal_data_or_token_in_the_logs(stack, web_chat):
    # Put a phone and a chat token through the product once more, so that the
    # test holds on its own too (the whole run has done both many times).
    chat = web_chat()
    chat.say("查一下我的积分")
    assert "验证码" in chat.say("13800000002")
    with connect(f"ws://{stack.desk.removeprefix('http://')}/ws/chat/{chat.id}?token={chat.token}") as ws:
        ws.recv(timeout=10)
    logs = sorted((stack.dir / "log").glob("*.log"))
    assert {p.name for p in logs} >= {"desk.log", "rasa.log", "actions.log"}
    text = "\n".join(p.read_text(errors="replace") for p in logs) + stack.output()
    assert "138****0002" in text  # the simulated SMS, masked
    assert "/ws/chat/" in text and "token=***" in text  # the widget's WebSocket, token redacted
    assert chat.token not in text
    assert PHONE.findall(text) == []
    assert SECRET_IN_URL.findall(text) == []
