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


# "为什么要手机号？我不想给": why we ask, and the other ways (issue 16; it got the generic fallback).
WHY_PHONE = ("手机号只用来确认是您本人在查询：订单、地址和积分只告诉验证过的本人，验证码也只发到下单用的手机上；"
             "我们不会用它做推销，也不会把号码给别人。不方便提供完整手机号的话，可以发送订单号和手机号后四位"
             "（例如：DD260101000001 0001）来验证，或者点“转人工”请客服帮您。")
PHONE_DOUBTS = ("为什么", "为啥", "干嘛", "干什么", "凭什么", "不想给", "不给", "不想提供", "不提供", "不想说",
                "隐私", "泄露", "安全吗", "不方便", "一定要", "必须")


def questions_the_phone(tracker: Tracker) -> bool:
    """While a form waits for the phone or the code: the customer asks why, or does not want to give it."""
    asked = tracker.get_slot("requested_slot") if tracker.active_loop_name else None
    text = (tracker.latest_message or {}).get("text") or ""
    return asked in ("phone", "verification_code") and any(word in text for word in PHONE_DOUBTS)


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


OUT_OF_SCOPE = ("抱歉，这个问题我暂时回答不了。我可以帮您查物流、办理退换货、查询积分和会员权益、介绍商品和优惠活动，"
                "或者为您转人工客服。")


class ActionOutOfScope(Action):
    """A question the bot does not cover; while a form waits for the phone, a doubt about giving it
    ("为什么要手机号？我不想给", which NLU reads as out of scope) gets the reason instead."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if questions_the_phone(tracker):
            return explain_the_phone(dispatcher)
        dispatcher.utter_message(text=OUT_OF_SCOPE)
        return []


def explain_the_phone(dispatcher: CollectingDispatcher) -> list[EventType]:
    dispatcher.utter_message(text=WHY_PHONE, buttons=[{"title": "转人工", "payload": "/request_human"}])
    return [UserUtteranceReverted()]  # forgotten: the form still waits for the phone (or the order proof)


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
        if questions_the_phone(tracker):
            return explain_the_phone(dispatcher)
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
