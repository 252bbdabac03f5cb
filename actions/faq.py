"""FAQ answers in the shop's current words.

The model chooses the answer (``faq/<key>``); its text comes from the desk,
where admins edit it, so an edit reaches customers at once, without
retraining. When the desk cannot be reached the model's own copy of the
text (the ``utter_faq/<key>`` response it was trained with) is said instead.
"""

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.desk import DeskRejected, DeskUnavailable, desk

logger = logging.getLogger(__name__)
# An answer deleted since the model was trained: better to ask again than to say it.
GONE = "抱歉，这个问题的答案正在更新，能换个说法问问吗？您也可以回复“转人工”。"


def chosen_answer(tracker: Tracker) -> str | None:
    """The FAQ key the NLU chose for the latest message ("invoice" for faq/invoice)."""
    selector = ((tracker.latest_message or {}).get("response_selector") or {}).get("faq") or {}
    key = (selector.get("response") or {}).get("intent_response_key") or ""
    return key.removeprefix("faq/") or None


async def say_faq(dispatcher: CollectingDispatcher, key: str) -> None:
    try:
        answer = await desk().faq_answer(key)
    except DeskRejected as exc:
        logger.info("FAQ answer %s: %s", key, exc.message)
        dispatcher.utter_message(text=GONE)
        return
    except DeskUnavailable as exc:
        logger.warning("FAQ answer %s from the model: the desk did not answer (%s)", key, exc)
        dispatcher.utter_message(response=f"utter_faq/{key}")
        return
    dispatcher.utter_message(text=answer["text"], buttons=answer.get("buttons") or [])


class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        key = chosen_answer(tracker)
        if key is None:
            dispatcher.utter_message(text=GONE)
            return []
        await say_faq(dispatcher, key)
        return []
