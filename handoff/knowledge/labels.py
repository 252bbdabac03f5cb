"""Chinese names of the intents and entities, for every screen staff read."""

INTENT_LABELS = {
    "greet": "问候", "goodbye": "再见", "thank": "感谢", "affirm": "肯定", "deny": "否定",
    "ask_return_policy": "退货政策", "request_return": "申请退货", "ask_refund_status": "退款进度",
    "track_order": "查询物流", "ask_delivery_time": "送达时间", "query_points": "查询积分",
    "redeem_points": "积分兑换", "ask_points_rules": "积分规则", "request_human": "转人工",
    "complain": "投诉", "ask_product": "商品咨询", "ask_promotion": "优惠活动",
    "out_of_scope": "超出范围", "nlu_fallback": "未听懂", "faq": "常见问题",
}

ENTITY_LABELS = {"order_id": "订单号", "phone": "手机号", "region": "地区"}


def intent_label(intent: str, faq_titles: dict[str, str] | None = None) -> str:
    if intent.startswith("faq/"):
        key = intent.removeprefix("faq/")
        return "常见问题：" + (faq_titles or {}).get(key, key)
    return INTENT_LABELS.get(intent, intent)
