"""Pure roster rules: GB 11643 ID numbers, names, the 5-15 link range, the score change."""

from __future__ import annotations

import pytest

from db.errors import ValidationError
from db.rules.roster import (
    check_score_change,
    clean_name,
    id_check_digit,
    link_status,
    normalize_id_number,
    parse_label,
    parse_yes_no,
)

VALID = "11010519491231002X"  # the standard's own example


def test_check_digit_of_the_standard_example():
    assert id_check_digit(VALID[:17]) == "X"


@pytest.mark.parametrize("raw", [VALID, VALID.lower(), f" {VALID} ", "１１０１０５１９４９１２３１００２Ｘ"])
def test_valid_id_numbers_are_normalised(raw):
    assert normalize_id_number(raw) == VALID


@pytest.mark.parametrize(
    "raw,why",
    [
        ("110105194912310021", "校验位"),
        ("11010519491231002", "18位"),
        ("1101051949123100AX", "18位"),
        ("110105194902300029", "出生日期"),
        ("110105189912310021", "出生日期"),
    ],
)
def test_bad_id_numbers_are_refused(raw, why):
    with pytest.raises(ValidationError, match=why):
        normalize_id_number(raw)


def test_empty_id_number_is_none_unless_required():
    assert normalize_id_number("  ") is None
    with pytest.raises(ValidationError, match="请填写"):
        normalize_id_number("", required=True)


def test_names():
    assert clean_name("  王  小明 ") == "王 小明"
    with pytest.raises(ValidationError, match="不能超过30个字"):
        clean_name("王" * 31)
    with pytest.raises(ValidationError, match="控制字符"):
        clean_name("王\x07明")
    with pytest.raises(ValidationError, match="请填写姓名"):
        clean_name(" ")


@pytest.mark.parametrize("n,expected", [(0, "under"), (4, "under"), (5, "ok"), (15, "ok"), (16, "over")])
def test_link_status(n, expected):
    assert link_status(n) == expected


def test_score_change_bounds_and_reason():
    assert check_score_change(90, "5", "走访联系户") == (5, "走访联系户")
    assert check_score_change(10, -10, "缺席组织生活") == (-10, "缺席组织生活")
    for delta, msg in ((0, "非零"), ("abc", "非零"), (True, "非零"), (11, "超过满分"), (-91, "低于0分")):
        with pytest.raises(ValidationError, match=msg):
            check_score_change(90 if delta != -91 else 90, delta, "事由写清楚")
    with pytest.raises(ValidationError, match="事由"):
        check_score_change(90, 1, "")
    with pytest.raises(ValidationError, match="至少需要2个字"):
        check_score_change(90, 1, "好")


def test_labels_and_yes_no():
    assert parse_label("网格长", {"chief": "网格长", "worker": "网格员"}, "职务", "r") == "chief"
    with pytest.raises(ValidationError, match="网格长、网格员"):
        parse_label("组长", {"chief": "网格长", "worker": "网格员"}, "职务", "r")
    assert parse_yes_no("是", "在岗", "a") is True and parse_yes_no("否", "在岗", "a") is False
    with pytest.raises(ValidationError):
        parse_yes_no("也许", "在岗", "a")
