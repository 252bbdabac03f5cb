"""The survey's questions as the customer sees them (Simplified Chinese), and reading the answers.

Every prompt carries buttons for the web chat widget, where it says no
digits; elsewhere (WeChat) it works as plain text: the customer answers
with a digit. A button's payload is
``/survey:<survey id>:<question>:<value>``; the desk handles it and never
sends it to the bot.
"""

import re
import unicodedata

RATING_LABELS = {1: "非常不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "非常满意"}
CES_LABELS = {1: "非常困难", 2: "比较困难", 3: "一般", 4: "比较容易", 5: "非常容易"}

# question -> (lowest, highest) digit accepted as a text answer
RANGES = {"rating": (1, 5), "resolved": (1, 2), "nps": (0, 10), "ces": (1, 5), "comment": (0, 0)}


def prompt(question: str, channel: str = "wechat") -> str:
    """The question; on the web chat the buttons carry the choices, elsewhere (WeChat) the digits do."""
    if channel == "web":
        return WEB_PROMPTS[question]
    if question == "rating":
        return ("本次服务您满意吗？请为我们打分（回复数字 1-5）：\n"
                + "  ".join(f"{k} {v}" for k, v in RATING_LABELS.items()))
    if question == "resolved":
        return "问题解决了吗？（回复 1 已解决，2 未解决）"
    if question == "nps":
        return "您有多大可能向朋友推荐我们？（回复 0-10，0 表示完全不可能，10 表示非常可能）"
    if question == "ces":
        return ("解决这个问题对您来说有多容易？（回复数字 1-5）：\n"
                + "  ".join(f"{k} {v}" for k, v in CES_LABELS.items()))
    if question == "comment":
        return "还有什么想对我们说的吗？请直接输入您的意见；不需要的话回复 0 或点“跳过”。"
    raise ValueError(question)


WEB_PROMPTS = {
    "rating": "本次服务您满意吗？请为我们打分：",
    "resolved": "问题解决了吗？",
    "nps": "您有多大可能向朋友推荐我们？（0 表示完全不可能，10 表示非常可能）",
    "ces": "解决这个问题对您来说有多容易？",
    "comment": "还有什么想对我们说的吗？请直接输入您的意见；不需要的话点“跳过”。",
}


def buttons(survey_id: int, question: str) -> list[dict]:
    def button(title: str, value: int) -> dict:
        return {"title": title, "payload": f"/survey:{survey_id}:{question}:{value}"}

    if question == "rating":
        return [button(f"{'★' * k}{'☆' * (5 - k)} {v}", k) for k, v in RATING_LABELS.items()]
    if question == "resolved":
        return [button("已解决", 1), button("未解决", 2)]
    if question == "nps":
        return [button(str(k), k) for k in range(11)]
    if question == "ces":
        return [button(f"{k} {v}", k) for k, v in CES_LABELS.items()]
    if question == "comment":
        return [button("跳过", 0)]
    raise ValueError(question)


def range_hint(question: str) -> str:
    low, high = RANGES[question]
    return f"请回复 {low} 到 {high} 之间的数字。"


_NUMBER = re.compile(r"^\d{1,3}$")


def as_number(text: str) -> int | None:
    """A bare number the customer typed (full-width digits too), else None."""
    folded = unicodedata.normalize("NFKC", text or "").strip().rstrip("。.!！")
    return int(folded) if _NUMBER.match(folded) else None


def parse_payload(payload: str | None) -> tuple[int, str, int] | None:
    """(survey id, question, value) of a survey button, None if it is not one; ValueError if malformed."""
    if not payload or not payload.startswith("/survey:"):
        return None
    parts = payload.split(":")
    if len(parts) != 4 or parts[2] not in RANGES:
        raise ValueError(payload)
    return int(parts[1]), parts[2], int(parts[3])
