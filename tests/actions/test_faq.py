"""action_answer_faq: the answer the NLU chose, in the words the desk has now."""

import json
import urllib.request

from actions.faq import GONE, ActionAnswerFaq
from tests.actions.conftest import make_tracker
from tests.support.servers import SERVICE_TOKEN


def faq_tracker(key: str | None, text: str = "发票怎么开"):
    tracker = make_tracker(text, "faq")
    if key:
        tracker.latest_message["response_selector"] = {
            "faq": {"response": {"intent_response_key": f"faq/{key}", "confidence": 0.9}}}
    return tracker


def test_the_answer_is_the_desks_current_text(run, desk_get):
    result = run(ActionAnswerFaq(), faq_tracker("invoice"))
    assert result.text == desk_get("/api/shop/faq/invoice")["text"]
    assert "发票" in result.text


def test_an_answer_the_desk_no_longer_has_asks_again(run):
    result = run(ActionAnswerFaq(), faq_tracker("deleted_meanwhile"))
    assert result.text == GONE


def test_without_a_chosen_answer_it_asks_again(run):
    assert run(ActionAnswerFaq(), faq_tracker(None)).text == GONE


def test_when_the_desk_is_down_the_models_own_copy_is_said(run, monkeypatch):
    monkeypatch.setenv("DESK_URL", "http://127.0.0.1:9")
    result = run(ActionAnswerFaq(), faq_tracker("invoice"))
    assert result.dispatcher.messages[0]["response"] == "utter_faq/invoice"


def test_an_edit_in_the_faq_editor_is_said_at_the_next_question(run, desk_url):
    cookie = login(desk_url)
    current = call(desk_url, "GET", "/api/admin/faq/refund_photo", cookie=cookie)
    text = "退款金额在100元以内无需拍照；超过100元请在申请页上传一张问题照片。"
    call(desk_url, "PUT", "/api/admin/faq/refund_photo", cookie=cookie,
         body={"title": current["title"], "text": text, "version": current["version"]})
    assert run(ActionAnswerFaq(), faq_tracker("refund_photo", "退款要拍照吗")).text == text


def login(url: str) -> str:
    request = urllib.request.Request(url + "/api/agents/login", method="POST",
                                     data=json.dumps({"username": "admin", "password": "admin123"}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return response.headers["Set-Cookie"].split(";")[0]


def call(url: str, method: str, path: str, cookie: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", "Cookie": cookie,
                                              "Authorization": f"Bearer {SERVICE_TOKEN}"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")
