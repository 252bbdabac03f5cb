"""What every action that talks to the desk has in common."""

import abc
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.desk import DeskRejected, DeskUnavailable
from actions.identity import customer_id
from actions.text import ASK_PHONE, SORRY_DESK_DOWN

logger = logging.getLogger(__name__)


class DeskAction(Action, metaclass=abc.ABCMeta):
    """Resolves the customer, then answers; a failing desk gives an apology, not silence.

    Subclasses set ``needs_customer`` when the answer is about the customer's
    own data, and implement ``answer``.
    """

    needs_customer = False

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        cid = customer_id(tracker)
        if self.needs_customer and not cid:
            dispatcher.utter_message(text=ASK_PHONE)
            return []
        try:
            return await self.answer(dispatcher, tracker, cid) or []
        except (DeskUnavailable, DeskRejected) as exc:
            logger.warning("%s: desk call failed: %s", self.name(), exc)
            dispatcher.utter_message(text=SORRY_DESK_DOWN)
            return []

    @abc.abstractmethod
    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: str | None
    ) -> list[EventType] | None:
        """Say the answer; return the events (slots) it sets."""
