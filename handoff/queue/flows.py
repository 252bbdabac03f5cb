"""A handoff, from wherever it starts, read top to bottom.

It starts in one of three places, and all three queue the conversation with
``queue/service.request_handoff`` (one function: the queue's state, Redis,
the priority and SLA, and where the customer stands, worded once in
``queue/wording.py``):

1. **The bot** decides (the customer asked, or fell back twice and accepted):
   ``actions/handoff.py`` POSTs ``/api/handoffs`` (``queue/routes.py``) →
   ``from_bot``; the action says the answer's ``notice``.
2. **Escalation**: after a bot turn the desk finds the customer angry
   (``conversations/escalation.py``) → ``from_escalation``, which writes the
   empathy line and where they stand into the conversation itself.
3. **The bot is down** and the customer pressed 转人工 → ``when_bot_is_down``.

Then, once the bot's turn is over (never inside it: Rasa holds the
conversation's lock while ``action_handoff`` runs), ``queue/dispatch.assign``
gives waiting conversations to free agents and pauses their bot; an agent
may also claim one (``console/flows.claim``).
"""

from sqlalchemy.orm import Session

from handoff.conversations import escalation, events
from handoff.conversations import service as conversations
from handoff.conversations.models import Role, State
from handoff.conversations.schemas import MessageOut
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.queue import service as queue
from handoff.queue import wording
from handoff.queue.groups import TOPIC_OF_INTENT
from handoff.queue.models import HandoffReason, HandoffTopic
from handoff.queue.schemas import HandoffCreate, HandoffOut


def from_bot(desk: Desk, db: Session, *, body: HandoffCreate) -> HandoffOut:
    """The bot's handoff: queued once (asking again answers the same request); the wording returned."""
    return queue.request_handoff(desk, db, body=body, now=utcnow())


def _say(desk: Desk, db: Session, conv, role: Role, text: str) -> list[MessageOut]:
    message = conversations.add_message(db, conv=conv, role=role, text=text, now=utcnow())
    db.commit()
    events.message_added(desk.redis, conv, message, {})
    return [conversations.message_out(message)]


def from_escalation(desk: Desk, db: Session, *, conv_id: str) -> list[MessageOut]:
    """An angry customer (policy.yml ``escalation``) to a human; the messages said (none if not angry)."""
    now = utcnow()
    conv = conversations.get_conversation(db, conv_id=conv_id)
    recent = conversations.last_customer_messages(db, conv_id=conv_id, n=5)
    reason = escalation.decide(desk.policy.escalation, [m.nlu for m in recent])
    if reason is None:
        return []
    if conv.state == State.queued:  # already waiting: only the priority changes
        queue.mark_angry(desk, db, conv=conv, now=now)
        return []
    if conv.state != State.bot:
        return []
    latest = recent[-1].nlu
    topic = TOPIC_OF_INTENT.get(latest.get("intent") or "", "general")
    order_id = next((e["value"] for e in latest.get("entities") or [] if e.get("entity") == "order_id"), None)
    out = queue.request_handoff(desk, db, body=HandoffCreate(
        sender_id=conv.rasa_sender_id, customer_id=conv.customer_id, channel=conv.channel,
        reason=HandoffReason(reason), topic=HandoffTopic(topic), note=recent[-1].text[:2000]),
        now=now, angry=True)
    return _say(desk, db, conv, Role.bot, wording.empathy(topic, order_id) + out.standing)


def when_bot_is_down(desk: Desk, db: Session, *, conv_id: str) -> list[MessageOut]:
    """The customer pressed 转人工 and the bot did not answer: the desk queues them itself."""
    conv = conversations.get_conversation(db, conv_id=conv_id)
    out = queue.request_handoff(desk, db, body=HandoffCreate(
        sender_id=conv.rasa_sender_id, customer_id=conv.customer_id, channel=conv.channel,
        reason=HandoffReason.fallback, topic=HandoffTopic.general,
        note="智能助手无响应，客户要求转人工"), now=utcnow())
    return _say(desk, db, conv, Role.system, out.notice)
