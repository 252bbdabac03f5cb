"""The shop rules form's API: validation in Chinese, roles, concurrent saves, audit, effect without a restart."""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from handoff.agents.models import Agent
from handoff.core.clock import utcnow
from handoff.shop import rules as shop_rules
from handoff.shop.policy import Policy
from tests.handoff.conftest import AUTH, Staff, handoff


def admin(client):
    return Staff(client, "admin", "admin123")


def edited(form: dict, **changes) -> dict:
    """The form's rules with dotted paths replaced: edited(form, **{"returns.no_reason_days": 15})."""
    rules = {k: (dict(v) if isinstance(v, dict) else v) for k, v in form["rules"].items()}
    for path, value in changes.items():
        section, key = path.split(".")
        rules[section] = {**rules[section], key: value}
    return {"rules": rules, "version": form["version"]}


def test_a_saved_rule_takes_effect_at_once(client):
    boss = admin(client)
    form = boss.get("/api/admin/rules").json()
    assert form["version"] == 0 and form["rules"]["returns"]["no_reason_days"] == 7
    assert form["default_business_hours"] == "00:00-24:00"
    saved = boss.put("/api/admin/rules", edited(form, **{"returns.no_reason_days": 15,
                                                         "shipping.remote_hours": 96}))
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 1 and saved.json()["updated_by"] == "管理员"
    policy = client.get("/api/shop/policy", headers=AUTH).json()
    assert policy["returns"]["no_reason_days"] == 15
    estimate = client.get("/api/shop/delivery-estimate", params={"region": "新疆"}, headers=AUTH).json()
    assert "96" in str(estimate)
    entry = boss.get("/api/admin/audit", params={"entity": "rules"}).json()[0]
    assert entry["before"] == {"returns.no_reason_days": 7, "shipping.remote_hours": 72}
    assert entry["after"] == {"returns.no_reason_days": 15, "shipping.remote_hours": 96}


def test_service_hours_in_the_rules_close_the_queue(client):
    boss = admin(client)
    form = boss.get("/api/admin/rules").json()
    today = datetime.now(ZoneInfo("Asia/Shanghai")).isoweekday()
    closed_day = today % 7 + 1  # open tomorrow only: closed now
    form["rules"]["service_hours"] = {"hours": "09:00-18:00", "days": [closed_day]}
    assert boss.put("/api/admin/rules", form).status_code == 200
    asked = handoff(client, "rules-test-sender")
    assert asked["open_now"] is False and asked["business_hours"] == "09:00-18:00"
    assert asked["status"] == "after_hours"


def test_invalid_rules_are_refused_in_chinese(client):
    boss = admin(client)
    form = boss.get("/api/admin/rules").json()
    zero = boss.put("/api/admin/rules", edited(form, **{"returns.no_reason_days": 0}))
    assert zero.status_code == 422 and zero.json()["detail"] == "无理由退货天数超出允许范围"
    tiers = form["rules"]["tiers"]
    swapped = {**form, "rules": {**form["rules"], "tiers": [tiers[1], tiers[0], tiers[2]]}}
    refused = boss.put("/api/admin/rules", swapped)
    assert refused.status_code == 422 and "从低到高" in refused.json()["detail"]
    backwards = edited(form, **{"shipping.same_city_hours": 100})
    assert "同城 ≤ 外省 ≤ 偏远地区" in boss.put("/api/admin/rules", backwards).json()["detail"]
    hours = {**form, "rules": {**form["rules"], "service_hours": {"hours": "21:00-09:00", "days": [1, 2]}}}
    assert "晚于上班时间" in boss.put("/api/admin/rules", hours).json()["detail"]
    assert boss.get("/api/admin/rules").json()["version"] == 0  # nothing was saved


def test_the_later_of_two_concurrent_saves_is_refused(client):
    boss = admin(client)
    form = boss.get("/api/admin/rules").json()
    assert boss.put("/api/admin/rules", edited(form, **{"returns.no_reason_days": 10})).status_code == 200
    late = boss.put("/api/admin/rules", edited(form, **{"returns.no_reason_days": 12}))
    assert late.status_code == 409 and late.json()["code"] == "rules_edited_meanwhile"
    assert client.get("/api/shop/policy", headers=AUTH).json()["returns"]["no_reason_days"] == 10


def test_only_admins_edit_rules(client):
    supervisor = Staff(client, "supervisor", "super123")
    agent = Staff(client, "xiaomei", "agent123")
    form = supervisor.get("/api/admin/rules").json()
    assert supervisor.put("/api/admin/rules", form).status_code == 403
    assert agent.get("/api/admin/rules").status_code == 403


def test_rules_saved_by_another_desk_process_are_picked_up(client, db, settings):
    """Another process's save is a new row version: the maintenance tick reloads it."""
    policy, version = shop_rules.current(db, settings.shop_policy_file)
    changed = Policy.model_validate({**policy.model_dump(mode="json"),
                                     "points": {**policy.points.model_dump(), "daily_checkin": 9}})
    other = db.get(Agent, 1)
    shop_rules.save(db, rules=changed, expected_version=version, policy_file=settings.shop_policy_file,
                    actor=other, now=utcnow())
    deadline = time.monotonic() + 5
    while client.get("/api/shop/policy", headers=AUTH).json()["points"]["daily_checkin"] != 9:
        assert time.monotonic() < deadline, "the desk did not reload the rules"
        time.sleep(0.1)
