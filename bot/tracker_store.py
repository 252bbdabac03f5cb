"""A tracker store that keeps only the recent turns of a conversation.

Rasa reads, replays and serialises a conversation's whole tracker on every
turn, and sends all of it to the action server with each action call; its
policies compute the states of every turn since the session started. So a
turn costs more the longer the conversation (turn 200 cost 3.1x turn 5,
docs/measurements.md). The desk keeps the whole transcript in SQL; Rasa only
needs the recent turns (the policies look back ``max_history`` turns) and the
current state (slots, a paused conversation).

So when a conversation has more than ``max_turns`` customer messages, it is
saved as a new session holding the state where it is cut and the last
``keep_turns`` messages:

    action_session_start, session_started, slot events (values where the cut
    is), pause (if paused), action_listen, <the kept turns, unchanged>

like the start of a Rasa session that carried its slots over. It is cut only
before a customer message with no form active, so a form's turns are never
split; a form longer than ``max_turns`` waits for its end. (Rasa's own
``max_event_history`` drops the oldest events and with them the slots they
set.)

    endpoints.yml:  tracker_store: {type: bot.tracker_store.BoundedTrackerStore, max_turns: 12, keep_turns: 8}

The trackers are kept in memory, or with ``url`` (a SQLAlchemy URL: the
desk's PostgreSQL, or a SQLite file on one machine) in the table
``rasa_trackers``, one row per conversation, so that several Rasa replicas
share them: a conversation whose replica died continues on another with its
slots, its form and its pause. One replica answers a conversation at a time
(the desk routes each conversation to one replica, DESIGN.md), so a row has
one writer.
"""

from datetime import datetime, timezone
from typing import Any, Iterator, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ConversationPaused,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, get_trackers_for_conversation_sessions

SESSION_START, LISTEN = "action_session_start", "action_listen"


def _cut_index(events: list[Event], keep_turns: int, slots, domain: Optional[Domain]) -> Optional[int]:
    """The latest customer message with ``keep_turns`` or more after it where no form is active, if any."""
    user_at = [i for i, event in enumerate(events) if isinstance(event, UserUttered)]
    # Not the first message (nothing would be cut), and ``keep_turns`` messages from the cut on.
    candidates = set(user_at[1: len(user_at) - keep_turns + 1])
    replay, cut = DialogueStateTracker("cut", slots), None
    for index, event in enumerate(events[: max(candidates, default=0) + 1]):
        if index in candidates and not replay.active_loop_name:
            cut = index
        replay.update(event, domain)
    return cut


def compacted(
    tracker: DialogueStateTracker, *, slots, max_turns: int, keep_turns: int, domain: Optional[Domain] = None
) -> DialogueStateTracker:
    """``tracker`` itself while it has at most ``max_turns`` customer messages, else its state and last turns."""
    events = list(tracker.events)
    if sum(isinstance(event, UserUttered) for event in events) <= max_turns:
        return tracker
    cut = _cut_index(events, keep_turns, slots, domain)
    if cut is None:
        return tracker
    before = DialogueStateTracker.from_events(tracker.sender_id, events[:cut], slots=slots, domain=domain)
    at = events[cut].timestamp
    state: list[Event] = [ActionExecuted(SESSION_START, timestamp=at), SessionStarted(timestamp=at)]
    state += [SlotSet(name, slot.value, timestamp=at)
              for name, slot in before.slots.items() if slot.value != slot.initial_value]
    if before.is_paused():
        state.append(ConversationPaused(timestamp=at))
    state.append(ActionExecuted(LISTEN, timestamp=at))
    return DialogueStateTracker.from_events(tracker.sender_id, state + events[cut:], slots=slots, domain=domain,
                                            sender_source=tracker.sender_source)


class SqlTrackers:
    """The serialised trackers by sender id, in a SQL table: what ``InMemoryTrackerStore`` keeps in a dict."""

    metadata = sa.MetaData()
    table = sa.Table(
        "rasa_trackers", metadata,
        sa.Column("sender_id", sa.String(255), primary_key=True),
        sa.Column("tracker", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, pool_pre_ping=True, future=True)
        try:
            self.metadata.create_all(self.engine)
        except sa.exc.DBAPIError:  # another replica starting at the same moment created it first
            self.metadata.create_all(self.engine)
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        self._insert = insert

    def get(self, sender_id: str) -> Optional[str]:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(self.table.c.tracker).where(self.table.c.sender_id == sender_id)).scalar()

    def __setitem__(self, sender_id: str, serialised: str) -> None:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        upsert = self._insert(self.table).values(sender_id=sender_id, tracker=serialised, updated_at=now)
        upsert = upsert.on_conflict_do_update(index_elements=["sender_id"],
                                              set_={"tracker": serialised, "updated_at": now})
        with self.engine.begin() as conn:
            conn.execute(upsert)

    def keys(self) -> Iterator[str]:
        with self.engine.connect() as conn:
            return iter(conn.execute(sa.select(self.table.c.sender_id)).scalars().all())


class BoundedTrackerStore(InMemoryTrackerStore):
    """``InMemoryTrackerStore`` that saves each conversation ``compacted`` (above), in memory or in SQL."""

    def __init__(self, domain: Domain, event_broker=None, max_turns: int = 12, keep_turns: int = 8,
                 host: Optional[str] = None, **kwargs: Any) -> None:
        # Rasa passes the endpoint's ``url`` as ``host`` to a tracker store of its own type.
        url = host or kwargs.pop("url", "")
        if not 0 < keep_turns <= max_turns:
            raise ValueError("tracker_store: 0 < keep_turns <= max_turns")
        self.max_turns, self.keep_turns = int(max_turns), int(keep_turns)
        super().__init__(domain, event_broker, **kwargs)
        if url:
            self.store = SqlTrackers(url)

    async def _retrieve(self, sender_id: str, fetch_all_sessions: bool) -> Optional[DialogueStateTracker]:
        """As Rasa's, with one read of the store (a dict, or one SQL query)."""
        stored = self.store.get(sender_id)
        tracker = self.deserialise_tracker(sender_id, stored) if stored is not None else None
        if tracker is None or fetch_all_sessions:
            return tracker
        sessions = get_trackers_for_conversation_sessions(tracker)
        return sessions[-1] if len(sessions) > 1 else tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(compacted(tracker, slots=self.domain.slots, max_turns=self.max_turns,
                                     keep_turns=self.keep_turns, domain=self.domain))
