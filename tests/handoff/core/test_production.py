"""Production mode: the desk refuses to start on missing, default or short secrets, and keeps demo features off."""

import subprocess

import pytest

from handoff.core.settings import Settings
from tests.support.servers import DESK_VENV, ROOT, desk_env, free_port, get_json, post_json, wait_until

GOOD = {"service_token": "s" * 32, "shop_secret": "h" * 32, "session_secret": "e" * 32,
        "rasa_token": "r" * 32, "admin_password": "a-long-admin-password"}
ENV_NAMES = {"service_token": "DESK_SERVICE_TOKEN", "shop_secret": "DESK_SHOP_SECRET",
             "session_secret": "DESK_SESSION_SECRET", "rasa_token": "RASA_TOKEN",
             "admin_password": "DESK_ADMIN_PASSWORD"}
DEFAULTS = {"service_token": "dev-service-token", "shop_secret": "dev-shop-secret",
            "session_secret": "dev-session-secret", "rasa_token": "dev-rasa-token", "admin_password": "admin123"}


def production(**values) -> Settings:
    return Settings(env="production", **(GOOD | values))


def test_real_secrets_start_with_every_demo_feature_off():
    settings = production()
    assert settings.refusal() is None
    assert (settings.demo_mode, settings.seed_demo_agents, settings.seed_demo_reports) == (False, False, False)
    assert settings.sms_provider == "none"


@pytest.mark.parametrize("name", sorted(ENV_NAMES))
@pytest.mark.parametrize("kind", ["missing", "default", "short"])
def test_each_unsafe_secret_is_refused_by_name(name, kind):
    value = {"missing": "", "default": DEFAULTS[name], "short": "x9" * 5}[kind]
    refusal = production(**{name: value}).refusal()
    assert refusal is not None and ENV_NAMES[name] in refusal
    assert "DESK_ENV=production" in refusal
    others = set(ENV_NAMES.values()) - {ENV_NAMES[name]}
    assert not any(other in refusal for other in others)  # only the bad one is named


@pytest.mark.parametrize("feature", ["demo_mode", "seed_demo_agents", "seed_demo_reports"])
def test_a_demo_feature_cannot_be_turned_on(feature):
    refusal = production(**{feature: True}).refusal()
    assert refusal is not None and f"DESK_{feature.upper()}" in refusal


def test_the_log_sms_provider_is_refused_and_http_needs_a_url():
    assert "DESK_SMS_PROVIDER=log" in production(sms_provider="log").refusal()
    assert "DESK_SMS_URL" in production(sms_provider="http").refusal()
    assert production(sms_provider="http", sms_url="http://sms.internal/send").refusal() is None


def test_development_accepts_the_defaults_and_turns_the_demo_on():
    settings = Settings(env="development")
    assert settings.refusal() is None
    assert settings.demo_mode and settings.seed_demo_agents and settings.sms_provider == "log"


def test_production_is_the_default():
    assert Settings.model_fields["env"].default == "production"


def run_desk(tmp_path, **env):
    port = free_port()
    proc = subprocess.Popen(
        [str(DESK_VENV / "bin" / "uvicorn"), "--factory", "handoff.app:create_app", "--host", "127.0.0.1",
         "--port", str(port)],
        cwd=ROOT, env=desk_env(tmp_path, **env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc, f"http://127.0.0.1:{port}"


def test_a_production_desk_with_the_defaults_does_not_start(tmp_path):
    proc, _url = run_desk(tmp_path, DESK_ENV="production", DESK_SERVICE_TOKEN="dev-service-token",
                          RASA_TOKEN="dev-rasa-token")
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    for name in ENV_NAMES.values():
        assert name in output
    assert not (tmp_path / "desk.db").exists()  # refused before touching anything


def test_a_production_desk_with_real_secrets_starts_without_demo_data(tmp_path):
    proc, url = run_desk(tmp_path, DESK_ENV="production", DESK_SERVICE_TOKEN=GOOD["service_token"],
                         DESK_SHOP_SECRET=GOOD["shop_secret"], DESK_SESSION_SECRET=GOOD["session_secret"],
                         RASA_TOKEN=GOOD["rasa_token"], DESK_ADMIN_PASSWORD=GOOD["admin_password"])
    try:
        wait_until(lambda: get_json(url + "/healthz")[0] in (200, 503), 60, "desk", proc)
        assert get_json(url + "/api/demo/sign?customer_id=C001")[0] == 404
        assert get_json(url + "/api/demo/sms")[0] == 404
        assert post_json(url + "/api/agents/login", {"username": "supervisor", "password": "super123"})[0] == 401
        admin = post_json(url + "/api/agents/login", {"username": "admin", "password": GOOD["admin_password"]})
        assert admin[0] == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
