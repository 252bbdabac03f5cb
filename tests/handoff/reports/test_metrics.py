"""The dashboard's figures on a fixed set of episodes, against values worked out by hand."""

from datetime import datetime, timedelta

import pytest

from handoff.reports.metrics import EpisodeRow, breakdown, figures

T0 = datetime(2026, 11, 2, 10, 0)


def human(agent, channel, tier, topic, reason, first_min, resolve_min, sla_min, **answers):
    return EpisodeRow(channel=channel, tier=tier, topic=topic, agent=agent, handed_off=True, reason=reason,
                      queued_at=T0, first_reply_at=T0 + timedelta(minutes=first_min) if first_min is not None else None,
                      sla_due_at=T0 + timedelta(minutes=sla_min), ended_at=T0 + timedelta(minutes=resolve_min),
                      **answers)


def bot(channel, tier, topic, **answers):
    return EpisodeRow(channel=channel, tier=tier, topic=topic, agent="机器人", handed_off=False, reason=None,
                      queued_at=None, first_reply_at=None, sla_due_at=None, ended_at=T0, **answers)


ROWS = [
    # Four episodes with a human, six with the bot alone.
    human("小美", "web", "金卡会员", "returns", "requested", 2, 20, 5,
          surveyed=True, rating=5, resolved=True, nps=10, ces=5),
    human("小美", "wechat", "银卡会员", "complaint", "complaint", 8, 40, 120,
          surveyed=True, rating=2, resolved=False, nps=3, ces=2),
    human("小明", "web", "普通会员", "logistics", "negative_sentiment", 12, 30, 10,
          surveyed=True, rating=4, resolved=True, nps=8, ces=4),
    human("小明", "web", "访客", "general", "requested", None, 15, 10, surveyed=True),  # no reply, no answer
    bot("web", "金卡会员", "points", surveyed=True, rating=5, resolved=True, nps=9),
    bot("web", "普通会员", "logistics", surveyed=True, rating=3, resolved=True, nps=6, ces=3),
    bot("wechat", "普通会员", "returns", surveyed=True, rating=1, resolved=False, nps=0, ces=1),
    bot("web", "访客", "logistics", surveyed=True),
    bot("web", "普通会员", "general"),  # never reached an answer: no survey
    bot("wechat", "银卡会员", "points", surveyed=True, rating=4, nps=9, ces=4),
]


def test_overall_figures_match_the_hand_computed_values():
    f = figures(ROWS)
    assert (f["episodes"], f["surveys_sent"], f["responses"]) == (10, 9, 7)
    assert f["response_rate"] == pytest.approx(7 / 9, abs=1e-4)
    # Ratings 5, 2, 4, 5, 3, 1, 4: four of seven are 4–5; the sum is 24.
    assert f["csat"] == pytest.approx(4 / 7, abs=1e-4)
    assert f["csat_average"] == pytest.approx(24 / 7, abs=1e-3)
    # NPS answers 10, 3, 8, 9, 6, 0, 9: promoters 10, 9, 9 (3); detractors 3, 6, 0 (3): 0.
    assert (f["nps"], f["nps_answers"]) == (0.0, 7)
    # CES 5, 2, 4, 3, 1, 4: 19 / 6.
    assert f["ces_average"] == pytest.approx(19 / 6, abs=1e-3)
    # Resolved: yes, no, yes, yes, yes, no: 4 of 6.
    assert f["resolution_rate"] == pytest.approx(4 / 6, abs=1e-4)
    assert (f["containment_rate"], f["handoff_rate"]) == (0.6, 0.4)
    assert f["handoff_reasons"] == {"requested": 2, "complaint": 1, "negative_sentiment": 1}
    # First replies 2, 8, 12 minutes: median 8, p90 = the 3rd of 3 (ceil(2.7) = 3): 12.
    assert (f["first_response_median_s"], f["first_response_p90_s"]) == (480, 720)
    # Resolution 20, 40, 30, 15 minutes: median (20 + 30) / 2 = 25; p90 = 4th of 4: 40.
    assert (f["resolution_median_s"], f["resolution_p90_s"]) == (1500, 2400)
    # SLA: 2 ≤ 5 yes, 8 ≤ 120 yes, 12 > 10 no, no reply: no. 2 of 4.
    assert f["sla_compliance"] == 0.5


def test_breakdowns_by_channel_agent_tier_and_topic():
    by_channel = dict(breakdown(ROWS, "channel"))
    assert list(by_channel) == ["web", "wechat"]  # biggest first
    web, wechat = by_channel["web"], by_channel["wechat"]
    assert (web["episodes"], wechat["episodes"]) == (7, 3)
    # web ratings 5, 4, 5, 3: 3 of 4 are 4–5, average 17 / 4; wechat ratings 2, 1, 4.
    assert (web["csat"], web["csat_average"]) == (0.75, 4.25)
    assert wechat["csat"] == pytest.approx(1 / 3, abs=1e-4)
    assert wechat["csat_average"] == pytest.approx(7 / 3, abs=1e-3)
    # web NPS 10, 8, 9, 6: promoters 2, detractors 1 of 4 → 25; wechat 3, 0, 9: 1 − 2 of 3 → −33 (whole numbers).
    assert (web["nps"], wechat["nps"]) == (25, -33)
    assert web["containment_rate"] == pytest.approx(4 / 7, abs=1e-4)

    by_agent = dict(breakdown(ROWS, "agent"))
    assert by_agent["小美"]["csat_average"] == 3.5 and by_agent["小美"]["first_response_median_s"] == 300
    assert by_agent["小明"]["sla_compliance"] == 0.0 and by_agent["小明"]["response_rate"] == 0.5
    assert by_agent["机器人"]["containment_rate"] == 1.0 and by_agent["机器人"]["responses"] == 4

    by_tier = dict(breakdown(ROWS, "tier"))
    assert by_tier["金卡会员"]["csat"] == 1.0 and by_tier["访客"]["responses"] == 0
    assert by_tier["访客"]["csat"] is None and by_tier["访客"]["response_rate"] == 0.0

    by_topic = dict(breakdown(ROWS, "topic"))
    assert by_topic["returns"]["csat_average"] == 3.0  # 5 and 1
    logistics = by_topic["logistics"]
    assert logistics["episodes"] == 3 and logistics["handoff_rate"] == pytest.approx(1 / 3, abs=1e-4)


def test_no_episodes_gives_empty_figures_not_errors():
    f = figures([])
    assert f["episodes"] == 0 and f["csat"] is None and f["nps"] is None and f["first_response_p90_s"] is None
    with pytest.raises(ValueError):
        breakdown(ROWS, "weather")
