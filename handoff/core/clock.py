"""Time. The database stores naive UTC; the API answers with explicit UTC; people
read the shop's local time (``Settings.timezone``): convert only with these."""

from datetime import date, datetime, time, timezone
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


def shop_time(utc: datetime, tz: str) -> datetime:
    """A stored (naive UTC) moment in the shop's time zone."""
    return _as_utc(utc).astimezone(ZoneInfo(tz))


def shop_today(tz: str, now_utc: datetime | None = None) -> date:
    return shop_time(now_utc or utcnow(), tz).date()


def shop_midnight(day: date, tz: str) -> datetime:
    """The start of ``day`` in the shop's time zone, as naive UTC (for queries)."""
    return datetime.combine(day, time(), ZoneInfo(tz)).astimezone(timezone.utc).replace(tzinfo=None)
