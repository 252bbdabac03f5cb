"""Demo data for the dashboard: a few weeks of past episodes and survey answers.

Seeded by ``make run`` into an empty database (``DESK_SEED_DEMO_DATA``), so
that the dashboard is not empty on first start. Every row is marked
``demo``; the dashboard says so whenever its range includes any. Demo
conversations have no messages and no access token, and low demo ratings open
no follow-up tasks.
"""

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.agents.models import Agent, Role
from handoff.conversations.models import Conversation, State
from handoff.core.clock import shop_midnight, shop_today
from handoff.reports.models import ServiceRecord
from handoff.survey.models import Survey

TOPICS = {"logistics": 35, "returns": 25, "points": 18, "complaint": 8, "general": 14}
HANDOFF_CHANCE = {"logistics": 0.2, "returns": 0.35, "points": 0.1, "complaint": 0.9, "general": 0.3}
TIERS = {"普通会员": 50, "银卡会员": 25, "金卡会员": 10, "访客": 15}
REASONS = {"requested": 60, "fallback": 20, "negative_sentiment": 15, "policy": 5}
COMMENTS = ["回复很及时，谢谢", "物流太慢了", "客服很耐心", "退款流程有点复杂", "机器人回答得挺准的",
            "等人工等了很久", "希望积分能多一些用途", "问题解决了，满意", "态度不错", "还是没说清楚什么时候到"]


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def start_of_today(tz: str) -> datetime:
    """Midnight of today in the shop's time zone, as naive UTC."""
    return shop_midnight(shop_today(tz), tz)


def seed_demo_reports(db: Session, today: datetime, days: int = 28, per_day: int = 24) -> int:
    """Seed the ``days`` before ``today`` (the shop's midnight, naive UTC) when there are no records yet.

    Returns the number of episodes written. Nothing lands on today, so that
    today's figures are real ones only.
    """
    if db.scalar(select(ServiceRecord.id).limit(1)) is not None:
        return 0
    rng = random.Random(5)
    agents = list(db.scalars(select(Agent.id).where(Agent.role == Role.agent)))
    written = 0
    for day in range(days, 0, -1):
        for n in range(rng.randint(per_day - 8, per_day + 8)):
            ended = today - timedelta(days=day) + timedelta(minutes=rng.randint(9 * 60, 21 * 60 - 1))
            _episode(db, rng, f"demo_{day:02d}_{n:02d}", ended, agents)
            written += 1
    db.commit()
    return written


def _episode(db: Session, rng: random.Random, key: str, ended: datetime, agents: list[int]) -> None:
    topic, tier = _pick(rng, TOPICS), _pick(rng, TIERS)
    channel = "wechat" if rng.random() < 0.4 else "web"
    handed_off = bool(agents) and rng.random() < HANDOFF_CHANCE[topic]
    conv = Conversation(id=key, token_hash="", rasa_sender_id=f"demo-{key}", channel=channel, customer_id=None,
                        state=State.closed, tags=["演示数据"], last_seq=0, priority=0, sla_breached=False,
                        handoff_note="", created_at=ended - timedelta(minutes=30), last_activity_at=ended,
                        closed_at=ended, topic=topic)
    db.add(conv)
    record = ServiceRecord(conversation_id=key, first_seq=1, last_seq=1, channel=channel, customer_id=None, tier=tier,
                           topic=topic, handed_off=handed_off, started_at=ended - timedelta(minutes=rng.randint(1, 20)),
                           ended_at=ended, demo=True)
    if handed_off:
        record.reason = "complaint" if topic == "complaint" else _pick(rng, REASONS)
        record.agent_id = rng.choice(agents)
        handling = timedelta(minutes=rng.lognormvariate(2.7, 0.6))  # about 15 minutes
        record.queued_at = ended - handling
        first = timedelta(minutes=min(rng.lognormvariate(1.1, 0.8), handling.total_seconds() / 60))
        record.first_reply_at = record.queued_at + first
        sla = 120 if record.reason == "complaint" else 5 if tier == "金卡会员" else 10
        record.sla_due_at = record.queued_at + timedelta(minutes=sla)
    db.add(record)
    db.flush()
    if not handed_off and rng.random() < 0.15:
        return  # the bot never reached an answer: no survey
    survey = Survey(record_id=record.id, conversation_id=key, questions=["rating", "resolved", "nps", "ces", "comment"],
                    step="rating", awaiting=False, sent_at=ended, expires_at=ended + timedelta(hours=24), comment="",
                    demo=True)
    if rng.random() < 0.45:
        base = 4.3 if handed_off else 3.9
        base -= 1.3 if topic == "complaint" else 0
        rating = max(1, min(5, round(rng.gauss(base, 1.0))))
        survey.rating, survey.answered_at, survey.completed_at, survey.step = rating, ended, ended, ""
        survey.resolved = rng.random() < (0.25 + 0.17 * rating)
        survey.nps = max(0, min(10, round(rating * 2 + rng.gauss(-0.5, 1.5))))
        survey.ces = max(1, min(5, round(rating + rng.gauss(-0.3, 0.8))))
        if rng.random() < 0.3:
            survey.comment = rng.choice(COMMENTS)
    db.add(survey)
