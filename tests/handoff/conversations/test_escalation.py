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
