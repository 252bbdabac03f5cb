"""The product end to end: Rasa with the trained model, the action server and
the desk, started by the same supervisor as `make run`."""

import signal

import psutil
import pytest

from handoff.core.signing import sign_metadata
from tests.support.servers import SERVICE_TOKEN, get_json

CONTRACT_INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "ask_return_policy", "request_return",
    "ask_refund_status", "track_order", "ask_delivery_time", "query_points", "redeem_points",
    "ask_points_rules", "request_human", "complain", "ask_product", "ask_promotion", "out_of_scope",
    "nlu_fallback", "faq",
}


def parse(stack, text: str) -> dict:
    status, body = stack.post(stack.rasa_api("/model/parse"), {"text": text})
    assert status == 200
    return body


def test_health_is_green_with_every_part(stack):
    status, body = get_json(f"{stack.desk}/healthz")
    assert status == 200, body
    assert set(body["parts"]) == {"database", "redis", "rasa", "action_server"}
    assert all(p["status"] == "ok" for p in body["parts"].values())


def test_the_model_knows_exactly_the_contract_intents(stack):
    status, domain = get_json(stack.rasa_api("/domain"), token=None)
    assert status == 200
    names = {next(iter(i)) if isinstance(i, dict) else i for i in domain["intents"]}
    assert names == CONTRACT_INTENTS
    ranking = parse(stack, "我要退货")["intent_ranking"]
    assert {r["name"] for r in ranking} <= CONTRACT_INTENTS


@pytest.mark.parametrize(
    "text, intent",
    [("我的快递到哪了", "track_order"), ("我要退货", "request_return"), ("我有多少积分", "query_points"),
     ("转人工", "request_human"), ("你好", "greet")],
)
def test_parse_returns_contract_names(stack, text, intent):
    assert parse(stack, text)["intent"]["name"] == intent


def test_parse_extracts_validated_entities(stack):
    body = parse(stack, "訂單ＤＤ２６０００１０００００１到哪了，手机13800000001")
    entities = {e["entity"]: e["value"] for e in body["entities"]}
    assert entities["order_id"] == "ＤＤ２６０００１０００００１" and entities["phone"] == "13800000001"


def test_signed_in_customer_tracks_the_parcel(chat):
    c = chat("C001")
    answer = c.say("我的快递到哪了")
    assert "DD260001000001" in answer and "运输中" in answer


def test_a_bare_phone_number_identifies_nobody_the_sms_code_does(web_chat):
    c = web_chat()
    assert "手机号" in c.say("查一下我的积分")
    answer = c.say("13800000002")
    assert "验证码" in answer and "138****0002" in answer
    assert "积分" not in answer and "张" not in answer and "银卡" not in answer
    answer = c.say(c.sms_code())
    assert "身份验证成功" in answer and "积分" in answer


def test_an_order_number_while_the_bot_waits_for_the_phone_gets_one_clear_answer(web_chat):
    c = web_chat()
    assert "手机号" in c.say("我的快递到哪了")
    c.say("请问怎么退货")  # an interruption the form survives
    answer = c.say("訂單DD260001000001到哪了？")  # neither the phone nor order + last four digits
    assert answer.count("验证您的身份") == 1 and len(c.last) == 1, c.last  # once, not until Rasa's circuit breaker
    answer = c.say("DD260001000001 0001")  # the order number with the phone's last four digits
    assert "身份验证成功" in answer and "DD260001000001" in answer, answer
    assert c.say("我有多少积分").strip()  # and the conversation goes on


def test_return_from_request_to_return_id(chat, stack):
    c = chat("C001")
    c.say("我要退货")
    assert any("DD260001000002" in b["payload"] for b in c.buttons)
    assert "退货原因" in c.say(next(b["payload"] for b in c.buttons if "DD260001000002" in b["payload"]))
    assert "确认提交吗" in c.say("七天无理由")
    answer = c.say("确认")
    assert "退货申请已提交" in answer and "TH" in answer
    status, returns = get_json(f"{stack.desk}/api/shop/customers/C001/returns", token=SERVICE_TOKEN)
    assert any(r["order_id"] == "DD260001000002" for r in returns)


def test_rasas_api_refuses_without_the_token(stack):
    for path in ("/domain", "/status", "/conversations/e2e-attack/tracker"):
        assert get_json(f"{stack.rasa}{path}", token=None)[0] == 401
        assert get_json(f"{stack.rasa}{path}?token=wrong", token=None)[0] == 401
    # Writing a customer into a tracker, as the attack did:
    status, _ = stack.post(f"{stack.rasa}/conversations/e2e-attack/tracker/events",
                           {"event": "slot", "name": "customer_id", "value": "C001"})
    assert status == 401
    assert get_json(stack.rasa_api("/domain"), token=None)[0] == 200


def test_a_message_with_an_unsigned_customer_id_is_answered_as_nobody(stack):
    status, replies = stack.post(f"{stack.rasa}/webhooks/rest/webhook", {
        "sender": "e2e-forged", "message": "我的快递到哪了", "metadata": {"customer_id": "C001", "channel": "web"}})
    said = " ".join(r.get("text", "") for r in replies)
    assert status == 200 and "验证您的身份" in said and "DD260001000001" not in said


def test_the_desks_channel_answers_replies_and_nlu_in_one_call_with_the_service_token(stack):
    hook = f"{stack.rasa}/webhooks/desk/webhook"
    body = {"sender": "e2e-channel", "message": "我的快递到哪了",
            "metadata": sign_metadata(SERVICE_TOKEN, "e2e-channel", {"customer_id": "C001", "channel": "web"})}
    assert stack.post(hook, body)[0] == 401
    assert stack.post(hook, body, token="wrong")[0] == 401
    status, answer = stack.post(hook, body, token=SERVICE_TOKEN)
    assert status == 200
    assert "DD260001000001" in " ".join(r.get("text", "") for r in answer["replies"])
    assert answer["nlu"]["intent"]["name"] == "track_order" and "sentiment" in answer["nlu"]


def test_the_action_server_refuses_calls_without_rasas_token(stack):
    port = stack.ports["actions"]
    assert get_json(f"http://127.0.0.1:{port}/health")[0] == 200
    status, body = stack.post(f"http://127.0.0.1:{port}/webhook", {"next_action": "action_track_order"})
    assert status == 401


def test_another_customers_order_is_never_shown(chat):
    answer = chat("C003").say("帮我查下订单DD260001000001到哪了")
    assert "没有在您的账户下找到" in answer and "耳机" not in answer


def test_request_for_a_human_reaches_the_desk(chat, stack):
    c = chat("C002")
    assert "人工客服" in c.say("我要找人工客服")
    status, pending = get_json(f"{stack.desk}/api/handoffs", token=SERVICE_TOKEN)
    assert any(h["sender_id"] == c.sender and h["customer_id"] == "C002" for h in pending)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "好" * 5000, "😭😭😭", "<script>alert('x')</script>", "'; DROP TABLE shop_orders; --",
     "DD000000000000 到哪了"],
)
def test_bad_input_gets_a_clear_answer(chat, text):
    c = chat("C001")
    answer = c.say(text)
    assert answer.strip(), f"no answer to {text[:30]!r}"
    assert "<script>" not in answer


@pytest.mark.stops_stack
def test_ctrl_c_stops_everything(stack):
    children = stack.processes()
    assert len(children) >= 4  # uvicorn, redis-server, actions, rasa
    stack.proc.send_signal(signal.SIGINT)
    stack.proc.wait(timeout=60)
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [p.info if hasattr(p, "info") else p.pid for p in alive]
    assert "Stopped." in stack.output()
