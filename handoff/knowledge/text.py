"""Example text: entity annotations, the plain form for comparisons, near-duplicates, masking."""

import re
import unicodedata

from handoff.core.patterns import ORDER_ID_FORMAT, PHONE_FORMAT
from handoff.core.patterns import ORDER_ID_IN_TEXT as ORDER_ID
from handoff.core.patterns import PHONE_IN_TEXT as PHONE
from handoff.knowledge.labels import ENTITY_LABELS

# Rasa's inline annotation: [value](entity) or [value]{"entity": ...}; only the first form is used here.
ANNOTATION = re.compile(r"\[([^\[\]]+)\]\(([a-z_]+)\)")
# The formats the RegexEntityExtractor knows (data/nlu/entities.yml); an
# annotation must match them, or the extractor and the data disagree.
ENTITY_PATTERNS = {
    "order_id": re.compile(ORDER_ID_FORMAT),
    "phone": re.compile(PHONE_FORMAT),
    "region": re.compile(r"\S{2,12}"),
}
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def strip_annotations(text: str) -> str:
    return ANNOTATION.sub(lambda m: m.group(1), text)


def plain(text: str) -> str:
    """The text as compared for duplicates: no annotations, NFKC, lower case, no punctuation or spaces."""
    folded = unicodedata.normalize("NFKC", strip_annotations(text)).lower()
    return _NOISE.sub("", folded)[:512]


def annotation_errors(text: str) -> list[str]:
    """What is wrong with the entity annotations of an example, in Chinese (empty: nothing)."""
    errors = []
    for value, entity in ANNOTATION.findall(text):
        pattern = ENTITY_PATTERNS.get(entity)
        if pattern is None:
            errors.append(f"未知的实体类型：{entity}（可用：订单号 order_id、手机号 phone、地区 region）")
        elif not pattern.fullmatch(value.strip()):
            errors.append(f"“{value}”不是有效的{ENTITY_LABELS[entity]}")
    leftover = ANNOTATION.sub("", text)
    if re.search(r"\]\([a-z_]*\)?|\[[^\]]*$", leftover):
        errors.append("实体标注格式不完整：应写成 [值](实体类型)")
    return errors


def annotate(text: str) -> str:
    """Annotates the order numbers and phone numbers in an unannotated text."""
    text = ORDER_ID.sub(lambda m: f"[{m.group(0)}](order_id)", text)
    return PHONE.sub(lambda m: f"[{m.group(0)}](phone)", text)


def mask(text: str) -> str:
    """A real customer's message with personal data replaced by demo values of the same format.

    The result still teaches the bot that an order number or a phone stands
    there (and stays annotated), without keeping the customer's own.
    """
    text = ORDER_ID.sub("DD260101000001", text)
    return PHONE.sub("13800000000", text)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def near_duplicate_limit(text: str) -> int:
    """Edits within which two examples count as near-duplicates: one per five characters, at least one."""
    return max(1, len(text) // 5)
