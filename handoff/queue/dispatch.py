"""Automatic assignment: the longest-waiting conversation to an available agent.

Runs after every change that can make an assignment possible (a handoff, an
agent coming online, a chat ending) and in the maintenance loop. Several desk
processes may run it at once: claims are atomic, a lost race is skipped.
"""

import logging

from sqlalchemy.orm import Session

from handoff.agents.models import Agent
from handoff.agents.service import active_count
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.core.errors import Conflict
from handoff.queue import service

logger = logging.getLogger(__name__)


def _best_waiting(desk: Desk, agent: Agent, skip: set[str]) -> str | None:
    best: tuple[float, str] | None = None
    for group in agent.skills or []:
        for member, member_score in desk.redis.zrange(service.queue_key(group), 0, 5, withscores=True):
            if member in skip:
                continue
            if best is None or member_score < best[0]:
                best = (member_score, member)
            break
    return best[1] if best else None


def assign_in(desk: Desk, db: Session) -> list[tuple[str, int, str]]:
    assigned: list[tuple[str, int, str]] = []
    failed: set[str] = set()
    for _ in range(200):  # bounded: each round assigns one conversation or stops
        candidates = [
            (active_count(db, a.id), a) for a in service.online_agents(db)
        ]
        candidates = [(n, a) for n, a in candidates if n < a.capacity]
        candidates.sort(key=lambda pair: (pair[0], pair[1].id))  # least busy first
        progress = False
        for _, agent in candidates:
            conv_id = _best_waiting(desk, agent, failed)
            if conv_id is None:
                continue
            try:
                conv = service.claim(desk, db, conv_id, agent, utcnow())
            except Conflict:
                failed.add(conv_id)  # someone else got it, or it left the queue
                continue
            assigned.append((conv_id, agent.id, conv.rasa_sender_id))
            progress = True
            break
        if not progress:
            break
    return assigned


def assign_waiting(desk: Desk) -> list[tuple[str, int, str]]:
    """Assign what can be assigned now: (conversation id, agent id, Rasa sender id).

    The caller pauses the bot for each (``relay.pause_bot``) once it is back in
    async code: never from inside a bot turn, which holds Rasa's conversation lock.
    """
    with desk.session() as db:
        return assign_in(desk, db)
