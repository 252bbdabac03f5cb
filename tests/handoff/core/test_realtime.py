"""The hub: one subscription per desk process, to the channels its listeners need (real Redis)."""

import asyncio

import pytest

from handoff.core.realtime import PREFIX, Hub, publish
from handoff.core.redis import EmbeddedRedis


@pytest.fixture
def redis_server(tmp_path):
    server = EmbeddedRedis(tmp_path / "redis")
    yield server
    server.stop()


def with_hub(server: EmbeddedRedis, scenario) -> None:
    """Run ``await scenario(hub, redis)`` against a started hub (a sync client beside it)."""

    async def main():
        hub = Hub(server.async_client())
        await hub.start()
        try:
            await scenario(hub, server.client())
        finally:
            await hub.stop()

    asyncio.run(asyncio.wait_for(main(), timeout=30))


async def _next(queue: asyncio.Queue, timeout: float = 5.0):
    return await asyncio.wait_for(queue.get(), timeout)


def _subscribed(sync_redis) -> set[str]:
    return {c.removeprefix(PREFIX) for c in sync_redis.pubsub_channels(PREFIX + "*")}


def test_an_event_published_after_listen_returns_is_delivered(redis_server):
    async def scenario(hub, sync):
        inbox = await hub.listen("conv:c_1", "queue")
        publish(sync, "conv:c_1", {"type": "message", "text": "你好"})
        publish(sync, "queue", {"type": "queue"})
        assert await _next(inbox) == ("conv:c_1", {"type": "message", "text": "你好"})
        assert await _next(inbox) == ("queue", {"type": "queue"})

    with_hub(redis_server, scenario)


def test_only_the_channels_listened_to_are_subscribed(redis_server):
    async def scenario(hub, sync):
        first = await hub.listen("conv:c_1", "console")
        second = await hub.listen("console")
        assert _subscribed(sync) == {"hub", "conv:c_1", "console"}
        hub.remove(first)
        for _ in range(50):  # the unsubscription is sent in the background
            if _subscribed(sync) == {"hub", "console"}:
                break
            await asyncio.sleep(0.05)
        assert _subscribed(sync) == {"hub", "console"}  # console still has a listener
        publish(sync, "conv:c_1", {"type": "message"})  # nobody here listens: not read
        publish(sync, "console", {"type": "queue"})
        assert await _next(second) == ("console", {"type": "queue"})
        assert first.empty()

    with_hub(redis_server, scenario)


def test_a_socket_that_closes_and_reopens_at_once_keeps_its_channel(redis_server):
    """remove() unsubscribes in the background; a listen() right after must win."""
    async def scenario(hub, sync):
        for i in range(20):
            old = await hub.listen("conv:c_2")
            hub.remove(old)
            inbox = await hub.listen("conv:c_2")
            publish(sync, "conv:c_2", {"n": i})
            assert await _next(inbox) == ("conv:c_2", {"n": i})
            hub.remove(inbox)

    with_hub(redis_server, scenario)


def test_the_hub_resubscribes_after_losing_its_connection(redis_server):
    async def scenario(hub, sync):
        inbox = await hub.listen("conv:c_3")
        assert sync.client_kill_filter(_type="pubsub") == 1  # as when Redis restarts
        for _ in range(100):  # back within a few seconds, with its channels
            if "conv:c_3" in _subscribed(sync):
                break
            await asyncio.sleep(0.05)
        publish(sync, "conv:c_3", {"type": "message", "text": "又来了"})
        assert await _next(inbox) == ("conv:c_3", {"type": "message", "text": "又来了"})

    with_hub(redis_server, scenario)
