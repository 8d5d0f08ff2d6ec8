"""The login cookie the console writes itself (components/auth.cookie_script): what the page's
script sets, and when the gate asks for it."""

from __future__ import annotations

import asyncio
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from components import auth
from db.config import COOKIE_EXPIRY_DAYS, COOKIE_NAME, COOKIE_ROUTE
from db.rules import cookies

KEY = "k" * 40


def _post(body: dict | bytes, headers: dict | None = None, scheme: str = "http", monkeypatch=None):
    """The route's answer to one POST, through starlette's own Request (no server needed)."""
    from starlette.requests import Request

    from components import cookie_route

    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {
        "host": "127.0.0.1:8501",
        "x-gov-cookie": "1",
        "content-type": "application/json",
        "content-length": str(len(raw)),
    }
    sent.update(headers or {})
    scope = {
        "type": "http",
        "method": "POST",
        "path": COOKIE_ROUTE,
        "scheme": scheme,
        "query_string": b"",
        "server": ("127.0.0.1", 8501),
        "headers": [(k.encode(), v.encode()) for k, v in sent.items() if v is not None],
    }

    async def receive() -> dict:
        return {"type": "http.request", "body": raw, "more_body": False}

    # in a thread of its own: a browser test earlier on the same worker (Playwright's sync API)
    # leaves an event loop running in this one, and asyncio.run refuses to start a second
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, cookie_route.login_cookie(Request(scope, receive))).result()


@pytest.fixture
def cookie_key(monkeypatch):
    monkeypatch.setenv("GOV_COOKIE_KEY", KEY)
    return KEY


def _token(username: str = "reception", issued: float | None = None) -> str:
    issued = time.time() if issued is None else issued
    return cookies.encode(username, issued + COOKIE_EXPIRY_DAYS * 86400, KEY)


def test_the_script_asks_the_route_and_carries_no_cookie_attributes_itself():
    script = auth.cookie_script({"token": "a.b.c"})
    assert script.startswith("<script>fetch(") and script.endswith("</script>")
    assert json.dumps(COOKIE_ROUTE) in script and "'X-Gov-Cookie': '1'" in script
    assert json.dumps(json.dumps({"token": "a.b.c"})) in script
    assert "document.cookie" not in script  # the page never touches the cookie itself
    assert json.dumps(json.dumps({"delete": True})) in auth.cookie_script({"delete": True})
    assert auth.cookie_script(None) is None


def test_the_route_sets_an_httponly_strict_cookie_secure_behind_tls(cookie_key):
    token = _token()
    plain = _post({"token": token})
    assert plain.status_code == 204
    header = plain.headers["set-cookie"]
    assert header.startswith(f"{COOKIE_NAME}={token};")
    assert "HttpOnly" in header and "SameSite=strict" in header and "Path=/" in header
    assert "Secure" not in header
    assert re.search(r"Max-Age=86(399|400)\b", header)  # the token's own expiry
    assert "Secure" in _post({"token": token}, headers={"x-forwarded-proto": "https"}).headers["set-cookie"]
    assert "Secure" in _post({"token": token}, scheme="https").headers["set-cookie"]


def test_the_route_deletes_the_cookie(cookie_key):
    header = _post({"delete": True}).headers["set-cookie"]
    assert header.startswith(f'{COOKIE_NAME}="";') and "Max-Age=0" in header and "HttpOnly" in header


@pytest.mark.parametrize(
    "body, headers, status",
    [
        ({"token": "x"}, {"x-gov-cookie": None}, 403),  # no header: a form on another site
        ({"token": "x"}, {"origin": "https://evil.example"}, 403),  # another origin
        (b"not json", {}, 400),
        ([1, 2], {}, 400),
        ({"token": "x" * 5000}, {}, 413),  # nothing large is read into memory
        ({"token": "x"}, {"content-length": None}, 413),  # nor a body of unknown length
        ({"token": "not-a-jwt"}, {}, 400),
    ],
)
def test_the_route_refuses_what_is_not_a_same_origin_request_for_our_token(cookie_key, body, headers, status):
    resp = _post(body, headers=headers)
    assert resp.status_code == status and "set-cookie" not in resp.headers


def test_the_route_refuses_a_token_of_another_key_or_too_old(cookie_key):
    other = cookies.encode("reception", time.time() + COOKIE_EXPIRY_DAYS * 86400, "x" * 40)
    assert _post({"token": other}).status_code == 400
    stale = _token(issued=time.time() - 31 * 60)  # older than the 30-minute idle time-out
    assert _post({"token": stale}).status_code == 400
    same_origin = _post({"token": _token()}, headers={"origin": "http://127.0.0.1:8501"})
    assert same_origin.status_code == 204
    behind_a_proxy = _post(
        {"token": _token()}, headers={"origin": "https://console.example", "host": "console.example"}
    )
    assert behind_a_proxy.status_code == 204


def test_a_form_login_asks_for_a_cookie_and_a_logout_for_its_deletion(demo_db):
    from tests.factories.pages import login

    at = login("leader")
    assert at.session_state[auth.ACTOR_KEY].username == "leader"
    write = at.session_state[auth.COOKIE_WRITE_KEY]
    claims = cookies.decode(write["token"], "t" * 40)  # the demo database's cookie key (tests.factories.pages)
    assert claims["username"] == "leader"
    assert at.session_state[auth.PASSWORD_KEY] == ""  # the password is not kept in the form
    at.button(key="logout_button").click().run()
    assert auth.ACTOR_KEY not in at.session_state
    assert at.session_state[auth.COOKIE_WRITE_KEY] == {"delete": True}
    assert at.session_state[auth.NOTICE_KEY] == "您已安全退出。"  # shown by the login page (browser tests)
