from pydantic import BaseModel, Field, field_validator

from handoff.agents.schemas import AgentOut
from handoff.conversations.views import ConversationSummary
from handoff.core.clock import UtcDatetime
from handoff.core.text import not_blank


class Board(BaseModel):
    """Every open conversation (waiting or with an agent) and every active agent's load, at ``now``."""

    now: UtcDatetime
    conversations: list[ConversationSummary]
    agents: list[AgentOut]
    waiting: int
    with_agent: int
    sla_late: int  # open conversations past their first-reply SLA
    negative: int  # open conversations whose customer's last message read negative


class WhisperIn(BaseModel):
    text: str = Field(min_length=1, max_length=500)

    _text = field_validator("text")(not_blank)
