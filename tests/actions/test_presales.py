"""Pre-sales answers from the shop's catalogue (handoff/shop/catalog.yml through the real desk)."""

import pytest

from actions.catalog import body_measurements, recommend_size
from actions.presales import ActionProductInfo, ActionPromotionInfo
from tests.actions.conftest import make_tracker


def ask(run, text, intent="ask_product", slots=None):
    action = ActionProductInfo() if intent == "ask_product" else ActionPromotionInfo()
    return run(action, make_tracker(text, intent=intent, slots=slots))


def offers_presales(result) -> bool:
    return result.slot("human_offered") is True and any(b["title"] == "转人工" for b in result.buttons)


def test_size_is_recommended_from_height_and_weight(run):
    result = ask(run, "T恤我一米七五 130斤穿多大")
    assert "L 码" in result.text and "身高 175cm" in result.text and "体重 65kg" in result.text
    assert result.slot("product") == "TS01"


def test_stock_of_a_named_variant(run):
    assert "暂时缺货" in ask(run, "短袖黑色L码还有货吗").text
    assert "有货（库存 30 件）" in ask(run, "t恤 白色 m 有货吗").text


def test_a_follow_up_without_the_product_is_about_the_last_product(run):
    result = ask(run, "那藏青色的呢 还有吗", slots={"product": "TS01"})
    assert "纯棉短袖T恤" in result.text and "藏青" in result.text


def test_compatibility_yes_and_no(run):
    yes = ask(run, "耳机能连苹果手机吗")
    assert yes.text.startswith("可以的") and "苹果手机" in yes.text
    no = ask(run, "这个耳机能连ps5吗")
    assert "不支持PS5" in no.text


def test_a_spec_question_is_answered_from_the_specs(run):
    assert "不建议装牛奶" in ask(run, "保温杯能装牛奶吗").text
    assert "约30小时" in ask(run, "蓝牙耳机续航多久").text


def test_authenticity_holds_for_every_product(run):
    assert "正品" in ask(run, "你们家东西是正品吗").text


def test_what_the_catalogue_does_not_say_is_offered_to_the_presales_group(run):
    result = ask(run, "键盘的键帽是什么材质 会打油吗")
    assert "没有写到这一点" in result.text and offers_presales(result)
    assert result.slot("handoff_reason") == "fallback"


def test_a_product_the_shop_does_not_sell(run):
    result = ask(run, "你们有卖充电宝吗")
    assert "没有找到您说的这款" in result.text and offers_presales(result)


def test_a_question_without_a_product_asks_which_one(run):
    result = ask(run, "这个有蓝色的吗")
    assert "哪款商品" in result.text and result.slot("human_offered") == "<unset>"


def test_price_with_the_current_special_price(run):
    result = ask(run, "降噪耳机现在多少钱", intent="ask_promotion")
    assert "¥269.00" in result.text and "原价 ¥299.00" in result.text and "满199元减20元" in result.text


def test_price_protection_and_coupons(run):
    assert "7天内" in ask(run, "刚买就降价了能保价吗", intent="ask_promotion").text
    coupons = ask(run, "有没有优惠券可以领", intent="ask_promotion").text
    assert "满100减10" in coupons and "首单立减10元" in coupons


def test_future_promotions_are_not_guessed(run):
    result = ask(run, "双十一会降价吗", intent="ask_promotion")
    assert "还没有消息" in result.text and offers_presales(result)


@pytest.mark.parametrize("text, height, weight", [
    ("170 65kg", 170, 65), ("一米六五 110斤", 165, 55), ("身高180体重75公斤", 180, 75),
    ("1.75米 140斤", 175, 70), ("168/120", 168, 60), ("1.8米床用哪个", None, None),
])
def test_body_measurements_in_the_forms_customers_type(text, height, weight):
    assert body_measurements(text) == (height, weight)


def test_between_two_sizes_the_larger_is_recommended():
    chart = [{"size": "M", "height": [165, 172], "weight": [55, 65]},
             {"size": "L", "height": [172, 178], "weight": [65, 75]}]
    assert recommend_size(chart, 168, 70) == "L"
    assert recommend_size(chart, 168, None) == "M"


def test_a_short_follow_up_asks_the_last_question_about_another_variant(run):
    slots = {"product": "RS01", "product_topic": "stock"}
    result = ask(run, "那白色38码的呢", slots=slots)
    assert "白色 38 有货" in result.text and result.slot("product_topic") == "stock"
    fits = ask(run, "那我13寸的mac呢", slots={"product": "BP01", "product_topic": "compatibility"})
    assert fits.text.startswith("可以的")
    warranty = ask(run, "那保修呢", slots=slots)  # a new question, and the running shoes list no warranty
    assert "没有写到这一点" in warranty.text and warranty.slot("human_offered") is True


def test_the_customers_word_for_a_spec_finds_it(run):
    assert "约30小时" in ask(run, "降噪耳机充满电能用多久啊").text
    assert "一年质保" in ask(run, "耳机坏了保修吗").text


def test_naming_a_variant_and_asking_if_there_is_one_is_a_stock_question(run):
    result = ask(run, "奶白色350ml的有没有", slots={"product": "CP01"})
    assert "奶白 350ml 暂时缺货" in result.text and result.slot("product_topic") == "stock"


def test_the_last_question_is_not_carried_over_to_another_product(run):
    # After a stock question about the backpack, "mac能用不" about the keyboard asks about compatibility.
    result = ask(run, "对了你们家机械键盘mac能用不", slots={"product": "BP01", "product_topic": "stock"})
    assert result.text.startswith("可以的") and "Mac" in result.text
    assert result.slot("product") == "KB01" and result.slot("product_topic") == "compatibility"
    too_big = ask(run, "我电脑是16寸的游戏本 双肩包塞得进去吗")
    assert "不支持16寸" in too_big.text


def test_the_product_answered_about_is_named_for_its_card(run):
    result = ask(run, "这个短袖T恤有黑色L码吗")
    (card,) = [m["custom"]["cards"] for m in result.dispatcher.messages if m.get("custom")]
    assert card == [{"kind": "product", "sku": "TS01"}]  # the desk fills in picture, price and stock
    unknown = ask(run, "你们卖冰箱吗")
    assert not [m for m in unknown.dispatcher.messages if m.get("custom")]


def test_options_named_between_you_and_ma_ask_for_stock(run):
    # "纯棉" in the name is not a question about the fabric.
    result = ask(run, "纯棉短袖T恤有黑色M码吗")
    assert result.slot("product_topic") == "stock" and "黑色 M" in result.text and "面料" not in result.text
