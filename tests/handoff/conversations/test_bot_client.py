"""Sticky routing of conversations to Rasa processes."""

from collections import Counter

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
