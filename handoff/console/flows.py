"""What an agent does to a conversation, each a short sequence read top to bottom.

Every flow is one unit of work in SQL (``console/service.py``, run in a worker
thread: the ORM is synchronous), then what must happen outside it, in order:
Rasa told (the bot paused or resumed) and the queue's next assignment
(``queue/dispatch.assign``, which pauses the bot of every conversation it
hands out). The routes in ``console/routes.py`` call one flow each.
"""

from starlette.concurrency import run_in_threadpool

from handoff.agents import service as agents
from handoff.agents.models import Agent, Presence
from handoff.agents.schemas import AgentOut
from handoff.attachments import service as attachments
from handoff.console import service
from handoff.console.service import ConversationDetail, TransferIn
from handoff.conversations import service as conversations
from handoff.conversations.bot import BotUnavailable
from handoff.conversations.schemas import ConsoleMessageOut
from handoff.conversations.views import ConversationSummary, summary
from handoff.core.clock import utcnow
from handoff.core.context import Desk
from handoff.queue import dispatch
from handoff.queue import service as queue


def _sender_of(desk: Desk, conv_id: str) -> str:
    with desk.session() as db:
        return conversations.get_conversation(db, conv_id=conv_id).rasa_sender_id


async def open_conversation(desk: Desk, *, conv_id: str) -> ConversationDetail:
    """The transcript with the context panel; the bot's slots come from Rasa (none if it is down)."""
    sender = await run_in_threadpool(_sender_of, desk, conv_id)
    try:
        tracker = await desk.bot.tracker(sender)
        slots = {k: v for k, v in (tracker.get("slots") or {}).items() if v not in (None, [], "")}
    except BotUnavailable:
        slots = {}

    def work() -> ConversationDetail:
        with desk.session() as db:
            return service.detail(desk, db, conv_id=conv_id, slots=slots, now=utcnow())

    return await run_in_threadpool(work)


async def set_presence(desk: Desk, *, agent_id: int, presence: Presence) -> AgentOut:
    """在线 / 离开 / 离线; an agent coming online gets what waits for their skills (its bot paused)."""

    def change() -> None:
        with desk.session() as db:
            agents.set_presence(db, db.get(Agent, agent_id), presence)

    def out() -> AgentOut:  # with the chats just assigned
        with desk.session() as db:
            return agents.agent_out(db, db.get(Agent, agent_id))

    await run_in_threadpool(change)
    if presence == Presence.online:
        await dispatch.assign(desk)
    return await run_in_threadpool(out)


async def claim(desk: Desk, *, conv_id: str, agent_id: int) -> ConversationSummary:
    """The agent takes a waiting conversation; the bot stops answering it."""

    def work() -> tuple[str, ConversationSummary]:
        with desk.session() as db:
            conv = queue.claim(desk, db, conv_id=conv_id, agent=db.get(Agent, agent_id), now=utcnow())
            return conv.rasa_sender_id, summary(db, desk.policy, conv, utcnow())

    sender, out = await run_in_threadpool(work)
    await desk.bot.pause(sender)
    return out


async def transfer(desk: Desk, *, conv_id: str, agent_id: int, body: TransferIn) -> ConversationSummary:
    """To another group's queue or straight to another agent; then whoever is free gets the queue."""

    def work() -> ConversationSummary:
        with desk.session() as db:
            return service.transfer(desk, db, conv_id=conv_id, agent=db.get(Agent, agent_id), body=body,
                                    now=utcnow())

    out = await run_in_threadpool(work)
    await dispatch.assign(desk)
    return out


async def resolve(desk: Desk, *, conv_id: str, agent_id: int) -> ConversationSummary:
    """Closed (the survey asked); the bot answers again; the agent has room for the next one."""

    def work() -> tuple[str, ConversationSummary]:
        with desk.session() as db:
            out = service.resolve(desk, db, conv_id=conv_id, agent=db.get(Agent, agent_id), now=utcnow())
            return conversations.get_conversation(db, conv_id=conv_id).rasa_sender_id, out

    sender, out = await run_in_threadpool(work)
    await desk.bot.resume(sender)
    await dispatch.assign(desk)
    return out


async def send_attachment(desk: Desk, *, conv_id: str, agent_id: int, data: bytes, name: str) -> ConsoleMessageOut:
    """A photo or a file from the agent to the customer: the agent may write in the conversation
    (checked before any work on the file), the file checked and re-encoded, then sent like a reply."""

    def check() -> None:
        with desk.session() as db:
            service.check_can_reply(db, conv_id=conv_id, agent=db.get(Agent, agent_id))

    def send(prepared: attachments.Prepared) -> ConsoleMessageOut:
        with desk.session() as db:
            return service.reply(desk, db, conv_id=conv_id, agent=db.get(Agent, agent_id), text="",
                                 now=utcnow(), prepared=prepared)

    await run_in_threadpool(check)
    prepared = await run_in_threadpool(attachments.prepare, desk.settings, data=data, name=name)
    try:
        return await run_in_threadpool(send, prepared)
    except Exception:
        prepared.discard()
        raise
