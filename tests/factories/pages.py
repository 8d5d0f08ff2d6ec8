"""AppTest helpers and the demo database the page tests share.

``build_demo_db(path)`` fills one small demo township (through ``ensure_database``, as the app's
first start does, at the tests' clock) and returns an actor per role; ``tests/conftest.py``
builds it once per test process as the ``demo_db`` fixture. ``run_page`` runs a page file on its
own (its guard decides), ``run_via_app`` reaches it through app.py's gate and navigation.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.config import DEFAULT_DEMO_PASSWORD, load_settings
from db.engine import get_engine, read_session
from db.models import User
from db.services import users
from db.services.bootstrap import DEMO_ACCOUNTS, ensure_database
from db.services.users import actor_of

TIMEOUT = 60
ROOT = Path(__file__).resolve().parents[2]
DEMO_ORDERS = 400
ENV_KEYS = ("GOV_DB_PATH", "GOV_MODE", "DATABASE_URL", "GOV_COOKIE_KEY")
ROLE_ACCOUNT: dict[str, str] = {}
for _username, _name, _role, _p in DEMO_ACCOUNTS:
    ROLE_ACCOUNT.setdefault(_role, _username)
ROLE_ACCOUNT.setdefault("county_leader", "county")


def build_demo_db(path: Path) -> dict:
    """Point the app's settings at ``path`` (through the environment, as the app reads them),
    fill it with the demo township and return {role: Actor} (the last account of each role).
    The caller restores the environment (``saved_env`` / ``restore_env``)."""
    os.environ.update(GOV_DB_PATH=str(path), GOV_MODE="demo", GOV_COOKIE_KEY="t" * 40)
    os.environ.pop("DATABASE_URL", None)
    settings = load_settings()
    engine = get_engine(settings)
    ensure_database(engine, settings, demo_orders=DEMO_ORDERS)
    # the demo township's accounts (the last of each role) and the county leader
    mine = {u for u, *_ in DEMO_ACCOUNTS} | {"county"}
    with read_session(engine) as s:
        return {u.role: actor_of(u) for u in s.scalars(select(User).order_by(User.id)) if u.username in mine}


def saved_env() -> dict:
    return {k: os.environ.get(k) for k in ENV_KEYS}


def restore_env(saved: dict) -> None:
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def engine():
    """The engine of the database the app's settings point at (the demo database)."""
    return get_engine(load_settings())


def run_page(path: str, actor) -> AppTest:
    """The page file on its own, with an actor in the session (the page's own guard decides)."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=TIMEOUT)
    at.session_state["gov_actor"] = actor
    return at.run()


def run_page_with(path: str, actor, **params: str) -> AppTest:
    """The page file on its own with these query parameters (a deep link: ``order=RX-…``)."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=TIMEOUT)
    at.session_state["gov_actor"] = actor
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def logged_in_app(actor, epoch: int | None = None, last_seen: float | None = None) -> AppTest:
    """app.py with a session as the login gate leaves it after a successful login."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["gov_actor"] = actor
    at.session_state["gov_epoch"] = users.session_epoch(engine(), actor.user_id) if epoch is None else epoch
    at.session_state["gov_last_seen"] = time.time() if last_seen is None else last_seen
    return at


def run_via_app(path: str, actor) -> AppTest:
    """The page reached through app.py's navigation, as a logged-in user of the actor's role.

    The first run goes through app.py (gate + navigation); AppTest then runs the chosen page's
    script on switch_page (it does not rerun the entrypoint for file pages)."""
    at = logged_in_app(actor).run()
    assert at.session_state["gov_actor"].role == actor.role, "the gate refused a valid session"
    return at.switch_page(path).run()


def login(username: str, password: str = DEFAULT_DEMO_PASSWORD) -> AppTest:
    """app.py's login form filled in and submitted."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at
