"""Orders and products as cards (handoff/shop/cards.py), and how the bot's replies name them."""

from handoff.conversations.flows import _bot_messages
from handoff.shop import cards

RETURN_T_SHIRT = {"title": "DD260001000002 纯棉短袖T恤 · 已签收",
                  "payload": '/request_return{"order_id":"DD260001000002"}'}


def test_an_order_button_becomes_the_customers_order_card(client, db):
    catalog = client.app.state.catalog
    (card,) = cards.order_cards(db, catalog, customer_id="C001",
                                buttons=[RETURN_T_SHIRT, {"title": "转人工", "payload": "/request_human"}])
    assert card == {"kind": "order", "id": "DD260001000002", "title": "纯棉短袖T恤",
                    "subtitle": "订单号 DD260001000002", "image": "/products/TS01.svg", "price": "¥89.00",
                    "status": "已签收", "payload": RETURN_T_SHIRT["payload"], "action": RETURN_T_SHIRT["title"]}
    # Someone else's order number in a button is never drawn.
    assert cards.order_cards(db, catalog, customer_id="C002", buttons=[RETURN_T_SHIRT]) == []
    assert cards.order_cards(db, catalog, customer_id=None, buttons=[RETURN_T_SHIRT]) == []


def test_a_product_card_has_the_catalogues_price_and_stock(client):
    (card,) = cards.product_cards(client.app.state.catalog, ["EB01", "NOPE", "EB01"])
    assert (card["title"], card["price"], card["image"]) == ("降噪蓝牙耳机", "¥299", "/products/EB01.svg")
    assert card["status"] in ("有货", "库存紧张", "暂时缺货") and card["payload"] is None


def test_the_drawn_picture_is_an_svg_with_the_name_escaped(client):
    picture = client.get("/products/TS01.svg")
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/svg+xml"
    assert "纯棉短袖T恤" in picture.text and "<script" not in picture.text
    assert "商品" in client.get("/products/unknown.svg").text


def test_an_actions_json_message_joins_the_text_before_it():
    replies = [{"text": "T恤有黑色 L 码，现货。"}, {"custom": {"cards": [{"kind": "product", "sku": "TS01"}]}},
               {"text": "还有别的问题吗？", "buttons": [{"title": "转人工", "payload": "/request_human"}]}]
    assert _bot_messages(replies) == [("T恤有黑色 L 码，现货。", [], ["TS01"]),
                                      ("还有别的问题吗？", [{"title": "转人工", "payload": "/request_human"}], [])]
    assert _bot_messages([{"custom": {"cards": [{"sku": "EB01"}]}}]) == [("", [], ["EB01"])]
    assert _bot_messages([{"custom": "not a dict"}]) == []
