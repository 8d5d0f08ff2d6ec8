"""The public progress page of one order (issue #20 item 7), served by server.py without login:
``GET /p/<token>`` shows the order's progress, ``POST /p/<token>`` takes the resident's rating
(a plain HTML form: no script on the page).

- **The token** (``db.rules.public_link``) names the order and its expiry, signed with a key
  derived from the console's cookie key. A token that is not ours answers 404, an expired one
  410, each with a short Chinese page that says nothing about any order.
- **What is shown** is read by ``db.queries.public_page.progress`` for one order id, for the
  system (there is no user, so no township scope: the id comes only from a verified token, and
  the read selects that one row and its own steps): no caller, no address, no staff, no notes.
- **The rating** goes through ``db.services.public_rating.rate``: the desk's callback step.
- **Limits** (in memory, per process, real elapsed time): at most ``IP_LIMIT`` requests per
  client address and minute (GET and POST together) and ``RATING_LIMIT`` rating attempts per
  link and hour; above them 429 with a Chinese page. The client address is the peer's, or, when
  the peer is the local reverse proxy (loopback), the last address of ``X-Forwarded-For`` (the
  one the proxy appended: deploy/nginx.conf.template). A POST body is at most ``MAX_BODY``
  bytes, of a declared length, and a POST from another site's page (an ``Origin`` of another
  host) is refused.
- The database work runs in a worker thread, never on the server's event loop.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from components.public_page import message_html, progress_html
from db.config import DEFAULT_HOTLINE, PUBLIC_ROUTE, ConfigError, load_settings, resolve_cookie_key
from db.engine import read_session
from db.errors import ConflictError, DomainError, ValidationError
from db.models.base import utcnow
from db.queries.public_page import progress
from db.rules import public_link
from db.services import public_rating

log = logging.getLogger(__name__)

IP_LIMIT = (10, 60.0)  # requests per client address per minute
RATING_LIMIT = (5, 3600.0)  # rating attempts per link per hour
MAX_BODY = 4096
MAX_KEYS = 20000  # addresses and links remembered by each limiter (the oldest are forgotten)

HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",  # the link is the key: never sent on to another page
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
}

INVALID = ("链接无效", "该查询链接无效，请核对回执上的二维码或链接，或拨打热线查询。")
EXPIRED = ("链接已过期", "该查询链接已过有效期。如需了解办理情况，请拨打热线并提供回执上的工单编号。")
BUSY = ("请求过于频繁", "您的操作过于频繁，请稍后再试。")
TOO_LARGE = ("无法提交", "提交的内容过长，请精简后重新提交。")
FOREIGN = ("无法提交", "请在本页面上提交评价。")
UNAVAILABLE = ("暂时无法访问", "系统暂时无法查询，请稍后再试，或拨打热线查询。")
UNRATEABLE = "暂时无法提交评价，请拨打热线反映您的意见。"


class Limiter:
    """At most ``limit`` hits per key in any ``window`` seconds (a sliding window), for at most
    ``max_keys`` keys (the least recently seen forgotten first). Thread-safe."""

    def __init__(
        self, limit: int, window: float, max_keys: int = MAX_KEYS, clock: Callable[[], float] = time.monotonic
    ):
        self.limit, self.window, self.max_keys, self.clock = limit, window, max_keys, clock
        self._hits: OrderedDict[str, deque] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            ok = len(hits) < self.limit
            if ok:
                hits.append(now)
            self._hits[key] = hits  # most recently seen last
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
            return ok

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


BY_ADDRESS = Limiter(*IP_LIMIT)
BY_LINK = Limiter(*RATING_LIMIT)


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else ""
    try:
        proxied = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        proxied = False
    forwarded = request.headers.get("x-forwarded-for", "")
    if proxied and forwarded.strip():
        last = forwarded.split(",")[-1].strip()
        if last:
            return last[:64]
    return peer or "unknown"


@dataclass(frozen=True)
class Context:
    """What answering needs: the database, the links' key, the hotline, the time."""

    engine: Engine
    key: bytes
    hotline: str
    now: datetime


def _html(status: int, body: str, extra: dict | None = None) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={**HEADERS, **(extra or {})})


def message(status: int, what: tuple[str, str], hotline: str, extra: dict | None = None) -> HTMLResponse:
    return _html(status, message_html(what[0], what[1], hotline), extra)


def answer(ctx: Context, method: str, token: str, form: dict[str, str] | None = None) -> HTMLResponse:
    """The answer to one request whose limits were checked (blocking: database work)."""
    checked = public_link.check_token(token, ctx.key, ctx.now)
    if checked.state == "expired":
        return message(410, EXPIRED, ctx.hotline)
    if checked.state != "ok":
        return message(404, INVALID, ctx.hotline)
    with read_session(ctx.engine) as s:
        view = progress(s, checked.order_id)
    if view is None:
        return message(404, INVALID, ctx.hotline)
    if method != "POST":
        return _html(200, progress_html(view, ctx.hotline))
    form = form or {}
    comment = form.get("comment")
    if not view["may_rate"]:  # the service checks again in its transaction
        return _html(409, progress_html(view, ctx.hotline, notice=public_rating.refusal(view["status"], view["rated"])))
    try:
        public_rating.rate(ctx.engine, checked.order_id, form.get("satisfaction", ""), comment, now=ctx.now)
    except (public_rating.AlreadyRated, public_rating.NotRateable) as exc:
        return _html(409, _again(ctx, checked.order_id, view, notice=exc.message))
    except ValidationError as exc:
        if exc.field in ("satisfaction", "comment"):  # what the resident typed or chose
            return _html(400, progress_html(view, ctx.hotline, error=exc.message, comment=comment))
        log.warning("public rating of order %s refused: %s", checked.order_id, exc.message)
        return _html(503, progress_html(view, ctx.hotline, error=UNRATEABLE, comment=comment))
    except ConflictError:
        return _html(409, _again(ctx, checked.order_id, view, notice="工单状态刚刚发生变化，请查看最新进度。"))
    except DomainError as exc:  # e.g. the department it would go back to was stopped
        log.warning("public rating of order %s refused: %s", checked.order_id, exc.message)
        return _html(503, progress_html(view, ctx.hotline, error=UNRATEABLE, comment=comment))
    return _html(200, _again(ctx, checked.order_id, view, notice="感谢您的评价！"))


def _again(ctx: Context, order_id: int, view: dict, notice: str) -> str:
    with read_session(ctx.engine) as s:
        fresh = progress(s, order_id) or view
    return progress_html(fresh, ctx.hotline, notice=notice)


def _same_site(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":  # a form posted from the page itself; some phones send "null"
        return True
    return urlsplit(origin).hostname == urlsplit("//" + request.headers.get("host", "")).hostname


async def _body(request: Request) -> bytes | None:
    """The body, or None when it is larger than MAX_BODY or of unknown length."""
    try:
        size = int(request.headers.get("content-length") or -1)
    except ValueError:
        size = -1
    if not 0 <= size <= MAX_BODY:
        return None
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            return None
    return data


def _form(body: bytes) -> dict[str, str]:
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=8)
    return {k: v[0] for k, v in fields.items() if v}


def _hotline() -> str:
    try:
        return load_settings().hotline
    except ConfigError:
        return DEFAULT_HOTLINE


def _context(engine_fn: Callable[[], Engine] | None, key_fn: Callable[[], bytes] | None) -> Context:
    settings = load_settings()
    if engine_fn is None:
        # deferred: server.py loads this module at start; the engine on the first request
        from db.engine import get_engine

        engine = get_engine(settings)
    else:
        engine = engine_fn()
    if key_fn is None:
        from components import runtime  # deferred: runtime (bootstrap, models) on the first request

        key = public_link.derive_key(resolve_cookie_key(settings, runtime.secrets_cookie_key()))
    else:
        key = key_fn()
    return Context(engine=engine, key=key, hotline=settings.hotline, now=utcnow())


def make_endpoint(engine_fn: Callable[[], Engine] | None = None, key_fn: Callable[[], bytes] | None = None):
    """The route's endpoint; tests pass their engine and key."""

    async def public_progress(request: Request) -> Response:
        hotline = _hotline()
        if not BY_ADDRESS.allow(client_address(request)):
            return message(429, BUSY, hotline, {"Retry-After": str(int(IP_LIMIT[1]))})
        token = request.path_params.get("token", "")
        form = None
        if request.method == "POST":
            if not _same_site(request):
                return message(403, FOREIGN, hotline)
            body = await _body(request)
            if body is None:
                return message(413, TOO_LARGE, hotline)
            if not BY_LINK.allow(token[: public_link.MAX_TOKEN]):
                return message(429, BUSY, hotline, {"Retry-After": str(int(RATING_LIMIT[1]))})
            form = _form(body)
        try:
            ctx = _context(engine_fn, key_fn)
            return await run_in_threadpool(answer, ctx, request.method, token, form)
        except (ConfigError, SQLAlchemyError):
            log.exception("public progress page unavailable")
            return message(503, UNAVAILABLE, hotline)

    return public_progress


def routes(engine_fn: Callable[[], Engine] | None = None, key_fn: Callable[[], bytes] | None = None) -> list[Route]:
    return [Route(f"{PUBLIC_ROUTE}/{{token}}", make_endpoint(engine_fn, key_fn), methods=["GET", "POST"])]


__all__ = ["BY_ADDRESS", "BY_LINK", "Context", "Limiter", "answer", "client_address", "routes"]
