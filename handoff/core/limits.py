"""Rate limits counted in Redis, so every desk process sees the same counts.

A fixed window per key: simple, cheap (one INCR and one EXPIRE) and good
enough against scripts; the window restarts with the first hit after it ends.
"""

import math

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


def hit(redis: Redis, key: str, *, limit: int, window_seconds: int) -> int | None:
    """Count one hit; the seconds to wait when the limit is exceeded, else None."""
    full = PREFIX + key
    with redis.pipeline() as pipe:
        pipe.incr(full)
        pipe.ttl(full)
        count, ttl = pipe.execute()
    if ttl < 0:
        redis.expire(full, window_seconds)
        ttl = window_seconds
    return max(1, ttl) if count > limit else None


def check(redis: Redis, key: str, *, limit: int, window_seconds: int, message: str,
          code: str = "too_many_requests") -> None:
    """Count one hit; raise TooManyRequests (429, Retry-After) when over the limit."""
    wait = hit(redis, key, limit=limit, window_seconds=window_seconds)
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
