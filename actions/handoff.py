"""Handing the conversation to a human agent through the desk."""

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.desk import DeskRejected, DeskUnavailable, desk
from actions.identity import customer_id, customer_words

# One table for the bot and the desk (a plain module without dependencies).
from handoff.queue.groups import TOPIC_OF_INTENT


def conversation_topic(tracker: Tracker) -> str:
    """The topic of the latest customer message that had one."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if intent in TOPIC_OF_INTENT:
                return TOPIC_OF_INTENT[intent]
    return "general"


def handoff_reason(tracker: Tracker) -> str:
    intent = (tracker.latest_message or {}).get("intent", {}).get("name")
    if intent == "complain":
        return "complaint"
    if tracker.get_slot("human_offered") and tracker.get_slot("handoff_reason"):
        return tracker.get_slot("handoff_reason")
    return "requested"


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reason = handoff_reason(tracker)
        channel = tracker.get_slot("channel") or tracker.get_latest_input_channel() or "web"
        text = customer_words(tracker)[:500]
        try:
            answer = await desk().request_handoff(
                sender_id=tracker.sender_id[:64],
                customer_id=customer_id(tracker),
                channel=channel[:16],
                reason=reason,
                topic=conversation_topic(tracker),
                note=text,
            )
        except (DeskUnavailable, DeskRejected):
            dispatcher.utter_message(
                text="非常抱歉，转接人工客服暂时没有成功，请稍等片刻再说一次“转人工”，我会马上为您重试。"
            )
            return [SlotSet("human_offered", False)]
        # The desk's wording (handoff/queue/wording.py): where the customer stands, empathy first.
        dispatcher.utter_message(text=answer.get("notice") or "已为您转接人工客服，请稍候。")
        return [SlotSet("human_offered", False), SlotSet("handoff_reason", None)]


class ActionDeclineHuman(Action):
    def name(self) -> str:
        return "action_decline_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text="好的，那我继续为您服务。请问还有什么可以帮您？")
        return [SlotSet("human_offered", False), SlotSet("handoff_reason", None)]
