"""Escalation of angry customers, by the rules in policy.yml's ``escalation``.

The bot's NLU gives each customer message a sentiment (bot/sentiment.py).
After the bot has answered, the desk looks at the latest customer messages:
an angry complaint, one very negative message, or several negative messages
in a row send the conversation to a human with reason ``negative_sentiment``
(or ``complaint``) and the anger priority, and the customer hears empathy
first, then where they stand. Asking for a human (``request_human``) is the
bot's own handoff. A conversation already with an agent is not queued again:
the console flags the negative message instead.
"""

from handoff.shop.policy import EscalationRules


def is_negative(nlu: dict | None) -> bool:
    return bool(nlu and (nlu.get("sentiment") or {}).get("label") == "negative")


def decide(rules: EscalationRules, recent: list[dict | None]) -> str | None:
    """The handoff reason for the latest customer message, or None.

    ``recent``: NLU of the conversation's customer messages, oldest first.
    """
    if not recent or not is_negative(recent[-1]):
        return None
    latest = recent[-1]
    if latest.get("intent") == "complain":
        return "complaint" if rules.complaint_with_negative else None
    if float(latest["sentiment"].get("score") or 0) >= rules.very_negative_score:
        return "negative_sentiment"
    run = 0
    for nlu in reversed(recent):
        if not is_negative(nlu):
            break
        run += 1
    return "negative_sentiment" if run >= rules.negative_in_a_row else None


EMPATHY = {
    "logistics": "让您久等了，包裹迟迟没有到，换作是谁都会着急，真的非常抱歉。",
    "returns": "退换货的事让您这么费心，真的很抱歉，您的不满我完全理解。",
    "points": "积分的问题让您不愉快了，非常抱歉，我们一定帮您查清楚。",
    "complaint": "非常抱歉给您带来了这么糟糕的体验，您的心情我完全理解。",
    "general": "非常抱歉让您不满意了，您的心情我完全理解。",
}


def empathy(topic: str, order_id: str | None = None) -> str:
    text = EMPATHY.get(topic, EMPATHY["general"])
    if order_id and topic in ("logistics", "returns"):
        text += f"订单 {order_id} 的情况我已经一并转给同事。"
    return text


def where_you_stand(out) -> str:
    """After the handoff: who takes over, and how long it may take (a HandoffOut)."""
    if out.state == "with_agent" and out.agent_name:
        return f"客服{out.agent_name}会马上接手，请稍候。"
    if not out.open_now:
        return (f"现在是非工作时间（{out.business_hours}），人工客服上班后会第一时间联系您，"
                "您也可以先留言。")
    if not out.agents_online:
        return f"我已经请{out.group_name}人工客服优先处理，目前暂无客服在线，您可以稍候，也可以留言。"
    minutes = max(1, round((out.eta_seconds or 60) / 60))
    return f"我已经请{out.group_name}人工客服优先为您处理，预计约{minutes}分钟内回复您。"
