from pydantic import BaseModel, Field, field_validator

from handoff.conversations.schemas import MessageOut
from handoff.core.clock import UtcDatetime
from handoff.core.text import not_blank



class TicketIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    contact: str = Field(default="", max_length=64)

    _text = field_validator("text")(not_blank)


class AnswerIn(BaseModel):
    text: str = Field(min_length=1, max_length=1000)

    _text = field_validator("text")(not_blank)


class TicketLeft(BaseModel):
    """What the customer gets back: the ticket and the confirmation now in their conversation."""

    id: int
    text: str
    created_at: UtcDatetime
    message: MessageOut


class TicketOut(BaseModel):
    """A left message as agents see it."""

    id: int
    conversation_id: str
    channel: str
    customer_id: str | None = None
    text: str
    contact: str  # as the customer wrote it (agents call back on it)
    status: str
    created_at: UtcDatetime
    answer: str | None = None
    answered_at: UtcDatetime | None = None
    # How the answer reached (or could not reach) the customer, in words for the agent.
    delivery: list[str] = []
