"""The satisfaction survey: sent at the end of an episode, answered by button or digit, once."""

from datetime import timedelta

from sqlalchemy import select

from handoff.conversations import service as conversations
from handoff.conversations.models import Role
from handoff.core.clock import utcnow
from handoff.reports.models import ServiceRecord
from handoff.survey import service as survey
from handoff.survey.models import FollowUp, Survey
from tests.handoff.conftest import Customer, Staff, handoff


def served_by_agent(client, customer_id: str | None = "C002") -> tuple[Customer, Staff]:
    """A customer handed to an agent who answers and resolves: the survey's first question is out."""
    customer = Customer(client, customer_id)
    customer.say("我要退货，衣服尺码不对")
    handoff(client, customer.sender, topic="returns", customer_id=customer_id)
    staff = Staff(client, "xiaomei", "agent123")
    assert staff.post(f"/api/console/conversations/{customer.id}/claim").status_code == 200
    assert staff.post(f"/api/console/conversations/{customer.id}/messages",
                      {"text": "您好，已为您登记退货"}).status_code == 201
    assert staff.post(f"/api/console/conversations/{customer.id}/resolve").status_code == 200
    return customer, staff


def last_bot(customer: Customer) -> dict:
    return [m for m in customer.messages() if m["role"] == "bot"][-1]


def answer(customer: Customer, button_title: str) -> list[dict]:
    """Press a button of the latest bot message, as the widget does."""
    (button,) = [b for b in last_bot(customer)["buttons"] if b["title"] == button_title]
    response = customer.say(button["title"], payload=button["payload"])
    assert response.status_code == 201, response.text
    return response.json()["replies"]


def stored_survey(db, conv_id: str) -> Survey:
    db.expire_all()
    return db.scalar(select(Survey).where(Survey.conversation_id == conv_id))


def ask_nps_and_ces_too(client, db) -> None:
    """The shop's rules form: the two extra questions on (saved, as an admin does)."""
    from handoff.agents.models import Agent
    from handoff.shop import rules as shop_rules

    desk = client.app.state.desk
    policy, version = shop_rules.current(db, desk.settings.shop_policy_file)
    policy.survey.extra_questions = ["nps", "ces"]
    shop_rules.save(db, rules=policy, expected_version=version, policy_file=desk.settings.shop_policy_file,
                    actor=db.query(Agent).filter_by(username="admin").one(), now=utcnow())
    desk.policy, desk.policy_version = shop_rules.current(db, desk.settings.shop_policy_file)


def test_resolving_sends_three_questions_by_default_answered_by_buttons_without_digit_hints(client, db):
    customer, _ = served_by_agent(client)
    first = last_bot(customer)
    assert first["text"] == "本次服务您满意吗？请为我们打分："  # the buttons carry the choices on the web
    assert [b["title"].split(" ")[1] for b in first["buttons"]] == ["非常不满意", "不满意", "一般", "满意", "非常满意"]
    assert answer(customer, "★★★★☆ 满意")[0]["text"] == "问题解决了吗？"
    assert answer(customer, "已解决")[0]["text"].startswith("还有什么想对我们说的吗")
    assert not any("回复" in m["text"] for m in customer.messages() if m["role"] == "bot" and m["buttons"])
    (thanks,) = customer.say("客服很耐心").json()["replies"]
    assert thanks["text"] == survey.THANKS
    row = stored_survey(db, customer.id)
    assert (row.rating, row.resolved, row.nps, row.ces, row.comment, row.step) == (4, True, None, None, "客服很耐心", "")


def test_a_shop_that_asks_more_gets_nps_and_ces_and_every_answer_is_recorded(client, db):
    ask_nps_and_ces_too(client, db)
    customer, _ = served_by_agent(client)
    assert answer(customer, "★★★★☆ 满意")[0]["text"].startswith("问题解决了吗")
    assert answer(customer, "已解决")[0]["text"].startswith("您有多大可能向朋友推荐我们")
    assert answer(customer, "9")[0]["text"].startswith("解决这个问题对您来说有多容易")
    assert answer(customer, "4 比较容易")[0]["text"].startswith("还有什么想对我们说的吗")
    (thanks,) = customer.say("客服很耐心").json()["replies"]
    assert thanks["text"] == survey.THANKS

    row = stored_survey(db, customer.id)
    assert (row.rating, row.resolved, row.nps, row.ces, row.comment, row.step) == (4, True, 9, 4, "客服很耐心", "")
    record = db.get(ServiceRecord, row.record_id)
    assert (record.handed_off, record.topic, record.tier, record.channel) == (True, "returns", "银卡会员", "web")
    assert record.agent_id is not None and record.first_reply_at is not None
    # The answers do not become an episode of their own, nor wake the bot.
    assert db.scalars(select(ServiceRecord).where(ServiceRecord.conversation_id == customer.id)).all() == [record]
    assert customer.status()["state"] == "closed"


def test_a_text_only_customer_answers_with_digits_and_skips_the_comment(client, db):
    ask_nps_and_ces_too(client, db)
    customer, _ = served_by_agent(client)
    for digit, expected in [("５", "问题解决了吗"), ("2", "您有多大可能"), ("10", "解决这个问题"), ("3", "还有什么")]:
        (reply,) = customer.say(digit).json()["replies"]
        assert reply["text"].startswith(expected), (digit, reply["text"])
    customer.say("0")
    row = stored_survey(db, customer.id)
    assert (row.rating, row.resolved, row.nps, row.ces, row.comment, row.completed_at is not None) == (
        5, False, 10, 3, "", True)


def test_out_of_range_late_and_repeated_answers_get_a_polite_reply_and_change_nothing(client, db):
    customer, _ = served_by_agent(client)
    (hint,) = customer.say("7").json()["replies"]
    assert hint["text"].startswith("请回复 1 到 5 之间的数字") and len(hint["buttons"]) == 5
    assert stored_survey(db, customer.id).rating is None

    rating_button = last_bot(customer)["buttons"][4]
    customer.say("3")
    # The rating button again, after the rating was given: nothing changes.
    (again,) = customer.say(rating_button["title"], payload=rating_button["payload"]).json()["replies"]
    assert again["text"].startswith("这一项您已经回答过了") and stored_survey(db, customer.id).rating == 3

    # A forged or foreign survey button never reaches the bot.
    (forged,) = customer.say("5", payload="/survey:99999:rating:5").json()["replies"]
    assert forged["text"] == survey.STALE_BUTTON

    row = stored_survey(db, customer.id)
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    (late,) = customer.say("1").json()["replies"]
    assert late["text"].startswith("抱歉，这次评价已超过 24 小时")
    row = stored_survey(db, customer.id)
    assert (row.rating, row.resolved, row.step) == (3, None, "resolved")


def test_a_finished_survey_is_answered_once(client, db):
    customer, _ = served_by_agent(client)
    buttons = last_bot(customer)["buttons"]
    for text in ("4", "1", "0"):
        customer.say(text)
    (done,) = customer.say(buttons[0]["title"], payload=buttons[0]["payload"]).json()["replies"]
    assert done["text"] == survey.ALREADY_DONE
    assert stored_survey(db, customer.id).rating == 4


def test_a_customer_who_ignores_the_survey_gets_the_bot_and_no_reminder(client, db):
    customer, _ = served_by_agent(client)
    (reply,) = customer.say("我的快递到哪了").json()["replies"]
    # Rasa is down in these tests: the apology shows the message went to the bot, not the survey.
    assert reply["role"] == "system" and "智能助手" in reply["text"]
    assert customer.status()["state"] == "bot"
    # Digits are the customer's own now, not survey answers.
    customer.say("2")
    assert stored_survey(db, customer.id).rating is None
    assert not any("满意吗" in m["text"] for m in customer.messages()[-4:])


def test_a_rating_of_one_or_two_opens_a_follow_up_for_supervisors(client, db):
    customer, _ = served_by_agent(client, "C003")
    for text in ("1", "2"):
        customer.say(text)
    (sorry,) = customer.say("等了太久").json()["replies"]
    assert sorry["text"] == survey.SORRY
    (task,) = db.scalars(select(FollowUp)).all()
    assert (task.conversation_id, task.customer_id, task.status) == (customer.id, "C003", "open")

    boss = Staff(client, "supervisor", "super123")
    (listed,) = boss.get("/api/console/follow-ups").json()
    assert (listed["conversation_id"], listed["rating"], listed["comment"]) == (customer.id, 1, "等了太久")
    assert listed["customer"]["name"]
    agent = Staff(client, "xiaoming", "agent123")
    assert agent.get("/api/console/follow-ups").status_code == 403
    done = boss.post(f"/api/console/follow-ups/{listed['id']}/done", {"note": "已电话回访，补偿优惠券"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert boss.get("/api/console/follow-ups").json() == []


def quiet_bot_episode(client, db, intent: str, minutes_ago: float) -> str:
    """A bot-only episode as Rasa leaves it: the customer's message with its intent, the bot's answer."""
    customer = Customer(client, "C002")
    conv = conversations.get_conversation(db, conv_id=customer.id)
    then = utcnow() - timedelta(minutes=minutes_ago)
    conversations.add_message(db, conv=conv, role=Role.customer, text="我的积分有多少", now=then,
                              nlu={"intent": intent, "confidence": 0.9, "entities": []})
    conversations.add_message(db, conv=conv, role=Role.bot, text="您当前有 1106 积分。", now=then)
    conv.last_activity_at = then
    db.commit()
    return customer.id


def test_a_quiet_bot_conversation_that_was_answered_gets_the_survey_once(client, db):
    desk = client.app.state.desk
    answered = quiet_bot_episode(client, db, "query_points", minutes_ago=6)
    lost = quiet_bot_episode(client, db, "nlu_fallback", minutes_ago=6)
    recent = quiet_bot_episode(client, db, "query_points", minutes_ago=1)
    closed = survey.close_idle(desk, db, now=utcnow())
    assert sorted(conv.id for conv, _ in closed) == sorted([answered, lost])
    assert survey.close_idle(desk, db, now=utcnow()) == []  # once
    assert stored_survey(db, answered) is not None and stored_survey(db, lost) is None
    assert stored_survey(db, recent) is None
    records = {r.conversation_id: r for r in db.scalars(select(ServiceRecord))}
    assert records[answered].topic == "points" and not records[answered].handed_off
    assert records[lost].topic == "general" and recent not in records
