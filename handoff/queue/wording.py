"""What a customer is told when their conversation goes to a human: one wording for
every way a handoff starts (the bot's 转人工, an angry customer's escalation, the
desk's own handoff when the bot is down). The desk returns it with the handoff
(``HandoffOut.notice``), so the action server says it without a copy."""

EMPATHY = {
    "logistics": "让您久等了，包裹迟迟没有到，换作是谁都会着急，真的非常抱歉。",
    "returns": "退换货的事让您这么费心，真的很抱歉，您的不满我完全理解。",
    "points": "积分的问题让您不愉快了，非常抱歉，我们一定帮您查清楚。",
    "complaint": "非常抱歉给您带来了这么糟糕的体验，您的心情我完全理解，这件事我们一定负责处理到底。",
    "general": "非常抱歉让您不满意了，您的心情我完全理解。",
}


# A complaining customer who asks again while waiting: not the first apology word for word.
STILL_UPSET = "非常理解您着急的心情，我们会尽快处理。"


def empathy(topic: str, order_id: str | None = None) -> str:
    """First words to an unhappy customer, by topic (with the order they wrote about)."""
    text = EMPATHY.get(topic, EMPATHY["general"])
    if order_id and topic in ("logistics", "returns"):
        text += f"订单 {order_id} 的情况我已经一并转给同事。"
    return text


# How to leave a message (留言, handoff/tickets/): the widget has a 留言 button; WeChat has words.
LEAVE_A_MESSAGE = {"web": "您可以留言", "wechat": "您可以回复“留言+您的问题”给我们留言"}


def where_you_stand(*, state: str, agent_name: str | None, open_now: bool, business_hours: str,
                    group_name: str, agents_online: int, position: int | None, eta_seconds: int | None,
                    again: bool = False, channel: str = "web") -> str:
    """Who takes over and how long it may take; never a wait estimate when nobody is online.
    ``again``: the customer asked once more while already waiting or served (not the same words twice)."""
    leave = LEAVE_A_MESSAGE.get(channel, LEAVE_A_MESSAGE["web"])
    if state == "with_agent" and agent_name:
        if again:
            return f"客服{agent_name}正在为您服务，请直接把问题告诉客服。"
        return f"已为您转接客服{agent_name}，请直接告诉客服您的问题。"
    if not open_now or state != "queued":
        return (f"现在是非工作时间（{business_hours}），人工客服暂时无法接入。"
                f"{leave}，客服上班后会第一时间联系您；常见问题也可以继续问我。")
    text = f"您已经在排队等待{group_name}人工客服了" if again else f"已为您转接{group_name}人工客服"
    if not agents_online:
        return text + f"。目前暂无客服在线，您可以稍候，也可以{leave.removeprefix('您可以')}，客服上线后会第一时间联系您。"
    ahead = "您是下一位" if (position or 1) <= 1 else f"您前面还有{position - 1}位"
    return text + f"，{ahead}，预计等待约{max(1, round((eta_seconds or 60) / 60))}分钟，请稍候。"
