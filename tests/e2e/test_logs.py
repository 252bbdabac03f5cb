"""After the whole end-to-end run: the logs of every process hold no full mobile number and no chat token."""

import re

import pytest

PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
SECRET_IN_URL = re.compile(r"(?:token|signature)=(?!\*\*\*)[^&\s\"']+")


@pytest.mark.reads_logs
def test_no_personal_data_or_token_in_the_logs(stack):
    logs = sorted((stack.dir / "log").glob("*.log"))
    assert {p.name for p in logs} >= {"desk.log", "rasa.log", "actions.log"}
    text = "\n".join(p.read_text(errors="replace") for p in logs) + stack.output()
    # The run did put phones and tokens through the product (test_product, test_browser).
    assert "138****0002" in text  # the simulated SMS, masked
    assert "/ws/chat/" in text and "token=***" in text  # the widget's WebSocket, token redacted
    assert PHONE.findall(text) == []
    assert SECRET_IN_URL.findall(text) == []
