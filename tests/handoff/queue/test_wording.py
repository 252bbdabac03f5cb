"""What a customer is told when their conversation goes to a human (handoff/queue/wording.py)."""

from handoff.queue.wording import empathy, where_you_stand

QUEUED = dict(state="queued", agent_name=None, open_now=True, business_hours="每天 09:00-21:00",
              group_name="退换货", agents_online=2, position=3, eta_seconds=240)


def test_the_wait_depends_on_the_queue():
    assert where_you_stand(**QUEUED) == "已为您转接退换货人工客服，您前面还有2位，预计等待约4分钟，请稍候。"
    assert "您是下一位" in where_you_stand(**{**QUEUED, "position": 1})


def test_no_wait_estimate_when_nobody_is_online():
    told = where_you_stand(**{**QUEUED, "agents_online": 0, "position": 1})
    assert "暂无客服在线" in told and "您是下一位" not in told and "预计" not in told


def test_an_agent_already_taking_over_or_after_hours():
    assert where_you_stand(**{**QUEUED, "state": "with_agent", "agent_name": "小美"}).startswith("已为您转接客服小美")
    after_hours = where_you_stand(**{**QUEUED, "state": "bot", "open_now": False})
    assert "非工作时间（每天 09:00-21:00）" in after_hours and "留言" in after_hours


def test_empathy_speaks_to_the_topic_and_names_the_order_for_parcels_and_returns():
    assert "久等" in empathy("logistics") and "退换货" in empathy("returns")
    assert "DD260001000001" in empathy("logistics", "DD260001000001")
    assert "DD260001000001" not in empathy("points", "DD260001000001")
    assert empathy("unknown") == empathy("general")


def test_the_handoff_answer_carries_the_notice(client):
    conv = client.post("/api/chat/conversations", json={}).json()
    out = client.post("/api/handoffs", json={"sender_id": f"desk-{conv['id']}", "channel": "web",
                                             "reason": "complaint", "topic": "complaint", "note": "太差了"}).json()
    assert out["notice"].startswith(empathy("complaint")) and out["notice"].endswith(out["standing"])
    assert "投诉人工客服" in out["standing"]
