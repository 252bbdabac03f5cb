"""Which secrets a production process refuses to start without.

Standard library only: the desk, the action server (actions/server.py) and
the Rasa wrapper (bot/serve.py) all check their secrets with it, so one list
of known defaults serves the three.
"""

import sys
from collections.abc import Mapping

# Values this repository itself uses in development, documentation or tests:
# anybody who reads the code knows them.
KNOWN_DEFAULTS = frozenset({
    "dev-service-token", "dev-shop-secret", "dev-session-secret", "dev-rasa-token", "admin123",
    "super123", "agent123", "test-token", "test-service-token", "changeme", "change-me", "secret",
    "password", "desk",
})
MIN_SECRET_LENGTH = 24
MIN_PASSWORD_LENGTH = 12


def problem(name: str, value: str | None, *, min_length: int = MIN_SECRET_LENGTH) -> str | None:
    """Why ``value`` is not acceptable for the setting ``name`` in production (None when it is)."""
    if not value:
        return f"{name} 未设置"
    if value in KNOWN_DEFAULTS or value.lower().startswith(("dev-", "test-")):
        return f"{name} 使用的是公开的默认值，请换成随机生成的值"
    if len(value) < min_length:
        return f"{name} 太短：至少 {min_length} 个字符（现在 {len(value)} 个）"
    return None


def problems(values: Mapping[str, str | None], passwords: Mapping[str, str | None] = {}) -> list[str]:
    """Every problem with these secrets (name -> value) and passwords."""
    found = [problem(name, value) for name, value in values.items()]
    found += [problem(name, value, min_length=MIN_PASSWORD_LENGTH) for name, value in passwords.items()]
    return [p for p in found if p]


def refusal(service: str, found: list[str]) -> str:
    """The message a process exits with when it refuses to start."""
    lines = "\n".join(f"  - {p}" for p in found)
    return (f"{service} 拒绝以生产模式（DESK_ENV=production）启动：\n{lines}\n"
            "请通过环境变量（或 Kubernetes Secret）设置这些值；本地开发请用 DESK_ENV=development。")


def is_production(env: Mapping[str, str]) -> bool:
    """Production unless DESK_ENV says development: a process nobody configured is treated as exposed."""
    return env.get("DESK_ENV", "production").strip().lower() != "development"


def refusal_from_env(service: str, env: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    """For the processes that read their secrets from the environment (the action
    server, the Rasa wrapper): the refusal message, or None when they may start."""
    if not is_production(env):
        return None
    found = problems({name: env.get(name) for name in names})
    return refusal(service, found) if found else None


def require_safe(service: str, env: Mapping[str, str], names: tuple[str, ...]) -> None:
    """Exit (status 2, the reason on stderr) when ``refusal_from_env`` refuses."""
    message = refusal_from_env(service, env, names)
    if message:
        print(message, file=sys.stderr)
        raise SystemExit(2)
