from actions.fallback import ActionFallback, ActionOutOfScope
from actions.handoff import ActionDeclineHuman, ActionHandoff
from actions.session import ActionSessionStart
from tests.actions.conftest import make_tracker, signed


def user(intent: str, text: str = "x") -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def test_request_for_a_human_is_recorded_with_topic(run, desk_get):
    tracker = make_tracker("转人工", "request_human", slots={"customer_id": "C001", "channel": "web"},
                           events=[user("track_order")], sender="conv-human-1")
    result = run(ActionHandoff(), tracker)
    assert "已为您转接物流人工客服" in result.text and "暂无客服在线" in result.text
    (request,) = [h for h in desk_get("/api/handoffs") if h["sender_id"] == "conv-human-1"]
    assert (request["reason"], request["topic"], request["customer_id"]) == ("requested", "logistics", "C001")


def test_complaint_gets_empathy_and_the_complaint_reason(run, desk_get):
    tracker = make_tracker("我要投诉，东西坏了没人管", "complain", sender="conv-complaint-1")
    result = run(ActionHandoff(), tracker)
    assert "非常抱歉" in result.text and "理解" in result.text and "投诉人工客服" in result.text
    assert "好的" not in result.text  # nothing glued between the empathy and where they stand
    (request,) = [h for h in desk_get("/api/handoffs") if h["sender_id"] == "conv-complaint-1"]
    assert (request["reason"], request["topic"], request["note"]) == ("complaint", "complaint", "我要投诉，东西坏了没人管")


def test_accepting_an_offer_keeps_the_offers_reason(run, desk_get):
    tracker = make_tracker("好的", "affirm", slots={"human_offered": True, "handoff_reason": "fallback"},
                           sender="conv-fallback-1")
    result = run(ActionHandoff(), tracker)
    assert result.slot("human_offered") is False
    (request,) = [h for h in desk_get("/api/handoffs") if h["sender_id"] == "conv-fallback-1"]
    assert request["reason"] == "fallback"


def test_asking_twice_queues_once(run, desk_get):
    tracker = make_tracker("转人工", "request_human", sender="conv-twice-1")
    run(ActionHandoff(), tracker)
    run(ActionHandoff(), make_tracker("人呢？转人工", "request_human", sender="conv-twice-1"))
    assert len([h for h in desk_get("/api/handoffs") if h["sender_id"] == "conv-twice-1"]) == 1


def test_desk_down_gives_an_apology_not_silence(run, monkeypatch):
    monkeypatch.setenv("DESK_URL", "http://127.0.0.1:9")
    result = run(ActionHandoff(), make_tracker("转人工", "request_human"))
    assert "没有成功" in result.text


def test_declining_the_offer(run):
    result = run(ActionDeclineHuman(), make_tracker("不用了", "deny", slots={"human_offered": True}))
    assert result.slot("human_offered") is False and "继续为您服务" in result.text


def test_fallback_asks_to_rephrase_then_offers_a_human(run):
    first = run(ActionFallback(), make_tracker("啊啊啊", "nlu_fallback", events=[user("greet")]))
    assert "换个说法" in first.text and first.slot("human_offered") is False
    second = run(ActionFallback(), make_tracker("呃呃", "nlu_fallback", events=[user("nlu_fallback")]))
    assert "转接人工" in second.text
    assert second.slot("human_offered") is True and second.slot("handoff_reason") == "fallback"


def test_the_handoff_note_is_what_the_customer_saw_not_the_payload(run, desk_get):
    tracker = make_tracker("/request_human", "request_human", metadata={"customer_text": "转人工"},
                           sender="conv-human-button")
    run(ActionHandoff(), tracker)
    (request,) = [h for h in desk_get("/api/handoffs") if h["sender_id"] == "conv-human-button"]
    assert request["note"] == "转人工"


def test_a_message_no_rule_fits_is_answered_once_and_forgotten(run):
    # The form waits for the phone; the customer sends an order number (NLU: track_order).
    waiting = make_tracker("訂單DD260001000001到哪了？", "track_order", active_loop="track_order_form",
                           slots={"requested_slot": "phone"})
    result = run(ActionFallback(), waiting)
    assert "手机号" in result.text and "换个说法" not in result.text
    assert [e["event"] for e in result.events] == ["rewind"]  # UserUtteranceReverted: Rasa listens again
    lost = run(ActionFallback(), make_tracker("好的", "affirm"))
    assert "换个说法" in lost.text and [e["event"] for e in lost.events] == ["rewind"]


def test_why_the_phone_is_answered_and_the_form_keeps_waiting(run):
    """"为什么要手机号？我不想给" while a form asks for the phone: why, and the other ways (issue 16)."""
    for text, intent in [("为什么要手机号？我不想给", "nlu_fallback"), ("我不想给手机号", "deny"),
                         ("凭什么要我的手机号", "complain")]:
        asked = make_tracker(text, intent, active_loop="track_order_form", slots={"requested_slot": "phone"})
        said = run(ActionFallback(), asked)
        assert "只用来确认是您本人" in said.text and "订单号和手机号后四位" in said.text, text
        assert [b["payload"] for b in said.buttons] == ["/request_human"]
        assert [e["event"] for e in said.events] == ["rewind"]  # forgotten: the form still waits
    elsewhere = run(ActionFallback(), make_tracker("为什么", "nlu_fallback"))  # no form waiting: the usual
    assert "换个说法" in elsewhere.text
    # NLU reads it as out of scope: the same answer, and the form keeps waiting.
    asked = make_tracker("为什么要手机号？我不想给", "out_of_scope", active_loop="track_order_form",
                         slots={"requested_slot": "phone"})
    said = run(ActionOutOfScope(), asked)
    assert "只用来确认是您本人" in said.text and [e["event"] for e in said.events] == ["rewind"]
    plain = run(ActionOutOfScope(), make_tracker("今天天气怎么样", "out_of_scope"))
    assert plain.text.startswith("抱歉，这个问题我暂时回答不了") and plain.events == []


def test_empty_message_gets_a_prompt(run):
    result = run(ActionFallback(), make_tracker("   ", "nlu_fallback"))
    assert "没有输入内容" in result.text


def test_session_start_takes_the_customer_from_metadata(run):
    tracker = make_tracker(slots={"session_started_metadata": signed(customer_id="C002", tier="银卡会员"),
                                  "order_id": "DD260002000001"})
    result = run(ActionSessionStart(), tracker)
    assert result.events[0]["event"] == "session_started"
    assert result.slot("customer_id") == "C002" and result.slot("customer_tier") == "银卡会员"
    assert result.slot("order_id") == "<unset>"  # a new session forgets the last order
    assert (result.events[-1]["event"], result.events[-1]["name"]) == ("action", "action_listen")


def test_session_start_ignores_metadata_the_desk_did_not_sign(run):
    tracker = make_tracker(slots={"session_started_metadata": {"customer_id": "C002", "tier": "银卡会员"}})
    assert run(ActionSessionStart(), tracker).slot("customer_id") == "<unset>"
