"""Follow-up tasks (回访) as the console sees them."""

from pydantic import BaseModel, Field

from handoff.conversations.schemas import CustomerRef
from handoff.core.clock import UtcDatetime


class FollowUpOut(BaseModel):
    id: int
    conversation_id: str
    customer: CustomerRef | None
    rating: int | None
    resolved: bool | None
    comment: str
    agent_name: str | None  # who resolved the conversation; None for the bot
    status: str
    note: str
    created_at: UtcDatetime
    done_at: UtcDatetime | None


class FollowUpDone(BaseModel):
    note: str = Field(default="", max_length=1000)
