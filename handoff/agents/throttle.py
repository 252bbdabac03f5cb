"""Log-in throttling: too many wrong passwords lock a user name, or a client
address, out for a while.

One Redis counter per user name and one per client address. A wrong password
counts on both; the counter lives for the failure window from its first
failure. When a counter reaches its limit it is kept for the lockout time
instead, and while it stands at the limit every log-in for that name (or from
that address) is refused before the password is even checked, so a locked-out
attempt costs no scrypt hash. A successful log-in clears the user name's
counter (not the address's: one good account must not reset an attacker's
budget of guesses).
"""

import math

from redis import Redis

from handoff.core.limits import TooManyRequests
from handoff.core.settings import Settings

USER_KEY = "desk:login:fail:user:"
IP_KEY = "desk:login:fail:ip:"

# INCR, start the window on the first failure, and at the limit hold the
# counter for the lockout time. Atomic, so a counter never lives forever.
_FAIL = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if n >= tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return n
"""


class TooManyAttempts(TooManyRequests):
    """429 with Retry-After (the app's error handler adds the header)."""

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(f"登录尝试次数过多，请 {minutes} 分钟后再试", retry_after, "too_many_attempts")


def _keys(username: str, ip: str) -> tuple[str, str]:
    return USER_KEY + username.strip().casefold(), IP_KEY + ip


def check(redis: Redis, settings: Settings, *, username: str, ip: str) -> None:
    """Raise TooManyAttempts while the user name or the address is locked out."""
    user_key, ip_key = _keys(username, ip)
    pipe = redis.pipeline()
    for key in (user_key, ip_key):
        pipe.get(key)
        pipe.pttl(key)
    user_count, user_ttl, ip_count, ip_ttl = pipe.execute()
    waits = []
    for count, ttl, limit in ((user_count, user_ttl, settings.login_max_failures),
                              (ip_count, ip_ttl, settings.login_max_failures_per_ip)):
        if count is not None and int(count) >= limit and ttl != -2:
            # A counter without an expiry (-1; cannot happen through _FAIL) waits a full lockout.
            waits.append(ttl / 1000 if ttl > 0 else settings.login_lockout_seconds)
    if waits:
        raise TooManyAttempts(max(1, math.ceil(max(waits))))


def failed(redis: Redis, settings: Settings, *, username: str, ip: str) -> None:
    """Count a wrong password against the user name and the address."""
    user_key, ip_key = _keys(username, ip)
    window, lockout = settings.login_failure_window_seconds, settings.login_lockout_seconds
    redis.eval(_FAIL, 1, user_key, window, settings.login_max_failures, lockout)
    redis.eval(_FAIL, 1, ip_key, window, settings.login_max_failures_per_ip, lockout)


def succeeded(redis: Redis, *, username: str, ip: str) -> None:
    redis.delete(_keys(username, ip)[0])
