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
        empathy = (
            "非常抱歉给您带来了不好的体验，您的心情我完全理解，这件事我们一定负责处理到底。"
            if reason == "complaint" else ""
        )
        dispatcher.utter_message(text=empathy + where_you_stand(answer))
        return [SlotSet("human_offered", False), SlotSet("handoff_reason", None)]


def where_you_stand(answer: dict) -> str:
    """What the customer is told after the desk took the handoff request."""
    if answer.get("state") == "with_agent" and answer.get("agent_name"):
        return f"客服{answer['agent_name']}正在为您服务，请直接告诉客服您的问题。"
    if answer.get("state") != "queued":
        return (f"现在是非工作时间（{answer.get('business_hours', '')}），人工客服暂时无法接入。"
                "您可以留言，客服上班后会第一时间联系您；常见问题也可以继续问我。")
    text = f"好的，已为您转接{answer.get('group_name', '')}人工客服"
    if not answer.get("agents_online"):
        return text + "。目前暂无客服在线，您可以稍候，也可以留言，客服上线后会第一时间联系您。"
    position, eta = answer.get("position") or 1, answer.get("eta_seconds") or 60
    ahead = "您是下一位" if position <= 1 else f"您前面还有{position - 1}位"
    return text + f"，{ahead}，预计等待约{max(1, round(eta / 60))}分钟，请稍候。"


class ActionDeclineHuman(Action):
    def name(self) -> str:
        return "action_decline_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text="好的，那我继续为您服务。请问还有什么可以帮您？")
        return [SlotSet("human_offered", False), SlotSet("handoff_reason", None)]
