import pytest

from bot.normalize import fold, normalize_text


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("請問怎麼退貨", "请问怎么退货"),
        ("訂單ＤＤ２６０００１０００００１到哪了？", "订单dd260001000001到哪了?"),
        ("OK 謝謝👍", "ok 谢谢👍"),
        ("　积分", " 积分"),
        ("", ""),
    ],
)
def test_normalisation(raw, expected):
    assert normalize_text(raw) == expected


@pytest.mark.parametrize("text", ["乾隆皇帝", "頭髮乾了", "發財了", "😭" * 10, "x" * 5000])
def test_normalisation_keeps_the_length_so_entity_offsets_stay_valid(text):
    assert len(normalize_text(text)) == len(text)


def test_fold():
    assert fold(" ＤＤ２６ ") == "DD26"
