"""Whether a login cookie may still log its holder in (pure; the caller decodes the JWT)."""

from __future__ import annotations

from db.config import COOKIE_EXPIRY_DAYS

SKEW_SECONDS = 60


def issued_at(exp_date: float, now: float, idle_minutes: int) -> float | None:
    """The cookie's issue time, or None if it must be refused: an expiry further away than our
    cookie lifetime (forged, or from another configuration), an expired cookie, or one issued
    longer ago than the idle time-out (active users get a fresh cookie every few minutes)."""
    lifetime = COOKIE_EXPIRY_DAYS * 86400
    if exp_date > now + lifetime + SKEW_SECONDS or exp_date <= now:
        return None
    issued = exp_date - lifetime
    if now - issued > idle_minutes * 60:
        return None
    return issued
