"""Automatic assignment: the longest-waiting conversation to an available agent.

Runs after every change that can make an assignment possible (a handoff, an
agent coming online, a chat ending) and in the maintenance loop. Several desk
processes may run it at once: claims are atomic, a lost race is skipped.
``assign`` is the only way in: it also pauses the bot of each conversation
it gave to an agent.
"""

import logging

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

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
                conv = service.claim(desk, db, conv_id=conv_id, agent=agent, now=utcnow())
            except Conflict:
                failed.add(conv_id)  # someone else got it, or it left the queue
                continue
            assigned.append((conv_id, agent.id, conv.rasa_sender_id))
            progress = True
            break
        if not progress:
            break
    return assigned


def _assign_waiting(desk: Desk) -> list[tuple[str, int, str]]:
    with desk.session() as db:
        return assign_in(desk, db)


async def assign(desk: Desk) -> list[str]:
    """Assign what can be assigned now and pause the bot of each; the conversation ids.

    Never call it from inside a bot turn (an action): Rasa holds the
    conversation's lock there and the pause would wait for it.
    """
    assigned = await run_in_threadpool(_assign_waiting, desk)
    for _conv_id, _agent_id, sender_id in assigned:
        await desk.bot.pause(sender_id)
    return [conv_id for conv_id, _agent_id, _sender_id in assigned]
