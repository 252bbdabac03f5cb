"""What an agent sees of past conversations: search results and a customer's timeline."""

from pydantic import BaseModel

from handoff.conversations.schemas import CustomerRef
from handoff.core.clock import UtcDatetime


class Found(BaseModel):
    """A conversation that matched a search."""

    id: str
    state: str
    state_name: str
    channel: str
    customer: CustomerRef | None
    phone_masked: str | None  # the customer's phone, never in full
    reason_name: str | None  # why it went to a human, if it did
    tags: list[str]
    rating: int | None  # the satisfaction survey's stars, if answered
    created_at: UtcDatetime
    last_activity_at: UtcDatetime
    snippet: str  # the matching (or the first) customer message, phones masked


class TimelineEntry(BaseModel):
    """One earlier conversation of the customer, or one of their returns, newest first."""

    kind: str  # "conversation" | "return"
    at: UtcDatetime
    conversation_id: str | None = None
    title: str  # "人工接待 · 投诉" / "退货 TH… 订单 DD…"
    detail: str  # what it was about / the return's status
    rating: int | None = None
