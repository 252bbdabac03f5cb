"""Request and response bodies of the FAQ and training-data editors."""

from pydantic import BaseModel, ConfigDict, Field, field_validator

from handoff.core.clock import UtcDatetime

KEY_PATTERN = r"^[a-z][a-z0-9_]{1,47}$"


class Button(BaseModel):
    title: str = Field(min_length=1, max_length=20)
    # What pressing it sends: a text message, or an intent such as /request_human.
    payload: str = Field(min_length=1, max_length=200)


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("内容不能为空")
    return value


class FaqIn(BaseModel):
    title: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=2000)
    buttons: list[Button] = Field(default_factory=list, max_length=6)

    _strip = field_validator("title", "text")(_not_blank)


class FaqCreate(FaqIn):
    # Optional: generated from the next free number when left out.
    key: str | None = Field(None, pattern=KEY_PATTERN)
    examples: list[str] = Field(default_factory=list, max_length=200)


class FaqUpdate(FaqIn):
    # The version the editor started from: a later edit by someone else wins 409.
    version: int


class FaqOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    title: str
    text: str
    buttons: list[Button]
    version: int
    updated_at: UtcDatetime
    updated_by: str
    example_count: int = 0
    warnings: list[str] = []


class ExampleIn(BaseModel):
    intent: str = Field(min_length=1, max_length=80)
    text: str = Field(min_length=1, max_length=300)

    _strip = field_validator("text")(_not_blank)


class ExampleUpdate(BaseModel):
    text: str | None = Field(None, min_length=1, max_length=300)
    # Moving it to another intent (or FAQ answer: "faq/<key>").
    intent: str | None = Field(None, min_length=1, max_length=80)


class ExampleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    intent: str
    intent_label: str = ""
    text: str
    source: str
    holdout: bool
    created_at: UtcDatetime
    created_by: str


class ExampleSaved(BaseModel):
    example: ExampleOut
    # Not refusals: near-duplicates under other intents, an intent still thin.
    warnings: list[str]


class IntentOut(BaseModel):
    name: str
    label: str
    examples: int
    warnings: list[str]


class PreviewIn(BaseModel):
    text: str = Field(min_length=1, max_length=300)


class PreviewOut(BaseModel):
    intent: str
    intent_label: str
    confidence: float
    faq_key: str | None
    answer: str | None
    ranking: list[dict]
