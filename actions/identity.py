"""Who the customer is.

The desk sends the signed-in customer in each message's metadata
(``customer_id``, ``channel``, ``tier``). Without it, the forms ask for the
phone number the order was placed with and the shop confirms it. An order
number alone is not proof of identity, so it is only looked up for the
customer it belongs to.
"""

import re
import unicodedata
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.desk import DeskRejected, DeskUnavailable, desk
from actions.text import ASK_PHONE, SORRY_DESK_DOWN

ORDER_ID_RE = re.compile(r"^DD\d{12}$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def _metadata(tracker: Tracker) -> dict:
    meta = (tracker.latest_message or {}).get("metadata") or {}
    return meta if isinstance(meta, dict) else {}


def customer_words(tracker: Tracker) -> str:
    """What the customer saw themselves send: a button's title rather than its payload (desk metadata)."""
    latest = tracker.latest_message or {}
    return str(_metadata(tracker).get("customer_text") or latest.get("text") or "")


def customer_id(tracker: Tracker) -> str | None:
    return _metadata(tracker).get("customer_id") or tracker.get_slot("customer_id")


def identity_slots(metadata: dict | None) -> list[SlotSet]:
    """Slots to set from message metadata the desk sent."""
    metadata = metadata or {}
    pairs = (("customer_id", "customer_id"), ("tier", "customer_tier"), ("channel", "channel"))
    return [SlotSet(slot, metadata[key]) for key, slot in pairs if metadata.get(key)]


def clean_order_id(raw: Any) -> str | None:
    """An order number as the customer typed it (full-width, lower case) -> DD + 12 digits."""
    if not isinstance(raw, str):
        return None
    value = unicodedata.normalize("NFKC", raw).strip().upper()
    return value if ORDER_ID_RE.match(value) else None


def clean_phone(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    value = unicodedata.normalize("NFKC", raw).strip()
    return value if PHONE_RE.match(value) else None


def latest_entity(tracker: Tracker, name: str) -> str | None:
    return next(tracker.get_latest_entity_values(name), None)


def latest_order_id(tracker: Tracker) -> str | None:
    return clean_order_id(latest_entity(tracker, "order_id"))


class IdentityValidation:
    """Mixin for form validators: ask for the phone only when the customer is unknown."""

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if customer_id(tracker):
            return [s for s in domain_slots if s != "phone"]
        return domain_slots

    async def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        phone = clean_phone(value)
        if phone is None:
            dispatcher.utter_message(text="手机号格式好像不对，请输入 11 位大陆手机号，例如 13812345678。")
            return {"phone": None}
        try:
            customer = await desk().customer_by_phone(phone)
        except DeskRejected:
            dispatcher.utter_message(
                text="没有找到使用这个手机号的会员，请核对一下号码，或者换一个下单时使用的手机号。"
            )
            return {"phone": None}
        except DeskUnavailable:
            dispatcher.utter_message(text=SORRY_DESK_DOWN)
            return {"phone": None}
        dispatcher.utter_message(text=f"已确认您的身份，{customer['name'][0]}先生/女士您好！")
        return {
            "phone": phone,
            "customer_id": customer["customer_id"],
            "customer_tier": customer["tier"]["name"],
        }


class ActionAskPhone(Action):
    def name(self) -> str:
        return "action_ask_phone"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=ASK_PHONE)
        return []


class ValidateTrackOrderForm(IdentityValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_track_order_form"


class ValidateRefundStatusForm(IdentityValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_refund_status_form"


class ValidatePointsForm(IdentityValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_points_form"
