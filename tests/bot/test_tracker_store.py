"""The bounded tracker store: a long conversation is saved as its state and its last turns, and the
policies see the same recent states as in the whole conversation."""

import asyncio
from pathlib import Path

import pytest
from rasa.core.tracker_store import create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from bot.tracker_store import BoundedTrackerStore, compacted

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


def start():
    return [ActionExecuted("action_session_start"), SessionStarted(), SlotSet("customer_id", "C004"),
            ActionExecuted("action_listen")]


def turn(intent, *answer):
    return [UserUttered(f"说 {intent}", intent={"name": intent, "confidence": 0.9}), *answer,
            ActionExecuted("action_listen")]


def small_talk(n):
    events = []
    for i in range(n):
        intent = ["greet", "query_points", "thank"][i % 3]
        answer = {"greet": "utter_greet", "query_points": "action_show_points", "thank": "utter_thank"}[intent]
        events += turn(intent, ActionExecuted(answer), BotUttered(f"答 {i}"))
    return events


def return_form(turns_inside):
    events = turn("request_return", ActionExecuted("return_form"), ActiveLoop("return_form"),
                  SlotSet("requested_slot", "order_id"))
    for i in range(turns_inside):
        events += turn("request_return", ActionExecuted("return_form"), SlotSet("order_id", f"DD26000100000{i}"),
                       SlotSet("requested_slot", "return_reason"))
    return events


def end_form():
    return turn("affirm", ActionExecuted("return_form"), SlotSet("requested_slot", None), ActiveLoop(None),
                ActionExecuted("action_submit_return"), BotUttered("已提交"))


def tracker(domain, events):
    return DialogueStateTracker.from_events("c1", events, slots=domain.slots, domain=domain)


def users(t):
    return sum(isinstance(e, UserUttered) for e in t.events)


def squeeze(domain, t, max_turns=12, keep_turns=8):
    return compacted(t, slots=domain.slots, max_turns=max_turns, keep_turns=keep_turns, domain=domain)


def test_a_short_conversation_is_saved_as_it_is(domain):
    short = tracker(domain, start() + small_talk(12))
    assert squeeze(domain, short) is short


def test_a_long_conversation_keeps_its_state_and_what_the_policies_see(domain):
    whole = tracker(domain, start() + small_talk(30) + [SlotSet("region", "新疆")] + small_talk(1))
    kept = squeeze(domain, whole)
    assert users(whole) == 31 and users(kept) == 8
    assert kept.current_slot_values() == whole.current_slot_values()
    assert kept.get_slot("customer_id") == "C004" and kept.get_slot("region") == "新疆"
    assert kept.past_states(domain)[-6:] == whole.past_states(domain)[-6:]
    assert kept.latest_message.text == whole.latest_message.text
    assert len(kept.events) < len(whole.events) / 3
    assert all(slot.value == slot.initial_value for slot in domain.slots)  # the domain's slots are not touched


def test_a_paused_conversation_stays_paused(domain):
    whole = tracker(domain, start() + small_talk(5) + [ConversationPaused()] + small_talk(20))
    assert whole.is_paused()
    assert squeeze(domain, whole).is_paused()


def test_a_form_is_never_cut_in_its_middle(domain):
    # The form started 10 turns ago and is still active: the cut falls before it started.
    whole = tracker(domain, start() + small_talk(10) + return_form(9))
    kept = squeeze(domain, whole)
    assert kept.active_loop_name == "return_form"
    first_user = next(e for e in kept.events if isinstance(e, UserUttered))
    assert first_user.intent_name == "request_return" and users(kept) == 10
    # A form's turns are one state each for the policies; the state before the cut is the session's start.
    assert kept.past_states(domain)[1:] == whole.past_states(domain)[-3:]
    assert kept.current_slot_values() == whole.current_slot_values()


def test_a_form_longer_than_the_bound_waits_for_its_end(domain):
    whole = tracker(domain, start() + return_form(14))
    assert squeeze(domain, whole) is whole
    ended = tracker(domain, list(whole.events) + end_form() + small_talk(8))
    kept = squeeze(domain, ended)
    assert users(kept) == 8 and kept.active_loop_name is None
    assert kept.current_slot_values() == ended.current_slot_values()


def test_the_store_saves_the_compacted_tracker(domain):
    store = BoundedTrackerStore(domain, max_turns=12, keep_turns=8)
    whole = tracker(domain, start() + small_talk(20))
    asyncio.run(store.save(whole))
    back = asyncio.run(store.retrieve("c1"))
    assert users(back) == 8 and back.get_slot("customer_id") == "C004"


def test_endpoints_yml_selects_it(domain, monkeypatch):
    monkeypatch.setenv("RASA_TOKEN", "test-rasa-token")  # the action endpoint's header names it
    # Rasa falls back to its in-memory store, with a warning only, when the type cannot be imported.
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    store = create_tracker_store(config, domain)
    inner = getattr(store, "_tracker_store", store)
    inner = getattr(inner, "_tracker_store", inner)
    assert isinstance(inner, BoundedTrackerStore)
    assert (inner.max_turns, inner.keep_turns) == (12, 8)


def test_endpoints_with_a_url_keep_the_trackers_in_that_database(domain, tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    endpoints.write_text("tracker_store:\n  type: bot.tracker_store.BoundedTrackerStore\n  max_turns: 12\n"
                         f"  keep_turns: 8\n  url: {url}\n", encoding="utf-8")
    store = create_tracker_store(read_endpoint_config(str(endpoints), "tracker_store"), domain)
    asyncio.run(store.save(tracker(domain, start() + small_talk(2))))
    assert users(asyncio.run(BoundedTrackerStore(domain, url=url).retrieve("c1"))) == 2


def test_a_bad_bound_is_refused(domain):
    with pytest.raises(ValueError):
        BoundedTrackerStore(domain, max_turns=4, keep_turns=8)


def test_in_sql_two_stores_share_a_conversation_compacted_with_its_pause(domain, tmp_path):
    """Two Rasa replicas on one table: what one saved, the other continues from."""
    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    first = BoundedTrackerStore(domain, max_turns=12, keep_turns=8, url=url)
    second = BoundedTrackerStore(domain, max_turns=12, keep_turns=8, url=url)
    asyncio.run(first.save(tracker(domain, start() + small_talk(20) + [ConversationPaused()])))
    back = asyncio.run(second.retrieve("c1"))
    assert users(back) == 8 and back.get_slot("customer_id") == "C004" and back.is_paused()
    back.update(UserUttered("还在吗", intent={"name": "greet", "confidence": 0.9}))
    asyncio.run(second.save(back))  # an update replaces the row
    assert list(asyncio.run(first.keys())) == ["c1"]
    assert asyncio.run(first.retrieve("c1")).latest_message.text == "还在吗"
    assert asyncio.run(first.retrieve("nobody")) is None


def test_in_sql_only_the_latest_session_is_retrieved(domain, tmp_path):
    store = BoundedTrackerStore(domain, url=f"sqlite:///{tmp_path / 'trackers.db'}")
    asyncio.run(store.save(tracker(domain, start() + small_talk(2) + start() + small_talk(1))))
    assert users(asyncio.run(store.retrieve("c1"))) == 1
    assert users(asyncio.run(store.retrieve_full_tracker("c1"))) == 3
