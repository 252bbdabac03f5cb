"""Offering the customer a human agent ("好的" then means yes)."""

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

HUMAN_BUTTONS = [
    {"title": "转人工", "payload": "/request_human"},
    {"title": "不用了", "payload": "/deny"},
]


def offer_human(dispatcher: CollectingDispatcher, text: str, reason: str) -> list[EventType]:
    dispatcher.utter_message(text=text, buttons=HUMAN_BUTTONS)
    return [SlotSet("human_offered", True), SlotSet("handoff_reason", reason)]
