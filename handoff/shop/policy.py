"""The shop's service rules: policy.yml, then the admin's edits (handoff/shop/rules.py).

The bounds below are what the rules form refuses (in Chinese) and what a
hand-edited policy.yml must satisfy at start-up.
"""

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, Field, StringConstraints, model_validator

Hours = Annotated[int, Field(ge=1, le=24 * 30)]
Yuan = Annotated[int, Field(ge=0, le=100_000)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class ReturnRules(BaseModel):
    no_reason_days: int = Field(ge=1, le=90)
    defect_claim_days: int = Field(ge=1, le=365)
    excluded_categories: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")], Label]
    instant_refund_minutes: int = Field(ge=0, le=24 * 60)
    pickup_within_hours: Hours
    refund_after_receipt_hours: Hours
    auto_approve_max_yuan: Yuan
    wrong_item_coupon_yuan: Yuan


class ShippingRules(BaseModel):
    ship_within_hours: Hours
    warehouse_city: Label
    same_city_hours: Hours
    other_province_hours: Hours
    remote_hours: Hours
    remote_regions: list[Label] = Field(max_length=100)
    late_coupon_yuan: Yuan


class Tier(BaseModel):
    name: Label
    min_spend: Yuan
    benefits: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class PointsRules(BaseModel):
    per_yuan: int = Field(ge=0, le=100)
    daily_checkin: int = Field(ge=0, le=10_000)
    referral_first_order: int = Field(ge=0, le=100_000)
    birthday_multiplier: int = Field(ge=1, le=10)
    points_per_yuan_off: int = Field(ge=1, le=10_000)
    max_share_of_order: float = Field(gt=0, le=1)


class ServiceLevels(BaseModel):
    """First human reply, in minutes after the conversation was queued."""

    general_minutes: int = Field(10, ge=1, le=24 * 60)
    complaint_minutes: int = Field(120, ge=1, le=7 * 24 * 60)
    # Tier name -> minutes; a tier listed here gets the stricter of the two.
    tier_minutes: dict[str, Annotated[int, Field(ge=1, le=24 * 60)]] = {}


class EscalationRules(BaseModel):
    """When an angry customer goes to a human without asking (reason negative_sentiment)."""

    # One message this negative (the sentiment model's probability) is enough.
    very_negative_score: float = Field(0.8, ge=0.5, le=1.0)
    # Or this many negative messages in a row.
    negative_in_a_row: int = Field(2, ge=1, le=10)
    # A complaint (intent complain) said angrily: reason complaint, with the anger priority.
    complaint_with_negative: bool = True


class SurveyRules(BaseModel):
    """The satisfaction survey after a conversation."""

    # A bot-only conversation that reached an answer gets the survey after this much quiet.
    idle_minutes: float = Field(5, ge=1, le=24 * 60)
    # Answers after this are politely refused.
    expire_hours: float = Field(24, ge=1, le=24 * 14)
    # Asked after the rating and "问题解决了吗": any of "nps", "ces".
    extra_questions: list[Literal["nps", "ces"]] = []
    # A rating at or below this opens a follow-up (回访) for supervisors.
    follow_up_max_rating: int = Field(2, ge=1, le=4)


class ServiceHours(BaseModel):
    """When human agents answer, in the shop's time zone (default: DESK_BUSINESS_HOURS/_DAYS)."""

    hours: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$")
    days: list[Annotated[int, Field(ge=1, le=7)]] = Field(min_length=1, max_length=7)

    @model_validator(mode="after")
    def _start_before_end(self) -> "ServiceHours":
        start, end = self.hours.split("-")
        if start >= end:
            raise ValueError("人工客服的下班时间必须晚于上班时间")
        return self


class Policy(BaseModel):
    returns: ReturnRules
    reasons: dict[str, Label]
    shipping: ShippingRules
    tiers: list[Tier] = Field(min_length=1, max_length=10)
    points: PointsRules
    sla: ServiceLevels = ServiceLevels()
    escalation: EscalationRules = EscalationRules()
    survey: SurveyRules = SurveyRules()
    # None: the desk's settings (DESK_BUSINESS_HOURS, DESK_BUSINESS_DAYS).
    service_hours: ServiceHours | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "Policy":
        spends = [t.min_spend for t in self.tiers]
        if spends != sorted(set(spends)) or spends[0] != 0:
            raise ValueError("会员等级须按消费门槛从低到高排列，第一级门槛为 0 元，门槛不能重复")
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError("会员等级名称不能重复")
        unknown = set(self.sla.tier_minutes) - set(names)
        if unknown:
            raise ValueError(f"响应时限里的会员等级不存在：{'、'.join(sorted(unknown))}")
        if not self.shipping.same_city_hours <= self.shipping.other_province_hours <= self.shipping.remote_hours:
            raise ValueError("送达时间应为：同城 ≤ 外省 ≤ 偏远地区")
        return self

    def tier_for_spend(self, spend_yuan: float) -> Tier:
        eligible = [t for t in self.tiers if spend_yuan >= t.min_spend]
        return max(eligible, key=lambda t: t.min_spend)

    def next_tier(self, spend_yuan: float) -> Tier | None:
        higher = [t for t in self.tiers if t.min_spend > spend_yuan]
        return min(higher, key=lambda t: t.min_spend) if higher else None


def load_policy(path: Path) -> Policy:
    with open(path, encoding="utf-8") as f:
        return Policy.model_validate(yaml.safe_load(f))
