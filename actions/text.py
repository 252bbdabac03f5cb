"""Formatting what the customer reads: times in China time, money in yuan."""

from datetime import datetime, timedelta

from actions.settings import settings

ASK_PHONE = ("为了保护您的隐私，需要先验证您的身份：请告诉我您下单时使用的手机号（11位），我们会发送短信验证码；"
             "也可以发送订单号和手机号后四位，例如：DD260101000001 0001。")
ASK_CODE = "请回复短信里的 6 位验证码。没收到的话，可以重新发送手机号，或者发送订单号和手机号后四位。"
SORRY_DESK_DOWN = "抱歉，系统暂时繁忙，没能查到您的信息，请稍后再试，或者说“转人工”找客服帮您处理。"


def when(iso: str | None) -> str:
    if not iso:
        return ""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(settings().zone)
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"


def when_after(iso: str, hours: float) -> str:
    """``when`` of a moment some hours after ``iso``."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")) + timedelta(hours=hours)
    return when(moment.isoformat())


def money(amount: float) -> str:
    return f"¥{amount:.2f}"


def order_title(order: dict) -> str:
    names = "、".join(order.get("item_names") or [])
    return f"{order['order_id']}（{names}）" if names else order["order_id"]


def order_button(order: dict, intent: str) -> dict:
    """An order as a button: the full order number (the customer compares it with the shop's page)."""
    names = "、".join(order.get("item_names") or [])[:12]
    return {
        "title": f"{order['order_id']} {names} · {order['status_zh']}",
        "payload": f'/{intent}{{"order_id":"{order["order_id"]}"}}',
    }
