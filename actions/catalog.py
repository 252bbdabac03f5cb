"""Reading a pre-sales question against the shop's catalogue (GET /api/shop/catalog).

Plain functions over the catalogue's JSON and the customer's words, no Rasa:
which product the customer means, what they ask about it (size, stock,
colour, compatibility, authenticity, a spec), their height and weight, the
variant they name, and the spec line that answers them. The actions in
actions/presales.py turn the result into an answer, or into "I don't know
that, shall I ask a 售前 colleague?" when the catalogue does not say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.normalize import normalize_text

# What the customer asks about, by the words they use; the first that matches wins.
TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("authenticity", ("正品", "假货", "假的", "真的吗", "真假", "验货", "行货", "官方", "授权", "山寨", "高仿", "a货")),
    ("stock", ("有货", "没货", "有没有货", "缺货", "库存", "现货", "补货", "断货", "卖完", "售罄", "还有吗", "还有没有",
               "有没有了", "还有么", "还有不", "到货", "上架", "卖光", "抢光")),
    ("size", ("尺码", "码数", "几码", "多大码", "什么码", "哪个码", "啥码", "穿多大", "选多大", "买多大", "穿什么",
              "偏大", "偏小", "正码", "大一码", "小一码", "大半码", "码偏", "身高", "体重", "斤", "公斤", "kg",
              "cm", "一米", "1米", "码合适", "穿哪个")),
    ("compatibility", ("能连", "连接", "兼容", "适配", "适用于", "能用吗", "能用不", "可以用吗", "能不能用", "支持",
                       "放得下", "放的下", "装得下", "装的下", "放不放得下", "放不下", "装不下", "塞得进", "塞得下",
                       "塞不进", "放进去", "装进去", "能放下", "型号", "能配", "能带", "能放")),
    ("colour", ("颜色", "什么色", "哪些色", "几个色", "啥色", "色号", "配色")),
    ("price", ("多少钱", "价格", "价钱", "什么价", "啥价", "几块", "多少米", "贵不贵", "售价")),
)

STOPWORDS = set("的了吗呢吧啊呀哦嘛么是不没有能可以会要想问请下个这那款件你们我他她它亲和跟与在就都还也很太吗么")


def topic_of(text: str) -> str | None:
    norm = normalize_text(text)
    for topic, words in TOPICS:
        if any(word in norm for word in words):
            return topic
    return None


def find_product(catalog: dict, text: str) -> dict | None:
    """The product whose longest alias (or name) appears in the text."""
    norm = normalize_text(text)
    best, best_len = None, 0
    for product in catalog["products"]:
        for alias in [product["name"], *product.get("aliases", [])]:
            a = normalize_text(alias)
            if a and a in norm and len(a) > best_len:
                best, best_len = product, len(a)
    return best


def product_by_sku(catalog: dict, sku: str | None) -> dict | None:
    return next((p for p in catalog["products"] if p["sku"] == sku), None) if sku else None


# --- body measurements -------------------------------------------------------

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _cn_height(norm: str) -> int | None:
    """一米七 / 一米七五 / 1米75 / 1.75米 / 1米7 -> centimetres."""
    m = re.search(r"([一1])\s*[米m.]\s*([零一二两三四五六七八九\d])([零一二两三四五六七八九\d])?", norm)
    if not m or re.match(r"\s*米?\s*的?床", norm[m.end():]):  # 1.5米床 is a bed, not a height
        return None
    tens = _CN_DIGITS.get(m.group(2), None)
    tens = int(m.group(2)) if tens is None else tens
    ones = m.group(3)
    ones = 0 if ones is None else (_CN_DIGITS[ones] if ones in _CN_DIGITS else int(ones))
    return 100 + tens * 10 + ones


def body_measurements(text: str) -> tuple[int | None, float | None]:
    """Height in cm and weight in kg that the customer gave, if any."""
    norm = normalize_text(text)
    height = _cn_height(norm)
    weight = None
    m = re.search(r"(\d{2,3}(?:\.\d)?)\s*(kg|公斤|千克)", norm)
    if m:
        weight = float(m.group(1))
    else:
        m = re.search(r"(\d{2,3}(?:\.\d)?)\s*斤", norm)
        if m:
            weight = float(m.group(1)) / 2
    for number in re.findall(r"(?<![\d.a-z穿])(\d{2,3})(?![\d.])(?!\s*(?:斤|kg|公斤|千克|码|元|块|ml|寸|英寸))", norm):
        value = int(number)
        if height is None and 140 <= value <= 210:
            height = value
        elif weight is None and value != height:
            if 35 <= value <= 100:
                weight = float(value)
            elif 100 < value <= 250:  # a bare weight over 100 is in 斤
                weight = value / 2
    return height, weight


def recommend_size(chart: list[dict], height: int | None, weight: float | None) -> str | None:
    """The chart's size for a height and weight; between two sizes, the larger."""
    def pick(key: str, value: float | None) -> int | None:
        if value is None:
            return None
        for i, row in enumerate(chart):
            low, high = row[key]
            if low <= value < high:
                return i
        return 0 if value < chart[0][key][0] else len(chart) - 1

    found = [i for i in (pick("height", height), pick("weight", weight)) if i is not None]
    return chart[max(found)]["size"] if found else None


# --- variants ----------------------------------------------------------------

OPTION_KEYS = ("颜色", "尺码", "型号", "轴体", "规格", "容量")


def _value_in(value: str, norm: str) -> bool:
    v = normalize_text(str(value)).replace(" ", "")
    squeezed = norm.replace(" ", "")
    if re.fullmatch(r"[a-z]{1,3}", v):  # S, M, L, XL: not inside a longer word
        return re.search(rf"(?<![a-z]){v}(?![a-z])", squeezed) is not None
    if re.fullmatch(r"\d+", v):  # shoe sizes
        return re.search(rf"(?<!\d){v}(?!\d)", squeezed) is not None
    if v.endswith("色") and len(v) == 2:  # 黑色: also 黑的, 黑款
        return v in squeezed or re.search(rf"{v[0]}[的款]", squeezed) is not None
    return v in squeezed


def named_options(product: dict, text: str) -> dict[str, str]:
    """The option values (colour, size, model...) of this product the text names; longest first."""
    norm = normalize_text(text)
    named: dict[str, str] = {}
    for key in OPTION_KEYS:
        values = sorted({str(v[key]) for v in product.get("variants", []) if key in v}, key=len, reverse=True)
        for value in values:
            if _value_in(value, norm):
                named[key] = value
                break
    return named


def matching_variants(product: dict, options: dict[str, str]) -> list[dict]:
    return [v for v in product.get("variants", []) if all(str(v.get(k)) == val for k, val in options.items())]


def variant_title(variant: dict) -> str:
    return " ".join(str(variant[k]) for k in OPTION_KEYS if k in variant)


def option_values(product: dict, key: str) -> list[str]:
    seen: list[str] = []
    for v in product.get("variants", []):
        if key in v and str(v[key]) not in seen:
            seen.append(str(v[key]))
    return seen


# --- compatibility and specs -------------------------------------------------


@dataclass
class Compatibility:
    answer: str | None  # "yes", "no", or None when the catalogue does not name the device
    device: str | None


def compatibility(product: dict, text: str) -> Compatibility:
    norm = normalize_text(text).replace(" ", "")
    for answer, key in (("no", "not_works_with"), ("yes", "works_with")):
        for device in sorted(product.get(key, []), key=len, reverse=True):
            if normalize_text(device).replace(" ", "") in norm:
                return Compatibility(answer, device)
    return Compatibility(None, None)


def _content_chars(text: str, product: dict | None) -> str:
    norm = normalize_text(text)
    if product:
        for alias in sorted([product["name"], *product.get("aliases", [])], key=len, reverse=True):
            norm = norm.replace(normalize_text(alias), " ")
    return "".join(ch if ("\u4e00" <= ch <= "\u9fff" and ch not in STOPWORDS) or ch.isalnum() else " "
                   for ch in norm)


# Words customers use for a spec line's name: "充满电能用多久" asks about 续航, not 充电.
SPEC_WORDS: dict[str, tuple[str, ...]] = {
    "续航": ("续航", "用多久", "用多长", "能用几", "待机", "电池", "充满", "一次充电"),
    "充电": ("充电", "充多久", "快充", "充电器", "接口"),
    "保修": ("保修", "质保", "售后", "坏了", "换新"),
    "防水": ("防水", "游泳", "淋雨", "出汗", "洗澡"),
    "面料": ("面料", "材质", "料子", "纯棉", "起球", "透气"),
    "材质": ("材质", "材料", "什么做的", "不锈钢", "安全吗"),
    "洗涤": ("机洗", "手洗", "怎么洗", "缩水", "掉色"),
    "保温": ("保温", "保冷", "凉得快"),
    "容量": ("容量", "多少毫升", "装多少", "多大容量"),
    "尺寸": ("尺寸", "多大", "多高", "多长", "多宽"),
    "重量": ("重量", "多重", "重不重", "轻不轻"),
    "电脑仓": ("电脑", "笔记本", "几寸"),
    "轴体": ("轴体", "什么轴", "哪种轴"),
    "刻字": ("刻字", "刻什么", "刻几个"),
    "保质期": ("保质期", "过期", "放多久"),
    "适用": ("孕妇", "小孩", "敏感肌", "适合"),
}


def names_a_spec(product: dict, text: str) -> bool:
    """Whether the text names a spec (by its name or a customer's word for it), listed for this product or not."""
    norm = normalize_text(text)
    return any(name in norm or any(w in norm for w in SPEC_WORDS.get(name, ()))
               for name in {*product.get("specs", {}), *SPEC_WORDS})


def best_spec(product: dict, text: str) -> tuple[str, str] | None:
    """The spec line (name, value) that shares the most with the question, if any shares enough.

    Characters count 1, adjacent pairs 2, after dropping the product's name
    and function words: "能装牛奶吗" finds 注意: 不建议装牛奶…, "纯棉的吗" 面料: 100%…棉.
    """
    words = _content_chars(text, product)
    chars = {ch for ch in words if ch.strip()}
    pairs = {words[i:i + 2] for i in range(len(words) - 1) if " " not in words[i:i + 2]}
    best, best_score = None, 0
    for name, value in product.get("specs", {}).items():
        line = normalize_text(name + value)
        score = sum(ch in line for ch in chars) + 2 * sum(p in line for p in pairs)
        norm = normalize_text(text)
        if name in norm or any(w in norm for w in SPEC_WORDS.get(name, ())):
            score += 5
        if score > best_score:
            best, best_score = (name, value), score
    return best if best_score >= 2 else None
