"""The supervisor's board, whisper and take-over: plain functions over a session.

A whisper is a note (``conversations.models.Note``) addressed to the agent who
holds the conversation: it is published on the console's channel only (never
on the customer's, never to WeChat), so only staff ever see it; the agent's
console shows it at once.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from handoff.agents import service as agents
from handoff.agents.models import Agent
from handoff.console.service import NoteOut, list_conversations, note_out
from handoff.conversations import events
from handoff.conversations import service as conversations
from handoff.conversations.models import Conversation, Note, Role, State
from handoff.core.context import Desk
from handoff.core.errors import DeskError
from handoff.queue import service as queue
from handoff.supervision.schemas import Board


def board(desk: Desk, db: Session, *, supervisor: Agent, now: datetime) -> Board:
    rows = list_conversations(desk, db, agent=supervisor, scope="open", now=now)
    staff = [a for a in agents.list_agents(db) if a.active]
    negative = sum(1 for r in rows if (r.last_sentiment or {}).get("label") == "negative")
    late = sum(1 for r in rows if r.sla_breached or (r.sla_seconds_left is not None and r.sla_seconds_left < 0))
    return Board(now=now, conversations=rows, agents=staff, negative=negative, sla_late=late,
                 waiting=sum(r.state == State.queued.value for r in rows),
                 with_agent=sum(r.state == State.with_agent.value for r in rows))


def whisper(desk: Desk, db: Session, *, conv_id: str, supervisor: Agent, text: str, now: datetime) -> NoteOut:
    """A word to the agent serving the customer, which the customer never sees."""
    conv = conversations.get_conversation(db, conv_id=conv_id)
    if conv.state != State.with_agent or conv.agent_id is None:
        raise DeskError("该会话还没有客服接待，无法发送悄悄话", "nobody_to_whisper_to")
    if conv.agent_id == supervisor.id:
        raise DeskError("这是您自己接待的会话，请用内部备注", "whisper_to_self")
    note = Note(conversation_id=conv.id, agent_id=supervisor.id, whisper_to=conv.agent_id, text=text.strip(),
                created_at=now)
    db.add(note)
    db.commit()
    events.note_added(desk.redis, conv, note, supervisor.display_name)
    return note_out(note, supervisor.display_name)


def take_over(desk: Desk, db: Session, *, conv_id: str, supervisor: Agent, now: datetime) -> tuple[Conversation, bool]:
    """The supervisor serves the customer from now on: (the conversation, whether the bot must be paused).
    From another agent it is handed over whatever the supervisor's load; a waiting one is claimed."""
    conv = conversations.get_conversation(db, conv_id=conv_id)
    if conv.state == State.queued:
        return queue.claim(desk, db, conv_id=conv_id, agent=supervisor, now=now), True
    if conv.state != State.with_agent:
        raise DeskError("只能接手排队中或人工接待中的会话", "not_open")
    if conv.agent_id == supervisor.id:
        return conv, False
    previous = conv.agent_id
    queue.hand_to(conv=conv, agent=supervisor, now=now)
    message = conversations.add_message(db, conv=conv, role=Role.system, now=now,
                                        text=f"客服主管{supervisor.display_name}已接手您的会话，正在为您服务。")
    db.commit()
    events.message_added(desk.redis, conv, message, {})
    events.state_changed(desk.redis, conv, previous)
    return conv, False

