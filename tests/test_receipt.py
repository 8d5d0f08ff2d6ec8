"""The walk-in receipt and the public progress page (issue #20 item 7).

The signed link (round trip, tampering, expiry), the page through its Starlette route without a
server (what it shows, what it never shows, the rating and its limits), the rating as the desk's
callback (both backends, once), and the receipt (masked, audited, offered at the desk).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from components import public_route
from components.public_page import receipt_html
from db.config import ConfigError, load_settings
from db.engine import read_session
from db.errors import PermissionDenied
from db.models import AuditLog, WorkOrder, WorkOrderEvent
from db.permissions import sees_unmasked
from db.queries.public_page import PUBLIC_READER
from db.rules import public_link
from db.rules.sla import deadline_text
from db.services import orders, public_rating, receipt
from tests.factories.clock import TEST_NOW
from tests.factories.orders import World, build_world, intake

KEY = public_link.derive_key("k" * 40)
NAME, PHONE, ID_NUMBER, ADDRESS = "张桂兰", "13812345678", "411726199001011234", "东湖村1组12号"
STAFF = ("王接待", "赵转办", "钱综治")
T0 = TEST_NOW - timedelta(days=3)


# --------------------------------------------------------------------------- the link (pure)


def test_a_token_names_its_order_until_it_expires_and_nothing_else_passes():
    expires = T0 + timedelta(days=public_link.LINK_DAYS)
    token = public_link.make_token(42, expires, KEY)
    assert len(token) < 40 and public_link.make_token(42, expires, KEY) == token  # the same on a reprint
    assert public_link.check_token(token, KEY, T0) == public_link.Checked("ok", 42)
    assert public_link.check_token(token, KEY, expires - timedelta(seconds=1)).order_id == 42
    assert public_link.check_token(token, KEY, expires).state == "expired"
    ident, exp, sig = token.split(".")
    forged = [
        f"{public_link.make_token(43, expires, KEY).split('.')[0]}.{exp}.{sig}",  # another order
        f"{ident}.{exp[:-1]}{'0' if exp[-1] != '0' else '1'}.{sig}",  # stretched
        f"{ident}.{exp}.{sig[:-1]}{'A' if sig[-1] != 'A' else 'B'}",  # signature touched
        f"0{ident}.{exp}.{sig}",  # the same number written otherwise
        public_link.make_token(42, expires, public_link.derive_key("another key" * 4)),
        "",
        "x",
        "1.2.3",
        token + "A",
        token.upper(),
        "a" * 400,
        None,
    ]
    for bad in forged:
        assert public_link.check_token(bad, KEY, T0) == public_link.INVALID, bad
    # an expired link of another key is not told apart from any other stranger's
    assert public_link.check_token(forged[4], KEY, expires + timedelta(days=1)) == public_link.INVALID
    assert public_link.public_url("https://gov.example.cn/", token) == f"https://gov.example.cn/p/{token}"
    assert public_link.derive_key("k" * 40) != ("k" * 40).encode()


def test_the_public_address_and_the_hotline_are_settings():
    unset = load_settings({})
    assert unset.public_url is None and unset.public_base == "http://127.0.0.1:8501" and unset.hotline == "12345"
    s = load_settings({"GOV_PUBLIC_URL": " https://gov.example.cn/console/ ", "GOV_HOTLINE": "0396-1234567"})
    assert s.public_base == "https://gov.example.cn/console" and s.hotline == "0396-1234567"
    for bad in (
        "gov.example.cn",
        "ftp://gov.example.cn",
        "https://gov.example.cn/?a=1",
        "https://u:p@gov.example.cn",
        "https://gov example.cn",
        "javascript:alert(1)",
    ):
        with pytest.raises(ConfigError, match="GOV_PUBLIC_URL"):
            load_settings({"GOV_PUBLIC_URL": bad})
    assert not any(sees_unmasked(PUBLIC_READER, kind) for kind in ("name", "phone", "id_number", "address"))


# --------------------------------------------------------------------------- the world

PLANTED = f"{NAME}（电话{PHONE}，身份证{ID_NUMBER}）反映：{ADDRESS}门前路灯不亮。"


def registered(w: World, now=T0, **kw) -> dict:
    return orders.register(
        w.engine,
        w.reception,
        intake(
            w,
            channel="walk_in",
            caller_name=NAME,
            caller_phone=PHONE,
            address=ADDRESS,
            household_id=None,
            description=PLANTED,
            contacted=True,
            **kw,
        ),
        now=now,
    )


def resolved(w: World, now=T0) -> dict:
    o = registered(w, now)
    r = orders.dispatch(
        w.engine,
        w.dispatcher,
        o["id"],
        o["version"],
        w.platform_id,
        w.dept,
        note=f"请联系{NAME}",
        now=now + timedelta(hours=1),
    )
    r = orders.accept(w.engine, w.platform, o["id"], r["version"], now=now + timedelta(hours=2))
    return orders.resolve(
        w.engine,
        w.platform,
        o["id"],
        r["version"],
        f"已修复{ADDRESS}门前路灯，已电话告知{NAME}（{PHONE}）。",
        now=now + timedelta(days=1),
    )


def token_of(w: World, order_id: int) -> str:
    with read_session(w.engine) as s:
        received = s.get(WorkOrder, order_id).received_at
    return public_link.make_token(order_id, public_link.expiry(received), KEY)


@pytest.fixture
def w(sqlite_engine) -> World:
    return build_world(sqlite_engine)


@pytest.fixture(autouse=True)
def _fresh_limits():
    public_route.BY_ADDRESS.reset()
    public_route.BY_LINK.reset()
    yield
    public_route.BY_ADDRESS.reset()
    public_route.BY_LINK.reset()


def call(
    w: World, method: str, path: str, body: bytes = b"", headers: dict | None = None, client: str = "203.0.113.5"
) -> tuple[int, dict, str]:
    """One request through the route's own Starlette app (no server): status, headers, text."""
    app = Starlette(routes=public_route.routes(engine_fn=lambda: w.engine, key_fn=lambda: KEY))
    sent = {
        "host": "gov.example.cn",
        **({"content-length": str(len(body))} if method == "POST" else {}),
        **(headers or {}),
    }
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "scheme": "https",
        "server": ("127.0.0.1", 8501),
        "client": (client, 40000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in sent.items() if v is not None],
    }
    chunks = [{"type": "http.request", "body": body, "more_body": False}]
    out: list[dict] = []

    async def receive() -> dict:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        out.append(message)

    with ThreadPoolExecutor(1) as pool:  # a loop of its own (see tests/test_auth_cookie.py)
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    head = out[0]
    text = b"".join(m.get("body", b"") for m in out[1:]).decode("utf-8")
    return head["status"], {k.decode(): v.decode() for k, v in head["headers"]}, text


def rate(w: World, token: str, satisfaction: str = "satisfied", comment: str = "", **kw) -> tuple[int, dict, str]:
    from urllib.parse import urlencode

    body = urlencode({"satisfaction": satisfaction, "comment": comment}).encode()
    return call(
        w,
        "POST",
        f"/p/{token}",
        body,
        {"content-type": "application/x-www-form-urlencoded", **kw.pop("headers", {})},
        **kw,
    )


def assert_no_personal_data(text: str) -> None:
    for secret in (NAME, PHONE, ID_NUMBER, "1组12号", *STAFF):
        assert secret not in text, secret


# --------------------------------------------------------------------------- the page


def test_the_page_shows_the_progress_and_no_personal_data(w):
    o = resolved(w)
    status, headers, page = call(w, "GET", f"/p/{token_of(w, o['id'])}")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in headers["content-security-policy"] and headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    with read_session(w.engine) as s:
        row = s.get(WorkOrder, o["id"])
    for shown in (
        row.number,
        "邻里纠纷",
        "东湖村",
        "已办结，请您评价",
        "受理登记",
        "派至综治平台综治办办理",
        "承办部门已签收",
        "办理完毕",
        "评价办理结果",
        "东湖村1组…",
        "张*兰",
        "138****5678",
    ):
        assert shown in page, shown
    assert_no_personal_data(page)
    assert "反映" not in page and "请联系" not in page  # the description and the staff's notes are not shown
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")  # nothing fetched, no links out

    # before the result: the deadline, no form; a second order's data never appears
    other = registered(w, now=T0 + timedelta(hours=3))
    r = orders.dispatch(
        w.engine, w.dispatcher, other["id"], other["version"], w.platform_id, w.dept_b, now=T0 + timedelta(hours=4)
    )
    _, _, page2 = call(w, "GET", f"/p/{token_of(w, other['id'])}")
    assert deadline_text(r["due_at"]) in page2 and "派至综治平台派出所办理，限5个工作日办结" in page2
    assert "评价办理结果" not in page2 and row.number not in page2 and "综治办" not in page2
    assert_no_personal_data(page2)


def test_a_link_not_ours_or_expired_reveals_nothing(w):
    o = resolved(w)
    with read_session(w.engine) as s:
        number = s.get(WorkOrder, o["id"]).number
    good = token_of(w, o["id"])
    status, _, page = call(w, "GET", f"/p/{good[:-1]}{'A' if good[-1] != 'A' else 'B'}")
    assert status == 404 and "链接无效" in page and number not in page
    old = public_link.make_token(o["id"], TEST_NOW - timedelta(days=1), KEY)
    status, _, page = call(w, "GET", f"/p/{old}")
    assert status == 410 and "已过有效期" in page and number not in page
    status, _, page = call(w, "GET", "/p/" + "x" * 300)
    assert status == 404 and "链接无效" in page
    status, _, _ = rate(w, old)
    assert status == 410


def test_rating_only_when_resolved_once_and_audited(w):
    o = registered(w)
    token = token_of(w, o["id"])
    status, _, page = rate(w, token)
    assert status == 409 and "办结后才能评价" in page
    status, _, page = rate(w, token, satisfaction="great")  # no form was offered: nothing is read
    assert status == 409 and "办结后才能评价" in page
    with pytest.raises(public_rating.NotRateable, match="办结后才能评价"):  # the service itself refuses too
        public_rating.rate(w.engine, o["id"], "satisfied")
    called = resolved(w, now=T0 + timedelta(hours=4))  # called back at the desk already
    orders.callback(w.engine, w.reception, called["id"], called["version"], "satisfied", now=T0 + timedelta(days=2))
    status, _, page = rate(w, token_of(w, called["id"]))
    assert status == 409 and "已完成回访" in page and "满意" in page

    o = resolved(w, now=T0 + timedelta(hours=5))
    token = token_of(w, o["id"])
    status, _, page = rate(w, token, satisfaction="whatever")
    assert status == 400 and "请选择满意" in page
    status, _, page = rate(w, token, "basic", comment=f"修得挺快，我是{NAME}，电话{PHONE}")
    assert status == 200 and "感谢您的评价" in page and "评价办理结果" not in page
    assert "您在线评价：基本满意" in page
    assert_no_personal_data(page)
    with read_session(w.engine) as s:
        row = s.get(WorkOrder, o["id"])
        assert (row.status, row.satisfaction) == ("archived", "basic")
        last = s.scalars(
            select(WorkOrderEvent).where(WorkOrderEvent.order_id == o["id"]).order_by(WorkOrderEvent.id.desc())
        ).first()
        assert (last.action, last.actor_id, last.data["source"]) == ("callback", None, "public")
        assert last.note.startswith("群众扫码评价：基本满意。修得挺快")
        audit = s.scalars(
            select(AuditLog).where(AuditLog.action == "order.callback", AuditLog.entity_id == str(o["id"]))
        ).one()
        assert audit.username == "群众（扫码评价）" and audit.user_id is None
        assert audit.township_id == row.township_id and audit.after["source"] == "public"
    status, _, page = rate(w, token, "unsatisfied")
    assert status == 409 and "已评价" in page
    status, _, page = call(w, "GET", f"/p/{token}")
    assert status == 200 and "评价办理结果" not in page and "基本满意" in page


def test_unsatisfied_rating_redispatches_exactly_like_the_desks_callback(engine):
    """Two orders in the same state at the same moment: the desk's 回访 不满意 on one, the
    resident's 不满意 on the other's page; the same step, status, deadline and department."""
    w = build_world(engine)
    desk, public = resolved(w), resolved(w)
    at = T0 + timedelta(days=2)
    orders.callback(w.engine, w.reception, desk["id"], desk["version"], "unsatisfied", "路灯又坏了", now=at)
    out = public_rating.rate(w.engine, public["id"], "unsatisfied", "路灯又坏了", now=at)
    assert out["status"] == "dispatched"
    fields = (
        "status",
        "platform_id",
        "department_id",
        "dispatched_at",
        "due_at",
        "warn_at",
        "due_workdays",
        "resolved_at",
        "result",
        "assignee_id",
        "redispatch_count",
        "satisfaction",
        "callback_at",
    )
    with read_session(engine) as s:
        a, b = s.get(WorkOrder, desk["id"]), s.get(WorkOrder, public["id"])
        assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
        assert b.status == "dispatched" and b.redispatch_count == 1 and b.department_id == w.dept
        ea, eb = (
            s.scalars(
                select(WorkOrderEvent).where(WorkOrderEvent.order_id == i).order_by(WorkOrderEvent.id.desc())
            ).first()
            for i in (desk["id"], public["id"])
        )
        assert (
            (ea.action, ea.from_status, ea.to_status)
            == (eb.action, eb.from_status, eb.to_status)
            == ("callback", "resolved", "dispatched")
        )
        assert {k: v for k, v in eb.data.items() if k != "source"} == ea.data and eb.data["source"] == "public"
        assert eb.note.startswith("群众扫码评价：不满意。重新交办综治平台综治办")
    # handled again and resolved: the page no longer offers a rating (one per order)
    r = orders.accept(w.engine, w.platform, public["id"], out["version"], now=at + timedelta(hours=1))
    orders.resolve(w.engine, w.platform, public["id"], r["version"], "已更换灯具。", now=at + timedelta(days=1))
    with pytest.raises(public_rating.AlreadyRated):
        public_rating.rate(w.engine, public["id"], "satisfied", now=at + timedelta(days=2))


def test_requests_are_limited_per_address_and_ratings_per_link(w):
    o = resolved(w)
    token = token_of(w, o["id"])
    for _ in range(public_route.IP_LIMIT[0]):
        assert call(w, "GET", f"/p/{token}", client="198.51.100.7")[0] == 200
    status, headers, page = call(w, "GET", f"/p/{token}", client="198.51.100.7")
    assert status == 429 and "过于频繁" in page and headers["retry-after"] == "60"
    assert call(w, "GET", f"/p/{token}", client="198.51.100.8")[0] == 200  # another address
    # behind the local proxy, the address the proxy appended counts; a forged first entry does not help
    proxied = {"x-forwarded-for": "10.9.9.9, 198.51.100.7"}
    assert call(w, "GET", f"/p/{token}", headers=proxied, client="127.0.0.1")[0] == 429
    # five rating attempts per link and hour, from any address
    for n in range(public_route.RATING_LIMIT[0]):
        assert rate(w, token, satisfaction="bad", client=f"192.0.2.{n}")[0] == 400
    assert rate(w, token, client="192.0.2.99")[0] == 429
    # the sliding window itself
    now = [0.0]
    lim = public_route.Limiter(2, 60, max_keys=2, clock=lambda: now[0])
    assert lim.allow("a") and lim.allow("a") and not lim.allow("a")
    now[0] = 61
    assert lim.allow("a") and lim.allow("b") and lim.allow("c") and len(lim._hits) == 2


def test_a_rating_must_come_small_and_from_the_page(w):
    o = resolved(w)
    token = token_of(w, o["id"])
    big = b"satisfaction=satisfied&comment=" + b"a" * 5000
    assert call(w, "POST", f"/p/{token}", big)[0] == 413
    assert call(w, "POST", f"/p/{token}", b"satisfaction=satisfied", {"content-length": None})[0] == 413
    assert rate(w, token, headers={"origin": "https://evil.example"})[0] == 403
    status, _, page = rate(w, token, comment="长" * 201)
    assert status == 400 and "不能超过200个字" in page
    with read_session(w.engine) as s:
        assert s.get(WorkOrder, o["id"]).status == "resolved"  # nothing was rated
    assert rate(w, token, headers={"origin": "https://gov.example.cn"})[0] == 200


# --------------------------------------------------------------------------- the receipt


def test_the_receipt_is_masked_carries_the_link_and_is_audited(w):
    o = registered(w)
    facts = receipt.prepare(w.engine, w.reception, o["id"])
    url = public_link.public_url("https://gov.example.cn", public_link.make_token(o["id"], facts["link_expires"], KEY))
    html = receipt_html(facts, url, "12345")
    for shown in (
        facts["number"],
        "张*兰",
        "138****5678",
        "东湖村1组…",
        "派单后确定",
        url,
        "<svg",
        "12345",
        "受理人（签字）",
        "诉求人（签字）",
        "来访",
        "已联系",
    ):
        assert shown in html, shown
    assert_no_personal_data(html)
    assert "<script" not in html and "src=" not in html  # self-contained
    with read_session(w.engine) as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.entity == "order_receipt")).one()
    assert (audit.action, audit.entity_id, audit.after["number"], audit.username) == (
        "export",
        str(o["id"]),
        facts["number"],
        "clerk",
    )
    with pytest.raises(PermissionDenied):
        receipt.prepare(w.engine, w.leader, o["id"])
    local = receipt_html(facts, url, "12345", local_address=True)
    assert "GOV_PUBLIC_URL" in local


def test_the_desk_offers_the_receipt_file(w, monkeypatch):
    """The widget (components/orders/receipt.py) under AppTest: 打印回执 makes the file, audited."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GOV_DB_PATH", w.engine.url.database)
    monkeypatch.setenv("GOV_MODE", "production")
    monkeypatch.setenv("GOV_COOKIE_KEY", "k" * 40)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("GOV_PUBLIC_URL", raising=False)
    o = registered(w)

    def script(order_id: int, number: str) -> None:
        import streamlit as st

        from components import orders

        if orders.receipt.LAST_KEY not in st.session_state:  # as the intake page after its save
            orders.receipt.remember({"id": order_id, "number": number})
        orders.receipt.last_registered(st.session_state["gov_actor"])

    with read_session(w.engine) as s:
        number = s.get(WorkOrder, o["id"]).number
    at = AppTest.from_function(script, args=(o["id"], number), default_timeout=30)
    at.session_state["gov_actor"] = w.reception
    at.run()
    assert not at.exception and "刚登记的工单" in at.markdown[0].value
    at.button(key=f"receipt_intake_{o['id']}_make").click().run()
    assert not at.exception and not at.error
    made = at.session_state["receipt_files"][f"intake_{o['id']}"]
    assert b"<svg" in made and "张*兰".encode() in made and NAME.encode() not in made
    assert b"http://127.0.0.1:8501/p/" in made
    assert any("GOV_PUBLIC_URL" in c.value for c in at.caption)
    with read_session(w.engine) as s:
        assert s.scalars(select(AuditLog.username).where(AuditLog.entity == "order_receipt")).all() == ["clerk"]
