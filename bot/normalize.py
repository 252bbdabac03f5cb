"""Length-preserving normalisation of Chinese chat text.

Customers type full-width letters and digits (ＤＤ２６…), traditional characters
(訂單, 退貨) and mixed case. The features should see one form of each, but entity
offsets must keep pointing into the text the customer sent, so every change here
maps one character to exactly one character.
"""

import unicodedata
from functools import lru_cache

import zhconv


@lru_cache(maxsize=8192)
def _simplify_char(ch: str) -> str:
    out = zhconv.convert(ch, "zh-cn")
    return out if len(out) == 1 else ch


def _half_width(ch: str) -> str:
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII block
        return chr(code - 0xFEE0)
    if code == 0x3000:  # ideographic space
        return " "
    return ch


def normalize_text(text: str) -> str:
    """Half-width ASCII, simplified characters, lower case; same length as ``text``."""
    whole = zhconv.convert(text, "zh-cn")
    if len(whole) != len(text):  # a phrase mapping changed the length: go char by char
        whole = "".join(_simplify_char(ch) for ch in text)
    return "".join(_half_width(ch) for ch in whole).lower()


def fold(text: str) -> str:
    """NFKC-fold a value that came out of customer text (order ids, phone numbers)."""
    return unicodedata.normalize("NFKC", text).strip()
