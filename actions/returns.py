"""Return policy, the return form, and refund status."""

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import DeskAction
from actions.desk import DeskRejected, DeskUnavailable, desk
from actions.identity import IdentityValidation, clean_order_id, customer_id, latest_order_id
from actions.offers import offer_human
from actions.text import SORRY_DESK_DOWN, money, order_button, when

# Words a customer uses for each return reason (keys of the shop policy's reasons).
REASON_WORDS = {
    "wrong_item": ("错发", "漏发", "发错", "少发", "发漏", "不是我买的", "少了"),
    "damaged": ("破损", "坏了", "碎了", "压坏", "摔坏", "烂了", "破了", "损坏"),
    "faulty": ("质量", "故障", "不能用", "用不了", "开不了机", "有问题", "瑕疵", "假货"),
    "no_reason": ("无理由", "不想要", "不喜欢", "不合适", "拍错", "买错", "尺码", "大了", "小了", "七天",
                  "重复", "拍多", "买多", "多拍", "用不上", "不需要", "不要了", "买贵"),
}
CANCEL_WORDS = ("算了", "不退了", "取消", "不用了", "不要退")
NOT_RETURNABLE = ("unpaid", "cancelled", "refunded", "returning")
# On their way: a return can be asked for once they are delivered (handoff/shop/returns.py).
ON_THE_WAY = ("shipped", "in_transit", "out_for_delivery", "delayed")


def reason_from_text(text: str) -> str | None:
    for reason, words in REASON_WORDS.items():
        if any(word in text for word in words):
            return reason
    return None


def reason_read_as_no(tracker: Tracker) -> bool:
    """A reason that the NLU reads as "no" ("拍重复了 不需要了") is a reason, not a cancellation.

    The return_confirmed slot's deny mapping cancels the form at any step
    ("算了"); while the reason is asked, only words that really cancel do.
    """
    text = (tracker.latest_message or {}).get("text") or ""
    return (tracker.get_slot("requested_slot") == "return_reason" and reason_from_text(text) is not None
            and not any(word in text for word in CANCEL_WORDS))


class ActionReturnPolicy(DeskAction):
    def name(self) -> str:
        return "action_return_policy"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, cid: str | None
    ) -> list[EventType]:
        r = (await desk().policy())["returns"]
        excluded = "、".join(r["excluded_categories"].values())
        dispatcher.utter_message(
            text=(
                f"我们支持签收后 {r['no_reason_days']} 天内无理由退换货（商品需完好、不影响二次销售）。\n"
                f"· 不支持无理由退货：{excluded}\n"
                "· 运费：无理由退货由您承担；质量问题、破损或发错由我们承担\n"
                f"· 未发货订单可立即取消，{r['instant_refund_minutes']} 分钟内退款\n"
                f"· 已发货订单申请后 {r['pickup_within_hours']} 小时内上门取件，"
                f"仓库收货后 {r['refund_after_receipt_hours']} 小时内原路退款\n"
                "需要退货的话，直接说“我要退货”就可以。"
            ),
            buttons=[{"title": "申请退货", "payload": "/request_return"}],
        )
        return []


class ValidateReturnForm(IdentityValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_return_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("return_confirmed") is False and not reason_read_as_no(tracker):
            return []  # cancelled or not eligible
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)

    async def validate_verification_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        result = await super().validate_verification_code(value, dispatcher, tracker, domain)
        return await self._order_given_before(result, dispatcher, tracker, domain)

    async def _order_given_before(self, result: dict[str, Any], dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Once the customer is verified, check an order number given before we knew who is asking."""
        order_id = tracker.get_slot("order_id")
        if result.get("customer_id") and order_id:
            tracker.slots["customer_id"] = result["customer_id"]
            result.update(await self._check_order(clean_order_id(order_id), dispatcher, tracker))
        return result

    async def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        order_id = clean_order_id(value)
        # An order number from earlier in the conversation (a parcel the customer tracked) is only a
        # guess when the form starts: if it cannot be returned, the form asks which order, without
        # a refusal about an order the customer did not mention here.
        latest = tracker.latest_message or {}
        said_now = bool(order_id) and (order_id in (latest.get("text") or "") or any(
            clean_order_id(e.get("value")) == order_id for e in latest.get("entities") or []
            if e.get("entity") == "order_id"))
        return await self._check_order(order_id, dispatcher, tracker, quiet=not said_now)

    async def _check_order(self, order_id: str | None, dispatcher: CollectingDispatcher, tracker: Tracker,
                           quiet: bool = False) -> dict[str, Any]:
        if order_id is None:
            if not quiet:
                dispatcher.utter_message(text="订单号格式不对，订单号是 DD 开头加 12 位数字。")
            return {"order_id": None}
        cid = customer_id(tracker)
        if not cid:  # checked once the customer is verified
            return {"order_id": order_id}
        try:
            check = await desk().return_eligibility(cid, order_id, None)
        except DeskRejected as exc:
            if not quiet:
                dispatcher.utter_message(text=f"{exc.message}（{order_id}）")
            return {"order_id": None}
        except DeskUnavailable:
            dispatcher.utter_message(text=SORRY_DESK_DOWN)
            return {"order_id": None, "return_confirmed": False}
        if not check["eligible"]:
            if not quiet:
                dispatcher.utter_message(text=f"订单 {order_id}：{check['message']}")
            return {"order_id": None}
        return {"order_id": order_id}

    async def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = value if isinstance(value, str) else ""
        if any(word in text for word in CANCEL_WORDS):
            return {"return_reason": None, "return_confirmed": False}
        reason = reason_from_text(text)
        if reason is None:
            dispatcher.utter_message(text="没能识别退货原因，请点选下面的一个原因。")
            return {"return_reason": None}
        cid, order_id = customer_id(tracker), tracker.get_slot("order_id")
        try:
            check = await desk().return_eligibility(cid, order_id, reason)
        except (DeskUnavailable, DeskRejected):
            dispatcher.utter_message(text=SORRY_DESK_DOWN)
            return {"return_reason": None, "return_confirmed": False}
        if check["eligible"]:
            return {"return_reason": reason}
        if check["code"] == "too_late" and reason == "no_reason":
            dispatcher.utter_message(text=check["message"])
            return {"return_reason": None}  # asked again: a defect may still qualify
        events = offer_human(dispatcher, check["message"] + "需要为您转接人工客服吗？", "policy")
        return {"return_reason": None, "return_confirmed": False} | {
            e["name"]: e["value"] for e in events
        }


    async def validate_return_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is False and reason_read_as_no(tracker):
            return {"return_confirmed": None}
        return {"return_confirmed": value}


class ActionAskReturnReason(Action):
    """Asks why, with the shop's return reasons as buttons."""

    def name(self) -> str:
        return "action_ask_return_reason"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            reasons = (await desk().policy())["reasons"]
        except (DeskUnavailable, DeskRejected):
            reasons = {}
        dispatcher.utter_message(
            text="请问退货原因是？",
            buttons=[{"title": title, "payload": title} for title in reasons.values()],
        )
        return []


class ActionAskOrderId(DeskAction):
    """Asks which order to return, with the orders that can be returned as buttons."""

    needs_customer = True

    def name(self) -> str:
        return "action_ask_order_id"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, cid: str | None
    ) -> list[EventType]:
        orders = await desk().orders(cid, limit=10)
        candidates = [o for o in orders if o["status"] not in NOT_RETURNABLE + ON_THE_WAY][:5]
        on_the_way = [o["order_id"] for o in orders if o["status"] in ON_THE_WAY]
        later = f"（{'、'.join(on_the_way[:3])} 还在路上，签收后就可以申请退货。）" if on_the_way else ""
        if not candidates:
            dispatcher.utter_message(
                text="您目前没有可以申请退货的订单" + (later or "。")
                + "如果订单号不在这里，可以直接发给我（DD 开头加 12 位数字）。"
            )
            return []
        dispatcher.utter_message(
            text="请问要退哪个订单？也可以直接发送订单号。" + later,
            buttons=[order_button(o, "request_return") for o in candidates],
        )
        return []


class ActionAskReturnConfirmed(DeskAction):
    """Sums up what will happen and asks the customer to confirm."""

    needs_customer = True

    def name(self) -> str:
        return "action_ask_return_confirmed"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, cid: str | None
    ) -> list[EventType]:
        order_id, reason = tracker.get_slot("order_id"), tracker.get_slot("return_reason")
        client = desk()
        check = await client.return_eligibility(cid, order_id, reason)
        order = await client.order(cid, order_id)
        policy = await client.policy()
        names = "、".join(order["item_names"])
        lines = ["请确认退货信息：", f"· 订单：{order_id}（{names}）", reason_line(policy["reasons"][reason], tracker)]
        if reason == "wrong_item":
            lines.append(f"· 处理方式：为您补发商品，并补偿 {policy['returns']['wrong_item_coupon_yuan']} 元优惠券")
        else:
            lines.append(f"· 退款：{money(check['refund_yuan'])}，原路退回{order['payment_method']}")
        if check["instant_refund"]:
            lines.append("· 订单未发货，确认后立即取消并退款")
        else:
            payer = "我们" if check["shipping_paid_by"] == "shop" else "您"
            lines.append(f"· 退货运费由{payer}承担，快递员 {policy['returns']['pickup_within_hours']} 小时内上门取件")
        lines.append("确认提交吗？")
        dispatcher.utter_message(
            text="\n".join(lines),
            buttons=[{"title": "确认退货", "payload": "/affirm"}, {"title": "取消", "payload": "/deny"}],
        )
        return []


def reason_line(title: str, tracker: Tracker) -> str:
    """The reason as the shop files it; when the customer wrote it in their own words, those words too,
    so that "尺码不合适，穿着太小了" is not silently filed as 七天无理由."""
    said = ((tracker.latest_message or {}).get("text") or "").strip()
    if said and said != title and not said.startswith("/") and reason_from_text(said):
        return f"· 原因：{title}（按您说的“{said[:40]}”）"
    return f"· 原因：{title}"


RESET_RETURN_FORM = [
    SlotSet("order_id", None),
    SlotSet("return_reason", None),
    SlotSet("return_confirmed", None),
]


class ActionSubmitReturn(DeskAction):
    def name(self) -> str:
        return "action_submit_return"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        await super().run(dispatcher, tracker, domain)
        return RESET_RETURN_FORM  # whatever happened, the next return starts afresh

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, cid: str | None
    ) -> None:
        latest = tracker.latest_message or {}
        if tracker.get_slot("return_confirmed") is not True:
            if latest.get("intent", {}).get("name") == "deny" or any(
                w in (latest.get("text") or "") for w in CANCEL_WORDS
            ):
                dispatcher.utter_message(text="好的，已为您取消本次退货申请。还有什么可以帮您？")
            return
        order_id, reason = tracker.get_slot("order_id"), tracker.get_slot("return_reason")
        try:
            ret = await desk().create_return(cid, order_id, reason)
        except DeskRejected as exc:  # e.g. the order changed since the check
            dispatcher.utter_message(text=exc.message)
            return
        dispatcher.utter_message(text=describe_new_return(ret))


def describe_new_return(ret: dict) -> str:
    if ret["status"] == "refunded":
        return (
            f"已为您取消订单 {ret['order_id']} 并退款 {money(ret['refund_yuan'])}，"
            f"将在 1 分钟内原路退回{ret['payment_method']}。退款单号：{ret['return_id']}。"
        )
    lines = [
        f"退货申请已提交，退货单号：{ret['return_id']}。",
        f"快递员将在 {when(ret['pickup_deadline'])} 前上门取件，请保持电话畅通。",
    ]
    if ret["resolution"] == "reship":
        lines.append(f"仓库收到后为您补发商品，并补偿 {ret['coupon_yuan']} 元优惠券。")
    else:
        lines.append(
            f"仓库收货后 24 小时内，{money(ret['refund_yuan'])} 将原路退回{ret['payment_method']}。"
        )
    if ret["needs_photo"]:
        lines.append("退款金额超过 100 元，请在这里发送一张商品问题的照片，方便我们尽快审核。")
    return "\n".join(lines)


def describe_return(ret: dict) -> str:
    head = f"退货单 {ret['return_id']}（订单 {ret['order_id']}）：{ret['status_zh']}"
    if ret["status"] == "pickup_scheduled":
        return f"{head}，快递员将在 {when(ret['pickup_deadline'])} 前上门取件。"
    if ret["status"] == "received":
        return (
            f"{head}，{money(ret['refund_yuan'])} 预计 {when(ret['refund_due_by'])} 前"
            f"原路退回{ret['payment_method']}。"
        )
    if ret["status"] == "refunded":
        return f"{head}，{money(ret['refund_yuan'])} 已于 {when(ret['refunded_at'])} 退回{ret['payment_method']}。"
    return head + "。"


class ActionRefundStatus(DeskAction):
    needs_customer = True

    def name(self) -> str:
        return "action_refund_status"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, cid: str | None
    ) -> list[EventType]:
        order_id = latest_order_id(tracker)
        returns = await desk().returns(cid, order_id)
        if not returns:
            where = f"订单 {order_id} " if order_id else "您"
            dispatcher.utter_message(
                text=f"{where}目前没有退款记录。如需申请退货，直接说“我要退货”就可以。",
                buttons=[{"title": "申请退货", "payload": "/request_return"}],
            )
            return []
        dispatcher.utter_message(text="\n".join(describe_return(r) for r in returns[:3]))
        return []
