"""Points balance, how to spend them, and how points and tiers work."""

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import DeskAction
from actions.desk import desk
from actions.faq import say_faq
from actions.identity import customer_words
from actions.text import money


def intent_that_started(tracker: Tracker, form: str) -> str | None:
    """The intent of the user message that activated ``form``."""
    last_intent = None
    started_by = None
    for event in tracker.events:
        if event.get("event") == "user":
            last_intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        elif event.get("event") == "active_loop" and event.get("name") == form:
            started_by = last_intent
    return started_by


class ActionShowPoints(DeskAction):
    needs_customer = True

    def name(self) -> str:
        return "action_show_points"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, cid: str | None
    ) -> list[EventType]:
        points = await desk().points(cid)
        lines = [f"您当前有 {points['balance']} 积分，可抵扣 {money(points['worth_yuan'])}。"]
        share = int(points["max_share_of_order"] * 100)
        if intent_that_started(tracker, "points_form") == "redeem_points":
            lines.append(
                f"使用方法：下单结算时勾选“积分抵扣”即可，每 {points['points_per_yuan_off']} 积分抵 1 元，"
                f"最多抵扣订单金额的 {share}%；积分也可以在“会员中心-积分兑换”里换优惠券。"
            )
        else:
            recent = points["recent"][:3]
            if recent:
                lines.append("最近变动：")
                lines += [f"· {e['reason']} {e['delta']:+d}" for e in recent]
            lines.append(f"下单时可用积分抵现（{points['points_per_yuan_off']} 积分抵 1 元，最多抵 {share}%）。")
        dispatcher.utter_message(text="\n".join(lines))
        return []


# Words of a question about membership tiers rather than points.
TIER_WORDS = ("等级", "升级", "升金卡", "升银卡", "金卡", "银卡", "普通会员", "vip", "VIP", "plus会员", "PLUS会员")


class ActionPointsRules(DeskAction):
    """How points and tiers work; a tier question gets the tiers first, and the customer's own standing."""

    def name(self) -> str:
        return "action_points_rules"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, cid: str | None
    ) -> list[EventType]:
        client = desk()
        policy = await client.policy()
        profile = await client.customer(cid) if cid else None
        p = policy["points"]
        points_rules = (
            f"积分规则：每消费 1 元得 {p['per_yuan']} 积分；每日签到 {p['daily_checkin']} 积分；"
            f"邀请好友首单得 {p['referral_first_order']} 积分；生日当月积分 {p['birthday_multiplier']} 倍。"
            f"{p['points_per_yuan_off']} 积分抵 1 元，最多抵扣订单金额的 {int(p['max_share_of_order'] * 100)}%。"
        )
        tiers = "会员权益：" + "；".join(f"{t['name']}：{t['benefits']}" for t in policy["tiers"]) + "。"
        about_tiers = any(word in customer_words(tracker) for word in TIER_WORDS)
        if about_tiers:
            # The thresholds in the FAQ's current words (the admin's FAQ editor), then the benefits.
            await say_faq(dispatcher, "tier_thresholds")
            lines = [tiers]
        else:
            lines = [points_rules]
        if profile:
            lines.append(
                f"您目前是{profile['tier']['name']}（近 12 个月消费 {money(profile['spend_12m_yuan'])}），"
                f"有 {profile['points']} 积分，享受：{profile['tier']['benefits']}。"
            )
            if profile["next_tier"]:
                lines.append(
                    f"再消费 {money(profile['spend_to_next_tier_yuan'])} 即可升级{profile['next_tier']['name']}，"
                    f"享受：{profile['next_tier']['benefits']}。"
                )
            else:
                lines.append("您已是最高等级会员，感谢您的支持！")
        elif not about_tiers:
            lines.append(tiers)
        dispatcher.utter_message(text="\n".join(lines))
        return []
