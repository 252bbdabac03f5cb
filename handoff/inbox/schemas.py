from pydantic import BaseModel, Field

from handoff.core.clock import UtcDatetime
from handoff.core.ids import BodyId


class InboxExample(BaseModel):
    id: int
    text: str
    conversation_id: str
    reasons: list[str]
    said_at: UtcDatetime
    understood_as: str | None
    confidence: float | None


class ReasonCount(BaseModel):
    reason: str
    label: str
    count: int


class InboxGroup(BaseModel):
    id: int
    count: int
    item_ids: list[int]
    newest_at: UtcDatetime
    reasons: list[ReasonCount]
    suggested_intent: str | None
    suggested_label: str | None
    understood_as: str | None
    examples: list[InboxExample]


class ItemsIn(BaseModel):
    item_ids: list[BodyId] = Field(min_length=1, max_length=500)


class TeachIn(ItemsIn):
    intent: str = Field(min_length=1, max_length=80)


class NewFaqIn(ItemsIn):
    title: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=2000)


class FlagIn(BaseModel):
    # The intent the message should have been understood as ("faq/<key>" for an FAQ answer).
    intent: str = Field(min_length=1, max_length=80)
