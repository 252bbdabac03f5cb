"""Action tests: the real actions against a real desk (SQLite, embedded Redis).

The desk runs in its own virtual environment, as in production; the actions
are called the way the action server calls them.
"""

import asyncio
import os
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.settings import settings
from handoff.core.signing import sign_metadata
from tests.support.servers import ROOT, SERVICE_TOKEN, get_json, post_json, start_desk, stop


@pytest.fixture(autouse=True)
def fresh_settings():
    """The actions read their settings once per process (actions/settings.py); a test that
    changes the environment gets them read again."""
    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.fixture(scope="session")
def desk_url(tmp_path_factory):
    proc, url = start_desk(tmp_path_factory.mktemp("desk"))
    os.environ["DESK_URL"] = url
    os.environ["DESK_SERVICE_TOKEN"] = SERVICE_TOKEN
    yield url
    stop(proc)


@pytest.fixture(scope="session")
def domain() -> dict:
    return yaml.safe_load(Path(ROOT / "domain.yml").read_text(encoding="utf-8"))


# The actions read their key to the desk (and to its metadata signatures) from here.
os.environ["DESK_SERVICE_TOKEN"] = SERVICE_TOKEN


def signed(sender: str = "test-sender", **fields) -> dict:
    """Message metadata as the desk sends it: signed with the service token the actions know."""
    return sign_metadata(SERVICE_TOKEN, sender, fields)


def make_tracker(
    text: str = "",
    intent: str = "track_order",
    entities: list[dict] | None = None,
    slots: dict | None = None,
    metadata: dict | None = None,
    events: list[dict] | None = None,
    active_loop: str | None = None,
    sender: str = "test-sender",
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.98},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    user_event = {"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}}
    return Tracker(
        sender, dict(slots or {}), latest, list(events or []) + [user_event], False, None,
        {"name": active_loop} if active_loop else {}, "action_listen",
    )


def entity(name: str, value: str) -> dict:
    return {"entity": name, "value": value, "start": 0, "end": len(value)}


class Run:
    """Runs one action; keeps what it said and the events it returned."""

    def __init__(self, action, tracker: Tracker, domain: dict) -> None:
        self.dispatcher = CollectingDispatcher()
        self.events = asyncio.run(action.run(self.dispatcher, tracker, domain))

    @property
    def text(self) -> str:
        return "\n".join(m.get("text") or "" for m in self.dispatcher.messages)

    @property
    def buttons(self) -> list[dict]:
        return [b for m in self.dispatcher.messages for b in m.get("buttons", [])]

    def slot(self, name: str):
        values = [e["value"] for e in self.events if e.get("event") == "slot" and e["name"] == name]
        return values[-1] if values else "<unset>"


@pytest.fixture
def run(desk_url, domain):
    return lambda action, tracker: Run(action, tracker, domain)


@pytest.fixture
def desk_get(desk_url):
    return lambda path: get_json(desk_url + path, token=SERVICE_TOKEN)[1]


@pytest.fixture
def anonymous_sender(desk_url):
    """A new anonymous web conversation in the desk: its Rasa sender id."""
    return lambda: "desk-" + post_json(desk_url + "/api/chat/conversations", {})[1]["id"]


@pytest.fixture
def simulated_sms(desk_url):
    """The last code the desk's development "SMS" provider sent."""
    return lambda: get_json(desk_url + "/api/demo/sms")[1][0]
