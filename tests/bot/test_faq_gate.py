"""The FAQ confidence gate: a clear FAQ answer stays, an unsure one becomes the fallback intent."""

from rasa.shared.nlu.training_data.message import Message

from bot.faq_gate import FaqConfidenceGate


def parsed(intent, best, second):
    return Message(data={
        "text": "…",
        "intent": {"name": intent, "confidence": 0.9},
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
        "response_selector": {"faq": {
            "response": {"intent_response_key": "faq/shipping_time", "confidence": best},
            "ranking": [{"intent_response_key": "faq/shipping_time", "confidence": best},
                        {"intent_response_key": "faq/return_pickup", "confidence": second}],
        }},
    })


def gate(*messages):
    component = FaqConfidenceGate({"threshold": 0.5, "ambiguity_threshold": 0.1})
    return [m.get("intent")["name"] for m in component.process(list(messages))]


def test_a_confident_faq_answer_is_kept():
    assert gate(parsed("faq", 0.93, 0.02)) == ["faq"]


def test_an_unsure_or_ambiguous_faq_answer_goes_to_the_fallback_flow():
    low, close = parsed("faq", 0.41, 0.2), parsed("faq", 0.52, 0.46)
    assert gate(low, close) == ["nlu_fallback", "nlu_fallback"]
    assert low.get("intent_ranking")[0]["name"] == "nlu_fallback"
    # What the selector found stays in the parse, for the desk and the reports.
    assert low.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/shipping_time"


def test_other_intents_are_left_alone_whatever_the_selector_says():
    assert gate(parsed("track_order", 0.1, 0.09)) == ["track_order"]
