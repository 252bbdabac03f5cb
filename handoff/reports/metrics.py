"""The satisfaction and service figures, computed from episode rows.

Pure functions over plain rows, so that tests can check them against values
worked out by hand. Definitions (docs/reports.md says the same for users):

- CSAT: share of ratings that are 4 or 5, and the average rating (1–5).
- NPS: % of promoters (9–10) minus % of detractors (0–6), of NPS answers.
- CES: average of the effort answers (1–5, 5 = easiest).
- Resolution rate: "问题解决了吗" answered yes / answered.
- Response rate: surveys with a rating / surveys sent.
- Bot containment: episodes without a human / all episodes; handoff rate
  is the rest, with the count of each reason.
- First human response: handoff → the agent's first reply; resolution
  time: handoff → resolve. Median and p90 (nearest rank), in seconds.
- SLA compliance: handed-off episodes whose first reply came by the SLA
  deadline / handed-off episodes with a deadline (no reply counts as late).
"""

import math
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class EpisodeRow:
    channel: str
    tier: str
    topic: str
    agent: str  # display name; "机器人" for bot-only episodes
    handed_off: bool
    reason: str | None
    queued_at: datetime | None
    first_reply_at: datetime | None
    sla_due_at: datetime | None
    ended_at: datetime
    surveyed: bool = False
    rating: int | None = None
    resolved: bool | None = None
    nps: int | None = None
    ces: int | None = None


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def average(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def p90(values: list[float]) -> float | None:
    """Nearest-rank 90th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def figures(rows: list[EpisodeRow]) -> dict:
    ratings = [r.rating for r in rows if r.rating is not None]
    nps = [r.nps for r in rows if r.nps is not None]
    ces = [r.ces for r in rows if r.ces is not None]
    resolved = [r.resolved for r in rows if r.resolved is not None]
    human = [r for r in rows if r.handed_off]
    first = [(r.first_reply_at - r.queued_at).total_seconds() for r in human if r.queued_at and r.first_reply_at]
    resolution = [(r.ended_at - r.queued_at).total_seconds() for r in human if r.queued_at]
    with_sla = [r for r in human if r.sla_due_at]
    return {
        "episodes": len(rows),
        "surveys_sent": sum(r.surveyed for r in rows),
        "responses": len(ratings),
        "response_rate": share(len(ratings), sum(r.surveyed for r in rows)),
        "csat": share(sum(x >= 4 for x in ratings), len(ratings)),
        "csat_average": average(ratings),
        # A whole number, as NPS is reported (-100 to 100), the same in the cards and the table.
        "nps": round(100 * (sum(x >= 9 for x in nps) - sum(x <= 6 for x in nps)) / len(nps)) if nps else None,
        "nps_answers": len(nps),
        "ces_average": average(ces),
        "resolution_rate": share(sum(resolved), len(resolved)),
        "containment_rate": share(len(rows) - len(human), len(rows)),
        "handoff_rate": share(len(human), len(rows)),
        "handoff_reasons": dict(Counter(r.reason or "unknown" for r in human).most_common()),
        "first_response_median_s": median(first),
        "first_response_p90_s": p90(first),
        "resolution_median_s": median(resolution),
        "resolution_p90_s": p90(resolution),
        "sla_compliance": share(sum(bool(r.first_reply_at and r.first_reply_at <= r.sla_due_at) for r in with_sla),
                                len(with_sla)),
    }


DIMENSIONS = ("channel", "tier", "agent", "topic")


def breakdown(rows: list[EpisodeRow], by: str) -> list[tuple[str, dict]]:
    """(key, figures) per value of the dimension, the biggest group first."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    groups: dict[str, list[EpisodeRow]] = {}
    for row in rows:
        groups.setdefault(getattr(row, by), []).append(row)
    return [(key, figures(members)) for key, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
