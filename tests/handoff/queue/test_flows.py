"""The handoff journey (queue/flows.py): its three starts queue the conversation once and say the same
"where you stand" in the same words."""

from handoff.conversations import service as conversations
from handoff.conversations.models import Conversation, Message, Role, State
from handoff.core.clock import utcnow
from handoff.queue import flows
from handoff.queue.models import HandoffReason, HandoffTopic
from handoff.queue.schemas import HandoffCreate
from tests.handoff.conftest import Customer


def negative(score: float, intent: str = "track_order") -> dict:
    return {"intent": intent, "confidence": 0.9, "entities": [], "sentiment": {"label": "negative", "score": score}}


def said_by_customer(db, conv_id: str, nlu: dict, text: str = "怎么还没到") -> None:
    conv = conversations.get_conversation(db, conv_id=conv_id)
    message = conversations.add_message(db, conv=conv, role=Role.customer, text=text, now=utcnow())
    message.nlu = nlu
    db.commit()


def test_from_the_bot_queues_once_and_returns_the_wording(client, db):
    desk, customer = client.app.state.desk, Customer(client)
    body = HandoffCreate(sender_id=customer.sender, reason=HandoffReason.requested, topic=HandoffTopic.general,
                         note="转人工")
    first = flows.from_bot(desk, db, body=body)
    again = flows.from_bot(desk, db, body=body)
    assert first.id == again.id and first.state == "queued"
    # Asked again while waiting: the same request, not the same words word for word (issue 16).
    assert again.notice.startswith("您已经在排队等待综合人工客服了") and again.notice != first.notice
    assert first.notice == first.standing  # no empathy line for a plain request
    assert first.standing.startswith("已为您转接综合人工客服") and "暂无客服在线" in first.standing  # nobody online
    assert db.get(Conversation, customer.id).state == State.queued


def test_when_the_bot_is_down_the_desk_queues_and_says_the_same_standing(client, db):
    desk, customer = client.app.state.desk, Customer(client)
    said = flows.when_bot_is_down(desk, db, conv_id=customer.id)
    conv = db.get(Conversation, customer.id)
    assert conv.state == State.queued and conv.reason == "fallback"
    again = flows.from_bot(desk, db, body=HandoffCreate(
        sender_id=customer.sender, reason=HandoffReason.requested, topic=HandoffTopic.general, note=""))
    # The same request and the same wording (queue/wording.py): what the bot is told when asked again.
    assert [m.text for m in said] == [again.notice.replace("您已经在排队等待综合人工客服了", "已为您转接综合人工客服")]
    assert db.get(Message, said[0].id).role == Role.system


def test_escalation_needs_an_angry_customer_and_then_says_empathy_first(client, db):
    desk, customer = client.app.state.desk, Customer(client)
    said_by_customer(db, customer.id, negative(0.6))
    assert flows.from_escalation(desk, db, conv_id=customer.id) == []  # one mildly negative message
    assert db.get(Conversation, customer.id).state == State.bot
    said_by_customer(db, customer.id, negative(0.95), text="都一个星期了还没到，太离谱了")
    said = flows.from_escalation(desk, db, conv_id=customer.id)
    conv = db.get(Conversation, customer.id)
    assert conv.state == State.queued and conv.reason == "negative_sentiment" and conv.priority >= 1
    standing = flows.from_bot(desk, db, body=HandoffCreate(
        sender_id=customer.sender, reason=HandoffReason.requested, topic=HandoffTopic.general, note="")).standing
    first_time = standing.replace("您已经在排队等待物流人工客服了", "已为您转接物流人工客服")
    assert len(said) == 1 and said[0].text.endswith(first_time) and said[0].text != first_time
