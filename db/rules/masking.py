"""Masking of personal data: phones, ID numbers, residents' names."""

from __future__ import annotations

from db.permissions import sees_unmasked

MASK = "*"


def mask_phone(phone: str | None) -> str | None:
    """13812345678 -> 138****5678; 0396-7654321 -> 0396-*****21."""
    if not phone:
        return phone
    digits = phone.strip()
    if "-" in digits:  # landline "0396-7654321": keep the area code and the last 2 digits
        area, _, local = digits.partition("-")
        return f"{area}-{MASK * max(len(local) - 2, 0)}{local[-2:]}"
    if len(digits) >= 11:
        return digits[:3] + MASK * 4 + digits[-4:]
    if len(digits) > 4:
        return digits[:2] + MASK * (len(digits) - 4) + digits[-2:]
    return MASK * len(digits)


def mask_id_number(id_number: str | None) -> str | None:
    """411726199001011234 -> 4117**********1234 (region prefix and the last 4 kept)."""
    if not id_number:
        return id_number
    s = id_number.strip()
    if len(s) <= 8:
        return MASK * len(s)
    return s[:4] + MASK * (len(s) - 8) + s[-4:]


def mask_name(name: str | None) -> str | None:
    """张三 -> 张*, 王小明 -> 王*明, 欧阳娜娜 -> 欧**娜; a single character becomes *."""
    if not name:
        return name
    s = name.strip()
    if len(s) <= 1:
        return MASK
    if len(s) == 2:
        return s[0] + MASK
    return s[0] + MASK * (len(s) - 2) + s[-1]


MASKERS = {"phone": mask_phone, "id_number": mask_id_number, "name": mask_name}


def mask_for(role: str, kind: str, value: str | None) -> str | None:
    """``value`` as ``role`` may see it; ``kind`` is one of name / phone / id_number."""
    if sees_unmasked(role, kind):
        return value
    return MASKERS[kind](value)


def mask_record(role: str, record: dict, fields: dict[str, str]) -> dict:
    """A copy of ``record`` with ``fields`` ({column: kind}) masked for ``role``."""
    out = dict(record)
    for column, kind in fields.items():
        if column in out:
            out[column] = mask_for(role, kind, out[column])
    return out


# --------------------------------------------------------------------------- free text

import re as _re

_PHONE_RE = _re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LANDLINE_RE = _re.compile(r"(?<!\d)(0\d{2,3})-?(\d{5,6})(\d{2})(?!\d)")
_ID_RE = _re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")
# a surname followed by a given name and an address term: 张某某 / 王小明先生 / 李阿姨
_TITLED_RE = _re.compile(r"([\u4e00-\u9fff])([\u4e00-\u9fff]{1,2})(?=先生|女士|大爷|大妈|大娘|阿姨|老人|师傅)")


def scrub_text(text: str | None, names: tuple[str, ...] | list[str] = ()) -> str | None:
    """Free text (a description, a result, a title) with personal data masked for display to a
    role that may not see it: mobile numbers (138****5678), landlines, 18-digit ID numbers, the
    given ``names`` (callers, parties, residents known for the record) and a name written
    before 先生/女士/阿姨 and the like. Other text is unchanged."""
    if not text:
        return text
    out = _ID_RE.sub(lambda m: m.group(1) + MASK * 10 + m.group(2), text)
    out = _PHONE_RE.sub(lambda m: m.group(1) + MASK * 4 + m.group(2), out)
    out = _LANDLINE_RE.sub(lambda m: m.group(1) + "-" + MASK * len(m.group(2)) + m.group(3), out)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        out = out.replace(name, mask_name(name))
    return _TITLED_RE.sub(lambda m: m.group(1) + MASK * len(m.group(2)), out)


def scrub_for(role: str, text: str | None, names: tuple[str, ...] | list[str] = ()) -> str | None:
    """``text`` as ``role`` may see it: unchanged for a role that sees names and phones
    unmasked, scrubbed otherwise (always for leaders and the demo observer)."""
    if sees_unmasked(role, "name") and sees_unmasked(role, "phone"):
        return text
    return scrub_text(text, names)
