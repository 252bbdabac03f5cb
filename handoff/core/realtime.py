"""Live events: Redis pub/sub fanned out to this process's WebSockets.

Service code publishes with :func:`publish` (synchronous, any process). Every
desk process runs one :class:`Hub`, a single subscription connection to Redis
(to the channels its own WebSocket handlers listen to) that hands each event
to those handlers. So a customer connected to one desk process sees the reply of an
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
    """This process's one subscription connection to Redis.

    It is subscribed only to the channels that this process's listeners
    (sockets, the WeChat sender) listen to, so a desk process does not read
    and decode the events of conversations it does not serve.
    """

    # Always subscribed: a pub/sub connection with no channel would stop reading.
    _KEEPALIVE = "hub"

    def __init__(self, redis: AsyncRedis) -> None:
        self._redis = redis
        self._listeners: dict[str, set[asyncio.Queue]] = defaultdict(set)
        self._subscribed: set[str] = set()  # the channels asked of Redis on the current connection
        self._pending: dict[str, int] = defaultdict(int)  # SUBSCRIBEs sent, not confirmed yet
        self._confirmed: dict[str, asyncio.Event] = {}
        self._lock = asyncio.Lock()  # one (un)subscription at a time, in the order they are decided
        self._pubsub = None
        self._task: asyncio.Task | None = None
        self._ready = asyncio.Event()
        self._background: set[asyncio.Task] = set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="realtime-hub")
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        for task in [self._task, *self._background]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._redis.aclose()

    async def listen(self, *channels: str) -> asyncio.Queue:
        """A queue of ``(channel, event)`` for ``channels``. It returns once Redis delivers
        those channels to this process: whatever is published afterwards reaches the queue."""
        queue: asyncio.Queue = asyncio.Queue(maxsize=1000)
        for channel in channels:
            self._listeners[channel].add(queue)
        for channel in channels:
            await self._sync(channel)
        for channel in channels:
            confirmed = self._confirmed.get(channel)
            if confirmed is not None:
                try:
                    await asyncio.wait_for(confirmed.wait(), timeout=5)
                except asyncio.TimeoutError:  # Redis is down: the hub resubscribes when it is back
                    logger.warning("subscription to %s not confirmed yet", channel)
        return queue

    def remove(self, queue: asyncio.Queue, *channels: str) -> None:
        for channel in channels or list(self._listeners):
            listeners = self._listeners.get(channel)
            if listeners is not None:
                listeners.discard(queue)
                if not listeners:
                    del self._listeners[channel]
                    task = asyncio.create_task(self._sync(channel))
                    self._background.add(task)
                    task.add_done_callback(self._background.discard)

    async def _sync(self, channel: str) -> None:
        """Subscribe to ``channel`` or unsubscribe from it, as its listeners now need."""
        async with self._lock:
            wanted = bool(self._listeners.get(channel))
            if wanted == (channel in self._subscribed):
                return
            if wanted:
                self._subscribed.add(channel)
                self._confirmed[channel] = asyncio.Event()
                command = "subscribe"
            else:
                self._subscribed.discard(channel)
                self._confirmed.pop(channel, None)
                command = "unsubscribe"
            if self._pubsub is None:  # (re)connecting: _run subscribes to what is wanted then
                return
            if wanted:
                self._pending[channel] += 1
            try:
                await getattr(self._pubsub, command)(PREFIX + channel)
            except Exception:  # the connection broke: _run reconnects and resubscribes
                logger.warning("could not %s %s", command, channel)

    def _on_subscribed(self, channel: str) -> None:
        self._pending[channel] -= 1
        if self._pending[channel] <= 0:
            self._pending.pop(channel, None)
            confirmed = self._confirmed.get(channel)
            if confirmed is not None and channel in self._subscribed:
                confirmed.set()

    def _deliver(self, channel: str, data: str) -> None:
        listeners = self._listeners.get(channel)
        if not listeners:  # (an event that raced an unsubscription)
            return
        event = json.loads(data)
        for queue in list(listeners):
            try:
                queue.put_nowait((channel, event))
            except asyncio.QueueFull:  # a stuck socket must not stall the others
                logger.warning("dropping event for a slow listener on %s", channel)

    async def _connect(self):
        async with self._lock:
            pubsub = self._redis.pubsub()
            self._pending.clear()
            channels = [self._KEEPALIVE, *self._subscribed]
            for channel in channels:
                self._pending[channel] += 1
            await pubsub.subscribe(*[PREFIX + c for c in channels])
            self._pubsub = pubsub
            return pubsub

    async def _run(self) -> None:
        while True:
            try:
                pubsub = await self._connect()
                try:
                    async for message in pubsub.listen():
                        kind = message.get("type")
                        channel = message["channel"]
                        if isinstance(channel, bytes):
                            channel = channel.decode()
                        channel = channel.removeprefix(PREFIX)
                        if kind == "message":
                            self._deliver(channel, message["data"])
                        elif kind == "subscribe":
                            self._on_subscribed(channel)
                            if channel == self._KEEPALIVE:
                                self._ready.set()
                finally:
                    self._pubsub = None
                    with contextlib.suppress(Exception):
                        await pubsub.aclose()
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
