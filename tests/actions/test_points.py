from actions.points import ActionPointsRules, ActionShowPoints
from tests.actions.conftest import make_tracker, signed


def started_by(intent: str) -> list[dict]:
    return [
        {"event": "user", "text": "x", "parse_data": {"intent": {"name": intent}}},
        {"event": "active_loop", "name": "points_form"},
        {"event": "active_loop", "name": None},
    ]


def test_balance_and_what_it_is_worth(run, desk_get):
    points = desk_get("/api/shop/customers/C001/points")
    result = run(ActionShowPoints(), make_tracker("积分", "query_points", slots={"customer_id": "C001"},
                                                  events=started_by("query_points")))
    assert f"您当前有 {points['balance']} 积分" in result.text
    assert f"¥{points['balance'] / 100:.2f}" in result.text and "最近变动" in result.text


def test_redeeming_explains_how_to_use_points(run):
    result = run(ActionShowPoints(), make_tracker("积分怎么用", "redeem_points", slots={"customer_id": "C001"},
                                                  events=started_by("redeem_points")))
    assert "积分抵扣" in result.text and "50%" in result.text and "优惠券" in result.text


def test_rules_for_a_silver_member_show_the_way_to_gold(run, desk_get):
    profile = desk_get("/api/shop/customers/C002")
    result = run(ActionPointsRules(), make_tracker("积分规则", "ask_points_rules", metadata=signed(customer_id="C002")))
    assert "您目前是银卡会员" in result.text
    assert f"再消费 ¥{profile['spend_to_next_tier_yuan']:.2f} 即可升级金卡会员" in result.text
    assert "每日签到 5 积分" in result.text


def test_rules_for_an_anonymous_visitor_list_every_tier(run):
    result = run(ActionPointsRules(), make_tracker("会员有什么等级", "ask_points_rules"))
    assert all(t in result.text for t in ("普通会员", "银卡会员", "金卡会员"))


def test_a_tier_question_gets_the_thresholds_first_and_the_customers_own_standing(run, desk_get):
    profile = desk_get("/api/shop/customers/C003")
    result = run(ActionPointsRules(), make_tracker("怎么才能升金卡 要花多少钱", "ask_points_rules",
                                                   metadata=signed(customer_id="C003")))
    first, second = result.dispatcher.messages
    assert first["text"] == desk_get("/api/shop/faq/tier_thresholds")["text"]  # the FAQ's current words
    assert "金卡" in first["text"]
    assert "金卡会员：全场包邮" in second["text"] and "您目前是普通会员" in second["text"]
    assert f"再消费 ¥{profile['spend_to_next_tier_yuan']:.2f} 即可升级银卡会员" in second["text"]
    assert "积分规则" not in result.text
