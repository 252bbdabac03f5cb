"""Where is my parcel, and how long does delivery take."""

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import DeskAction
from actions.desk import DeskRejected, desk
from actions.identity import latest_entity, latest_order_id
from actions.offers import offer_human
from actions.text import order_button, order_title, when, when_after

NOT_RECEIVED_WORDS = ("没收到", "没有收到", "未收到", "沒收到", "没拿到", "收不到", "没看到快递", "不是我签")
SHOWN_EVENTS = 3
SHOWN_ORDERS = 3  # open orders whose delivery time is told at once


def not_found(order_id: str) -> str:
    return f"没有在您的账户下找到订单 {order_id}，请核对订单号后再试。"


def says_not_received(text: str) -> bool:
    return any(word in text for word in NOT_RECEIVED_WORDS)


def describe_order(order: dict) -> str:
    lines = [f"订单 {order_title(order)}：{order['status_zh']}"]
    if order.get("carrier"):
        lines.append(f"承运商：{order['carrier']}，运单号 {order['tracking_no']}")
    events = order.get("events") or []
    if events:
        lines.append("最新物流：")
        lines += [f"· {when(e['time'])} {e['description']}" for e in events[:SHOWN_EVENTS]]
    elif order["status"] == "paid":
        lines.append("商品正在备货，付款后 48 小时内发货，发货后会第一时间通知您。")
    if order["status"] == "delayed":
        lines.append("非常抱歉物流出现了延迟，给您添麻烦了，我们会持续跟进。")
    return "\n".join(lines)


class ActionTrackOrder(DeskAction):
    needs_customer = True

    def name(self) -> str:
        return "action_track_order"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, cid: str | None
    ) -> list[EventType]:
        text = (tracker.latest_message or {}).get("text") or ""
        order = await self._pick_order(dispatcher, cid, latest_order_id(tracker), text)
        if order is None:
            return []
        dispatcher.utter_message(text=describe_order(order))
        events: list[EventType] = [SlotSet("order_id", order["order_id"])]
        if order["status"] == "delivered" and says_not_received(text):
            events += offer_human(
                dispatcher,
                "物流显示已签收，但您没有收到，这种情况需要人工客服帮您核实处理。现在为您转接人工客服吗？",
                reason="policy",
            )
        return events

    async def _pick_order(
        self, dispatcher: CollectingDispatcher, cid: str, order_id: str | None, text: str
    ) -> dict | None:
        client = desk()
        if order_id:
            try:
                return await client.order(cid, order_id)
            except DeskRejected:
                dispatcher.utter_message(text=not_found(order_id))
                return None
        open_orders = await client.orders(cid, open_only=True)
        if len(open_orders) == 1:
            return await client.order(cid, open_orders[0]["order_id"])
        if len(open_orders) > 1:
            dispatcher.utter_message(
                text=f"您有 {len(open_orders)} 个进行中的订单，想查询哪一个？",
                buttons=[order_button(o, "track_order") for o in open_orders[:5]],
            )
            return None
        recent = await client.orders(cid, limit=3)
        if says_not_received(text) and recent and recent[0]["status"] == "delivered":
            return await client.order(cid, recent[0]["order_id"])
        if not recent:
            dispatcher.utter_message(text="您的账户下还没有订单哦。")
            return None
        dispatcher.utter_message(
            text="您目前没有在途的订单。想查看最近的哪个订单？",
            buttons=[order_button(o, "track_order") for o in recent],
        )
        return None


def order_eta(order: dict, estimate: dict) -> str:
    """When this order ships and arrives, from its state and the shop's delivery times."""
    title, hours = order_title(order), estimate["delivery_hours"]
    place = order["city"] or order["province"]
    if order["status"] == "paid" and order.get("paid_at"):
        ships_by = when_after(order["paid_at"], estimate["ship_within_hours"])
        return (f"订单 {title}：{order['status_zh']}，预计 {ships_by} 前发出，"
                f"发货后约 {hours} 小时送达{place}。")
    if order["status"] in ("shipped", "in_transit", "out_for_delivery") and order.get("shipped_at"):
        return (f"订单 {title}：{order['status_zh']}，寄往{place}一般发货后约 {hours} 小时送达，"
                f"预计 {when_after(order['shipped_at'], hours)} 前到。")
    if order["status"] == "delayed":
        return f"订单 {title}：物流出现了延迟，非常抱歉。我们会持续跟进，有新的预计时间会第一时间通知您。"
    if order["status"] == "delivered":
        return f"订单 {title}：已于 {when(order['delivered_at'])} 签收。"
    return f"订单 {title}：{order['status_zh']}。"


class ActionDeliveryTime(DeskAction):
    """How long shipping takes: for the customer's own open orders when we know them, else by region."""

    def name(self) -> str:
        return "action_delivery_time"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, cid: str | None
    ) -> list[EventType]:
        client = desk()
        region, order_id = latest_entity(tracker, "region"), latest_order_id(tracker)
        if cid and not region:
            if order_id:
                try:
                    orders = [await client.order(cid, order_id)]
                except DeskRejected:
                    dispatcher.utter_message(text=not_found(order_id))
                    return []
            else:
                orders = [await client.order(cid, o["order_id"])
                          for o in (await client.orders(cid, open_only=True))[:SHOWN_ORDERS]]
            if orders:
                estimates: dict[str, dict] = {}  # one desk call per destination, not per order
                for o in orders:
                    place = o["city"] or o["province"]
                    if place not in estimates:
                        estimates[place] = await client.delivery_estimate(place)
                lines = [order_eta(o, estimates[o["city"] or o["province"]]) for o in orders]
                dispatcher.utter_message(text="\n".join(lines))
                return [SlotSet("order_id", orders[0]["order_id"])] if len(orders) == 1 else []
        estimate = await client.delivery_estimate(region)
        policy = await client.policy()
        ship = f"付款后 {estimate['ship_within_hours']} 小时内发货"
        hours = estimate["delivery_hours"]
        region = estimate["region"]
        if estimate["zone"] == "same_city":
            text = f"{ship}；{region}与我们的仓库同城，发货后约 {hours} 小时送达。"
        elif estimate["zone"] == "remote":
            text = f"{ship}；{region}属于偏远地区，发货后约 {hours} 小时送达。"
        elif estimate["zone"] == "other_province":
            text = f"{ship}；寄往{region}发货后约 {hours} 小时送达。"
        else:
            rules = policy["shipping"]
            remote = "、".join(rules["remote_regions"][:3])
            text = (
                f"{ship}。发货后：{rules['warehouse_city']}同城约 {rules['same_city_hours']} 小时送达，"
                f"其他省份约 {rules['other_province_hours']} 小时，"
                f"{remote}等偏远地区约 {rules['remote_hours']} 小时。告诉我收货城市，我可以估算得更准确。"
            )
        tier = next((t for t in policy["tiers"] if t["name"] == tracker.get_slot("customer_tier")), None)
        if tier and "优先发货" in tier["benefits"]:
            text += f"作为{tier['name']}，您享受{tier['benefits']}。"
        dispatcher.utter_message(text=text)
        return []
