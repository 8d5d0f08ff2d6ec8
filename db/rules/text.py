"""Pure rules shared by every module's input checks: characters a stored text may hold,
invisible format characters, bounded integers, and the resident ID number (GB 11643).

- **Characters.** XML 1.0 (hence every .docx/.xlsx export) cannot carry C0 control characters
  other than tab, line feed and carriage return, lone surrogates, or U+FFFE/U+FFFF; the
  Unicode noncharacters (U+FDD0-U+FDEF, U+nFFFE/U+nFFFF) are not text either. Such a
  character is *refused* at input (``xml_illegal``), never stripped silently: a saved record
  is always exportable, and the user sees what was wrong.
- **Invisible format characters** (soft hyphen, zero-width space, LRM/RLM, word joiner, BOM …)
  are *dropped* (``drop_invisible``): they change nothing a reader sees, but make two equal
  names unequal. The zero-width joiner/non-joiner stay (emoji sequences, some scripts).
- **Integers** typed or posted by a user (``bounded_int``): an int, an integral finite float or
  a string of ASCII or full-width digits (``1_0``, ``0x10``, ``1e3``, superscripts, other scripts'
  digits, infinities and NaN are not read); always within [lo, hi].
- **ID numbers** (``normalize_id_number``): NFKC, spaces removed, upper-case X, exactly
  ``[0-9]{17}[0-9X]`` in ASCII, a real birth date and the GB 11643 check character.
"""

from __future__ import annotations

import math
import operator
import re
import unicodedata
from datetime import date
from typing import Any, Literal, overload

from db.errors import ValidationError

# --------------------------------------------------------------------------- characters

_NONCHAR_ASTRAL = "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17))
# C0 controls XML forbids (tab, LF and CR are legal XML; the callers decide about them),
# surrogates, noncharacters.
_XML_ILLEGAL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff{_NONCHAR_ASTRAL}]")
# invisible format characters dropped from every text: soft hyphen, Arabic letter mark,
# Mongolian vowel separator, zero-width space, LRM, RLM, word joiner and the invisible
# operators, the deprecated format characters, BOM / zero-width no-break space
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b\u200e\u200f\u2060-\u2064\u206a-\u206f\ufeff]")


def xml_illegal(text: str) -> str | None:
    """The first character of ``text`` that no XML document (no Office export) can hold."""
    m = _XML_ILLEGAL.search(text)
    return m.group() if m else None


def drop_invisible(text: str) -> str:
    """``text`` without invisible format characters."""
    return _INVISIBLE.sub("", text)


def refuse_illegal(text: str, label: str, field: str | None = None) -> None:
    """A Chinese ValidationError when ``text`` holds a character no export could write."""
    ch = xml_illegal(text)
    if ch is not None:
        raise ValidationError(f"{label}中含有无法保存的特殊字符（U+{ord(ch):04X}），请删除后重新填写。", field=field)


# --------------------------------------------------------------------------- integers

_INT_TEXT = re.compile("[+\\-\uff0b\uff0d]?[0-9\uff10-\uff19]{1,19}")  # ASCII or full-width sign and digits
_FULL_WIDTH = str.maketrans("\uff0b\uff0d\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19", "+-0123456789")


def bounded_int(value: Any, lo: int, hi: int, message: str, field: str | None = None) -> int:
    """``value`` as an int within [lo, hi], or ValidationError(``message``).

    Accepted: an int (not a bool), a finite float with no fraction, a string that is (once
    stripped) an optional sign and 1-19 ASCII or full-width digits. Everything else — None,
    booleans, ``inf``/``nan``, ``2.5``, ``"1_0"``, ``"0x10"``, ``"1e3"``, ``"٣"``, ``"²"`` — is
    refused, as is any number outside the range."""
    n: int
    if value is None or isinstance(value, bool):
        raise ValidationError(message, field=field)
    if isinstance(value, int):
        n = int(value)
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ValidationError(message, field=field)
        n = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if not _INT_TEXT.fullmatch(text):
            raise ValidationError(message, field=field)
        n = int(text.translate(_FULL_WIDTH))
    else:
        try:
            n = operator.index(value)  # numpy integers and the like
        except TypeError:
            raise ValidationError(message, field=field) from None
    if not lo <= n <= hi:
        raise ValidationError(message, field=field)
    return n


# --------------------------------------------------------------------------- ID numbers (GB 11643-1999)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")  # ASCII only: \d would take any script's digits


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character of the first 17 (ASCII) digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=False))
    return _ID_CHECK[total % 11]


def normalize_id_number(
    raw: object, label: str = "身份证号", field: str = "id_number", required: bool = False
) -> str | None:
    """An 18-character resident ID number (upper-case X), checked: shape, birth date and the
    GB 11643 check character. None for empty input unless ``required``."""
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw)).strip().upper()
    text = text.replace(" ", "")
    if not text:
        if required:
            raise ValidationError(f"请填写{label}。", field=field)
        return None
    if not _ID_SHAPE.fullmatch(text):
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


# single-line fields refuse every control character; multi-line ones keep \n and \t.
# Bidi overrides are refused too (they can make a text read differently from what it is).
_BIDI = "\u202a-\u202e\u2066-\u2069"
_CTRL_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
_CTRL_MULTI = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")


@overload
def clean_text(
    value: Any,
    label: str,
    *,
    max_len: int,
    min_len: int = 0,
    required: Literal[True],
    multiline: bool = False,
    field: str | None = None,
) -> str: ...
@overload
def clean_text(
    value: Any,
    label: str,
    *,
    max_len: int,
    min_len: int = 0,
    required: bool = False,
    multiline: bool = False,
    field: str | None = None,
) -> str | None: ...
def clean_text(
    value: Any,
    label: str,
    *,
    max_len: int,
    min_len: int = 0,
    required: bool = False,
    multiline: bool = False,
    field: str | None = None,
) -> str | None:
    """Strip a text field and check it: invisible format characters (zero-width space, BOM,
    soft hyphen, LRM …) are dropped; control characters and characters no Office export can
    hold (U+FFFE/U+FFFF, noncharacters, surrogates) are refused, not stripped
    (``db.rules.text``)."""
    text = drop_invisible("" if value is None else str(value))
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if (_CTRL_MULTI if multiline else _CTRL_LINE).search(text):
        raise ValidationError(f"{label}中含有不可见的控制字符，请删除后重新填写。", field=field)
    refuse_illegal(text, label, field)
    text = text.strip()
    if not text:
        if required:
            raise ValidationError(f"请填写{label}。", field=field)
        return None
    if len(text) < min_len:
        raise ValidationError(f"{label}至少需要{min_len}个字。", field=field)
    if len(text) > max_len:
        raise ValidationError(f"{label}不能超过{max_len}个字（当前{len(text)}个字）。", field=field)
    return text


_SEARCH_DROP = re.compile("[\x00-\x1f\x7f-\x9f]")


def search_text(raw: Any, max_len: int = 50) -> str | None:
    """What a search box's text is searched for: control characters (a NUL, which PostgreSQL
    refuses in a query) and invisible format characters dropped, spaces collapsed, at most
    ``max_len`` characters; None when nothing is left. Stored text never holds those
    characters (``clean_text`` refuses them), so dropping them loses no match."""
    if raw is None:
        return None
    text = " ".join(_SEARCH_DROP.sub(" ", drop_invisible(str(raw))).split())[:max_len]
    return text or None


__all__ = [
    "bounded_int",
    "clean_text",
    "drop_invisible",
    "id_check_digit",
    "normalize_id_number",
    "refuse_illegal",
    "search_text",
    "xml_illegal",
]


# --------------------------------------------------------------------------- likeness of two texts

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)  # punctuation, spaces, symbols


def bigrams(text: str | None) -> set[str]:
    """The text's character pairs after NFKC, lower case and without punctuation or spaces:
    "村东头路灯坏了" and "村东头的路灯坏了！" share most of them. One character is its own pair."""
    norm = _NOT_WORD.sub("", unicodedata.normalize("NFKC", text or "").lower())
    if len(norm) < 2:
        return {norm} if norm else set()
    return {norm[i : i + 2] for i in range(len(norm) - 1)}


def likeness(a: str | None, b: str | None) -> float:
    """How alike two complaints are worded, 0..1: the Dice coefficient of their character pairs
    (no word segmentation needed for Chinese; robust to a changed word order or a filler)."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))
