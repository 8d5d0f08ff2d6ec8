"""The login gate: the console's own form and login cookie over the users in the database.

Per run:
- a session with an actor is checked against the database: logged out when its epoch is stale
  (logout elsewhere, password change, deactivation) or it has been idle too long;
- without an actor, a login cookie from the browser is accepted only if it is ours (HS256 with
  our key), was issued after the user's last logout, password change or deactivation
  (``tokens_valid_after``) and within the idle time-out, and the account is not locked;
- otherwise the login form. Its button's callback checks the password through
  ``users.try_password``, which counts the attempt in the database before it checks (lock-out
  after 5, for 15 minutes, holding under parallel attempts).

Why not streamlit-authenticator (used until December 2026): its form checks the password itself,
so attempts could only be counted afterwards, per session (thirteen parallel attempts were all
checked, and a right one got in after the lock); and its cookie manager is a component that
reports the browser's cookies back on every page load, starting a rerun of its own. A click on
登录 that arrived during that rerun was lost (the form stayed, filled in, with no message: seen
two times in three on a busy machine), and a select box the user had just opened closed. Here
the login runs in the button's callback, which Streamlit runs before the script, so a rerun
cannot drop it; the cookie is read from the request (``st.context.cookies``) and set by the
console's own HTTP route (server.py, HttpOnly), which a small script in the page calls
(``st.html``): neither reruns anything.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import streamlit as st
from sqlalchemy import Engine

from components import data, runtime
from components.ui import esc
from db.config import COOKIE_EXPIRY_DAYS, COOKIE_NAME, COOKIE_ROUTE, LOCKOUT_MINUTES, LOCKOUT_THRESHOLD, Settings
from db.models.people import ROLES
from db.permissions import Actor
from db.rules import cookies
from db.services import users
from db.services.bootstrap import DEMO_ACCOUNTS

ACTOR_KEY = runtime.ACTOR_KEY
EPOCH_KEY = "gov_epoch"
SEEN_KEY = "gov_last_seen"
VIA_KEY = "gov_login_via"
REFUSED_KEY = "gov_refused_cookie"  # the browser's cookie, refused once: never tried again in this session
COOKIE_AT_KEY = "gov_cookie_at"
COOKIE_WRITE_KEY = "gov_cookie_write"  # what the page's cookie script asks for: {"token"} or {"delete"}
AUTO_RUN_KEY = "gov_auto_run"  # the next run was started by the app itself (the big screen's tour)
NOTICE_KEY = "gov_notice"
LOGIN_ERROR_KEY = "gov_login_error"
USERNAME_KEY = "login_username"
# the password box's widget key, not a password
PASSWORD_KEY = "login_password"  # nosec B105
# one answer for an unknown user, a wrong password and a locked account: the form must not tell
# which usernames exist (a lock-out message only ever appeared for real accounts)
WRONG_CREDENTIALS = (
    f"用户名或密码错误。连续输错{LOCKOUT_THRESHOLD}次的账号将锁定{LOCKOUT_MINUTES}分钟"
    "（到时自动解锁，管理员也可重置密码解锁）。"
)
EMPTY_CREDENTIALS = "请输入用户名和密码。"
COOKIE_REFUSED = "登录已失效（已退出、密码已修改或账号已停用），请重新登录。"


def current_actor() -> Actor | None:
    return st.session_state.get(ACTOR_KEY)


def _cookie_token() -> str | None:
    """The login cookie the browser sent when this page was loaded (the websocket's request)."""
    try:
        return st.context.cookies.get(COOKIE_NAME)
    except Exception:
        return None


def _start(engine: Engine, actor: Actor, via: str, cookie_issued: float | None = None) -> None:
    st.session_state[ACTOR_KEY] = actor
    st.session_state[EPOCH_KEY] = users.session_epoch(engine, actor.user_id)
    st.session_state[SEEN_KEY] = time.time()
    st.session_state[VIA_KEY] = via
    st.session_state.pop(REFUSED_KEY, None)
    st.session_state.pop(LOGIN_ERROR_KEY, None)
    if cookie_issued is not None:  # the browser holds a good cookie: re-issued on the schedule of its issue
        st.session_state[COOKIE_AT_KEY] = cookie_issued
    else:
        st.session_state.pop(COOKIE_AT_KEY, None)  # issue one now


def _clear(notice: str | None = None) -> None:
    for key in (ACTOR_KEY, EPOCH_KEY, SEEN_KEY, VIA_KEY, COOKIE_AT_KEY):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def _force_logout(notice: str) -> None:
    """End the session here and delete the browser's cookie. The cookie this page was loaded with
    is never tried again in this session (the request's cookies do not change until a reload)."""
    token = _cookie_token()
    if token:
        st.session_state[REFUSED_KEY] = token
    st.session_state[COOKIE_WRITE_KEY] = {"delete": True}
    _clear(notice)


def _submit_login(engine: Engine) -> None:
    """The 登录 button's callback: Streamlit runs it before the script, so a rerun that starts
    meanwhile (another tab, the page's own first runs) cannot drop the click."""
    username = (st.session_state.get(USERNAME_KEY) or "").strip().lower()
    password = st.session_state.get(PASSWORD_KEY) or ""
    st.session_state[PASSWORD_KEY] = ""  # never kept in the form
    if not username or not password:
        st.session_state[LOGIN_ERROR_KEY] = EMPTY_CREDENTIALS
        return
    actor = users.active_actor(engine, username) if users.try_password(engine, username, password) else None
    if actor is None:
        st.session_state[LOGIN_ERROR_KEY] = WRONG_CREDENTIALS
        return
    _start(engine, actor, "form")


def _cookie_login(engine: Engine, cfg: Settings) -> Actor | None:
    """The actor of the browser's login cookie, if it may still log in (see the module's text)."""
    token = _cookie_token()
    if not token or token == st.session_state.get(REFUSED_KEY):
        return None
    claims = cookies.decode(token, runtime.cookie_key(cfg)) or {}
    try:
        username, expires = str(claims["username"]), float(claims["exp_date"])
    except (KeyError, TypeError, ValueError):
        st.session_state[REFUSED_KEY] = token  # not ours (another key or algorithm, or no JWT): ignored
        return None
    issued = cookies.issued_at(expires, time.time(), cfg.idle_minutes)
    actor = users.cookie_acceptable(engine, username, issued) if issued else None
    if actor is None:
        _force_logout(COOKIE_REFUSED)
        return None
    users.record_cookie_login(engine, username)
    _start(engine, actor, "cookie", cookie_issued=issued)
    return actor


def _revoked_or_idle(engine: Engine, cfg: Settings, actor: Actor) -> str | None:
    """Why this session may not go on ('revoked', 'idle'), or None."""
    epoch = users.session_epoch(engine, actor.user_id)
    if epoch is None or epoch != st.session_state.get(EPOCH_KEY):
        return "revoked"
    if time.time() - st.session_state.get(SEEN_KEY, time.time()) > cfg.idle_minutes * 60:
        return "idle"
    return None


def _still_valid(engine: Engine, cfg: Settings, actor: Actor, automatic: bool = False) -> bool:
    why = _revoked_or_idle(engine, cfg, actor)
    if why == "revoked":
        _force_logout("您的登录已失效（在别处退出、修改了密码或账号已停用），请重新登录。")
        return False
    if why == "idle":
        users.logout(engine, actor.user_id, reason="logout.idle")
        _force_logout(f"超过{cfg.idle_minutes}分钟未操作，已自动退出，请重新登录。")
        return False
    if not automatic:  # a run the app started by itself is not the user's activity
        st.session_state[SEEN_KEY] = time.time()
    return True


def automatic_rerun() -> None:
    """Rerun the whole app on the app's own initiative (the big screen's tour): the gate checks the
    session as usual but does not count the run as activity, so an unattended tour does not keep
    a session alive past the idle time-out, nor re-issue its cookie."""
    st.session_state[AUTO_RUN_KEY] = True
    st.rerun(scope="app")


def fragment_guard(engine: Engine, cfg: Settings) -> None:
    """For a fragment that reruns by itself (``run_every``): fragment runs skip app.py's gate, so
    check the session here and, if it was revoked or has idled out, rerun the app, whose gate
    logs it out (the big screen kept showing cases after the user's sessions were revoked)."""
    actor = current_actor()
    if actor is None or _revoked_or_idle(engine, cfg, actor) is not None:
        st.rerun(scope="app")


@dataclass(frozen=True)
class Gate:
    """The outcome of one run's login check."""

    actor: Actor | None


def _refresh_cookie(cfg: Settings, actor: Actor) -> None:
    """(Re)issue the login cookie: after a form login and every few minutes of activity, since a
    cookie is accepted only within the idle time-out of its issue."""
    due = time.time() - st.session_state.get(COOKIE_AT_KEY, 0) > cookies.reissue_every(cfg.idle_minutes)
    if due:
        now = time.time()
        exp_date = now + COOKIE_EXPIRY_DAYS * 86400
        st.session_state[COOKIE_WRITE_KEY] = {
            "token": cookies.encode(actor.username, exp_date, runtime.cookie_key(cfg))
        }
        st.session_state[COOKIE_AT_KEY] = now


def reissue_cookie(cfg: Settings, actor: Actor) -> None:
    """Issue this browser a new login cookie now (after a password change, which revoked every
    cookie of the user, this one included)."""
    st.session_state.pop(COOKIE_AT_KEY, None)
    _refresh_cookie(cfg, actor)
    _render_cookie_write()


def cookie_script(write: dict | None) -> str | None:
    """The page script that carries out ``write`` ({"token"} or {"delete": True}): it asks the
    console's own route (server.py, ``COOKIE_ROUTE``) to set or delete the cookie, which the
    route does with a response header: HttpOnly, SameSite=Strict, Secure over HTTPS. (A run
    answers over Streamlit's websocket and cannot send a header itself.)"""
    if not write:
        return None
    body = json.dumps({"delete": True} if write.get("delete") else {"token": write["token"]})
    return (
        "<script>fetch(" + json.dumps(COOKIE_ROUTE) + ", {method: 'POST', credentials: 'same-origin', "
        "headers: {'Content-Type': 'application/json', 'X-Gov-Cookie': '1'}, body: " + json.dumps(body) + "});</script>"
    )


def _render_cookie_write() -> None:
    """Render the pending cookie write. Rendered in every run with the same text, it runs once in
    the browser (an unchanged element is not mounted again) and again only when it changes."""
    script = cookie_script(st.session_state.get(COOKIE_WRITE_KEY))
    if script:
        st.html(script, unsafe_allow_javascript=True)


def gate(engine: Engine, cfg: Settings) -> Gate:
    """Check the session against the database; ``actor`` is None when the user must log in."""
    actor = current_actor()
    automatic = st.session_state.pop(AUTO_RUN_KEY, False)
    if actor is not None and not _still_valid(engine, cfg, actor, automatic):
        actor = None
    if actor is None:
        actor = _cookie_login(engine, cfg)
    if actor is not None and not automatic:
        _refresh_cookie(cfg, actor)
    _render_cookie_write()
    return Gate(actor)


def demo_accounts_note(cfg: Settings) -> None:
    """The demo's accounts and password on its login page (demo mode only)."""

    rows = "".join(f"| `{u}` | {ROLES.get(role, role)} | {esc(name)} |\n" for u, name, role, _p in DEMO_ACCOUNTS)
    with st.expander(f"演示系统：演示账号（密码均为 `{cfg.demo_password}`）", expanded=False, icon=":material/info:"):
        st.markdown("| 用户名 | 角色 | 姓名 |\n|---|---|---|\n" + rows)
        st.caption("演示数据为模拟生成，人员信息均为虚构。正式部署（生产模式）不显示此说明。")


def render_login(engine: Engine, cfg: Settings, g: Gate) -> None:
    """The login page body. A successful login happens in the button's callback, before this
    run: the run that follows already has the actor, so this form is only ever drawn logged out."""
    notice = st.session_state.pop(NOTICE_KEY, None)
    error = st.session_state.pop(LOGIN_ERROR_KEY, None)
    left, mid, right = st.columns([1, 1.3, 1])
    with mid:
        st.markdown("## 基层治理综合服务平台")
        st.caption("党建引领 · 网格治理 · 大数据赋能")
        if notice:
            st.warning(notice)
        if cfg.is_demo:  # production never lists accounts or a password
            demo_accounts_note(cfg)
        with st.form("login_form"):
            st.subheader("用户登录")
            st.text_input("用户名", key=USERNAME_KEY, max_chars=64, autocomplete="username")
            st.text_input(
                "密码",
                key=PASSWORD_KEY,
                type="password",
                max_chars=128,  # nosec B106
                autocomplete="current-password",
            )
            st.form_submit_button("登录", type="primary", on_click=_submit_login, args=(engine,))
        if error:
            st.error(error)


def render_account_box(engine: Engine, actor: Actor) -> None:
    """Who is logged in, and the logout button, in the sidebar."""

    def _logout() -> None:
        users.logout(engine, actor.user_id)
        _force_logout("您已安全退出。")

    with st.sidebar:
        st.markdown(f"**{esc(actor.display_name)}** · {actor.role_label}")
        st.caption(f"数据范围：{esc(data.scope_name(actor))}")
        st.button("退出登录", key="logout_button", on_click=_logout)
