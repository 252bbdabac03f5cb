"""Start the whole product for a benchmark, like `make run`, on free ports and a scratch database."""

import contextlib
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.servers import (  # noqa: E402
    DESK_VENV, RASA_TOKEN, SERVICE_TOKEN, consecutive_ports, desk_env, free_port)


@dataclass
class Running:
    proc: subprocess.Popen
    rasa: str
    desk: str
    ready_seconds: float
    dir: Path  # RUN_DIR: run.log and the parts' logs

    def rasa_api(self, path: str) -> str:
        """A URL of Rasa's HTTP API, with the token it requires."""
        return f"{self.rasa}{path}{'&' if '?' in path else '?'}token={RASA_TOKEN}"


def process_name(proc: psutil.Process) -> str:
    """Which part of the product a process started by scripts/run.py is."""
    cmd = " ".join(proc.cmdline())
    if "uvicorn" in cmd:
        return "desk"
    return "action server" if "actions.server" in cmd or " actions" in cmd else "Rasa"


def stack_processes(running: "Running") -> dict[str, psutil.Process]:
    """The three processes of a running stack, by name."""
    return {process_name(p): p for p in psutil.Process(running.proc.pid).children()}


@contextlib.contextmanager
def running_stack(replicas: int = 1, **env_extra: str) -> Iterator[Running]:
    """The product on free ports; with ``replicas`` > 1 that many desks (behind the proxy) and Rasas."""
    ports = {"rasa": consecutive_ports(replicas), "actions": free_port(), "desk": consecutive_ports(replicas + 1)}
    if replicas > 1:
        env_extra = {"RASA_REPLICAS": str(replicas), "DESK_REPLICAS": str(replicas)} | env_extra
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    env = desk_env(tmp, RASA_PORT=str(ports["rasa"]), ACTIONS_PORT=str(ports["actions"]),
                   DESK_PORT=str(ports["desk"]), DESK_SERVICE_TOKEN=SERVICE_TOKEN, RUN_DIR=str(tmp),
                   **env_extra)
    log = open(tmp / "run.log", "w+b")
    started = time.monotonic()
    proc = subprocess.Popen([str(DESK_VENV / "bin" / "python"), "scripts/run.py"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        while b"Ready in" not in (tmp / "run.log").read_bytes():
            if proc.poll() is not None:
                sys.exit("stack failed to start:\n" + (tmp / "run.log").read_text())
            time.sleep(0.5)
        yield Running(proc, f"http://127.0.0.1:{ports['rasa']}", f"http://127.0.0.1:{ports['desk']}",
                      time.monotonic() - started, tmp)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
