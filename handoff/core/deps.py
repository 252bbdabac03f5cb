"""FastAPI dependencies: everything a route needs comes from app.state."""

from collections.abc import Iterator

from fastapi import Request
from redis import Redis
from sqlalchemy.orm import Session

from handoff.core.context import Desk


def get_desk(request: Request) -> Desk:
    """The desk's shared parts (settings, database, Redis, the bot, the rules in force)."""
    return request.app.state.desk


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.session_factory() as session:
        yield session


def get_redis(request: Request) -> Redis:
    return request.app.state.redis
