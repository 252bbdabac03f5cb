"""Escalation of angry customers, by the rules in policy.yml's ``escalation``.

The bot's NLU gives each customer message a sentiment (bot/sentiment.py).
After the bot has answered, the desk looks at the latest customer messages:
an angry complaint, one very negative message, or several negative messages
in a row send the conversation to a human with reason ``negative_sentiment``
(or ``complaint``) and the anger priority, and the customer hears empathy
first, then where they stand (queue/wording.py). Asking for a human (``request_human``) is the
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
        if not (nlu or {}).get("sentiment"):  # a button press, or the bot was down: not scored, skipped
            continue
        if not is_negative(nlu):
            break
        run += 1
    return "negative_sentiment" if run >= rules.negative_in_a_row else None
