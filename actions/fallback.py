"""When the bot did not understand: ask to rephrase first, then offer a human."""

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.identity import answers_identity_question
from actions.offers import offer_human
from actions.text import ASK_CODE, ASK_PHONE

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
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if answers_identity_question(tracker):
            return []  # a phone number, a code: NLU knows no intent for it, the form takes it next
        if text and intent != "nlu_fallback":
            return self.lost_dialogue(dispatcher, tracker)
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

    @staticmethod
    def lost_dialogue(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Rasa's core fallback: NLU understood the message but no rule or story fits here
        (e.g. an order number while a form waits for the phone). Say what is needed and
        forget the message, as Rasa's own default fallback does: without the revert the
        same prediction repeats until Rasa's circuit breaker stops the conversation."""
        asked = tracker.get_slot("requested_slot") if tracker.active_loop_name else None
        if asked == "phone":
            dispatcher.utter_message(text="抱歉，" + ASK_PHONE)
        elif asked == "verification_code":
            dispatcher.utter_message(text=ASK_CODE)
        else:
            dispatcher.utter_message(
                text="抱歉，我没太理解您的意思，能换个说法吗？您也可以试试这些：", buttons=SUGGESTIONS
            )
        return [UserUtteranceReverted()]
