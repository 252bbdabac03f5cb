"""Session start: keep who the customer is, take new metadata from the desk."""

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.identity import identity_slots

# A new session forgets the last conversation's order, reason and offers,
# but not who the customer is.
CARRIED_OVER = ("customer_id", "customer_tier", "channel", "phone")


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        events += [
            SlotSet(slot, tracker.get_slot(slot))
            for slot in CARRIED_OVER
            if tracker.get_slot(slot) is not None
        ]
        events += identity_slots(tracker.get_slot("session_started_metadata"), tracker.sender_id)
        events.append(ActionExecuted("action_listen"))
        return events
