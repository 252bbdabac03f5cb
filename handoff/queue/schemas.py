from pydantic import BaseModel, Field

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
    """The request, and where the conversation stands now."""

    id: int
    conversation_id: str
    sender_id: str
    customer_id: str | None
    channel: str
    reason: HandoffReason
    topic: HandoffTopic
    note: str
    status: str  # queued | assigned | closed | after_hours
    created_at: UtcDatetime
    state: str  # the conversation's: queued, with_agent, or bot (after hours)
    group: str
    group_name: str
    position: int | None
    eta_seconds: int | None
    agents_online: int
    open_now: bool
    business_hours: str
    # What to tell the customer (queue/wording.py): where they stand, and the
    # notice to send (empathy first for a complaint).
    standing: str = ""
    notice: str = ""
    agent_name: str | None
