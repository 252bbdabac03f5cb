"""The figures over a date range, for everyone or for one agent; the raw answers as CSV rows."""

import csv
import io
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.agents.models import Agent, Role
from handoff.core.clock import shop_midnight, shop_time
from handoff.core.errors import DeskError
from handoff.queue.groups import GROUPS, REASONS
from handoff.reports import metrics
from handoff.reports.models import ServiceRecord
from handoff.survey.models import Survey

BOT = "机器人"
CHANNELS = {"web": "网页", "wechat": "微信公众号"}
DIMENSION_NAMES = {"channel": "渠道", "tier": "会员等级", "agent": "客服", "topic": "主题"}
MAX_DAYS = 366


class BadRange(DeskError):
    status_code = 422


def utc_bounds(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """[start 00:00, end + 1 day 00:00) in the shop's time zone, as naive UTC."""
    if end < start:
        raise BadRange("结束日期不能早于开始日期", "bad_range")
    if (end - start).days >= MAX_DAYS:
        raise BadRange(f"日期范围最多 {MAX_DAYS} 天", "bad_range")
    return shop_midnight(start, tz), shop_midnight(end + timedelta(days=1), tz)


def scope_of(agent: Agent) -> int | None:
    """Agents see their own figures (their agent id); supervisors and admins everyone's (None)."""
    return None if agent.role in (Role.admin, Role.supervisor) else agent.id


def load(db: Session, start: datetime, end: datetime, agent_id: int | None):
    """(record, survey or None, agent name) of the episodes that ended in [start, end)."""
    query = (select(ServiceRecord, Survey).outerjoin(Survey, Survey.record_id == ServiceRecord.id)
             .where(ServiceRecord.ended_at >= start, ServiceRecord.ended_at < end)
             .order_by(ServiceRecord.ended_at))
    if agent_id is not None:
        query = query.where(ServiceRecord.agent_id == agent_id)
    pairs = db.execute(query).all()
    names = dict(db.execute(select(Agent.id, Agent.display_name)).all())
    return [(record, survey, names.get(record.agent_id, BOT) if record.agent_id else BOT)
            for record, survey in pairs]


def episode_row(record: ServiceRecord, survey: Survey | None, agent: str) -> metrics.EpisodeRow:
    return metrics.EpisodeRow(
        channel=record.channel, tier=record.tier, topic=record.topic, agent=agent,
        handed_off=record.handed_off, reason=record.reason, queued_at=record.queued_at,
        first_reply_at=record.first_reply_at, sla_due_at=record.sla_due_at, ended_at=record.ended_at,
        surveyed=survey is not None, rating=survey.rating if survey else None,
        resolved=survey.resolved if survey else None, nps=survey.nps if survey else None,
        ces=survey.ces if survey else None)


def group_name(by: str, key: str) -> str:
    if by == "channel":
        return CHANNELS.get(key, key)
    if by == "topic":
        return GROUPS.get(key, key)
    return key


def daily(loaded, tz: str) -> list[dict]:
    """Per day (shop time): episodes, responses and CSAT, for the trend chart."""
    days: dict[str, list[metrics.EpisodeRow]] = {}
    for record, survey, agent in loaded:
        day = shop_time(record.ended_at, tz).date().isoformat()
        days.setdefault(day, []).append(episode_row(record, survey, agent))
    out = []
    for day in sorted(days):
        f = metrics.figures(days[day])
        out.append({"date": day, "episodes": f["episodes"], "responses": f["responses"], "csat": f["csat"],
                    "csat_average": f["csat_average"], "containment_rate": f["containment_rate"]})
    return out


def report(db: Session, start: date, end: date, by: str, agent: Agent, tz: str) -> dict:
    if by not in metrics.DIMENSIONS:
        raise BadRange("by 只能是 channel、tier、agent 或 topic", "bad_dimension")
    lo, hi = utc_bounds(start, end, tz)
    loaded = load(db, lo, hi, scope_of(agent))
    rows = [episode_row(*item) for item in loaded]
    overall = metrics.figures(rows)
    overall["handoff_reason_names"] = {k: REASONS.get(k, k) for k in overall["handoff_reasons"]}
    return {
        "start": start.isoformat(), "end": end.isoformat(), "by": by, "by_name": DIMENSION_NAMES[by],
        "scope": "mine" if scope_of(agent) is not None else "all",
        "demo": any(record.demo for record, _, _ in loaded),
        "overall": overall,
        "groups": [{"key": key, "name": group_name(by, key), **f} for key, f in metrics.breakdown(rows, by)],
        "daily": daily(loaded, tz),
    }


CSV_HEADER = ["会话编号", "结束时间", "渠道", "会员等级", "主题", "客服", "是否转人工", "转人工原因",
              "满意度(1-5)", "问题是否解决", "NPS(0-10)", "CES(1-5)", "意见", "评价时间", "演示数据"]


def safe_cell(value) -> str:
    """Text a spreadsheet will not run as a formula (customer comments are untrusted)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def answer_rows(db: Session, start: date, end: date, agent: Agent, tz: str) -> list[list[str]]:
    lo, hi = utc_bounds(start, end, tz)
    def local(value: datetime | None) -> str:
        return shop_time(value, tz).strftime("%Y-%m-%d %H:%M:%S") if value else ""

    yes_no = {True: "是", False: "否", None: ""}
    rows = []
    for record, survey, agent_name in load(db, lo, hi, scope_of(agent)):
        if survey is None:
            continue
        rows.append([safe_cell(v) for v in (
            record.conversation_id, local(record.ended_at), CHANNELS.get(record.channel, record.channel),
            record.tier, GROUPS.get(record.topic, record.topic), agent_name, yes_no[record.handed_off],
            REASONS.get(record.reason, record.reason or ""), survey.rating, yes_no[survey.resolved],
            survey.nps, survey.ces, survey.comment, local(survey.answered_at), yes_no[record.demo])])
    return rows


def answers_csv(db: Session, start: date, end: date, agent: Agent, tz: str) -> str:
    """``answer_rows`` as CSV text, UTF-8 with a BOM so that Excel reads the Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    writer.writerows(answer_rows(db, start, end, agent, tz))
    return "\ufeff" + buffer.getvalue()
