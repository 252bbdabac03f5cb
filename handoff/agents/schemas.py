from pydantic import BaseModel, ConfigDict, Field, field_validator

from handoff.agents.models import Presence, Role
from handoff.queue.groups import GROUPS


def _known_groups(skills: list[str] | None) -> list[str] | None:
    if skills is None:
        return None
    unknown = [s for s in skills if s not in GROUPS]
    if unknown:
        raise ValueError(f"未知的技能组：{', '.join(unknown)}")
    return list(dict.fromkeys(skills))


class AgentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    skills: list[str]
    capacity: int
    presence: Presence
    active: bool
    active_count: int = 0


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class PresenceIn(BaseModel):
    presence: Presence


class AgentCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    display_name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8, max_length=256)
    role: Role = Role.agent
    skills: list[str] = Field(default_factory=lambda: list(GROUPS))
    capacity: int = Field(default=5, ge=1, le=50)

    _skills = field_validator("skills")(_known_groups)


class AgentUpdate(BaseModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=64)
    password: str | None = Field(default=None, min_length=8, max_length=256)
    role: Role | None = None
    skills: list[str] | None = None
    capacity: int | None = Field(default=None, ge=1, le=50)
    active: bool | None = None

    _skills = field_validator("skills")(_known_groups)


class CannedIn(BaseModel):
    shortcut: str = Field(min_length=1, max_length=32)
    title: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=2000)


class CannedOut(CannedIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
