"""Who the customer is.

The desk sends the customer it knows (signed in on the shop's page, a bound
WeChat follower, or verified earlier in the conversation) in each message's
metadata (``customer_id``, ``channel``, ``tier``), signed with the service
token: metadata without a valid signature is ignored, so a message that
reached Rasa some other way cannot speak for a customer.

Without it, the forms verify the customer: a one-time code sent by SMS to the
phone they ordered with (the desk sends it), or an order number with the
phone's last four digits. A phone number alone never identifies anyone.
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
from actions.settings import settings
from actions.text import ASK_CODE, ASK_PHONE, SORRY_DESK_DOWN
from handoff.core import patterns
from handoff.core.signing import metadata_signature_ok

# "DD260001000001 0001", "订单DD260001000001，尾号0001": an order number and four digits.
LAST4_IN_TEXT = re.compile(r"(?<![\dDd])\d{4}(?!\d)")
CODE_IN_TEXT = re.compile(r"(?<!\d)\d{6}(?!\d)")
VERIFIED = "已验证"  # the verification_code slot once the customer is verified
ORDER_PROOF = "订单:"  # the verification_code slot holding "订单:<order id> <last four digits>" to check


def answers_identity_question(tracker: Tracker) -> bool:
    """The latest message is what a form asked for to verify the customer (a phone, a code,
    or an order number with four digits), whatever NLU made of it."""
    asked = tracker.get_slot("requested_slot") if tracker.active_loop_name else None
    text = unicodedata.normalize("NFKC", (tracker.latest_message or {}).get("text") or "")
    if asked == "phone":
        return bool(patterns.PHONE_IN_TEXT.search(text)) or order_and_last4(text) is not None
    return asked == "verification_code" and bool(CODE_IN_TEXT.search(text))


def _metadata(tracker: Tracker) -> dict:
    meta = (tracker.latest_message or {}).get("metadata") or {}
    return meta if isinstance(meta, dict) else {}


def signed_by_desk(metadata: dict, sender_id: str) -> bool:
    return metadata_signature_ok(settings().service_token, sender_id, metadata)


def trusted_metadata(tracker: Tracker) -> dict:
    """The latest message's metadata when the desk signed it, else nothing."""
    meta = _metadata(tracker)
    return meta if meta and signed_by_desk(meta, tracker.sender_id) else {}


def customer_words(tracker: Tracker) -> str:
    """What the customer saw themselves send: a button's title rather than its payload (desk metadata)."""
    latest = tracker.latest_message or {}
    return str(_metadata(tracker).get("customer_text") or latest.get("text") or "")


def customer_id(tracker: Tracker) -> str | None:
    """The desk's (signed) customer, else the one verified earlier in this conversation.

    The slot is only ever set by these actions (its mapping is custom) after
    the desk confirmed a verification, or from signed metadata at session start.
    """
    return trusted_metadata(tracker).get("customer_id") or tracker.get_slot("customer_id")


def identity_slots(metadata: dict | None, sender_id: str) -> list[SlotSet]:
    """Slots to set from message metadata the desk sent (and signed)."""
    metadata = metadata or {}
    if not signed_by_desk(metadata, sender_id):
        return []
    pairs = (("customer_id", "customer_id"), ("tier", "customer_tier"), ("channel", "channel"))
    return [SlotSet(slot, metadata[key]) for key, slot in pairs if metadata.get(key)]


def order_and_last4(text: str) -> tuple[str, str] | None:
    """An order number and the phone's last four digits in one message, or None."""
    text = unicodedata.normalize("NFKC", text or "")
    order = patterns.ORDER_ID_IN_TEXT.search(text)
    if order is None:
        return None
    rest = text[:order.start()] + " " + text[order.end():]
    digits = LAST4_IN_TEXT.findall(rest)
    return (order.group(0).upper(), digits[-1]) if digits else None


def clean_order_id(raw: Any) -> str | None:
    """An order number as the customer typed it (full-width, lower case) -> DD + 12 digits."""
    if not isinstance(raw, str):
        return None
    value = unicodedata.normalize("NFKC", raw).strip().upper()
    return value if patterns.ORDER_ID.match(value) else None


def clean_phone(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    value = unicodedata.normalize("NFKC", raw).strip()
    return value if patterns.PHONE.match(value) else None


def latest_entity(tracker: Tracker, name: str) -> str | None:
    return next(tracker.get_latest_entity_values(name), None)


def latest_order_id(tracker: Tracker) -> str | None:
    return clean_order_id(latest_entity(tracker, "order_id"))


class IdentityValidation:
    """Mixin for form validators: verify the customer only when the desk does not know them.

    Slots: ``phone`` (the desk texts a code to it), then ``verification_code``.
    Or, while the phone is asked for, an order number with the phone's last
    four digits in one message verifies at once.
    """

    IDENTITY_SLOTS = ("phone", "verification_code")

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if customer_id(tracker):
            return [s for s in domain_slots if s not in self.IDENTITY_SLOTS]
        return domain_slots

    async def extract_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """An order number + last four digits instead of the phone: handed on as the proof to
        check (validate_verification_code): rasa_sdk keeps only what validators return."""
        if tracker.get_slot("requested_slot") != "phone" or customer_id(tracker):
            return {}
        found = order_and_last4((tracker.latest_message or {}).get("text") or "")
        return {"verification_code": ORDER_PROOF + " ".join(found)} if found else {}

    async def extract_verification_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "verification_code":
            return {}
        text = unicodedata.normalize("NFKC", (tracker.latest_message or {}).get("text") or "")
        code = CODE_IN_TEXT.search(text)
        return {"verification_code": code.group(0)} if code else {}

    async def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if customer_id(tracker):  # verified by order number in this very message
            return {"phone": None}
        phone = clean_phone(value)
        if phone is None:
            dispatcher.utter_message(text="手机号格式好像不对，请输入 11 位大陆手机号，例如 13812345678。")
            return {"phone": None}
        try:
            sent = await desk().send_code(tracker.sender_id, phone)
        except DeskRejected as exc:  # too many codes, or no SMS: the desk says what to do instead
            dispatcher.utter_message(text=exc.message)
            return {"phone": None}
        except DeskUnavailable:
            dispatcher.utter_message(text=SORRY_DESK_DOWN)
            return {"phone": None}
        minutes = max(1, int(sent.get("expires_in", 300)) // 60)
        dispatcher.utter_message(
            text=f"如果 {sent['phone']} 是您在本店下单用的手机号，验证码已经发到这个号码，{minutes} 分钟内有效。")
        return {"phone": phone, "verification_code": None}

    async def validate_verification_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value == VERIFIED or customer_id(tracker):
            return {"verification_code": VERIFIED}
        if str(value).startswith(ORDER_PROOF):
            order_id, last4 = str(value).removeprefix(ORDER_PROOF).split()
            return await _verify(dispatcher, tracker, order_id=order_id, phone_last4=last4)
        return await _verify(dispatcher, tracker, code=str(value))


async def _verify(dispatcher: CollectingDispatcher, tracker: Tracker, **proof: str) -> dict[str, Any]:
    """Ask the desk to verify the conversation's customer; the slots to set."""
    try:
        customer = await desk().verify(tracker.sender_id, **proof)
    except DeskRejected as exc:
        dispatcher.utter_message(text=exc.message)
        if exc.code == "code_wrong":
            return {"verification_code": None}
        return {"verification_code": None, "phone": None}  # expired or locked: start again
    except DeskUnavailable:
        dispatcher.utter_message(text=SORRY_DESK_DOWN)
        return {"verification_code": None}
    dispatcher.utter_message(text=f"身份验证成功，{customer['name'][0]}先生/女士您好！")
    return {"verification_code": VERIFIED, "customer_id": customer["id"], "customer_tier": customer["tier"]}


class ActionAskPhone(Action):
    def name(self) -> str:
        return "action_ask_phone"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=ASK_PHONE)
        return []


class ActionAskVerificationCode(Action):
    def name(self) -> str:
        return "action_ask_verification_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=ASK_CODE)
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
