"""The reports API on real episodes: scope by role, date range, CSV of the raw answers."""

import csv
import io

from sqlalchemy import func, select

from handoff.reports.demo import seed_demo_reports, start_of_today
from handoff.reports.models import ServiceRecord
from handoff.survey.models import FollowUp
from tests.handoff.conftest import Staff
from tests.handoff.survey.test_survey import ask_nps_and_ces_too, served_by_agent


def answered(client, customer_id: str, digits: tuple[str, ...]) -> str:
    customer, _ = served_by_agent(client, customer_id)
    for digit in digits:
        customer.say(digit)
    return customer.id


def test_supervisors_see_everyone_agents_their_own_and_the_csv_has_the_answers(client):
    with client.app.state.session_factory() as db:
        ask_nps_and_ces_too(client, db)
    first = answered(client, "C002", ("5", "1", "10", "5"))
    answered(client, "C003", ("2", "2", "3", "2"))
    boss = Staff(client, "supervisor", "super123")
    report = boss.get("/api/reports/satisfaction?by=agent").json()
    assert report["scope"] == "all" and report["demo"] is False
    overall = report["overall"]
    assert (overall["episodes"], overall["responses"], overall["csat"], overall["csat_average"]) == (2, 2, 0.5, 3.5)
    assert (overall["nps"], overall["handoff_rate"], overall["handoff_reasons"]) == (0, 1.0, {"requested": 2})
    assert [(g["name"], g["episodes"]) for g in report["groups"]] == [("小美", 2)]
    assert report["daily"][0]["episodes"] == 2

    by_topic = boss.get("/api/reports/satisfaction?by=topic").json()
    assert [(g["key"], g["name"]) for g in by_topic["groups"]] == [("returns", "退换货")]

    mine = Staff(client, "xiaomei", "agent123").get("/api/reports/satisfaction").json()
    assert mine["scope"] == "mine" and mine["overall"]["episodes"] == 2
    other = Staff(client, "xiaoming", "agent123").get("/api/reports/satisfaction").json()
    assert other["overall"]["episodes"] == 0 and other["overall"]["csat"] is None

    response = boss.get("/api/reports/answers.csv")
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["会话编号", "结束时间", "渠道"]
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[first][8:12] == ["5", "是", "10", "5"] and by_id[first][5] == "小美"


def test_a_bad_range_or_dimension_is_a_clear_422(client):
    boss = Staff(client, "supervisor", "super123")
    backwards = boss.get("/api/reports/satisfaction?start=2026-11-20&end=2026-11-01")
    assert backwards.status_code == 422 and backwards.json()["detail"] == "结束日期不能早于开始日期"
    assert boss.get("/api/reports/satisfaction?by=weather").status_code == 422
    assert boss.get("/api/reports/satisfaction?start=yesterday").status_code == 422


def test_reports_need_a_login(client):
    client.cookies.clear()
    assert client.get("/api/reports/satisfaction").status_code == 401


def test_demo_data_fills_past_weeks_is_marked_and_leaves_today_to_real_figures(client, db):
    desk = client.app.state.desk
    today = start_of_today(desk.settings.timezone)
    written = seed_demo_reports(db, today)
    assert written > 400 and seed_demo_reports(db, today) == 0  # only into an empty table
    records = db.scalars(select(ServiceRecord)).all()
    assert all(r.demo and r.ended_at < today for r in records)
    assert {r.channel for r in records} == {"web", "wechat"} and any(r.handed_off for r in records)
    assert db.scalar(select(func.count()).select_from(FollowUp)) == 0  # no fake tasks for supervisors

    boss = Staff(client, "supervisor", "super123")
    past = boss.get("/api/reports/satisfaction?by=topic").json()
    assert past["demo"] is True and past["overall"]["responses"] > 100 and len(past["groups"]) == 5
    assert 0 < past["overall"]["csat"] < 1 and past["overall"]["first_response_median_s"] > 0
    answered(client, "C002", ("5", "1", "9", "5"))
    local_today = boss.get("/api/reports/satisfaction").json()["end"]
    real = boss.get(f"/api/reports/satisfaction?start={local_today}&end={local_today}").json()
    assert real["demo"] is False and real["overall"]["responses"] == 1
