"""Time. The database stores naive UTC; the API answers with explicit UTC."""

from datetime import datetime, timezone
from typing import Annotated

from pydantic import AfterValidator


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]
