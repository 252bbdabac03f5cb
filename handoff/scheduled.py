"""Scheduled work: what the desk does by itself, every ``maintenance_seconds``
(DESK_MAINTENANCE_SECONDS), in every desk process.

Every tick, in this order:
1. the shop rules reloaded if another desk process saved new ones (``shop/rules.py``);
2. every ~30 s, and at once when Redis lost its data (restarted empty, flushed: its
   marker key is gone), the queue's Redis keys rebuilt from SQL if they drifted, and
   the unanswered-question inbox collected (``queue/service.reconcile``, ``inbox/service.collect``);
3. waiting conversations past their SLA flagged (``queue/service.flag_sla_breaches``);
4. agents whose console went away set away (``agents/service.away_without_console``);
5. quiet bot-only episodes closed and surveyed (``survey/service.close_idle``);
6. waiting conversations assigned to free agents, their bot paused (``queue/dispatch.assign``);
7. every ~30 s, a Rasa process that restarted with another model given the
   active one (``training/swap.ensure_active``).

Several desk processes may run it at once: each step is safe to repeat (the
queue and the surveys use compare-and-set; see the modules).
"""

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from handoff.agents.service import away_without_console
from handoff.conversations import events
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.inbox import service as inbox
from handoff.queue import dispatch
from handoff.queue import service as queue
from handoff.shop import rules as shop_rules
from handoff.survey import service as survey
from handoff.training import swap as model_swap

logger = logging.getLogger(__name__)
EVERY_FEW_TICKS = 15


def _in_sql(desk: Desk, *, reconcile: bool) -> None:
    """Steps 1-5: one unit of work."""
    with desk.session() as db:
        if shop_rules.version(db) != desk.policy_version:
            desk.policy, desk.policy_version = shop_rules.current(db, desk.settings.shop_policy_file)
        if reconcile or not desk.redis.exists(queue.RECONCILED_KEY):
            queue.reconcile(desk, db)
            inbox.collect(db)  # the inbox page then has little left to read
        queue.flag_sla_breaches(desk, db, now=utcnow())
        away_without_console(db, desk.redis)
        for conv, said in survey.close_idle(desk, db, now=utcnow()):
            for message in said:
                events.message_added(desk.redis, conv, message, {})


async def tick(desk: Desk, *, number: int) -> None:
    await run_in_threadpool(_in_sql, desk, reconcile=number % EVERY_FEW_TICKS == 0)
    await dispatch.assign(desk)
    if number % EVERY_FEW_TICKS == 1:
        await model_swap.ensure_active(desk)


async def run(desk: Desk) -> None:
    """The loop started by the app's lifespan; a failed tick is logged and the next one retries."""
    number = 0
    while True:
        await asyncio.sleep(desk.settings.maintenance_seconds)
        number += 1
        try:
            await tick(desk, number=number)
        except Exception:
            logger.exception("maintenance tick failed")
