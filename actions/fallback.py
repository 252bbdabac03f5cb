"""When the bot did not understand: ask to rephrase first, then offer a human."""

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.offers import offer_human

SUGGESTIONS = [
    {"title": "我的快递到哪了", "payload": "/track_order"},
    {"title": "我要退货", "payload": "/request_return"},
    {"title": "查积分", "payload": "/query_points"},
    {"title": "转人工", "payload": "/request_human"},
]


def misunderstood_in_a_row(tracker: Tracker) -> int:
    """How many of the latest customer messages in a row fell back."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data") or {}).get("intent", {}).get("name") != "nlu_fallback":
            break
        count += 1
    return count


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = ((tracker.latest_message or {}).get("text") or "").strip()
        if not text:
            dispatcher.utter_message(text="您好像没有输入内容，请问有什么可以帮您？", buttons=SUGGESTIONS)
            return []
        if misunderstood_in_a_row(tracker) >= 2:
            return offer_human(
                dispatcher, "抱歉，我可能没能帮上忙。需要为您转接人工客服吗？", reason="fallback"
            )
        dispatcher.utter_message(
            text="抱歉，我没太理解您的意思，能换个说法吗？您也可以试试这些：", buttons=SUGGESTIONS
        )
        return [SlotSet("human_offered", False)]
