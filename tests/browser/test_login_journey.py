"""Login journeys in headless Chromium against `streamlit run app.py`.

Two roles see different navigation; a reload keeps the login (the cookie); logout revokes the
cookie on the server side; a cookie signed with another key is refused; a cookie kept after a
password change is refused; a deactivated user's open session is logged out and their cookie
refused. (Lock-out after repeated failures and the idle time-out are tested under AppTest in
tests/test_pages_apptest.py, where the clock can be moved.)
"""

from __future__ import annotations

import time

import jwt
import pytest

from db.config import COOKIE_NAME, DEFAULT_DEMO_PASSWORD

from .conftest import auth_cookie, login, screenshot, wait_for_app, wait_for_cookie, wait_for_rerun

SIDEBAR_NAV = "[data-testid='stSidebarNav']"


def nav_text(page) -> str:
    page.wait_for_selector(SIDEBAR_NAV)
    return page.locator(SIDEBAR_NAV).inner_text()


def test_two_roles_see_different_navigation(app_server, page, browser):
    login(page, app_server, "reception", DEFAULT_DEMO_PASSWORD)
    reception_nav = nav_text(page)
    assert "来电来访登记" in reception_nav and "工单中心" in reception_nav
    assert "用户与角色" not in reception_nav and "审计日志" not in reception_nav
    assert "王接待" in page.locator("[data-testid='stSidebar']").inner_text()
    screenshot(page, "home-reception")

    other = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    try:
        admin_page = other.new_page()
        login(admin_page, app_server, "admin", DEFAULT_DEMO_PASSWORD)
        admin_nav = nav_text(admin_page)
        assert "用户与角色" in admin_nav and "审计日志" in admin_nav
        assert admin_nav != reception_nav
        screenshot(admin_page, "home-admin")
    finally:
        other.close()


def test_reload_keeps_the_login_and_logout_revokes_the_cookie(app_server, page, browser):
    login(page, app_server, "dispatcher", DEFAULT_DEMO_PASSWORD)
    assert "督办清单" in nav_text(page)
    screenshot(page, "home-dispatcher")
    cookie = wait_for_cookie(page)
    # set by the console's route with a header (server.py), out of reach of any script in the page
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert page.evaluate("() => document.cookie").find("gov_console_auth") == -1

    page.reload()
    wait_for_app(page)
    assert page.get_by_label("密码", exact=True).count() == 0
    assert "督办清单" in nav_text(page)

    page.get_by_role("button", name="退出登录").click()
    wait_for_rerun(page)
    page.get_by_label("用户名", exact=True).wait_for()
    deadline = time.monotonic() + 10  # the logout asks the route to delete the cookie
    while auth_cookie(page) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert auth_cookie(page) is None

    # the cookie from before the logout, replayed in a fresh browser, is refused
    _replayed_cookie_is_refused(browser, app_server, cookie)


@pytest.mark.parametrize("how", ["another key", "HS512", "none"])
def test_cookie_signed_with_another_key_or_algorithm_is_refused(app_server, browser, how):
    """A forged cookie shows the login form; one signed with another algorithm (or none) crashed
    the page for that browser until its cookies were cleared (the library's decoder raised)."""
    claims = {"username": "admin", "exp_date": time.time() + 600}
    if how == "another key":
        forged = jwt.encode(claims, "not-the-server-key-" * 3, algorithm="HS256")
    elif how == "HS512":  # the server's real key, another algorithm
        forged = jwt.encode(claims, app_server.cookie_key, algorithm="HS512")
    else:
        forged = jwt.encode(claims, None, algorithm="none")
    context = browser.new_context()
    try:
        page = context.new_page()
        host = app_server.split("//", 1)[1].split(":", 1)[0]
        context.add_cookies([{"name": COOKIE_NAME, "value": forged, "domain": host, "path": "/"}])
        page.goto(app_server)
        wait_for_app(page)
        page.get_by_label("用户名", exact=True).wait_for()
        assert page.locator(SIDEBAR_NAV).count() == 0
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        context.close()


def _make_user(app_server, username: str, password: str) -> int:
    """A user of our own (so the demo accounts stay untouched for other tests)."""
    from sqlalchemy import select

    from db.engine import make_engine, read_session
    from db.models import User
    from db.services import users
    from db.services.users import actor_of

    engine = make_engine(f"sqlite:///{app_server.db_path}")
    try:
        with read_session(engine) as s:
            admin = actor_of(s.scalar(select(User).where(User.username == "admin")))
        return users.create_user(
            engine, admin, username=username, display_name="测试员", role="reception", password=password
        )
    finally:
        engine.dispose()


def _replayed_cookie_is_refused(browser, app_server, cookie: dict) -> None:
    other = browser.new_context()
    try:
        replay = other.new_page()
        other.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path")}])
        replay.goto(app_server)
        wait_for_app(replay)
        replay.get_by_label("用户名", exact=True).wait_for()
        assert replay.locator(SIDEBAR_NAV).count() == 0
    finally:
        other.close()


def test_cookie_kept_after_a_password_change_is_refused(app_server, page, browser):
    _make_user(app_server, "pwchange", "Old-Passw0rd!")
    login(page, app_server, "pwchange", "Old-Passw0rd!")
    cookie = wait_for_cookie(page)
    page.goto(f"{app_server}/account")
    wait_for_app(page)
    page.get_by_label("原密码").fill("Old-Passw0rd!")
    page.get_by_label("新密码", exact=True).fill("New-Passw0rd!")
    page.get_by_label("再次输入新密码").fill("New-Passw0rd!")
    page.get_by_role("button", name="保存新密码").click()
    wait_for_rerun(page)
    page.locator("[data-testid='stAlert']").first.wait_for()
    _replayed_cookie_is_refused(browser, app_server, cookie)


def test_deactivated_user_is_logged_out_and_their_cookie_refused(app_server, page, browser):
    from sqlalchemy import select

    from db.engine import make_engine, read_session
    from db.models import User
    from db.services import users
    from db.services.users import actor_of

    uid = _make_user(app_server, "leaving", "Leav1ng-Pass!")
    login(page, app_server, "leaving", "Leav1ng-Pass!")
    cookie = wait_for_cookie(page)
    engine = make_engine(f"sqlite:///{app_server.db_path}")
    try:
        with read_session(engine) as s:
            admin = actor_of(s.scalar(select(User).where(User.username == "admin")))
            user = s.get(User, uid)
            version, name = user.version, user.display_name
        users.update_user(
            engine,
            admin,
            uid,
            version,
            display_name=name,
            role="reception",
            platform_id=None,
            village_id=None,
            active=False,
        )
    finally:
        engine.dispose()
    page.goto(f"{app_server}/inbox")  # the open session's next run
    wait_for_app(page)
    page.get_by_label("用户名", exact=True).wait_for()
    assert page.locator(SIDEBAR_NAV).count() == 0
    _replayed_cookie_is_refused(browser, app_server, cookie)


def test_tables_offer_no_csv_download(app_server, page):
    """A table's toolbar has no "Download as CSV" (.streamlit/config.toml disableDataExport): the
    toolbar's CSV skipped the export permission, the masking of exports, the audit record, and
    wrote a caller's "=..." as a formula. Exports go through the console's own buttons."""
    login(page, app_server, "dispatcher", DEFAULT_DEMO_PASSWORD)
    page.goto(f"{app_server}/inbox")
    wait_for_app(page)
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.hover()
    toolbar = page.locator("[data-testid='stElementToolbar']").first
    toolbar.wait_for()  # the toolbar is there (search, full screen) ...
    assert toolbar.get_by_role("button").count() >= 1
    labels = [b.get_attribute("aria-label") or "" for b in toolbar.get_by_role("button").all()]
    assert not [x for x in labels if "download" in x.lower() or "下载" in x], labels  # ... without a download
