"""Bodies of the verification API (called by the action server with the service token)."""

from pydantic import BaseModel, Field


class CodeRequest(BaseModel):
    sender_id: str = Field(min_length=1, max_length=64)  # the conversation's Rasa sender id
    phone: str = Field(min_length=1, max_length=20)


class CodeSent(BaseModel):
    phone: str  # masked: 138****0001
    expires_in: int


class Verification(BaseModel):
    """Either the code from the SMS, or an order number with the phone's last four digits."""

    sender_id: str = Field(min_length=1, max_length=64)
    code: str | None = Field(default=None, max_length=12)
    order_id: str | None = Field(default=None, max_length=20)
    phone_last4: str | None = Field(default=None, pattern=r"^\d{4}$")
