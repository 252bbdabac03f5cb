"""The action server's settings: one typed object, read from the environment once.

    DESK_URL (http://localhost:8000)   the desk's HTTP API
    DESK_SERVICE_TOKEN                 the actions' key to the desk; also the key of the
                                       desk's metadata signatures (actions/identity.py)
    DESK_TIMEOUT_SECONDS (3)           every desk call gives up after this
    DESK_TIMEZONE (Asia/Shanghai)      the shop's time zone, as the desk's
    RASA_TOKEN                         only calls carrying it are answered (actions/server.py)
    ACTIONS_HOST (127.0.0.1), ACTIONS_PORT (5055)
"""

import os
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ActionSettings:
    desk_url: str = "http://localhost:8000"
    service_token: str = "dev-service-token"
    desk_timeout_seconds: float = 3.0
    timezone: str = "Asia/Shanghai"
    rasa_token: str = "dev-rasa-token"
    host: str = "127.0.0.1"
    port: int = 5055

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "ActionSettings":
        env = dict(os.environ) if env is None else env
        default = cls()
        return cls(
            desk_url=env.get("DESK_URL", default.desk_url),
            service_token=env.get("DESK_SERVICE_TOKEN", default.service_token),
            desk_timeout_seconds=float(env.get("DESK_TIMEOUT_SECONDS", default.desk_timeout_seconds)),
            timezone=env.get("DESK_TIMEZONE", default.timezone),
            rasa_token=env.get("RASA_TOKEN", default.rasa_token),
            host=env.get("ACTIONS_HOST", default.host),
            port=int(env.get("ACTIONS_PORT", default.port)),
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache
def settings() -> ActionSettings:
    """The process's settings (tests that change the environment call ``settings.cache_clear()``)."""
    return ActionSettings.from_env()
