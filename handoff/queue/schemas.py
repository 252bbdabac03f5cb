from pydantic import BaseModel, ConfigDict, Field

from handoff.core.clock import UtcDatetime
from handoff.queue.models import HandoffReason, HandoffTopic


class HandoffCreate(BaseModel):
    sender_id: str = Field(min_length=1, max_length=64)
    customer_id: str | None = Field(default=None, max_length=16)
    channel: str = Field(default="web", max_length=16)
    reason: HandoffReason
    topic: HandoffTopic = HandoffTopic.general
    note: str = Field(default="", max_length=2000)


class HandoffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sender_id: str
    customer_id: str | None
    channel: str
    reason: HandoffReason
    topic: HandoffTopic
    note: str
    status: str
    created_at: UtcDatetime
