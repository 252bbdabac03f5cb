"""Starts the whole product: Rasa (5005), the action server (5055) and the desk (8000).

Run by `make run`. Waits until every part answers, prints the URLs, restarts
a part that dies (a crash, `kill -9`), and on Ctrl-C stops them all, children
included. Standard library only, so it runs with either virtual environment.

Settings (environment variables, or `make run DB=postgres DESK_REPLICAS=2 ...`):
- DB=postgres: a PostgreSQL and a redis-server of its own, data in var/postgres
  and var/redis-server (scripts/servers.py; `make servers` installs them).
  Default: SQLite (var/desk.db) and the desk's embedded Redis.
- RASA_REPLICAS=N: N Rasa processes on RASA_PORT, RASA_PORT+1, ... sharing
  their trackers in SQL (bot/tracker_store.py); the desk routes each
  conversation to one of them (handoff/conversations/bot.py).
- DESK_REPLICAS=N: N desk processes behind one address, DESK_PORT
  (scripts/proxy.py), sharing the database and a redis-server.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from servers import Postgres, RedisServer

ROOT = Path(__file__).resolve().parents[1]
RASA_BIN = ROOT / ".venv" / "rasa" / "bin"
DESK_BIN = ROOT / ".venv" / "desk" / "bin"
HOST = os.environ.get("HOST", "127.0.0.1")
RASA_PORT = int(os.environ.get("RASA_PORT", "5005"))
ACTIONS_PORT = int(os.environ.get("ACTIONS_PORT", "5055"))
DESK_PORT = int(os.environ.get("DESK_PORT", "8000"))
READY_TIMEOUT = float(os.environ.get("READY_TIMEOUT", "180"))
# Logs and generated files; tests point this at a scratch folder.
RUN_DIR = Path(os.environ.get("RUN_DIR", ROOT / "var"))
LOG_DIR = RUN_DIR / "log"
DB = os.environ.get("DB", "sqlite")
RASA_REPLICAS = int(os.environ.get("RASA_REPLICAS", "1"))
DESK_REPLICAS = int(os.environ.get("DESK_REPLICAS", "1"))
# A part that dies this many times within RESTART_WINDOW seconds is not started again.
MAX_RESTARTS, RESTART_WINDOW = 5, 60.0
TRACKER_STORE_END = "  keep_turns: 8\n"


def endpoints_file(tracker_url: str = "") -> Path:
    """endpoints.yml with the action server's port (5055 unless ACTIONS_PORT says otherwise), and the
    shared trackers' database when there is one."""
    path = RUN_DIR / "endpoints.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
    text = text.replace("127.0.0.1:5055/", f"127.0.0.1:{ACTIONS_PORT}/")
    if tracker_url:
        assert TRACKER_STORE_END in text, "endpoints.yml: the tracker store's last line moved"
        text = text.replace(TRACKER_STORE_END, f"{TRACKER_STORE_END}  url: {tracker_url}\n")
    path.write_text(text, encoding="utf-8")
    return path


def start_servers(env: dict[str, str]) -> tuple[list, str]:
    """The databases `DB` and the replica counts need: the servers started, and Rasa's tracker URL."""
    servers, tracker_url = [], ""
    if DB == "postgres":
        if not env.get("DESK_DATABASE_URL", "").startswith("postgresql"):  # else a PostgreSQL of your own
            postgres = Postgres(RUN_DIR / "postgres", durable=True)
            servers.append(postgres)
            env["DESK_DATABASE_URL"] = postgres.create_database("desk", exist_ok=True)
        # Rasa's SQLAlchemy 1.4 speaks to it through psycopg2 (postgresql://).
        tracker_url = env.get("RASA_TRACKER_URL") or env["DESK_DATABASE_URL"].replace("+psycopg", "", 1)
    elif DB != "sqlite":
        raise SystemExit(f"DB={DB}: use sqlite (the default) or postgres")
    if (DB == "postgres" or DESK_REPLICAS > 1) and not env.get("REDIS_URL"):
        redis = RedisServer(RUN_DIR / "redis-server", persistent=True)
        servers.append(redis)
        env["REDIS_URL"] = redis.url
    if RASA_REPLICAS > 1 and not tracker_url:
        tracker_url = f"sqlite:///{RUN_DIR / 'rasa-trackers.db'}"
    return servers, tracker_url


def active_model() -> str:
    """The model to start: RASA_MODEL, else the one an admin activated in the
    workspace (the desk writes its path to <training dir>/ACTIVE_MODEL), else
    the one `make train` built."""
    if os.environ.get("RASA_MODEL"):
        return os.environ["RASA_MODEL"]
    pointer = Path(os.environ.get("DESK_TRAINING_DIR", ROOT / "var" / "training")) / "ACTIVE_MODEL"
    if pointer.exists() and Path(pointer.read_text().strip()).is_file():
        return pointer.read_text().strip()
    return str(ROOT / "models" / "current.tar.gz")


def desk_ports() -> list[int]:
    """One desk: DESK_PORT itself. Several: the ports behind the proxy on DESK_PORT."""
    return [DESK_PORT] if DESK_REPLICAS == 1 else [DESK_PORT + 1 + i for i in range(DESK_REPLICAS)]


def rasa_ports() -> list[int]:
    return [RASA_PORT + i for i in range(RASA_REPLICAS)]


def commands(tracker_url: str = "") -> dict[str, list[str]]:
    model, endpoints = active_model(), str(endpoints_file(tracker_url))
    parts = {
        # Both on loopback, both closed by RASA_TOKEN: only the desk talks to
        # Rasa, only Rasa to the action server (actions/server.py, bot/serve.py).
        "actions": [str(RASA_BIN / "python"), "-m", "actions.server"],
    }
    for i, port in enumerate(rasa_ports()):
        parts["rasa" if RASA_REPLICAS == 1 else f"rasa-{i}"] = [
            str(RASA_BIN / "python"), "-m", "bot.serve", "--model", model, "--port", str(port),
            "--credentials", "credentials.yml", "--endpoints", endpoints]
    for i, port in enumerate(desk_ports()):
        parts["desk" if DESK_REPLICAS == 1 else f"desk-{i}"] = [
            str(DESK_BIN / "uvicorn"), "--factory", "handoff.app:create_app", "--host", HOST, "--port", str(port)]
    if DESK_REPLICAS > 1:
        parts["proxy"] = [sys.executable, str(ROOT / "scripts" / "proxy.py"), "--host", HOST,
                          "--listen", str(DESK_PORT), "--to", ",".join(f"127.0.0.1:{p}" for p in desk_ports())]
    return parts


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DESK_RASA_URL", ",".join(f"http://127.0.0.1:{port}" for port in rasa_ports()))
    env.setdefault("DESK_ACTION_SERVER_URL", f"http://127.0.0.1:{ACTIONS_PORT}")
    env.setdefault("DESK_URL", f"http://127.0.0.1:{DESK_PORT}")
    # `make run` is a developer's machine: demo features on, development secrets allowed.
    env.setdefault("DESK_ENV", "development")
    env.setdefault("DESK_SERVICE_TOKEN", "dev-service-token")
    env.setdefault("RASA_TOKEN", "dev-rasa-token")
    env.setdefault("ACTIONS_PORT", str(ACTIONS_PORT))
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start(name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = open(LOG_DIR / f"{name}.log", "ab")
    # Own process group, so that stopping it stops its children too.
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def health() -> dict | None:
    url = f"http://127.0.0.1:{DESK_PORT}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return json.load(response)
    except urllib.error.HTTPError as err:
        return json.load(err)
    except (OSError, ValueError):
        return None


def stop(procs: dict[str, subprocess.Popen]) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 15
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for proc in procs.values():  # whatever is left, and any child in the group
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Supervisor:
    """The parts, started and kept running: one that dies is started again, up to MAX_RESTARTS a minute."""

    def __init__(self, parts: dict[str, list[str]], env: dict[str, str]) -> None:
        self.parts, self.env = parts, env
        self.procs = {name: start(name, argv, env) for name, argv in parts.items()}
        self.deaths: dict[str, list[float]] = {name: [] for name in parts}

    def check(self) -> str | None:
        """Restarts what died; the name of a part that keeps dying, if one does."""
        for name, proc in self.procs.items():
            if proc.poll() is None:
                continue
            now = time.monotonic()
            self.deaths[name] = [t for t in self.deaths[name] if now - t < RESTART_WINDOW] + [now]
            if len(self.deaths[name]) > MAX_RESTARTS:
                return name
            print(f"{name} stopped (exit {proc.returncode}); starting it again (log: {LOG_DIR}/{name}.log)",
                  flush=True)
            stop({name: proc})  # anything it left in its process group
            self.procs[name] = start(name, self.parts[name], self.env)
        return None


def main() -> int:
    env = environment()
    supervisor, servers = None, []
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        servers, tracker_url = start_servers(env)
        supervisor = Supervisor(commands(tracker_url), env)
        print(f"Starting {', '.join(supervisor.parts)} on {DB} (logs in {LOG_DIR})...", flush=True)
        started = time.monotonic()
        last = None
        while not stopping:
            failing = supervisor.check()
            if failing:
                print(f"\n{failing} keeps stopping; see {LOG_DIR}/{failing}.log", flush=True)
                return 1
            state = health()
            if state and state.get("status") == "ok":
                break
            waiting = state.get("down") if state else ["desk"]
            if waiting != last:
                print(f"  waiting for: {', '.join(waiting)} ({time.monotonic() - started:.0f} s)", flush=True)
                last = waiting
            if time.monotonic() - started > READY_TIMEOUT:
                print(f"\nNot ready after {READY_TIMEOUT:.0f} s: {', '.join(waiting)}", flush=True)
                return 1
            time.sleep(1)
        if stopping:
            return 0
        print(f"""
Ready in {time.monotonic() - started:.0f} s.
  Desk API + docs   http://{HOST}:{DESK_PORT}/docs   (health: /healthz){"  " + str(DESK_REPLICAS) + " replicas" if DESK_REPLICAS > 1 else ""}
  Rasa HTTP API     http://127.0.0.1:{RASA_PORT}      (POST /model/parse; its API needs RASA_TOKEN){"  " + str(RASA_REPLICAS) + " replicas" if RASA_REPLICAS > 1 else ""}
  Action server     http://127.0.0.1:{ACTIONS_PORT}/health
  Database          {"PostgreSQL " + env["DESK_DATABASE_URL"] if DB == "postgres" else "SQLite"}
Chat in a terminal:  .venv/desk/bin/python scripts/chat.py --customer C001
Press Ctrl-C to stop everything.""", flush=True)
        while not stopping:
            failing = supervisor.check()
            if failing:
                print(f"\n{failing} keeps stopping; see {LOG_DIR}/{failing}.log", flush=True)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        print("Stopping...", flush=True)
        if supervisor is not None:
            stop(supervisor.procs)
        for server in reversed(servers):
            server.stop()
        print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
