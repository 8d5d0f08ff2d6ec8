"""The signed link of an order's public progress page (issue #20 item 7). Pure: no database.

A receipt carries a link and a QR code to ``/p/<token>``, a page without login where the resident
follows the order and rates the result. The token names the order and when the link stops
working, signed with a key derived from the console's cookie key (HMAC-SHA256, truncated to 120
bits), so it cannot be made for another order or stretched, and it is short enough for a small
QR code: ``<order id base36>.<expiry base36>.<20 characters of signature>``.

The link lives ``LINK_DAYS`` from the order's registration (the expiry is a function of the
order, so a receipt printed again carries the same link). Changing the cookie key invalidates
every link printed before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

LINK_DAYS = 180
SIG_BYTES = 15  # 120 bits: 20 base64url characters
_PURPOSE = b"gov-console/public-progress-page/v1"
_TOKEN = re.compile(r"([0-9a-z]{1,12})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{20})")
MAX_TOKEN = 48
_EPOCH = datetime(1970, 1, 1)


def derive_key(cookie_key: str) -> bytes:
    """The links' own key, derived from the cookie key (never the cookie key itself: a link's
    signature can then never be taken for a login cookie's, nor the other way round)."""
    return hmac.new(cookie_key.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()


def expiry(received_at: datetime) -> datetime:
    """When the link of an order registered at ``received_at`` (naive UTC) stops working."""
    return received_at + timedelta(days=LINK_DAYS)


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _seconds(ts: datetime) -> int:
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    return int((ts - _EPOCH).total_seconds())


def _signature(key: bytes, payload: str) -> str:
    mac = hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()[:SIG_BYTES]
    return base64.urlsafe_b64encode(mac).decode("ascii")


def make_token(order_id: int, expires: datetime, key: bytes) -> str:
    """The token of one order's page, valid until ``expires`` (naive UTC)."""
    if int(order_id) < 1:
        raise ValueError("order id must be positive")
    payload = f"{_b36(int(order_id))}.{_b36(max(_seconds(expires), 0))}"
    return f"{payload}.{_signature(key, payload)}"


@dataclass(frozen=True)
class Checked:
    """What a token says: ``state`` is ``ok``, ``invalid`` (not ours, tampered, malformed) or
    ``expired`` (ours, past its time); ``order_id`` only when ``ok``."""

    state: str
    order_id: int | None = None


INVALID = Checked("invalid")
EXPIRED = Checked("expired")


def check_token(token: str | None, key: bytes, now: datetime) -> Checked:
    """Verify ``token`` at ``now`` (naive UTC). The signature is checked first: an expired
    link is told apart only when it is genuinely one of ours."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN:
        return INVALID
    m = _TOKEN.fullmatch(token)
    if m is None:
        return INVALID
    payload = f"{m.group(1)}.{m.group(2)}"
    if not hmac.compare_digest(_signature(key, payload), m.group(3)):
        return INVALID
    order_id, expires = int(m.group(1), 36), int(m.group(2), 36)
    if order_id < 1:
        return INVALID
    if _seconds(now) >= expires:
        return EXPIRED
    return Checked("ok", order_id)


def public_url(base: str, token: str, route: str = "/p") -> str:
    """The page's address: ``https://gov.example.cn/p/<token>``."""
    return f"{base.rstrip('/')}{route}/{token}"


__all__ = ["Checked", "LINK_DAYS", "check_token", "derive_key", "expiry", "make_token", "public_url"]
