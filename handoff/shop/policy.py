"""The shop's service rules, loaded from a YAML file an admin can edit."""

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel


class ReturnRules(BaseModel):
    no_reason_days: int
    defect_claim_days: int
    excluded_categories: dict[str, str]
    instant_refund_minutes: int
    pickup_within_hours: int
    refund_after_receipt_hours: int
    auto_approve_max_yuan: int
    wrong_item_coupon_yuan: int


class ShippingRules(BaseModel):
    ship_within_hours: int
    warehouse_city: str
    same_city_hours: int
    other_province_hours: int
    remote_hours: int
    remote_regions: list[str]
    late_coupon_yuan: int


class Tier(BaseModel):
    name: str
    min_spend: int
    benefits: str


class PointsRules(BaseModel):
    per_yuan: int
    daily_checkin: int
    referral_first_order: int
    birthday_multiplier: int
    points_per_yuan_off: int
    max_share_of_order: float


class ServiceLevels(BaseModel):
    """First human reply, in minutes after the conversation was queued."""

    general_minutes: int = 10
    complaint_minutes: int = 120
    # Tier name -> minutes; a tier listed here gets the stricter of the two.
    tier_minutes: dict[str, int] = {}


class EscalationRules(BaseModel):
    """When an angry customer goes to a human without asking (reason negative_sentiment)."""

    # One message this negative (the sentiment model's probability) is enough.
    very_negative_score: float = 0.8
    # Or this many negative messages in a row.
    negative_in_a_row: int = 2
    # A complaint (intent complain) said angrily: reason complaint, with the anger priority.
    complaint_with_negative: bool = True


class SurveyRules(BaseModel):
    """The satisfaction survey after a conversation."""

    # A bot-only conversation that reached an answer gets the survey after this much quiet.
    idle_minutes: float = 5
    # Answers after this are politely refused.
    expire_hours: float = 24
    # Asked after the rating and "问题解决了吗": any of "nps", "ces".
    extra_questions: list[Literal["nps", "ces"]] = ["nps", "ces"]
    # A rating at or below this opens a follow-up (回访) for supervisors.
    follow_up_max_rating: int = 2


class Policy(BaseModel):
    returns: ReturnRules
    reasons: dict[str, str]
    shipping: ShippingRules
    tiers: list[Tier]
    points: PointsRules
    sla: ServiceLevels = ServiceLevels()
    escalation: EscalationRules = EscalationRules()
    survey: SurveyRules = SurveyRules()

    def tier_for_spend(self, spend_yuan: float) -> Tier:
        eligible = [t for t in self.tiers if spend_yuan >= t.min_spend]
        return max(eligible, key=lambda t: t.min_spend)

    def next_tier(self, spend_yuan: float) -> Tier | None:
        higher = [t for t in self.tiers if t.min_spend > spend_yuan]
        return min(higher, key=lambda t: t.min_spend) if higher else None


def load_policy(path: Path) -> Policy:
    with open(path, encoding="utf-8") as f:
        return Policy.model_validate(yaml.safe_load(f))
