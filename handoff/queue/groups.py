"""Skill groups (one queue each) and handoff reasons, with their Chinese names."""

GROUPS: dict[str, str] = {
    "returns": "退换货",
    "logistics": "物流",
    "points": "积分会员",
    "complaint": "投诉",
    "presales": "售前咨询",
    "general": "综合",
}

REASONS: dict[str, str] = {
    "requested": "客户要求转人工",
    "complaint": "投诉",
    "negative_sentiment": "客户情绪激动",
    "fallback": "机器人未能解答",
    "policy": "规则要求人工处理",
}


def group_for_topic(topic: str) -> str:
    return topic if topic in GROUPS else "general"


# The topic (and so the skill group) of a conversation, from the intent of
# the customer's message. The action server imports this table for the
# handoffs the bot asks for, so this module must stay free of dependencies.
TOPIC_OF_INTENT: dict[str, str] = {
    "ask_return_policy": "returns",
    "request_return": "returns",
    "ask_refund_status": "returns",
    "track_order": "logistics",
    "ask_delivery_time": "logistics",
    "query_points": "points",
    "redeem_points": "points",
    "ask_points_rules": "points",
    "complain": "complaint",
    "ask_product": "presales",
    "ask_promotion": "presales",
}
