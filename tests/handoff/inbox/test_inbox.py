"""The unanswered-question inbox: collected from stored conversations, grouped, taught, dismissed, flagged."""

from datetime import timedelta

from handoff.conversations.models import Conversation, Message, Role, State
from handoff.core.clock import utcnow
from handoff.inbox.service import holdout
from handoff.reports.models import ServiceRecord
from handoff.survey.models import Survey
from tests.handoff.conftest import Staff

TRADE_IN = ["旧手机能换新的吗", "以旧换新怎么弄", "旧手机可以折价买新手机吗"]
INSTALMENTS = ["你们支持花呗分期吗", "可以用花呗付款吗"]


def admin(client):
    return Staff(client, "admin", "admin123")


def conversation(db, conv_id: str, turns: list[tuple[str, dict | None]], reason: str | None = None,
                 minutes_ago: float = 10) -> Conversation:
    """A stored web chat: customer messages with what the bot understood, each followed by a bot reply."""
    start = utcnow() - timedelta(minutes=minutes_ago)
    conv = Conversation(id=conv_id, rasa_sender_id=f"desk-{conv_id}", channel="web", state=State.bot,
                        reason=reason, created_at=start, last_activity_at=start)
    db.add(conv)
    seq = 0
    for i, (text, nlu) in enumerate(turns):
        seq += 1
        db.add(Message(conversation_id=conv_id, seq=seq, role=Role.customer, text=text, nlu=nlu,
                       created_at=start + timedelta(seconds=10 * i)))
        seq += 1
        db.add(Message(conversation_id=conv_id, seq=seq, role=Role.bot, text="……",
                       created_at=start + timedelta(seconds=10 * i + 1)))
    conv.last_seq = seq
    db.commit()
    return conv


def nlu(intent: str, confidence: float = 0.99, faq: str | None = None) -> dict:
    return {"intent": intent, "confidence": confidence, "entities": [], "sentiment": None, "faq": faq}


def rate(db, conv: Conversation, rating: int) -> None:
    now = utcnow()
    record = ServiceRecord(conversation_id=conv.id, first_seq=1, last_seq=conv.last_seq, channel="web",
                           started_at=conv.created_at, ended_at=now)
    db.add(record)
    db.flush()
    db.add(Survey(record_id=record.id, conversation_id=conv.id, sent_at=now, expires_at=now + timedelta(hours=24),
                  rating=rating, answered_at=now))
    db.commit()


def stored(db):
    conversation(db, "c_trade1", [(TRADE_IN[0], nlu("nlu_fallback", 1.0)), (TRADE_IN[1], nlu("nlu_fallback", 1.0))],
                 reason="fallback", minutes_ago=30)
    conversation(db, "c_trade2", [(TRADE_IN[2], nlu("ask_product", 0.41))], minutes_ago=5)
    conversation(db, "c_pay", [(INSTALMENTS[0], nlu("faq", 0.9, "faq/invoice")), ("不是这个 答非所问", nlu("deny", 0.8)),
                               (INSTALMENTS[1], nlu("out_of_scope", 0.7))], minutes_ago=20)
    rated = conversation(db, "c_rated", [("我的快递到哪了 DD260001000001 电话13812345678", nlu("track_order", 0.97))],
                         minutes_ago=40)
    rate(db, rated, 1)
    happy = conversation(db, "c_happy", [("我有多少积分", nlu("query_points", 0.99))], minutes_ago=50)
    rate(db, happy, 5)


def test_groups_and_counts_from_stored_conversations(client, db):
    stored(db)
    groups = admin(client).get("/api/admin/inbox").json()
    by_text = {e["text"]: g for g in groups for e in g["examples"]}
    trade = by_text[TRADE_IN[0]]
    assert trade["count"] == 3 and {e["text"] for e in trade["examples"]} == set(TRADE_IN)
    reasons = {r["reason"]: r["count"] for r in trade["reasons"]}
    assert reasons == {"fallback": 2, "handoff": 2, "low_confidence": 1}
    pay = by_text[INSTALMENTS[0]]
    assert pay["count"] == 2 and {e["text"] for e in pay["examples"]} == set(INSTALMENTS)
    assert {r["reason"] for r in pay["reasons"]} == {"corrected", "out_of_scope"}
    assert groups[0] is trade or groups[0]["count"] == 3  # biggest first
    rated = by_text["我的快递到哪了 DD260101000001 电话13800000000"]  # personal data masked
    assert rated["count"] == 1 and rated["reasons"][0]["label"] == "差评会话"
    all_texts = " ".join(e["text"] for g in groups for e in g["examples"])
    assert "我有多少积分" not in all_texts  # understood, well rated
    assert "不是这个" not in all_texts  # the correction itself is not a question
    assert "13812345678" not in all_texts and "DD260001000001" not in all_texts
    # Read once: a second look finds the same groups, nothing doubled.
    again = admin(client).get("/api/admin/inbox").json()
    assert sorted(g["count"] for g in again) == sorted(g["count"] for g in groups)


def test_a_group_becomes_examples_one_in_five_kept_for_evaluation(client, db):
    stored(db)
    boss = admin(client)
    pay = next(g for g in boss.get("/api/admin/inbox").json() if g["examples"][0]["text"] in INSTALMENTS)
    revision = boss.get("/api/admin/training/status").json()["revision"]
    taught = boss.post("/api/admin/inbox/teach", {"item_ids": pay["item_ids"], "intent": "faq/payment_methods"}).json()
    assert taught["added"] == 2 and taught["skipped"] == []
    examples = boss.get("/api/admin/examples", params={"intent": "faq/payment_methods", "q": "花呗"}).json()
    mine = [e for e in examples if e["source"] == "inbox"]
    assert {e["text"] for e in mine} == set(INSTALMENTS)
    held = [e for e in mine if e["holdout"]]
    assert taught["kept_for_evaluation"] == len(held)
    assert boss.get("/api/admin/training/status").json()["revision"] == revision + 2 - len(held)
    assert all(g["id"] != pay["id"] for g in boss.get("/api/admin/inbox").json())
    added = boss.get("/api/admin/inbox", params={"status": "added"}).json()
    assert any(e["text"] in INSTALMENTS for g in added for e in g["examples"])


def test_one_in_five_taught_messages_is_kept_for_evaluation():
    texts = [f"第{i}个顾客的问题：发票怎么开" for i in range(1000)]
    share = sum(map(holdout, texts)) / len(texts)
    assert 0.15 < share < 0.25
    assert holdout(texts[7]) == holdout(texts[7])  # the same text, the same choice


def test_a_group_becomes_a_new_faq_answer_or_is_dismissed(client, db):
    stored(db)
    boss = admin(client)
    groups = boss.get("/api/admin/inbox").json()
    trade = next(g for g in groups if g["count"] == 3)
    made = boss.post("/api/admin/inbox/faq", {"item_ids": trade["item_ids"], "title": "以旧换新",
                                              "text": "支持以旧换新，旧机折价抵扣新机货款。"})
    assert made.status_code == 201, made.text
    questions = boss.get("/api/admin/examples", params={"intent": f"faq/{made.json()['key']}"}).json()
    assert {q["text"] for q in questions} == set(TRADE_IN)
    rated = next(g for g in groups if g["count"] == 1)
    assert boss.post("/api/admin/inbox/dismiss", {"item_ids": rated["item_ids"]}).json() == {"dismissed": 1}
    assert boss.post("/api/admin/inbox/dismiss", {"item_ids": rated["item_ids"]}).status_code == 404
    left = boss.get("/api/admin/inbox").json()
    assert [g["count"] for g in left] == [2]


def test_an_agent_flags_a_message_with_the_right_intent(client, db):
    conversation(db, "c_flag", [("那个东西我不想要了 钱能给我吗", nlu("ask_product", 0.8))])
    message_id = db.query(Message).filter_by(conversation_id="c_flag", role=Role.customer).one().id
    agent = Staff(client, "xiaomei", "agent123")
    flagged = agent.post(f"/api/console/messages/{message_id}/flag", {"intent": "request_return"})
    assert flagged.status_code == 201, flagged.text
    assert agent.post(f"/api/console/messages/{message_id}/flag", {"intent": "nope"}).status_code == 422
    assert agent.get("/api/admin/inbox").status_code == 403
    group = admin(client).get("/api/admin/inbox").json()[0]
    assert group["suggested_intent"] == "request_return" and group["suggested_label"] == "申请退货"
    assert group["reasons"] == [{"reason": "flagged", "label": "客服标记理解错", "count": 1}]
    assert group["examples"][0]["understood_as"] == "商品咨询"


def test_collects_at_the_same_time_keep_each_message_once(client, db):
    """The inbox page and the maintenance loop (or two desk processes) may collect at the same moment."""
    import threading

    from sqlalchemy import func, select

    from handoff.inbox import service
    from handoff.inbox.models import InboxItem

    sessions = client.app.state.session_factory
    for round_ in range(3):
        conversation(db, f"c_race{round_}", [(f"{TRADE_IN[i % 3]} 第{round_}轮{i}", nlu("nlu_fallback", 1.0))
                                              for i in range(6)])
        start, errors = threading.Barrier(4), []

        def collect():
            with sessions() as own:
                start.wait()
                try:
                    service.collect(own)
                except Exception as exc:  # noqa: BLE001 - the test reports any failure
                    errors.append(exc)

        threads = [threading.Thread(target=collect) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with sessions() as own:  # whatever a loser left is picked up by the next run
            service.collect(own)
        kept = db.scalar(select(func.count()).select_from(InboxItem)
                         .where(InboxItem.conversation_id == f"c_race{round_}"))
        assert kept == 6
