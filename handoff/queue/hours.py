"""Business hours: when a human can be expected to answer."""

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from handoff.core.settings import Settings


def _parse_hours(spec: str) -> tuple[time, time | None]:
    start, _, end = spec.partition("-")
    h1, m1 = (int(x) for x in start.strip().split(":"))
    h2, m2 = (int(x) for x in end.strip().split(":"))
    return time(h1, m1), (None if (h2, m2) == (24, 0) else time(h2, m2))


def is_open(settings: Settings, now_utc: datetime) -> bool:
    local = now_utc.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(settings.timezone))
    days = {int(d) for d in settings.business_days.split(",") if d.strip()}
    if local.isoweekday() not in days:
        return False
    start, end = _parse_hours(settings.business_hours)
    now_t = local.time()
    return now_t >= start and (end is None or now_t < end)


def describe(settings: Settings) -> str:
    return f"每天 {settings.business_hours}" if len(settings.business_days.split(",")) == 7 \
        else f"{settings.business_hours}"
