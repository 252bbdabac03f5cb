from pydantic import BaseModel, Field, field_validator

from handoff.core.clock import UtcDatetime
from handoff.core.text import not_blank


class Button(BaseModel):
    title: str
    payload: str


class AttachmentOut(BaseModel):
    """A photo or a file of a message. Its bytes: GET .../attachments/{id} (the chat token, or an agent)."""

    id: str
    kind: str  # image | pdf
    name: str
    content_type: str
    size_bytes: int
    width: int | None = None
    height: int | None = None


class Card(BaseModel):
    """An order or a product, as the widget and the console draw it."""

    kind: str  # order | product
    id: str  # the full order number, or the SKU
    title: str
    subtitle: str = ""
    image: str  # a URL; relative ones are the desk's
    price: str
    status: str
    payload: str | None = None  # pressing the card sends this, like its button
    action: str | None = None  # the button's title


class MessageOut(BaseModel):
    """A message as the customer sees it."""

    id: int
    seq: int
    role: str
    text: str
    buttons: list[Button] = []
    agent_name: str | None = None
    client_id: str | None = None
    created_at: UtcDatetime
    attachment: AttachmentOut | None = None
    cards: list[Card] = []


class ConsoleMessageOut(MessageOut):
    """A message as an agent sees it: with what the bot understood."""

    nlu: dict | None = None
    # Set when the message did not reach the customer's channel:
    # {"status": "undeliverable" | "failed", "detail": "..."}
    delivery: dict | None = None


class CustomerRef(BaseModel):
    id: str
    name: str
    tier: str


class QueueInfo(BaseModel):
    position: int
    eta_seconds: int
    group: str
    group_name: str
    agents_online: int
    open_now: bool


class AgentRef(BaseModel):
    name: str


class QueueStatus(BaseModel):
    state: str
    # Nobody can answer now (no agent online, or outside business hours):
    # offer the customer to leave a message (POST .../tickets).
    offer_ticket: bool = False
    queue: QueueInfo | None = None
    agent: AgentRef | None = None


class OpenConversation(BaseModel):
    customer_id: str | None = Field(default=None, max_length=16)
    signature: str | None = Field(default=None, max_length=128)
    # When the shop signed the id (unix seconds): part of what is signed.
    timestamp: int | None = Field(default=None, ge=0, le=2**40)
    channel: str = Field(default="web", pattern=r"^[a-z_]{1,16}$")


class ConversationOpened(BaseModel):
    id: str
    token: str
    state: str
    customer: CustomerRef | None
    messages: list[MessageOut]


class ConversationOut(BaseModel):
    id: str
    state: str
    customer: CustomerRef | None
    status: QueueStatus



class CustomerMessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    payload: str | None = Field(default=None, max_length=500)
    client_id: str | None = Field(default=None, max_length=64)

    _text = field_validator("text")(not_blank)


class SentMessage(BaseModel):
    message: MessageOut
    replies: list[MessageOut]

