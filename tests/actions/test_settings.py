"""The action server's one settings object (actions/settings.py)."""

from actions.settings import ActionSettings
from actions.text import when


def test_settings_come_from_the_environment_with_defaults():
    config = ActionSettings.from_env({"DESK_URL": "http://desk:8000", "DESK_TIMEOUT_SECONDS": "1.5",
                                      "ACTIONS_PORT": "6055"})
    assert (config.desk_url, config.desk_timeout_seconds, config.port) == ("http://desk:8000", 1.5, 6055)
    assert (config.host, config.timezone) == ("127.0.0.1", "Asia/Shanghai")


def test_times_are_told_in_the_shops_time_zone(monkeypatch):
    assert when("2026-12-01T16:30:00Z") == "12月2日 00:30"  # Asia/Shanghai, the default
    monkeypatch.setenv("DESK_TIMEZONE", "Asia/Urumqi")
    from actions.settings import settings
    settings.cache_clear()
    assert when("2026-12-01T16:30:00Z") == "12月1日 22:30"
