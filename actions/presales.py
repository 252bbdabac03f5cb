"""Pre-sales: questions about products and about prices and promotions.

Answered from the shop's catalogue (handoff/shop/catalog.yml, through the
desk) where it has the fact; where it does not, the bot says so and offers
the 售前咨询 group (the handoff's topic comes from the intent: see
handoff/queue/groups.py). The product the customer asked about last is kept
in the ``product`` slot, so "黑色的有吗" after a question about the T-shirt
is about the T-shirt.
"""

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import DeskAction
from actions.catalog import (
    best_spec,
    body_measurements,
    compatibility,
    find_product,
    matching_variants,
    named_options,
    names_a_spec,
    option_values,
    product_by_sku,
    recommend_size,
    topic_of,
    variant_title,
)
from actions.desk import desk
from actions.identity import customer_words
from actions.offers import HUMAN_BUTTONS, offer_human
from actions.text import money

ASK_PRESALES = "需要的话，我帮您转接售前客服确认，好吗？"
WHICH_PRODUCT = ("请问您问的是哪款商品呢？把商品名称发给我（比如“降噪蓝牙耳机”“纯棉短袖T恤”），我马上帮您查；"
                 "也可以转人工，由售前客服为您介绍。")
AVAILABLE_WORDS = ("有没有", "有吗", "有不", "有么", "有木有", "还有", "有的话")
# "有黑色M码吗": the options named between 有 and 吗.
ASKS_IF_THERE_IS = re.compile(r"有.{1,12}?(吗|么|嘛|不|没)")
SELLS_WORDS = ("有卖", "有没有卖", "卖不卖", "有没有", "有吗", "有木有", "你们家有", "店里有", "有得卖")


def unknown(dispatcher: CollectingDispatcher, text: str) -> list[EventType]:
    """Say that the catalogue does not have it, and offer the 售前 group."""
    return offer_human(dispatcher, f"{text}{ASK_PRESALES}", reason="fallback")


def price_line(product: dict, catalog: dict) -> str:
    special = next((p for p in catalog.get("promotions", [])
                    if p["kind"] == "product_price" and product["sku"] in p.get("products", [])), None)
    if special and special.get("price"):
        return f"{product['name']}现价 {money(special['price'])}（原价 {money(product['price'])}，{special['name']}）。"
    return f"{product['name']}售价 {money(product['price'])}。"


def stock_answer(product: dict, catalog: dict, text: str) -> str:
    named = named_options(product, text)
    variants = matching_variants(product, named) if named else product.get("variants", [])
    restock = catalog["all_products"]["restock"]
    if named and not variants:
        return f"{product['name']}没有{' '.join(named.values())}这个款式。在售的有：{in_stock_list(product)}。"
    if named:
        if len(variants) == 1:
            v = variants[0]
            if v["stock"] > 0:
                return f"{product['name']} {variant_title(v)} 有货（库存 {v['stock']} 件），可以放心下单。"
            return f"{product['name']} {variant_title(v)} 暂时缺货。{restock}现在有货的是：{in_stock_list(product)}。"
        have = [v for v in variants if v["stock"] > 0]
        if have:
            return f"{product['name']}有货的是：{'、'.join(variant_title(v) for v in have)}。"
        return f"{product['name']} {' '.join(named.values())} 暂时都缺货。{restock}"
    sold_out = [variant_title(v) for v in variants if v["stock"] == 0]
    answer = f"{product['name']}现在有货的是：{in_stock_list(product)}。"
    if sold_out:
        answer += f"暂时缺货：{'、'.join(sold_out)}，{restock}"
    return answer


def in_stock_list(product: dict) -> str:
    have = [variant_title(v) or "现货" for v in product.get("variants", []) if v["stock"] > 0]
    return "、".join(have) if have else "暂时全部缺货"


def size_answer(product: dict, text: str) -> str | None:
    chart = product.get("size_chart") or []
    sizes = option_values(product, "尺码")
    if chart:
        height, weight = body_measurements(text)
        size = recommend_size(chart, height, weight)
        rows = "；".join(f"{r['size']}：{r['height'][0]}–{r['height'][1]}cm，{r['weight'][0]}–{r['weight'][1]}kg"
                        for r in chart)
        if size:
            given = "、".join(x for x in (f"身高 {height}cm" if height else "",
                                          f"体重 {weight:g}kg" if weight else "") if x)
            return (f"按{given}，{product['name']}建议选 {size} 码（两个尺码之间选大一码更宽松）。"
                    f"尺码表：{rows}。")
        return f"{product['name']}的尺码表：{rows}。告诉我身高和体重，我帮您推荐尺码。"
    advice = next((v for k, v in product.get("specs", {}).items() if "尺码" in k), None)
    if sizes:
        return f"{product['name']}有 {'、'.join(sizes)} 码。" + (f"{advice}。" if advice else "")
    return None


def compatibility_answer(product: dict, text: str) -> str | None:
    found = compatibility(product, text)
    note = product.get("compatibility_note")
    if found.answer == "yes":
        return f"可以的，{product['name']}支持{found.device}。" + (f"{note}。" if note else "")
    if found.answer == "no":
        return f"抱歉，{product['name']}不支持{found.device}。" + (f"{note}。" if note else "")
    return f"{product['name']}：{note}。" if note else None


def follows_up(product: dict, text: str) -> bool:
    """A short question that only names another variant or device: it asks what the last one asked."""
    if names_a_spec(product, text):  # "那质保呢" asks something new
        return False
    norm = text.strip().rstrip("?？!！~ ")
    return bool(named_options(product, text) or compatibility(product, text).answer
                or (len(norm) <= 12 and norm.endswith("呢")))


class ActionProductInfo(DeskAction):
    def name(self) -> str:
        return "action_product_info"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, cid: str | None
    ) -> list[EventType]:
        catalog = await desk().catalog()
        text = customer_words(tracker)
        topic = topic_of(text)
        # "这款有黑色吗" after a question about the T-shirt is about the T-shirt.
        last = product_by_sku(catalog, tracker.get_slot("product"))
        product = find_product(catalog, text) or last
        if product is None:
            if topic == "authenticity":
                dispatcher.utter_message(text=catalog["all_products"]["authenticity"])
                return []
            if topic is None and any(word in text for word in SELLS_WORDS):
                return unknown(dispatcher, "抱歉，本店在售的商品里没有找到您说的这款。")
            dispatcher.utter_message(text=WHICH_PRODUCT, buttons=[HUMAN_BUTTONS[0]])
            return []
        if topic in (None, "colour") and named_options(product, text) and (
                any(w in text for w in AVAILABLE_WORDS) or ASKS_IF_THERE_IS.search(text)):
            topic = "stock"  # "奶白色350ml的有没有"
        if topic is None and compatibility(product, text).answer:
            topic = "compatibility"  # "mac能用不": a device the catalogue lists
        if topic is None and product is last and follows_up(product, text):  # "那黑色的呢" after a stock question
            topic = tracker.get_slot("product_topic")
        remember = [SlotSet("product", product["sku"]), SlotSet("product_topic", topic)]
        said = self.fact(product, catalog, topic, text)
        if said is None:
            return remember + unknown(dispatcher, f"{product['name']}的商品资料里没有写到这一点，我不想给您说错。")
        # The desk draws the product as a card (picture, price, stock) beside the answer.
        dispatcher.utter_message(text=said, json_message={"cards": [{"kind": "product", "sku": product["sku"]}]})
        return remember

    @staticmethod
    def fact(product: dict, catalog: dict, topic: str | None, text: str) -> str | None:
        """The catalogue's answer to the question, or None when it does not say."""
        if topic == "authenticity":
            return catalog["all_products"]["authenticity"]
        if topic == "stock":
            return stock_answer(product, catalog, text)
        if topic == "size":
            return size_answer(product, text)
        if topic == "compatibility":
            return compatibility_answer(product, text)
        if topic == "colour":
            colours = option_values(product, "颜色")
            return (f"{product['name']}有 {'、'.join(colours)}。现在有货的是：{in_stock_list(product)}。"
                    if colours else None)
        if topic == "price":
            return price_line(product, catalog)
        spec = best_spec(product, text)
        if spec:
            return f"{product['name']}的{spec[0]}：{spec[1]}。"
        if topic is None and not names_a_spec(product, text) and len(text) <= len(product["name"]) + 6:
            # Little more than the product's name: describe it.
            specs = "；".join(f"{k}：{v}" for k, v in product.get("specs", {}).items())
            return f"{price_line(product, catalog)}{specs}。有货的款式：{in_stock_list(product)}。"
        return None


PRICE_PROTECTION_WORDS = ("价保", "保价", "差价", "降价了", "降价", "便宜了", "买贵了")
COUPON_WORDS = ("券", "红包", "新人", "首单", "新用户", "第一次买")
FUTURE_WORDS = ("双十一", "双11", "618", "年货节", "黑五", "以后", "过几天", "下个月", "会不会降", "会降价",
                "什么时候降", "什么时候有活动", "啥时候有活动", "大促", "会便宜")
BARGAIN_WORDS = ("便宜点", "便宜些", "少点", "少一点", "优惠点", "改价", "砍价", "抹零", "打个折", "给个折扣",
                 "便宜一点", "能便宜")


class ActionPromotionInfo(DeskAction):
    def name(self) -> str:
        return "action_promotion_info"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, cid: str | None
    ) -> list[EventType]:
        catalog = await desk().catalog()
        text = customer_words(tracker)
        product = find_product(catalog, text)
        promotions = catalog.get("promotions", [])
        shop_wide = "；".join(p["text"] for p in promotions if not p.get("products"))
        events: list[EventType] = [SlotSet("product", product["sku"])] if product else []
        if any(word in text for word in PRICE_PROTECTION_WORDS) and not any(w in text for w in FUTURE_WORDS):
            dispatcher.utter_message(text=catalog["price_protection"]["text"])
            return events
        if any(word in text for word in FUTURE_WORDS):
            return events + unknown(dispatcher, "以后的活动安排我这边还没有消息，活动开始前会在店铺首页公布。"
                                                f"现在的优惠有：{shop_wide}。")
        if any(word in text for word in COUPON_WORDS):
            coupons = [p["text"] for p in promotions if p["kind"] == "coupon"]
            dispatcher.utter_message(text="现在可以用的优惠券：" + "；".join(coupons) if coupons
                                     else "现在没有可以领的优惠券。")
            return events
        lines = []
        if any(word in text for word in BARGAIN_WORDS):
            lines.append("商品都是统一标价，客服不能单独改价哦。")
        if product:
            lines.append(price_line(product, catalog))
        lines.append(f"现在的优惠：{shop_wide}。" if shop_wide else "现在店铺没有进行中的活动。")
        dispatcher.utter_message(text="".join(lines))
        return events
