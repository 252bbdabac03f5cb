"""Agents (human staff) and their canned responses."""

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from handoff.core.db import Base


class Role(str, enum.Enum):
    agent = "agent"
    supervisor = "supervisor"
    admin = "admin"


class Presence(str, enum.Enum):
    online = "online"  # receives conversations automatically
    away = "away"  # keeps their chats, may claim by hand, gets no new ones
    offline = "offline"


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False), default=Role.agent)
    # Skill groups (queue keys) this agent serves.
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(default=5)
    presence: Mapped[Presence] = mapped_column(
        Enum(Presence, native_enum=False), default=Presence.offline
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class CannedResponse(Base):
    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    shortcut: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
