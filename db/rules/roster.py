"""Pure rules of the grid roster: ID numbers (GB 11643), names, the 5-15 household link
range of 党员联户, the 100-point record score, and the labels the Excel template uses."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from db.errors import ValidationError

# 党员联户: each party member is linked to 5-15 households
LINK_MIN, LINK_MAX = 5, 15
SCORE_MIN, SCORE_MAX = 0, 100
NAME_MAX = 30  # grid_staff.name, party_member.name, resident.name
REASON_MAX = 200  # party_score_entry.reason
REASON_MIN = 2

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_CTRL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=False))
    return _ID_CHECK[total % 11]


def normalize_id_number(raw: object, label: str = "身份证号", field: str = "id_number",
                        required: bool = False) -> str | None:
    """An 18-character resident ID number (upper-case X), checked: shape, birth date and the
    GB 11643 check character. None for empty input unless ``required``."""
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw)).strip().upper()
    text = text.replace(" ", "")
    if not text:
        if required:
            raise ValidationError(f"请填写{label}。", field=field)
        return None
    if not _ID_SHAPE.match(text):
        raise ValidationError(f"{label}须为18位（前17位为数字，最后一位为数字或X）。", field=field)
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise ValidationError(f"{label}中的出生日期不存在。", field=field) from None
    if born.year < 1900:
        raise ValidationError(f"{label}中的出生日期不存在。", field=field)
    if id_check_digit(text[:17]) != text[17]:
        raise ValidationError(f"{label}校验位不正确，请核对。", field=field)
    return text


def clean_name(raw: object, label: str = "姓名", field: str = "name", max_len: int = NAME_MAX,
               required: bool = True) -> str | None:
    """A single-line name: control characters refused, inner spaces collapsed, length checked."""
    text = "" if raw is None else str(raw)
    if _CTRL.search(text):
        raise ValidationError(f"{label}中含有不可见的控制字符。", field=field)
    text = re.sub(r"\s+", " ", text.replace("\u200b", "").replace("\ufeff", "")).strip()
    if not text:
        if required:
            raise ValidationError(f"请填写{label}。", field=field)
        return None
    if len(text) > max_len:
        raise ValidationError(f"{label}不能超过{max_len}个字（当前{len(text)}个字）。", field=field)
    return text


def link_status(count: int) -> str:
    """'under' (<5 households), 'over' (>15) or 'ok'."""
    if count < LINK_MIN:
        return "under"
    if count > LINK_MAX:
        return "over"
    return "ok"


LINK_STATUS_LABELS = {"under": f"联户不足{LINK_MIN}户", "over": f"联户超过{LINK_MAX}户", "ok": "联户数正常"}


def check_score_change(current: int, delta: object, reason: object) -> tuple[int, str]:
    """Validate one addition or deduction of the 100-point score; returns (delta, reason).

    The delta is a non-zero integer; the score after it stays within 0-100; the reason is
    required (2-200 characters)."""
    if isinstance(delta, bool):
        raise ValidationError("分值须为非零整数。", field="delta")
    try:
        d = int(str(delta).strip())
    except (TypeError, ValueError):
        raise ValidationError("分值须为非零整数。", field="delta") from None
    if d == 0:
        raise ValidationError("分值须为非零整数（加分为正，扣分为负）。", field="delta")
    after = current + d
    if after > SCORE_MAX:
        raise ValidationError(f"加分后得分为{after}分，超过满分{SCORE_MAX}分（当前{current}分，最多可加{SCORE_MAX - current}分）。",
                              field="delta")
    if after < SCORE_MIN:
        raise ValidationError(f"扣分后得分为{after}分，低于{SCORE_MIN}分（当前{current}分，最多可扣{current - SCORE_MIN}分）。",
                              field="delta")
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


def parse_label(raw: object, labels: dict[str, str], label: str, field: str,
                required: bool = True) -> str | None:
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
