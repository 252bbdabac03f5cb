"""The FAQ and training-data editors: seeding, validation, roles, audit, concurrent edits."""

from tests.handoff.conftest import AUTH, Staff


def admin(client):
    return Staff(client, "admin", "admin123")


def test_data_is_seeded_once_with_chinese_titles_and_counts(client):
    boss = admin(client)
    faq = boss.get("/api/admin/faq").json()
    by_key = {a["key"]: a for a in faq}
    assert len(faq) >= 36
    assert by_key["return_conditions"]["title"] == "七天无理由退货条件"
    assert by_key["return_conditions"]["example_count"] >= 5
    assert "7天无理由" in by_key["return_conditions"]["text"]
    intents = {i["name"]: i for i in boss.get("/api/admin/intents").json()}
    assert intents["track_order"]["label"] == "查询物流"
    assert intents["track_order"]["examples"] > 50
    assert intents["faq/invoice"]["label"] == "常见问题：开发票"
    searched = boss.get("/api/admin/faq", params={"q": "发票"}).json()
    assert {a["key"] for a in searched} >= {"invoice", "vat_invoice"}
    assert "return_conditions" not in {a["key"] for a in searched}


def test_an_answer_edit_is_served_at_once_and_needs_no_retraining(client):
    boss = admin(client)
    status = boss.get("/api/admin/training/status").json()
    before = boss.get("/api/admin/faq/invoice").json()
    new_text = "电子发票会在确认收货后24小时内发到您的邮箱，也可以在订单详情页下载。"
    saved = boss.put("/api/admin/faq/invoice", {"title": before["title"], "text": new_text,
                                                "buttons": [{"title": "转人工", "payload": "/request_human"}],
                                                "version": before["version"]})
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == before["version"] + 1
    live = client.get("/api/shop/faq/invoice", headers=AUTH).json()
    assert live["text"] == new_text
    assert live["buttons"] == [{"title": "转人工", "payload": "/request_human"}]
    assert boss.get("/api/admin/training/status").json()["revision"] == status["revision"]
    entry = boss.get("/api/admin/audit", params={"entity": "faq"}).json()[0]
    assert (entry["action"], entry["entity_key"]) == ("update", "invoice")
    assert entry["actor_id"] == boss.id
    assert entry["before"]["text"] == before["text"] and entry["after"]["text"] == new_text
    assert entry["entity_label"] == "常见问题" and entry["action_label"] == "修改"


def test_the_later_of_two_concurrent_edits_is_refused(client):
    boss, supervisor = admin(client), Staff(client, "supervisor", "super123")
    start = boss.get("/api/admin/faq/agent_hours").json()
    first = boss.put("/api/admin/faq/agent_hours", {"title": start["title"], "text": "人工客服 9:00-22:00 在线",
                                                    "version": start["version"]})
    second = supervisor.put("/api/admin/faq/agent_hours", {"title": start["title"], "text": "人工客服全天在线",
                                                           "version": start["version"]})
    assert first.status_code == 200
    assert second.status_code == 409 and second.json()["code"] == "faq_edited_meanwhile"
    assert "已被其他人修改" in second.json()["detail"]
    assert client.get("/api/shop/faq/agent_hours", headers=AUTH).json()["text"] == "人工客服 9:00-22:00 在线"


def test_faq_validation_errors_are_chinese(client):
    boss = admin(client)
    empty = boss.post("/api/admin/faq", {"title": "以旧换新", "text": "   "})
    assert empty.status_code == 422 and "不能为空" in empty.json()["detail"]
    taken = boss.post("/api/admin/faq", {"title": "开发票", "text": "可以开"})
    assert taken.status_code == 409 and taken.json()["code"] == "faq_title_taken"
    missing = boss.put("/api/admin/faq/no_such", {"title": "x", "text": "y", "version": 1})
    assert missing.status_code == 404 and missing.json()["detail"] == "没有这个常见问题"


def test_a_new_faq_answer_with_questions_marks_the_model_out_of_date(client):
    boss = admin(client)
    revision = boss.get("/api/admin/training/status").json()["revision"]
    created = boss.post("/api/admin/faq", {"title": "以旧换新", "text": "旧手机可以折价换新，详见活动页。",
                                           "examples": ["旧手机能换新的吗", "以旧换新怎么弄"]})
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    assert created.json()["warnings"] and "至少需要 5 条" in created.json()["warnings"][-1]
    assert boss.get("/api/admin/training/status").json()["revision"] == revision + 1
    examples = boss.get("/api/admin/examples", params={"intent": f"faq/{key}"}).json()
    assert sorted(e["text"] for e in examples) == ["以旧换新怎么弄", "旧手机能换新的吗"]
    assert all(e["intent_label"] == "常见问题：以旧换新" for e in examples)
    assert boss.delete(f"/api/admin/faq/{key}").status_code == 204
    assert boss.get("/api/admin/examples", params={"intent": f"faq/{key}"}).json() == []
    assert boss.get("/api/admin/audit", params={"entity": "faq"}).json()[0]["action"] == "delete"


def test_examples_are_validated(client):
    boss = admin(client)
    add = lambda intent, text: boss.post("/api/admin/examples", {"intent": intent, "text": text})  # noqa: E731
    same = add("track_order", "帮我查下订单[DD260110000520](order_id)")
    assert same.status_code == 409 and same.json()["code"] == "duplicate_example"
    other = add("complain", "帮我查下订单DD260110000520")
    assert other.status_code == 409 and other.json()["code"] == "duplicate_other_intent"
    assert "查询物流" in other.json()["detail"]
    unknown = add("buy_house", "我想买房")
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_intent"
    bad = add("track_order", "订单[DD12](order_id)到哪了")
    assert bad.status_code == 422 and "不是有效的订单号" in bad.json()["detail"]
    blank = add("track_order", "！！！")
    assert blank.status_code == 422
    ok = add("track_order", "麻烦看看DD260301000123这单的快递走到哪了")
    assert ok.status_code == 201, ok.text
    # Order numbers are annotated, so the entity data stay consistent.
    assert ok.json()["example"]["text"] == "麻烦看看[DD260301000123](order_id)这单的快递走到哪了"


def test_near_duplicates_under_another_intent_are_warned_about(client):
    boss = admin(client)
    existing = boss.get("/api/admin/examples", params={"intent": "query_points", "limit": 1000}).json()
    text = next(e["text"] for e in existing if len(e["text"]) >= 8 and "](" not in e["text"])
    near = text[:-1] + ("啊" if text[-1] != "啊" else "呀")
    saved = boss.post("/api/admin/examples", {"intent": "redeem_points", "text": near})
    assert saved.status_code == 201, saved.text
    assert any("非常相似" in w and "查询积分" in w for w in saved.json()["warnings"])


def test_moving_and_deleting_an_example_is_audited_and_bumps_the_revision(client):
    boss = admin(client)
    added = boss.post("/api/admin/examples", {"intent": "complain", "text": "你们这服务我真的无语了啊"}).json()
    example_id = added["example"]["id"]
    revision = boss.get("/api/admin/training/status").json()["revision"]
    moved = boss.patch(f"/api/admin/examples/{example_id}", {"intent": "request_human"})
    assert moved.status_code == 200 and moved.json()["example"]["intent"] == "request_human"
    assert boss.get("/api/admin/training/status").json()["revision"] == revision + 1
    entry = boss.get("/api/admin/audit", params={"entity": "example"}).json()[0]
    assert entry["action"] == "move" and entry["before"]["intent"] == "complain"
    assert entry["after"]["intent"] == "request_human"
    assert boss.delete(f"/api/admin/examples/{example_id}").status_code == 204
    assert boss.delete(f"/api/admin/examples/{example_id}").status_code == 404


def test_roles(client):
    agent = Staff(client, "xiaomei", "agent123")
    supervisor = Staff(client, "supervisor", "super123")
    assert agent.get("/api/admin/faq").status_code == 403
    assert agent.post("/api/admin/examples", {"intent": "complain", "text": "太差了吧"}).status_code == 403
    # Supervisors edit FAQ and examples, but neither train nor activate, nor read the audit log.
    assert supervisor.post("/api/admin/examples", {"intent": "complain", "text": "你们太差劲了吧真的"}).status_code == 201
    assert supervisor.post("/api/admin/training/jobs").status_code == 403
    assert supervisor.post("/api/admin/training/models/1/activate", {"confirm": True}).status_code == 403
    assert supervisor.get("/api/admin/audit").status_code == 403
    no_token = client.get("/api/shop/faq/invoice", headers={"Authorization": ""})
    assert no_token.status_code == 401  # the live answers need the service token


def test_agent_account_changes_are_audited_without_passwords(client):
    boss = admin(client)
    created = boss.post("/api/agents", {"username": "xiaohong", "display_name": "小红", "password": "secret123",
                                        "role": "agent", "skills": ["general"]})
    assert created.status_code == 201, created.text
    boss.client.patch(f"/api/agents/{created.json()['id']}", json={"password": "another123", "capacity": 3},
                      headers=boss.cookie)
    entries = boss.get("/api/admin/audit", params={"entity": "agent"}).json()
    assert [e["action"] for e in entries[:2]] == ["update", "create"]
    assert entries[0]["after"]["password"] == "已修改" and entries[0]["after"]["capacity"] == 3
    assert "secret123" not in str(entries) and "another123" not in str(entries)
