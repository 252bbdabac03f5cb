"""Rate limits counted in Redis, so every desk process sees the same counts.

A fixed window per key: simple, cheap (the limits of one request in one round trip) and good
enough against scripts; the window restarts with the first hit after it ends.
"""

import math
from dataclasses import dataclass

from redis import Redis
from starlette.requests import HTTPConnection

from handoff.core.errors import DeskError

PREFIX = "desk:limit:"


class TooManyRequests(DeskError):
    status_code = 429

    def __init__(self, message: str, retry_after: int, code: str = "too_many_requests") -> None:
        super().__init__(message, code)
        self.retry_after = retry_after


def client_ip(connection: HTTPConnection) -> str:
    """The client's address: the proxy's X-Forwarded-For when the proxy is trusted
    (DESK_TRUSTED_PROXIES, applied by the app's ProxyHeadersMiddleware)."""
    return connection.client.host if connection.client else "unknown"


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` hits on ``key`` per window of ``window_seconds``."""

    key: str
    limit: int
    window_seconds: int


def hit(redis: Redis, *limits_: Limit) -> int | None:
    """Count one hit on each limit, all in one round trip; the seconds to wait when
    one of them is exceeded (the longest), else None."""
    with redis.pipeline(transaction=True) as pipe:
        for limit in limits_:
            full = PREFIX + limit.key
            pipe.set(full, 0, ex=limit.window_seconds, nx=True)  # a new window starts with its expiry
            pipe.incr(full)
            pipe.ttl(full)
        results = pipe.execute()
    waits = [max(1, results[3 * i + 2]) for i, limit in enumerate(limits_) if results[3 * i + 1] > limit.limit]
    return max(waits) if waits else None


def check(redis: Redis, *limits_: Limit, message: str, code: str = "too_many_requests") -> None:
    """Count one hit on each limit; raise TooManyRequests (429, Retry-After) when one is exceeded."""
    wait = hit(redis, *limits_)
    if wait is not None:
        raise TooManyRequests(message.format(wait=wait_words(wait)), wait, code)


def check_used_up(redis: Redis, key: str, *, limit: int, message: str,
                  code: str = "too_many_requests") -> None:
    """Raise TooManyRequests while ``key`` is at its limit, without counting a hit."""
    used = redis.get(PREFIX + key)
    if used is not None and int(used) >= limit:
        wait = max(1, redis.ttl(PREFIX + key))
        raise TooManyRequests(message.format(wait=wait_words(wait)), wait, code)


def reset(redis: Redis, key: str) -> None:
    redis.delete(PREFIX + key)


def wait_words(seconds: int) -> str:
    """A wait as a customer reads it: "30 秒", "5 分钟"."""
    return f"{seconds} 秒" if seconds < 60 else f"{math.ceil(seconds / 60)} 分钟"
