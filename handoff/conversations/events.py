"""Live events about conversations, published after the change is committed."""

from redis import Redis

from handoff.conversations.models import Conversation, Message, Note
from handoff.conversations.schemas import ConsoleMessageOut, MessageOut
from handoff.conversations.service import console_message_out
from handoff.core.realtime import publish


def message_added(redis: Redis, conv: Conversation, message: Message, names: dict[int, str]) -> None:
    body = console_message_out(message, names).model_dump(mode="json")
    # The customer's socket strips "nlu" before sending.
    publish(redis, f"conv:{conv.id}", {"type": "message", "message": body})
    publish(redis, "console", {"type": "message", "conversation_id": conv.id,
                               "agent_id": conv.agent_id, "message": body})
    if conv.channel == "wechat" and message.role.value != "customer":  # the WeChat outbox sends it
        publish(redis, "wechat", {"conversation_id": conv.id})


def delivery_changed(redis: Redis, conv: Conversation, message: Message, names: dict[int, str],
                     delivery: dict) -> None:
    """A message could not be delivered to the customer's channel (WeChat): the console marks it."""
    body = console_message_out(message, names).model_dump(mode="json") | {"delivery": delivery}
    publish(redis, "console", {"type": "message", "conversation_id": conv.id,
                               "agent_id": conv.agent_id, "message": body})


def message_understood(redis: Redis, conv: Conversation, message: MessageOut, nlu: dict) -> None:
    """The bot's reading of a customer message arrived after the message itself."""
    body = ConsoleMessageOut(**message.model_dump(), nlu=nlu).model_dump(mode="json")
    publish(redis, "console", {"type": "message", "conversation_id": conv.id,
                               "agent_id": conv.agent_id, "message": body})


def negative_message(redis: Redis, conv: Conversation, message_id: int, sentiment: dict) -> None:
    """A customer who is already with an agent wrote something angry."""
    publish(redis, "console", {"type": "negative", "conversation_id": conv.id, "agent_id": conv.agent_id,
                               "message_id": message_id, "sentiment": sentiment})


def note_added(redis: Redis, conv: Conversation, note: Note, agent_name: str) -> None:
    publish(redis, "console", {
        "type": "note", "conversation_id": conv.id, "agent_id": conv.agent_id,
        "note": {"id": note.id, "agent_name": agent_name, "text": note.text, "whisper": note.whisper_to is not None,
                 "created_at": note.created_at.isoformat() + "Z"},
    })


def state_changed(redis: Redis, conv: Conversation, previous_agent_id: int | None = None) -> None:
    publish(redis, f"conv:{conv.id}", {"type": "state", "state": conv.state.value})
    publish(redis, "console", {"type": "conversation", "conversation_id": conv.id,
                               "agent_id": conv.agent_id, "previous_agent_id": previous_agent_id})


def queue_changed(redis: Redis) -> None:
    """Positions may have moved: consoles refetch the queue, waiting customers get a new status."""
    publish(redis, "queue", {"type": "queue"})


def typing(redis: Redis, conv: Conversation, role: str) -> None:
    publish(redis, f"conv:{conv.id}", {"type": "typing", "role": role})
    if role == "customer":
        publish(redis, "console", {"type": "typing", "conversation_id": conv.id,
                                   "agent_id": conv.agent_id})
