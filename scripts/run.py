"""Starts the whole product: Rasa (5005), the action server (5055) and the desk (8000).

Run by `make run`. Waits until every part answers, prints the URLs, and on
Ctrl-C (or when any part dies) stops them all, children included.
Standard library only, so it runs with either virtual environment.
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


def endpoints_file() -> Path:
    """endpoints.yml with the action server's port (5055 unless ACTIONS_PORT says otherwise)."""
    path = RUN_DIR / "endpoints.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
    path.write_text(text.replace("127.0.0.1:5055/", f"127.0.0.1:{ACTIONS_PORT}/"), encoding="utf-8")
    return path


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


def commands() -> dict[str, list[str]]:
    model = active_model()
    return {
        "desk": [str(DESK_BIN / "uvicorn"), "--factory", "handoff.app:create_app",
                 "--host", HOST, "--port", str(DESK_PORT)],
        # Both on loopback, both closed by RASA_TOKEN: only the desk talks to
        # Rasa, only Rasa to the action server (actions/server.py, bot/serve.py).
        "actions": [str(RASA_BIN / "python"), "-m", "actions.server"],
        "rasa": [str(RASA_BIN / "python"), "-m", "bot.serve", "--model", model, "--port", str(RASA_PORT),
                 "--credentials", "credentials.yml", "--endpoints", str(endpoints_file())],
    }


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DESK_RASA_URL", f"http://127.0.0.1:{RASA_PORT}")
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


def main() -> int:
    env = environment()
    procs: dict[str, subprocess.Popen] = {}
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for name, argv in commands().items():
            procs[name] = start(name, argv, env)
        print(f"Starting Rasa, the action server and the desk (logs in {LOG_DIR})...",
              flush=True)
        started = time.monotonic()
        last = None
        while not stopping:
            dead = [n for n, p in procs.items() if p.poll() is not None]
            if dead:
                print(f"\n{', '.join(dead)} stopped unexpectedly; see {LOG_DIR}/{dead[0]}.log", flush=True)
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
  Desk API + docs   http://{HOST}:{DESK_PORT}/docs   (health: /healthz)
  Rasa HTTP API     http://127.0.0.1:{RASA_PORT}      (POST /model/parse; its API needs RASA_TOKEN)
  Action server     http://127.0.0.1:{ACTIONS_PORT}/health
Chat in a terminal:  .venv/desk/bin/python scripts/chat.py --customer C001
Press Ctrl-C to stop everything.""", flush=True)
        while not stopping:
            dead = [n for n, p in procs.items() if p.poll() is not None]
            if dead:
                print(f"\n{', '.join(dead)} stopped unexpectedly; see {LOG_DIR}/{dead[0]}.log", flush=True)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        print("Stopping...", flush=True)
        stop(procs)
        print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
