"""PostgreSQL and redis-server as ordinary processes in a scratch folder.

Debian's packages (`make servers` installs them) provide the binaries; this
starts them on a free port, never as the system's services. `make run
DB=postgres` and the tests that run on real servers use it. Standard library
only, so it runs with either virtual environment.

PostgreSQL refuses to run as root: when we are root, its data folder belongs
to the ``postgres`` user the package created and every command runs as that
user (runuser).
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

# Fast and unsafe on power loss: for tests and soak runs only (durable=False).
NOT_DURABLE = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps it off PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def redis_server_bin() -> str | None:
    return shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if os.path.exists(p)), None)


def _wait_for_port(port: int, proc: subprocess.Popen, what: str, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{what} did not listen on {port} within {timeout} s")


class Postgres:
    """A PostgreSQL cluster of its own: ``initdb`` into a new folder, then ``postgres`` on a free port.

    ``url(name)`` is the SQLAlchemy URL of a database in it; ``create_database``
    makes one. ``stop``/``start`` restart the same cluster (the data stays);
    ``kill`` stops it without a shutdown (SIGKILL)."""

    USER = "desk"

    def __init__(self, directory: Path | None = None, durable: bool = False, port: int | None = None) -> None:
        """A new cluster in a new folder under /tmp, or the one in ``directory`` (made there the first time)."""
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed: run `make servers` (apt-get install postgresql)")
        self.as_root = os.geteuid() == 0
        if directory is None:  # under /tmp, not under a root-only folder: the postgres user must reach it
            self.dir = Path(tempfile.mkdtemp(prefix="desk-pg-"))
        else:
            self.dir = Path(directory).resolve()
            self.dir.mkdir(parents=True, exist_ok=True)
        self.data, self.log = self.dir / "data", self.dir / "postgres.log"
        self.port, self.durable, self.proc = port or free_port(), durable, None
        if self.as_root:
            account = pwd.getpwnam("postgres")
            os.chown(self.dir, account.pw_uid, account.pw_gid)
        if not (self.data / "PG_VERSION").exists():
            self._run(self.bin / "initdb", "-D", self.data, "-U", self.USER, "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8", *(() if durable else ("--no-sync",)))
        self.start()

    def _argv(self, *argv) -> list[str]:
        argv = [str(a) for a in argv]
        return ["runuser", "-u", "postgres", "--", *argv] if self.as_root else argv

    def _run(self, *argv) -> None:
        done = subprocess.run(self._argv(*argv), capture_output=True, text=True, cwd=self.dir)
        if done.returncode:
            raise RuntimeError(f"{argv[0]} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        log = open(self.log, "ab")
        if self.as_root:
            os.chown(self.log, pwd.getpwnam("postgres").pw_uid, -1)
        self.proc = subprocess.Popen(
            self._argv(self.bin / "postgres", "-D", self.data, "-p", self.port, "-h", "127.0.0.1",
                       "-k", self.dir, "-c", "max_connections=200", *(() if self.durable else NOT_DURABLE)),
            stdout=log, stderr=subprocess.STDOUT, cwd=self.dir, start_new_session=True)
        _wait_for_port(self.port, self.proc, "postgres", self.log)
        self._wait_accepting()

    def _wait_accepting(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            done = subprocess.run(self._argv(self.bin / "pg_isready", "-h", "127.0.0.1", "-p", self.port),
                                  capture_output=True)
            if done.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError("postgres does not accept connections")
            time.sleep(0.1)

    def psql(self, sql: str, database: str = "postgres") -> str:
        done = subprocess.run(self._argv(self.bin / "psql", "-h", "127.0.0.1", "-p", self.port, "-U", self.USER,
                                         "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql),
                              capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"psql failed: {done.stderr}")
        return done.stdout.strip()

    def create_database(self, name: str, exist_ok: bool = False) -> str:
        if not (exist_ok and self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")):
            self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def url(self, name: str, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{self.USER}@127.0.0.1:{self.port}/{urllib.parse.quote(name)}"

    def stop(self) -> None:
        """A fast shutdown (SIGINT): clients are disconnected, the data is kept."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 2)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer:
    """redis-server on a free port with its data in a new folder (no snapshots unless ``persistent``)."""

    def __init__(self, directory: Path | None = None, persistent: bool = False, port: int | None = None) -> None:
        self.binary = redis_server_bin()
        if self.binary is None:
            raise RuntimeError("redis-server is not installed: run `make servers` (apt-get install redis-server)")
        self.dir = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="desk-redis-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port, self.persistent, self.proc = port or free_port(), persistent, None
        self.log = self.dir / "redis.log"
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        persistence = ["--appendonly", "yes"] if self.persistent else ["--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--daemonize", "no", "--logfile", str(self.log), "--maxclients", "2000", *persistence],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        _wait_for_port(self.port, self.proc, "redis-server", self.log)

    def ensure_running(self) -> None:
        """Start it again if it stopped (a test shut it down to see the desk cope)."""
        if self.proc is None or self.proc.poll() is not None:
            self.start()

    def command(self, *args: str) -> str:
        """One command over RESP (standard library only): FLUSHALL, PING, DBSIZE..."""
        payload = f"*{len(args)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in args)
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
            conn.sendall(payload.encode())
            return conn.recv(65536).decode(errors="replace").strip()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
