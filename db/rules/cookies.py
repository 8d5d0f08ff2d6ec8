"""Whether a login cookie may still log its holder in (pure)."""

from __future__ import annotations

from typing import Any

import jwt

from db.config import COOKIE_EXPIRY_DAYS, COOKIE_REISSUE_SECONDS

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


def decode(token: str | None, key: str) -> dict[str, Any] | None:
    """The cookie's claims if it is a JWT signed with ``key`` by HS256, else None. Any other
    token (another key, another algorithm, "none", not a JWT at all) is None, never an error:
    the library only catches a bad signature or a malformed token, so a token signed with
    another algorithm crashed the login page for that browser."""
    if not token:
        return None
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"])
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    return claims if isinstance(claims, dict) else None


def encode(username: str, exp_date: float, key: str) -> str:
    """The login cookie's token, as the library reads it back: HS256 over the username and the
    expiry (a Unix time)."""
    return jwt.encode({"username": username, "exp_date": exp_date}, key, algorithm="HS256")


def reissue_every(idle_minutes: int) -> float:
    """Seconds of activity after which the cookie is issued again: every five minutes, or at half
    the idle time-out when that is shorter (a cookie older than the time-out is refused, so with a
    three-minute time-out an active user's five-minute-old cookie logged them out on reload)."""
    return min(float(COOKIE_REISSUE_SECONDS), idle_minutes * 60 / 2)
