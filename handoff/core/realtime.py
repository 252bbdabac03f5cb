"""Live events: Redis pub/sub fanned out to this process's WebSockets.

Service code publishes with :func:`publish` (synchronous, any process). Every
desk process runs one :class:`Hub`, a single pattern subscription on Redis
that hands each event to the local WebSocket handlers that listen to its
channel. So a customer connected to one desk process sees the reply of an
agent connected to another.

Channels:
- ``conv:<id>``: everything about one conversation (messages, state, typing)
- ``console``: what the agents' consoles need (queue changes, conversations)
"""

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterator

from redis import Redis
from redis.client import Pipeline
from redis.asyncio import Redis as AsyncRedis

logger = logging.getLogger(__name__)

PREFIX = "desk:ev:"


def publish(redis: Redis | Pipeline, channel: str, event: dict) -> None:
    redis.publish(PREFIX + channel, json.dumps(event, ensure_ascii=False, default=str))


@contextlib.contextmanager
def batch(redis: Redis) -> Iterator[Pipeline]:
    """Publish the events of a block in one round trip to Redis, in order, when it ends
    (also when it fails: each event is published after the change it tells of was committed)."""
    pipe = redis.pipeline(transaction=False)
    try:
        yield pipe
    finally:
        if pipe.command_stack:
            pipe.execute()


class Hub:
    def __init__(self, redis: AsyncRedis) -> None:
        self._redis = redis
        self._listeners: dict[str, set[asyncio.Queue]] = defaultdict(set)
        self._task: asyncio.Task | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="realtime-hub")
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._redis.aclose()

    def listen(self, *channels: str) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=1000)
        for channel in channels:
            self._listeners[channel].add(queue)
        return queue

    def add(self, queue: asyncio.Queue, channel: str) -> None:
        self._listeners[channel].add(queue)

    def remove(self, queue: asyncio.Queue, *channels: str) -> None:
        for channel in channels or list(self._listeners):
            listeners = self._listeners.get(channel)
            if listeners is not None:
                listeners.discard(queue)
                if not listeners:
                    del self._listeners[channel]

    def _deliver(self, channel: str, event: dict) -> None:
        for queue in list(self._listeners.get(channel, ())):
            try:
                queue.put_nowait((channel, event))
            except asyncio.QueueFull:  # a stuck socket must not stall the others
                logger.warning("dropping event for a slow listener on %s", channel)

    async def _run(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.psubscribe(PREFIX + "*")
                    self._ready.set()
                    async for message in pubsub.listen():
                        if message.get("type") != "pmessage":
                            continue
                        channel = message["channel"]
                        if isinstance(channel, bytes):
                            channel = channel.decode()
                        self._deliver(channel.removeprefix(PREFIX), json.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis restarted: resubscribe
                logger.exception("realtime hub lost Redis; resubscribing")
                await asyncio.sleep(1)


async def pump(hub: Hub, inbox: asyncio.Queue, reader: asyncio.Task, handle) -> None:
    """Pass each event of ``inbox`` to ``await handle(channel, event)`` until
    ``reader`` (the task reading the client's frames) ends; then clean up."""
    try:
        while not reader.done():
            getter = asyncio.create_task(inbox.get())
            done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            await handle(*getter.result())
    finally:
        hub.remove(inbox)
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader


async def frames(ws, bad_frame_detail: str | None = None):
    """The client's JSON object frames until it goes away; pings are answered here."""
    from starlette.websockets import WebSocketDisconnect

    while True:
        try:
            frame = await ws.receive_json()
        except (WebSocketDisconnect, RuntimeError):
            return
        except ValueError:
            if bad_frame_detail:
                await ws.send_json({"type": "error", "detail": bad_frame_detail})
            continue
        if not isinstance(frame, dict):
            continue
        if frame.get("type") == "ping":
            await ws.send_json({"type": "pong"})
            continue
        yield frame
