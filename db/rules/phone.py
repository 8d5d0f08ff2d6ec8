"""Chinese phone numbers: one canonical form, so that "the same caller" is an equality test.

Canonical forms: a mobile is its 11 digits ("13812345678"); a fixed line is the trunk 0, the
area code, a dash and the subscriber number ("0396-7654321", "010-12345678"). Input may carry
+86 / 0086 / 86, spaces, dashes, dots, brackets and full-width characters (NFKC first).
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from phonenumbers import PhoneNumberType

from db.errors import ValidationError

_ALLOWED = re.compile(r"^\+?[0-9 ()\-.]+$")
_MAX_RAW = 30
_MOBILE = {PhoneNumberType.MOBILE}
_FIXED = {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def _bad(raw: str, why: str) -> ValidationError:
    return ValidationError(f"电话号码格式不正确：{raw}（{why}）。", field="caller_phone")


def normalize_phone(raw: str | None) -> str | None:
    """The canonical form of a mainland mobile or fixed-line number; None for empty input.

    Raises ValidationError("电话号码格式不正确：……") for anything else (short codes, 400/800
    numbers, numbers without an area code, other countries, letters).
    """
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if not text:
        return None
    shown = text[:_MAX_RAW]
    if len(text) > _MAX_RAW or not _ALLOWED.match(text):
        raise _bad(shown, "只能包含数字、空格、括号、短横线和+86")
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") and not digits.startswith("86"):
        raise _bad(shown, "仅支持中国大陆号码")
    if text.startswith("00") and not digits.startswith("0086"):
        raise _bad(shown, "仅支持中国大陆号码")
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise _bad(shown, "请填写11位手机号或带区号的固定电话") from None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise _bad(shown, "请填写11位手机号或带区号的固定电话")
    kind = phonenumbers.number_type(number)
    national = str(number.national_number)
    if kind in _MOBILE and len(national) == 11:
        return national
    if kind in _FIXED:
        area = phonenumbers.length_of_geographical_area_code(number)
        if area:
            return f"0{national[:area]}-{national[area:]}"
    raise _bad(shown, "请填写11位手机号或带区号的固定电话")


def looks_like_phone(text: str | None) -> bool:
    """True when ``text`` could be a phone number typed into a search box."""
    if not text:
        return False
    t = unicodedata.normalize("NFKC", text).strip()
    return bool(_ALLOWED.match(t)) and sum(c.isdigit() for c in t) >= 7


__all__ = ["looks_like_phone", "normalize_phone"]
