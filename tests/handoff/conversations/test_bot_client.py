"""Sticky routing of conversations to Rasa processes."""

from collections import Counter

import pytest

from handoff.conversations.bot import BotClient, nlu_summary, pick
from handoff.core.settings import Settings


def test_a_conversation_always_goes_to_the_same_rasa_and_load_spreads():
    urls = Settings(rasa_url="http://r1:5005, http://r2:5005/,http://r3:5005").rasa_urls
    assert urls == ["http://r1:5005", "http://r2:5005", "http://r3:5005"]
    senders = [f"desk-c_{i:016x}" for i in range(3000)]
    first = [BotClient(urls, timeout=1).url_for(s) for s in senders[:20]]
    # The same answer from another client (another desk process, another day).
    assert first == [pick(list(urls), s) for s in senders[:20]]
    first = [pick(urls, s) for s in senders]
    counts = Counter(first)
    assert set(counts) == set(urls) and min(counts.values()) > 800


def test_nlu_summary_keeps_intent_confidence_entities_and_sentiment():
    parse = {"intent": {"name": "track_order", "confidence": 0.98765},
             "entities": [{"entity": "order_id", "value": "DD260001000001", "start": 0, "end": 14}],
             "sentiment": {"label": "neutral", "score": 0.9}, "text": "..."}
    assert nlu_summary(parse) == {"intent": "track_order", "confidence": 0.9877,
                                  "entities": [{"entity": "order_id", "value": "DD260001000001"}],
                                  "sentiment": {"label": "neutral", "score": 0.9}, "faq": None}
    faq = {"intent": {"name": "faq", "confidence": 0.9},
           "response_selector": {"faq": {"response": {"intent_response_key": "faq/invoice"}}}}
    assert nlu_summary(faq)["faq"] == "faq/invoice"
    assert nlu_summary({}) is None and nlu_summary(None) is None


def test_a_conversation_whose_rasa_is_down_goes_to_its_next_and_comes_back(monkeypatch):
    """Refused connection: the next process in the conversation's ranking answers. A timeout is not retried."""
    import asyncio

    from aiohttp import web

    from handoff.conversations import bot
    from handoff.conversations.bot import BotUnavailable, ranking
    from tests.support.servers import free_port

    seen: list[int] = []

    async def scenario():
        async def answer(request):
            seen.append(request.url.port)
            if (await request.json())["message"] == "慢":
                await asyncio.sleep(2)
            return web.json_response({"replies": [{"text": "好的"}], "nlu": {}})

        app = web.Application()
        app.router.add_post("/webhooks/desk/webhook", answer)
        runner = web.AppRunner(app)
        await runner.setup()
        up, down = free_port(), free_port()
        await web.TCPSite(runner, "127.0.0.1", up).start()
        urls = [f"http://127.0.0.1:{up}", f"http://127.0.0.1:{down}"]
        sender = next(f"desk-c{i}" for i in range(100) if ranking(urls, f"desk-c{i}")[0] == urls[1])
        other = next(f"desk-c{i}" for i in range(100) if ranking(urls, f"desk-c{i}")[0] == urls[0])
        client = BotClient(urls, timeout=1.0)
        try:
            assert await client.send(sender, "你好", {}) == ([{"text": "好的"}], {})
            assert seen == [up] and client.url_for(sender) == urls[0]  # passed over for DOWN_SECONDS
            monkeypatch.setattr(bot, "DOWN_SECONDS", 0.0)
            client._down_until.clear()
            assert client.url_for(sender) == urls[1]  # back to its own process once that is tried again
            with pytest.raises(BotUnavailable):
                await client.send(other, "慢", {})  # its process is slow: not sent anywhere else
            assert seen == [up, up]
        finally:
            await client.aclose()
            await runner.cleanup()

    asyncio.run(scenario())
