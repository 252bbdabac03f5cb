"""Escalation rules for angry customers (policy.yml ``escalation``)."""

import pytest

from handoff.conversations.escalation import decide
from handoff.shop.policy import EscalationRules

RULES = EscalationRules(very_negative_score=0.9, negative_in_a_row=2, complaint_with_negative=True)


def nlu(label: str, score: float = 0.7, intent: str = "track_order") -> dict:
    return {"intent": intent, "confidence": 0.9, "entities": [], "sentiment": {"label": label, "score": score}}


@pytest.mark.parametrize("recent, reason", [
    ([nlu("negative", 0.95)], "negative_sentiment"),                          # one very negative message
    ([nlu("neutral"), nlu("negative", 0.7), nlu("negative", 0.6)], "negative_sentiment"),  # two in a row
    ([nlu("negative", 0.6, intent="complain")], "complaint"),                # an angry complaint
    ([nlu("negative", 0.7)], None),                                           # one mildly negative message
    ([nlu("negative", 0.8), nlu("neutral"), nlu("negative", 0.8)], None),     # not in a row
    ([nlu("negative", 0.8), nlu("negative", 0.8), nlu("neutral")], None),     # calmed down
    ([nlu("neutral", 0.99, intent="ask_return_policy")], None),               # "请问怎么退货"
    ([nlu("positive", 0.99, intent="thank")], None),
    ([None, {"intent": "greet"}], None),                                      # no sentiment (bot down, buttons)
    ([nlu("negative"), {"intent": "request_return", "sentiment": None}, nlu("negative")],
     "negative_sentiment"),                                                   # a button press between: skipped
    ([], None),
])
def test_rules_fire_and_do_not_fire(recent, reason):
    assert decide(RULES, recent) == reason


def test_rules_are_configurable():
    strict = EscalationRules(very_negative_score=0.99, negative_in_a_row=3, complaint_with_negative=False)
    assert decide(strict, [nlu("negative", 0.95)]) is None
    assert decide(strict, [nlu("negative")] * 2) is None
    assert decide(strict, [nlu("negative")] * 3) == "negative_sentiment"
    assert decide(strict, [nlu("negative", 0.6, intent="complain")]) is None


def test_an_angry_waiting_customer_moves_up_the_queue(client, db):
    from handoff.conversations.models import Conversation
    from handoff.core.clock import utcnow
    from handoff.queue import service as queue
    from tests.handoff.conftest import Customer, Staff, handoff

    staff = Staff(client, "admin", "admin123")
    calm, angry = Customer(client), Customer(client)
    handoff(client, calm.sender)
    handoff(client, angry.sender)
    assert [i["id"] for i in staff.get("/api/console/queue").json()] == [calm.id, angry.id]
    desk = client.app.state.desk
    conv = db.get(Conversation, angry.id)
    assert queue.mark_angry(desk, db, conv=conv, now=utcnow()) is True
    assert queue.mark_angry(desk, db, conv=conv, now=utcnow()) is False  # once
    assert [i["id"] for i in staff.get("/api/console/queue").json()] == [angry.id, calm.id]


def test_a_button_press_never_counts_as_an_angry_message(client, db):
    """Pressing "商品有质量问题" (a return reason) after "键盘坏了，气死我了" is not two negative messages
    in a row: the bot's NLU of a button press has no sentiment, so the calm customer stays with the bot."""
    from handoff.conversations.models import Conversation, Message, State
    from tests.handoff.conftest import Customer

    async def angry_bot(sender_id, text, metadata):  # the NLU reads every message as negative
        return [{"text": "请问是哪里不满意呢？"}], {
            "intent": {"name": "request_return", "confidence": 0.9}, "entities": [],
            "sentiment": {"label": "negative", "score": 0.7}}

    client.app.state.desk.bot.send = angry_bot
    customer = Customer(client)
    assert customer.say("键盘坏了，气死我了").status_code == 201
    pressed = customer.say("商品有质量问题", payload="商品有质量问题")
    assert pressed.status_code == 201
    assert db.get(Conversation, customer.id).state == State.bot
    db.expire_all()
    assert db.get(Message, pressed.json()["message"]["id"]).nlu["sentiment"] is None
    assert customer.say("你们这什么破服务").status_code == 201  # typed: two negative in a row
    db.expire_all()
    assert db.get(Conversation, customer.id).state == State.queued
