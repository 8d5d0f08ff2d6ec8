"""The login cookie's HTTP route (served by server.py): ``POST /_gov/login-cookie`` sets or
deletes the login cookie with a response header, so that it can be HttpOnly (no script in the
page can read it), SameSite=Strict and, when the page came over HTTPS (directly or behind the
proxy: ``X-Forwarded-Proto``), Secure. The page asks for it with a small script after a login, a
re-issue or a logout (components/auth.cookie_script): a Streamlit run answers over its websocket
and cannot set a header itself.

The route sets only a token the console signed (HS256 with its cookie key) and still valid by
the cookie rules (db.rules.cookies); it answers only a same-origin request that carries the
``X-Gov-Cookie`` header (a form on another site cannot add a header without a preflight, which
is not answered). Whether the token may log in is decided, as before, when a page is loaded.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from components import runtime
from db.config import COOKIE_NAME, COOKIE_ROUTE, ConfigError, load_settings, resolve_cookie_key
from db.rules import cookies

HEADER = "x-gov-cookie"
MAX_BODY = 4096


def _refuse(status: int, why: str) -> Response:
    return PlainTextResponse(why, status_code=status)


def cookie_response(
    token: str | None, delete: bool, secure: bool, key: str, idle_minutes: int, now: float | None = None
) -> Response:
    """The answer to one request: 204 with the Set-Cookie header, or 400 for a token that is not
    ours or no longer valid."""
    resp = Response(status_code=204)
    if delete:
        resp.delete_cookie(COOKIE_NAME, path="/", secure=secure, httponly=True, samesite="strict")
        return resp
    now = time.time() if now is None else now
    claims = cookies.decode(token, key) or {}
    try:
        expires = float(claims["exp_date"])
    except (KeyError, TypeError, ValueError):
        return _refuse(400, "not a console cookie")
    if not isinstance(claims.get("username"), str) or cookies.issued_at(expires, now, idle_minutes) is None:
        return _refuse(400, "not a console cookie")
    resp.set_cookie(
        COOKIE_NAME, str(token), max_age=int(expires - now), path="/", secure=secure, httponly=True, samesite="strict"
    )
    return resp


async def login_cookie(request: Request) -> Response:
    if request.headers.get(HEADER) != "1":
        return _refuse(403, "missing header")
    origin = request.headers.get("origin")
    # host names only: a proxy may pass Host without the port the browser used (nginx's $host)
    if origin and urlsplit(origin).hostname != urlsplit("//" + request.headers.get("host", "")).hostname:
        return _refuse(403, "cross-origin")
    try:  # a token is a few hundred bytes: nothing larger is read into memory
        size = int(request.headers.get("content-length") or -1)
    except ValueError:
        size = -1
    if not 0 < size <= MAX_BODY:
        return _refuse(413, "body too large or of unknown length")
    try:
        body = await request.json()
    except ValueError:
        return _refuse(400, "bad body")
    if not isinstance(body, dict):
        return _refuse(400, "bad body")
    settings = load_settings()
    try:
        key = resolve_cookie_key(settings, runtime.secrets_cookie_key())
    except ConfigError:
        return _refuse(503, "no cookie key")
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"
    return cookie_response(body.get("token"), bool(body.get("delete")), secure, key, settings.idle_minutes)


def routes() -> list[Route]:
    return [Route(COOKIE_ROUTE, login_cookie, methods=["POST"])]
