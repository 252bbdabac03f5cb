"""Taking a conversation over, read top to bottom: the SQL work, then (for a waiting one) the bot paused."""

from starlette.concurrency import run_in_threadpool

from handoff.agents.models import Agent
from handoff.conversations.views import ConversationSummary, summary
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.supervision import service


async def take_over(desk: Desk, *, conv_id: str, supervisor_id: int) -> ConversationSummary:
    def work() -> tuple[str, bool, ConversationSummary]:
        with desk.session() as db:
            conv, pause = service.take_over(desk, db, conv_id=conv_id, supervisor=db.get(Agent, supervisor_id),
                                            now=utcnow())
            return conv.rasa_sender_id, pause, summary(db, desk.policy, conv, utcnow())

    sender, pause, out = await run_in_threadpool(work)
    if pause:  # it was waiting: the bot had not been paused yet
        await desk.bot.pause(sender)
    return out
