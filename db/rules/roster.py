"""Pure rules of the grid roster: ID numbers (GB 11643, from db.rules.text), names, the household link
range of 党员联户 (5-15 by default; each township may set its own, db.queries.township_settings), the
100-point record score, and the labels the Excel template uses."""

from __future__ import annotations

import re
from typing import Literal, overload

from db.errors import ValidationError

# the ID number rule lives in db.rules.text (shared with mediation and the platforms); kept importable here
from db.rules.text import bounded_int, drop_invisible, id_check_digit, normalize_id_number, refuse_illegal  # noqa: F401

# 党员联户: each party member is linked to 5-15 households unless the township set its own range
# (township_setting.link_min / link_max, read through db.queries.township_settings): these are the
# defaults, never the rule for a township's members by themselves
LINK_MIN, LINK_MAX = 5, 15
SCORE_MIN, SCORE_MAX = 0, 100
NAME_MAX = 30  # grid_staff.name, party_member.name, resident.name
REASON_MAX = 200  # party_score_entry.reason
REASON_MIN = 2

_CTRL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@overload
def clean_name(
    raw: object, label: str = ..., field: str = ..., max_len: int = ..., required: Literal[True] = ...
) -> str: ...
@overload
def clean_name(
    raw: object, label: str = ..., field: str = ..., max_len: int = ..., required: bool = ...
) -> str | None: ...
def clean_name(
    raw: object, label: str = "姓名", field: str = "name", max_len: int = NAME_MAX, required: bool = True
) -> str | None:
    """A single-line name: invisible format characters dropped, control characters and
    characters no Office export can hold (U+FFFF …) refused, inner spaces collapsed, length
    checked."""
    text = drop_invisible("" if raw is None else str(raw))
    if _CTRL.search(text):
        raise ValidationError(f"{label}中含有不可见的控制字符。", field=field)
    refuse_illegal(text, label, field)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        if required:
            raise ValidationError(f"请填写{label}。", field=field)
        return None
    if len(text) > max_len:
        raise ValidationError(f"{label}不能超过{max_len}个字（当前{len(text)}个字）。", field=field)
    return text


def link_status(count: int, low: int = LINK_MIN, high: int = LINK_MAX) -> str:
    """'under' (fewer than ``low`` households), 'over' (more than ``high``) or 'ok'; pass the
    member's township's range (the defaults are 5-15)."""
    if count < low:
        return "under"
    if count > high:
        return "over"
    return "ok"


def link_status_labels(low: int | None = LINK_MIN, high: int | None = LINK_MAX) -> dict[str, str]:
    """The words of each link status for a range; ``None`` (townships of different ranges shown
    together): the words without a number."""
    if low is None or high is None:
        return {"under": "联户不足规定户数", "over": "联户超过规定户数", "ok": "联户数正常"}
    return {"under": f"联户不足{low}户", "over": f"联户超过{high}户", "ok": "联户数正常"}


def link_range_text(low: int | None, high: int | None) -> str:
    """规定5—15户, or 按各乡镇规定 when townships of different ranges are shown together."""
    return "按各乡镇规定" if low is None or high is None else f"规定{low}—{high}户"


# the labels of the default range (a township's own: link_status_labels(low, high))
LINK_STATUS_LABELS = link_status_labels()


def check_score_change(current: int, delta: object, reason: object) -> tuple[int, str]:
    """Validate one addition or deduction of the 100-point score; returns (delta, reason).

    The delta is a non-zero integer; the score after it stays within 0-100; the reason is
    required (2-200 characters)."""
    d = bounded_int(delta, -(10**6), 10**6, "分值须为非零整数。", field="delta")  # the score bounds below
    if d == 0:
        raise ValidationError("分值须为非零整数（加分为正，扣分为负）。", field="delta")
    after = current + d
    if after > SCORE_MAX:
        raise ValidationError(
            f"加分后得分为{after}分，超过满分{SCORE_MAX}分（当前{current}分，最多可加{SCORE_MAX - current}分）。",
            field="delta",
        )
    if after < SCORE_MIN:
        raise ValidationError(
            f"扣分后得分为{after}分，低于{SCORE_MIN}分（当前{current}分，最多可扣{current - SCORE_MIN}分）。",
            field="delta",
        )
    text = clean_name(reason, "加减分事由", field="reason", max_len=REASON_MAX, required=True)
    assert text is not None
    if len(text) < REASON_MIN:
        raise ValidationError(f"加减分事由至少需要{REASON_MIN}个字。", field="reason")
    return d, text


def parse_yes_no(raw: object, label: str, field: str) -> bool:
    text = "" if raw is None else str(raw).strip()
    if text in ("是", "在岗", "Y", "y", "1", "TRUE", "True", "true"):
        return True
    if text in ("否", "离岗", "N", "n", "0", "FALSE", "False", "false"):
        return False
    raise ValidationError(f"{label}须填写“是”或“否”。", field=field)


def parse_label(raw: object, labels: dict[str, str], label: str, field: str, required: bool = True) -> str | None:
    """The code whose Chinese label (or code) is ``raw``."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        if required:
            raise ValidationError(f"请填写{label}。", field=field)
        return None
    for code, name in labels.items():
        if text in (name, code):
            return code
    raise ValidationError(f"{label}须为{'、'.join(labels.values())}之一。", field=field)
