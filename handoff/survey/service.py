"""The survey: sent when an episode ends, answered by button or digit, one per episode.

Sent when an agent resolves a conversation, and when a bot-only
conversation that reached an answer has been quiet for
``policy.survey.idle_minutes``. Answers outside the range, after
``expire_hours``, or to a question already answered get a polite reply and
change nothing. A customer who writes something else instead is served by
the bot; digits then no longer count as answers.
"""

from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.agents.models import Agent
from handoff.conversations import service as conversations
from handoff.conversations.models import Conversation, Message, Role, State
from handoff.core.context import Desk
from handoff.core.errors import NotFound
from handoff.reports import records
from handoff.reports.models import ServiceRecord
from handoff.survey import questions as q
from handoff.survey.models import FollowUp, Survey
from handoff.survey.schemas import FollowUpOut

THANKS = "感谢您的评价，祝您生活愉快！"
SORRY = "非常抱歉这次没能让您满意，我们的主管会尽快联系您回访。感谢您的反馈！"
ALREADY_DONE = "您已经完成这次评价了，感谢您的反馈！"
STALE_BUTTON = "这个评价按钮已失效。有问题可以直接问我哦。"
NO_ANSWER_INTENTS = {None, "nlu_fallback", "out_of_scope"}


def expired_text(hours: float) -> str:
    return f"抱歉，这次评价已超过 {hours:g} 小时，无法再提交了。感谢您的关注，有问题可以随时问我。"


def start(desk: Desk, db: Session, conv: Conversation, record: ServiceRecord, now: datetime) -> list[Message]:
    """Create the survey of an episode and ask its first question (flushed, not committed)."""
    rules = desk.policy.survey
    survey = Survey(record_id=record.id, conversation_id=conv.id,
                    questions=["rating", "resolved", *rules.extra_questions, "comment"], step="rating",
                    awaiting=True, sent_at=now, expires_at=now + timedelta(hours=rules.expire_hours),
                    comment="", demo=False)
    db.add(survey)
    db.flush()
    return [conversations.add_message(db, conv=conv, role=Role.bot, text=q.prompt("rating", conv.channel),
                                      now=now, buttons=q.buttons(survey.id, "rating"))]


def latest(db: Session, conv_id: str) -> Survey | None:
    return db.scalar(select(Survey).where(Survey.conversation_id == conv_id).order_by(Survey.id.desc()).limit(1))


def match(conv: Conversation, latest_survey: Survey | None, text: str, payload: str | None) -> int | None:
    """The id of the survey this customer message answers, or None (then it goes to the bot).

    A survey button always counts (even a stale or foreign one: it gets a
    polite reply, never the bot). Typed text counts while the customer's
    latest survey is the last thing they were asked: a number, or anything
    at the comment question.
    """
    try:
        parsed = q.parse_payload(payload)
    except ValueError:
        return -1
    if parsed is not None:
        return parsed[0]
    if conv.state not in (State.bot, State.closed):
        return None
    survey = latest_survey
    if survey is None or not survey.awaiting:
        return None
    if survey.step == "comment" or q.as_number(text) is not None:
        return survey.id
    return None


def moved_on(db: Session, survey: Survey | None) -> None:
    """The customer wrote something else: from now on their digits go to the bot (``survey``: their latest)."""
    if survey is not None and survey.awaiting:
        survey.awaiting = False
        db.commit()


def answer(desk: Desk, db: Session, *, conv: Conversation, survey_id: int, message: Message, text: str,
           payload: str | None, now: datetime) -> list[Message]:
    """Record one answer and ask the next question; the messages said (committed)."""
    message.nlu = {"survey": survey_id}
    survey = db.get(Survey, survey_id) if survey_id > 0 else None
    replies = _answer(desk, db, conv, survey, text, payload, now)
    said = conversations.add_bot_messages(db, conv=conv, said=replies, now=now)
    _close_survey_range(db, conv)
    db.commit()
    return said


def _answer(desk: Desk, db: Session, conv: Conversation, survey: Survey | None, text: str,
            payload: str | None, now: datetime) -> list[tuple[str, list[dict]]]:
    if survey is None or survey.conversation_id != conv.id:
        return [(STALE_BUTTON, [])]
    if not survey.step:
        return [(ALREADY_DONE, [])]
    if now > survey.expires_at:
        survey.awaiting = False
        return [(expired_text(desk.policy.survey.expire_hours), [])]
    step = survey.step
    parsed = q.parse_payload(payload)
    if parsed is not None:
        _, question, value = parsed
        if question != step:  # a button of a question already answered
            return [("这一项您已经回答过了。" + q.prompt(step, conv.channel), q.buttons(survey.id, step))]
    elif step == "comment":
        value = 0 if q.as_number(text) == 0 else None
    else:
        value = q.as_number(text)
    if step == "comment":
        if value is None:
            survey.comment = text.strip()[:1000]
    else:
        low, high = q.RANGES[step]
        if value is None or not low <= value <= high:
            return [(q.range_hint(step) + q.prompt(step, conv.channel), q.buttons(survey.id, step))]
        if step == "rating":
            survey.rating, survey.answered_at = value, now
        elif step == "resolved":
            survey.resolved = value == 1
        elif step == "nps":
            survey.nps = value
        elif step == "ces":
            survey.ces = value
    following = survey.questions[survey.questions.index(step) + 1:]
    if following:
        survey.step = following[0]
        return [(q.prompt(survey.step, conv.channel), q.buttons(survey.id, survey.step))]
    survey.step, survey.completed_at = "", now
    low = survey.rating is not None and survey.rating <= desk.policy.survey.follow_up_max_rating
    if low:
        db.add(FollowUp(survey_id=survey.id, conversation_id=conv.id, customer_id=conv.customer_id,
                        status="open", note="", created_at=now))
    return [(SORRY if low else THANKS, [])]


def _close_survey_range(db: Session, conv: Conversation) -> None:
    """Survey answers are not a new episode: extend the last record over them if nothing else came."""
    after = records.recorded_up_to(db, conv.id)
    if after and not records.episode_customer_messages(db, conv.id, after):
        record = db.scalar(select(ServiceRecord).where(ServiceRecord.conversation_id == conv.id,
                                                       ServiceRecord.last_seq == after))
        record.last_seq = conv.last_seq


def reached_an_answer(db: Session, conv_id: str, said: list[Message]) -> bool:
    """The bot answered the customer's last message with something it understood."""
    last = said[-1]
    if (last.nlu or {}).get("intent") in NO_ANSWER_INTENTS:
        return False
    return bool(db.scalar(select(exists().where(
        Message.conversation_id == conv_id, Message.seq > last.seq, Message.role == Role.bot))))


def idle_candidates(db: Session, cutoff: datetime, limit: int = 100) -> list[str]:
    """Bot conversations quiet since ``cutoff`` with customer messages not yet in a record."""
    recorded = (select(ServiceRecord.conversation_id, func.max(ServiceRecord.last_seq).label("seq"))
                .group_by(ServiceRecord.conversation_id).subquery())
    upto = func.coalesce(recorded.c.seq, 0)
    return list(db.scalars(
        select(Conversation.id).outerjoin(recorded, recorded.c.conversation_id == Conversation.id)
        .where(Conversation.state == State.bot, Conversation.last_activity_at <= cutoff,
               exists().where(Message.conversation_id == Conversation.id, Message.role == Role.customer,
                              Message.seq > upto))
        .limit(limit)))


def close_idle(desk: Desk, db: Session, *, now: datetime) -> list[tuple[Conversation, list[Message]]]:
    """Record the bot-only episodes that went quiet, and survey those that reached an answer."""
    cutoff = now - timedelta(minutes=desk.policy.survey.idle_minutes)
    done = []
    for conv_id in idle_candidates(db, cutoff):
        conv = conversations.get_conversation(db, conv_id=conv_id)
        after = records.recorded_up_to(db, conv_id)
        said = records.episode_customer_messages(db, conv_id, after)
        if not said:  # only survey answers since the last record
            _close_survey_range(db, conv)
            db.commit()
            continue
        try:
            record = records.record_episode(desk, db, conv, conv.last_activity_at, handed_off=False)
            messages = start(desk, db, conv, record, now) if reached_an_answer(db, conv_id, said) else []
            db.commit()
        except IntegrityError:  # another desk process recorded it first
            db.rollback()
            continue
        done.append((conv, messages))
    return done


def end_with_agent(desk: Desk, db: Session, *, conv: Conversation, now: datetime) -> list[Message]:
    """An agent resolved the conversation: record the episode and send the survey (not committed)."""
    record = records.record_episode(desk, db, conv, now, handed_off=True)
    return start(desk, db, conv, record, now) if record is not None else []


def follow_ups(db: Session, *, status: str = "open") -> list[FollowUp]:
    return list(db.scalars(select(FollowUp).where(FollowUp.status == status).order_by(FollowUp.created_at)))


def finish_follow_up(db: Session, *, task_id: int, agent, note: str, now: datetime) -> FollowUp:
    task = db.get(FollowUp, task_id)
    if task is None:
        raise NotFound("回访任务不存在", "follow_up_not_found")
    if task.status != "done":
        task.status, task.note, task.done_by, task.done_at = "done", note.strip(), agent.id, now
        db.commit()
    return task


def follow_up_out(db: Session, *, policy, task: FollowUp, now: datetime) -> FollowUpOut:
    survey = db.get(Survey, task.survey_id)
    record = db.get(ServiceRecord, survey.record_id)
    agent = db.get(Agent, record.agent_id) if record.agent_id else None
    return FollowUpOut(
        id=task.id, conversation_id=task.conversation_id,
        customer=conversations.customer_ref(db, policy=policy, customer_id=task.customer_id, now=now),
        rating=survey.rating, resolved=survey.resolved, comment=survey.comment,
        agent_name=agent.display_name if agent else None, status=task.status, note=task.note,
        created_at=task.created_at, done_at=task.done_at)
