"""Domain errors raised by service functions; the app maps them to HTTP answers.

Messages are Simplified Chinese: they can reach a customer or an agent.
"""


class DeskError(Exception):
    status_code = 400

    def __init__(self, message: str, code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotFound(DeskError):
    status_code = 404


class Conflict(DeskError):
    status_code = 409


class Forbidden(DeskError):
    status_code = 403


class Unauthorized(DeskError):
    status_code = 401


class TooLarge(DeskError):
    status_code = 413


class Unsupported(DeskError):
    status_code = 415


FIELD_NAMES = {"text": "消息", "username": "用户名", "password": "密码", "display_name": "姓名",
               "contact": "联系方式", "capacity": "接待上限", "skills": "技能组", "tags": "标签",
               "title": "标题", "intent": "意图", "version": "版本",
               # The shop's rules (handoff/shop/policy.py), as the rules form names them.
               "no_reason_days": "无理由退货天数", "defect_claim_days": "质量问题受理天数",
               "excluded_categories": "不支持无理由退货的品类", "instant_refund_minutes": "未发货退款到账分钟数",
               "pickup_within_hours": "上门取件时限", "refund_after_receipt_hours": "收到退货后退款时限",
               "auto_approve_max_yuan": "免拍照退款上限", "wrong_item_coupon_yuan": "错发补偿券金额",
               "ship_within_hours": "发货时限", "warehouse_city": "发货仓所在城市",
               "same_city_hours": "同城送达时间", "other_province_hours": "外省送达时间",
               "remote_hours": "偏远地区送达时间", "remote_regions": "偏远地区", "late_coupon_yuan": "发货延迟补偿券",
               "tiers": "会员等级", "name": "名称", "min_spend": "消费门槛", "benefits": "权益",
               "per_yuan": "每元积分", "daily_checkin": "签到积分", "referral_first_order": "邀请好友积分",
               "birthday_multiplier": "生日积分倍数", "points_per_yuan_off": "抵扣1元所需积分",
               "max_share_of_order": "积分最高抵扣比例", "general_minutes": "一般响应时限",
               "complaint_minutes": "投诉响应时限", "tier_minutes": "会员响应时限",
               "very_negative_score": "强烈不满阈值", "negative_in_a_row": "连续负面条数",
               "idle_minutes": "问卷发送等待分钟数", "expire_hours": "问卷有效小时数",
               "extra_questions": "附加问题", "follow_up_max_rating": "回访评分上限",
               "hours": "人工服务时间", "days": "人工服务日", "reasons": "退货原因"}


def describe_validation_error(error: dict) -> str:
    """One FastAPI/pydantic validation error as a sentence in Chinese."""
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
    named = [FIELD_NAMES[p] for p in loc if p in FIELD_NAMES]
    field = named[-1] if named else (".".join(loc) if loc else "请求")
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")
    if kind == "json_invalid":
        return "请求内容不是有效的 JSON"
    if kind in ("model_attributes_type", "dict_type") and not loc:
        return "请求内容应为 JSON 对象"
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg", "")).removeprefix("Value error, ")
    if kind == "string_too_long":
        return f"{field}太长：最多 {ctx.get('max_length')} 个字"
    if kind == "string_too_short":
        shortest = ctx.get("min_length") or 1
        return f"{field}太短：至少 {shortest} 个字" if shortest > 1 else f"{field}不能为空"
    if kind == "missing":
        return f"缺少{field}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{field}超出允许范围"
    if kind.startswith("enum") or kind == "literal_error":
        return f"{field}的取值无效"
    return f"{field}格式不正确"
