"""The login gate: streamlit-authenticator over the users in the database.

The library renders the form and the cookie; the database decides. Per run:
- credentials are loaded from the database (locked users carry the lock-out count);
- failed attempts the library counted are written back (lock-out after 5, for 15 minutes);
- a cookie login is accepted only if the cookie was issued after the user's last logout,
  password change or deactivation (``tokens_valid_after``);
- a running session is logged out when its epoch is stale or it has been idle too long.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import streamlit as st
import streamlit_authenticator as stauth
from sqlalchemy import Engine
from streamlit_authenticator.utilities.exceptions import LoginError

from components import runtime
from components.ui import esc
from db.config import COOKIE_EXPIRY_DAYS, COOKIE_NAME, LOCKOUT_MINUTES, LOCKOUT_THRESHOLD, Settings
from db.permissions import Actor
from db.rules import cookies
from db.services import users

ACTOR_KEY = "gov_actor"
EPOCH_KEY = "gov_epoch"
SEEN_KEY = "gov_last_seen"
VIA_KEY = "gov_login_via"
REFUSED_KEY = "gov_refused_cookie"
SET_COOKIE_KEY = "gov_set_cookie"
COOKIE_AT_KEY = "gov_cookie_at"
PENDING_COOKIE_KEY = "gov_cookie_pending"  # a cookie issued but not yet confirmed by the browser
AUTO_RUN_KEY = "gov_auto_run"  # the next run was started by the app itself (the big screen's tour)
NOTICE_KEY = "gov_notice"
WRONG_CREDENTIALS = "用户名或密码错误。"
LOGIN_FIELDS = {"Form name": "用户登录", "Username": "用户名", "Password": "密码", "Login": "登录"}  # nosec B105


def current_actor() -> Actor | None:
    return st.session_state.get(ACTOR_KEY)


def _cookie_token() -> str | None:
    try:
        return st.context.cookies.get(COOKIE_NAME)
    except Exception:
        return None


def _build(cfg: Settings) -> tuple[stauth.Authenticate, dict]:
    """The run's one Authenticate. Its credentials dict starts empty and is filled from the
    database only when the login form is shown (a logged-in run does not load every user)."""
    config: dict = {"usernames": {}}
    authn = stauth.Authenticate(config, cookie_name=COOKIE_NAME, cookie_key=runtime.cookie_key(cfg),
                                cookie_expiry_days=COOKIE_EXPIRY_DAYS, auto_hash=False, login_sleep_time=0)
    token = _cookie_token()
    if token and (token == st.session_state.get(REFUSED_KEY) or cookies.decode(token, runtime.cookie_key(cfg)) is None):
        # a cookie we already refused in this session, or one the library must not see (signed with
        # another key or algorithm: its decoder raises on those): never let the library use it
        authn.cookie_controller.get_cookie = lambda: None
    return authn, config


def _clear(notice: str | None = None) -> None:
    for key in (ACTOR_KEY, EPOCH_KEY, SEEN_KEY, VIA_KEY, PENDING_COOKIE_KEY):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def _force_logout(authn: stauth.Authenticate, notice: str) -> None:
    token = _cookie_token()
    if token:
        st.session_state[REFUSED_KEY] = token
    if st.session_state.get("authentication_status"):
        authn.logout(location="unrendered")
    _clear(notice)


def _persist_failures(engine: Engine, creds: users.Credentials) -> bool:
    """Write back the attempts the library counted in this run. True if one locked an account."""
    locked = False
    for username, entry in creds.config["usernames"].items():
        if entry.get("failed_login_attempts", 0) > creds.failures.get(username, 0):
            locked = users.record_failed_login(engine, username) or locked
    return locked


def _cookie_issued_at(cfg: Settings) -> float | None:
    """When the login cookie was issued, or None if it is missing, forged or too old
    (db.rules.cookies.issued_at)."""
    token = _cookie_token()
    if not token:
        return None
    try:
        data = cookies.decode(token, runtime.cookie_key(cfg)) or {}
        expires = float(data["exp_date"])
    except (KeyError, TypeError, ValueError):
        return None
    return cookies.issued_at(expires, time.time(), cfg.idle_minutes)


def _accept(engine: Engine, cfg: Settings, authn: stauth.Authenticate) -> Actor | None:
    """The library says authenticated: check it against the database and start our session."""
    username = st.session_state.get("username")
    if st.session_state.get(VIA_KEY) == "form":
        actor = users.record_login(engine, username, via="form")
        # the library's own cookie write is lost in the rerun that follows; write it next run
        st.session_state[SET_COOKIE_KEY] = True
    else:
        issued = _cookie_issued_at(cfg)
        actor = users.cookie_acceptable(engine, username, issued) if issued else None
        if actor is not None:
            users.record_login(engine, username, via="cookie")
    if actor is None:
        _force_logout(authn, "登录已失效（已退出、密码已修改或账号已停用），请重新登录。")
        return None
    st.session_state[ACTOR_KEY] = actor
    st.session_state[EPOCH_KEY] = users.session_epoch(engine, actor.user_id)
    st.session_state[SEEN_KEY] = time.time()
    st.session_state[COOKIE_AT_KEY] = time.time()
    st.session_state.pop(REFUSED_KEY, None)
    return actor


def _revoked_or_idle(engine: Engine, cfg: Settings, actor: Actor) -> str | None:
    """Why this session may not go on ('revoked', 'idle'), or None."""
    epoch = users.session_epoch(engine, actor.user_id)
    if epoch is None or epoch != st.session_state.get(EPOCH_KEY):
        return "revoked"
    if time.time() - st.session_state.get(SEEN_KEY, time.time()) > cfg.idle_minutes * 60:
        return "idle"
    return None


def _still_valid(engine: Engine, cfg: Settings, authn: stauth.Authenticate, actor: Actor,
                 automatic: bool = False) -> bool:
    why = _revoked_or_idle(engine, cfg, actor)
    if why == "revoked":
        _force_logout(authn, "您的登录已失效（在别处退出、修改了密码或账号已停用），请重新登录。")
        return False
    if why == "idle":
        users.logout(engine, actor.user_id, reason="logout.idle")
        _force_logout(authn, f"超过{cfg.idle_minutes}分钟未操作，已自动退出，请重新登录。")
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


class Gate:
    """The outcome of one run's login check."""

    def __init__(self, actor: Actor | None, authn: stauth.Authenticate, config: dict):
        self.actor, self.authn, self.config = actor, authn, config


def _refresh_cookie(cfg: Settings) -> None:
    """(Re)issue the login cookie: after a form login (the library's own write is lost in the
    rerun) and every few minutes of activity, since it lives only as long as the idle time-out."""
    due = time.time() - st.session_state.get(COOKIE_AT_KEY, 0) > cookies.reissue_every(cfg.idle_minutes)
    if st.session_state.pop(SET_COOKIE_KEY, False) or due:
        now = time.time()
        exp_date = now + COOKIE_EXPIRY_DAYS * 86400
        st.session_state[PENDING_COOKIE_KEY] = {
            "token": cookies.encode(st.session_state["username"], exp_date, runtime.cookie_key(cfg)),
            "expires": datetime.fromtimestamp(exp_date, tz=timezone.utc).isoformat(),
        }
        st.session_state[COOKIE_AT_KEY] = now


def _write_pending_cookie(authn: stauth.Authenticate) -> None:
    """Render the cookie write until the browser confirms it. The cookie manager writes from its
    own iframe once that has loaded; a write rendered in one run only was lost whenever the next
    run (the library's own cookie read reports back and reruns) came first: the user was logged
    in but a reload landed on the login form. So the same write (same token, same key) is
    rendered in every run until the component reports it done."""
    pending = st.session_state.get(PENDING_COOKIE_KEY)
    if not pending:
        return
    # the library's cookie manager (extra_streamlit_components), called with our token and options
    written = authn.cookie_controller.cookie_model.cookie_manager.cookie_manager(
        method="set", cookie=COOKIE_NAME, value=pending["token"],
        options={"path": "/", "expires": pending["expires"], "sameSite": "strict"},
        key="gov_cookie_write", default=False)
    if written:
        st.session_state.pop(PENDING_COOKIE_KEY, None)


def gate(engine: Engine, cfg: Settings) -> Gate:
    """Check the session against the database; ``actor`` is None when the user must log in."""
    authn, config = _build(cfg)
    actor = current_actor()
    automatic = st.session_state.pop(AUTO_RUN_KEY, False)
    if actor is not None and st.session_state.get("authentication_status"):
        if _still_valid(engine, cfg, authn, actor, automatic):
            if not automatic:
                _refresh_cookie(cfg)
            _write_pending_cookie(authn)
            return Gate(actor, authn, config)
        # one Authenticate per run (its cookie manager is a keyed component): keep this one
    elif actor is not None:
        _clear()
    return Gate(None, authn, config)


def demo_accounts_note(cfg: Settings) -> None:
    """The demo's accounts and password on its login page (demo mode only)."""
    from db.models.people import ROLES
    from db.services.bootstrap import DEMO_ACCOUNTS

    rows = "".join(f"| `{u}` | {ROLES.get(role, role)} | {esc(name)} |\n" for u, name, role, _p in DEMO_ACCOUNTS)
    with st.expander(f"演示系统：演示账号（密码均为 `{cfg.demo_password}`）", expanded=False,
                     icon=":material/info:"):
        st.markdown("| 用户名 | 角色 | 姓名 |\n|---|---|---|\n" + rows)
        st.caption("演示数据为模拟生成，人员信息均为虚构。正式部署（生产模式）不显示此说明。")


def render_login(engine: Engine, cfg: Settings, g: Gate) -> None:
    """The login page body; reruns the app once the user is in."""
    authn = g.authn
    creds = users.load_credentials(engine)
    g.config["usernames"].update(creds.config["usernames"])  # the dict the library holds
    notice = st.session_state.pop(NOTICE_KEY, None)
    left, mid, right = st.columns([1, 1.3, 1])
    with mid:
        st.markdown("## 基层治理综合服务平台")
        st.caption("党建引领 · 网格治理 · 大数据赋能")
        if notice:
            st.warning(notice)
        if cfg.is_demo:  # production never lists accounts or a password
            demo_accounts_note(cfg)
        try:
            authn.login(location="main", fields=LOGIN_FIELDS, key="login_form", max_login_attempts=LOCKOUT_THRESHOLD,
                        callback=lambda _info: st.session_state.__setitem__(VIA_KEY, "form"))
        except LoginError as exc:
            if "attempts" in str(exc):
                st.error(f"该账号因连续输错密码已被锁定，请{LOCKOUT_MINUTES}分钟后再试，或联系管理员。")
            elif "not authorized" in str(exc):  # an unknown or deactivated username
                # the same words as a wrong password: the form must not tell which usernames exist
                _force_logout(authn, "")
                st.error(WRONG_CREDENTIALS)
            else:
                st.error("登录失败，请重试。")
            return
        if _persist_failures(engine, creds):
            st.error(f"密码连续错误次数过多，账号已锁定{LOCKOUT_MINUTES}分钟。")
            return
        status = st.session_state.get("authentication_status")
        if status is False:
            st.error(WRONG_CREDENTIALS)
        elif status:
            _accept(engine, cfg, authn)
            st.rerun()


def render_account_box(engine: Engine, authn: stauth.Authenticate, actor: Actor) -> None:
    """Who is logged in, and the logout button, in the sidebar."""
    with st.sidebar:
        st.markdown(f"**{esc(actor.display_name)}** · {actor.role_label}")

        def _on_logout(_info) -> None:
            users.logout(engine, actor.user_id)

        authn.logout("退出登录", location="sidebar", key="logout_button", callback=_on_logout)
        if not st.session_state.get("authentication_status"):
            _force_logout(authn, "您已安全退出。")
            st.rerun()
