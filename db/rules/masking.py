"""Masking of personal data: phones, ID numbers, residents' names."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import overload

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


@overload
def mask_name(name: str) -> str: ...
@overload
def mask_name(name: None) -> None: ...
@overload
def mask_name(name: str | None) -> str | None: ...
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


# a house, building, unit or room number: where a masked address stops (李楼村二组17号 -> 李楼村二组…)
_HOUSE_NUMBER = re.compile(r"[-#－0-9０-９零〇一二三四五六七八九十百千甲乙丙丁]+\s*(号|室|栋|幢|楼|单元|户|门|院)")


@overload
def mask_address(address: str) -> str: ...
@overload
def mask_address(address: None) -> None: ...
@overload
def mask_address(address: str | None) -> str | None: ...
def mask_address(address: str | None) -> str | None:
    """An address as a role that may not see people sees it (issue #17): up to the village and
    group or the street, never a house, building or room number (a surname beside an exact
    address identifies a person). 李楼村二组17号 -> 李楼村二组…; 幸福路1号院1号楼101室 -> 幸福路…"""
    if not address:
        return address
    m = _HOUSE_NUMBER.search(address)
    if m is None:
        return address
    kept = address[: m.start()].rstrip(" ,，、")
    return (kept + "…") if kept else MASK


MASKERS = {"phone": mask_phone, "id_number": mask_id_number, "name": mask_name, "address": mask_address}


@overload
def mask_for(role: str, kind: str, value: str) -> str: ...
@overload
def mask_for(role: str, kind: str, value: None) -> None: ...
@overload
def mask_for(role: str, kind: str, value: str | None) -> str | None: ...
def mask_for(role: str, kind: str, value: str | None) -> str | None:
    """``value`` as ``role`` may see it; ``kind`` is one of name / phone / id_number / address."""
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


# Numbers as people type them into a description: separators (space, full-width space, hyphen,
# dot) anywhere between the digits, a +86 / 0086 / 86 country prefix, full-width digits (folded to
# ASCII first). The masked copy keeps the first and last digits, as the structured columns do.
_SEP = r"[ \u3000\-.]?"
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ＋", "0123456789Xx+")
_PHONE_RE = re.compile(rf"(?<!\d)((?:(?:\+|00)?86{_SEP})?)(1[3-9]\d)((?:{_SEP}\d){{4}})((?:{_SEP}\d){{4}})(?!\d)")
_LANDLINE_RE = re.compile(r"(?<!\d)(0\d{2,3})-?(\d{5,6})(\d{2})(?!\d)")
_ID_RE = re.compile(rf"(?<![0-9A-Za-z])(\d{{4}})((?:{_SEP}\d){{10}})((?:{_SEP}\d){{3}}{_SEP}[\dXx])(?![0-9A-Za-z])")
# a surname followed by a given name and an address term: 张某某 / 王小明先生 / 李阿姨
_TITLED_RE = re.compile(r"([\u4e00-\u9fff])([\u4e00-\u9fff]{1,2})(?=先生|女士|大爷|大妈|大娘|阿姨|老人|师傅)")


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit() or c in "Xx")


def scrub_text(
    text: str | None,
    names: tuple[str, ...] | list[str] = (),
    *,
    ids: bool = True,
    phones: bool = True,
    people: bool = True,
) -> str | None:
    """Free text (a description, a result, a title) with personal data masked for display to a
    role that may not see it: ID numbers (``ids``: 18 digits, also written in groups), mobile
    numbers (``phones``: 138****5678, also with spaces or dashes, +86 or full-width digits) and
    landlines, and (``people``) the given ``names`` (callers, parties, residents known for the
    record) and a name written before 先生/女士/阿姨 and the like. Other text is unchanged."""
    if not text:
        return text
    out = text.translate(_FULLWIDTH_DIGITS) if (ids or phones) else text
    if ids:
        out = _ID_RE.sub(lambda m: m.group(1) + MASK * 10 + _digits(m.group(3))[-4:], out)
    if phones:
        out = _PHONE_RE.sub(lambda m: m.group(1) + m.group(2) + MASK * 4 + _digits(m.group(4)), out)
        out = _LANDLINE_RE.sub(lambda m: m.group(1) + "-" + MASK * len(m.group(2)) + m.group(3), out)
    if people:
        for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
            out = out.replace(name, mask_name(name))
        out = _TITLED_RE.sub(lambda m: m.group(1) + MASK * len(m.group(2)), out)
    # nothing masked: the text as it was typed (full-width digits and all)
    return text if out == text.translate(_FULLWIDTH_DIGITS) else out


def scrub_for(role: str, text: str | None, names: tuple[str, ...] | list[str] = ()) -> str | None:
    """``text`` as ``role`` may see it: each kind of personal data the role may not see is
    masked (everything for leaders and the demo observer; ID numbers for dispatchers and
    platform officers, who see names and phones); unchanged for a role that sees them all."""
    ids, phones, people = (not sees_unmasked(role, f) for f in ("id_number", "phone", "name"))
    if not (ids or phones or people):
        return text
    return scrub_text(text, names, ids=ids, phones=phones, people=people)


def scrub_rows(
    role: str,
    rows: list[dict],
    fields: tuple[str, ...],
    names_for: Callable[[list], dict] | None = None,
    key: str = "id",
) -> list[dict]:
    """``rows`` with their free-text ``fields`` as ``role`` may see them (``scrub_for`` on each),
    in place. ``names_for(keys)`` gives the names known for each row's record (callers, household,
    parties), asked only when the role may not see names. Rows of a role that sees everything
    come back untouched; a role that sees names but not ID numbers (dispatchers, platform
    officers) still gets the ID numbers masked."""
    if not rows or all(sees_unmasked(role, kind) for kind in ("name", "phone", "id_number")):
        return rows
    names = names_for([r[key] for r in rows]) if names_for and not sees_unmasked(role, "name") else {}
    for r in rows:
        known = names.get(r[key], []) if names else []
        for f in fields:
            if r.get(f):
                r[f] = scrub_for(role, r[f], known)
    return rows
