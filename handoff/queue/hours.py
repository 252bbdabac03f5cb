"""Business hours: when a human can be expected to answer.

The shop's rules (``service_hours``, edited in the admin workspace) win over
the desk's settings (DESK_BUSINESS_HOURS, DESK_BUSINESS_DAYS).
"""

from datetime import datetime, time

from handoff.core.clock import shop_time
from handoff.core.settings import Settings
from handoff.shop.policy import Policy


def _parse_hours(spec: str) -> tuple[time, time | None]:
    start, _, end = spec.partition("-")
    h1, m1 = (int(x) for x in start.strip().split(":"))
    h2, m2 = (int(x) for x in end.strip().split(":"))
    return time(h1, m1), (None if (h2, m2) == (24, 0) else time(h2, m2))


def opening(settings: Settings, policy: Policy) -> tuple[str, set[int]]:
    """("09:00-21:00", ISO weekdays) in force now."""
    if policy.service_hours is not None:
        return policy.service_hours.hours, set(policy.service_hours.days)
    return settings.business_hours, {int(d) for d in settings.business_days.split(",") if d.strip()}


def is_open(settings: Settings, policy: Policy, now_utc: datetime) -> bool:
    local = shop_time(now_utc, settings.timezone)
    spec, days = opening(settings, policy)
    if local.isoweekday() not in days:
        return False
    start, end = _parse_hours(spec)
    now_t = local.time()
    return now_t >= start and (end is None or now_t < end)


def describe(settings: Settings, policy: Policy) -> str:
    spec, days = opening(settings, policy)
    return f"每天 {spec}" if len(days) == 7 else spec
