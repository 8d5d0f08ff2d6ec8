"""Every page under AppTest: opened by each role that may open it (no exception), refused
for each role that may not; and the login flow through app.py."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from components.auth import WRONG_CREDENTIALS
from db.config import load_settings
from db.engine import get_engine, read_session
from db.models import User
from db.models.people import ROLES
from db.permissions import PAGES, PAGES_BY_KEY
from db.services import users
from tests.factories.expected_roles import may_open
from tests.factories.pages import (
    ROLE_ACCOUNT,
    ROOT,
    TIMEOUT,
    logged_in_app,
    login,
    restore_env,
    run_page,
    run_via_app,
    saved_env,
)

CASES = [(p.key, p.path, role) for p in PAGES for role in ROLES]


def _dated(key: str, role: str) -> bool:
    """Whether the case runs again at the other moments of the date-sensitive run (scripts/test.sh):
    a refusal never depends on the date, and the date-dependent code of a page (its periods,
    holidays, deadlines) runs the same for every role that opens it; the home differs by role."""
    allowed = [r for r in ROLES if may_open(r, key)]
    return role in allowed and (key == "home" or role == allowed[0])


PARAMS = [pytest.param(k, p, r, id=f"{k}-{r}", marks=() if _dated(k, r) else pytest.mark.any_date) for k, p, r in CASES]


@pytest.mark.parametrize("key,path,role", PARAMS)
def test_page_for_role(demo_db, key, path, role):
    if may_open(role, key):  # the hand-written table, not db.permissions
        at = run_via_app(path, demo_db[role])
        assert not at.exception, [e.value for e in at.exception]
        assert at.session_state["gov_actor"].role == role  # still logged in, not bounced to login
        assert "当前角色无权访问此页面。" not in [e.value for e in at.error]
        titles = [t.value for t in at.title]
        spec = PAGES_BY_KEY[key]
        # the page's own title, so a run that did not reach the page cannot pass
        assert titles and (titles[0].endswith("您好") if key == "home" else titles[0] == spec.title), titles
    else:
        at = run_page(path, demo_db[role])
        assert not at.exception, [e.value for e in at.exception]
        errors = [e.value for e in at.error]
        assert errors == ["当前角色无权访问此页面。"]
        assert not at.title


def test_page_without_login_is_refused(demo_db):
    at = AppTest.from_file(str(ROOT / "pages/users.py"), default_timeout=TIMEOUT).run()
    assert [e.value for e in at.error] == ["请先登录。"]


@pytest.mark.parametrize("role", list(ROLES))
def test_login_each_role_lands_on_home(demo_db, role):
    at = login(ROLE_ACCOUNT[role])
    assert not at.exception
    actor = at.session_state["gov_actor"]
    assert actor.role == role
    assert at.title[0].value.endswith("您好")
    assert len(at.metric) >= 3  # the attention counts


def test_wrong_password_shows_chinese_error_and_is_counted(demo_db):
    at = login("leader", "wrong-password1")
    assert [e.value for e in at.error] == [WRONG_CREDENTIALS]
    engine = get_engine(load_settings())
    with read_session(engine) as s:
        assert s.scalar(select(User.failed_attempts).where(User.username == "leader")) == 1
    ok = login("leader")  # a success resets the count
    assert ok.session_state["gov_actor"].role == "leader"
    with read_session(engine) as s:
        assert s.scalar(select(User.failed_attempts).where(User.username == "leader")) == 0


@pytest.mark.parametrize("username", ["nobody-here", "admin "])
def test_an_unknown_username_reads_like_a_wrong_password(demo_db, username):
    """Issue #24: the form said 账号不存在 for an unknown username, 用户名或密码错误 for a wrong
    password: anyone could list the accounts."""
    wrong_password = [e.value for e in login("leader", "wrong-password1").error]
    unknown = login(username, "wrong-password1")
    assert [e.value for e in unknown.error] == wrong_password == [WRONG_CREDENTIALS]
    assert not unknown.warning and "gov_actor" not in unknown.session_state


def test_lockout_through_the_form(demo_db):
    """Locked, the form answers as for a wrong password (a lock-out message appeared only for
    accounts that exist); the right password is refused while the lock lasts."""
    engine = get_engine(load_settings())
    for _ in range(5):
        at = login("bianmin", "wrong-password1")
        assert [e.value for e in at.error] == [WRONG_CREDENTIALS]
    assert users.lock_remaining_minutes(engine, "bianmin") == 15
    at = login("bianmin")  # the right password is refused while locked
    assert [e.value for e in at.error] == [WRONG_CREDENTIALS]
    assert "gov_actor" not in at.session_state
    assert users.lock_remaining_minutes(engine, "bianmin") == 15  # and did not lift the lock
    users.unlock(engine, "bianmin")  # what the other tests of this database expect


def test_revoked_session_is_logged_out_on_next_run(demo_db):
    actor = demo_db["platform"]
    engine = get_engine(load_settings())
    epoch = users.session_epoch(engine, actor.user_id)
    at = logged_in_app(actor, epoch=epoch).run()
    assert at.session_state["gov_actor"].username == actor.username
    users.logout(engine, actor.user_id)  # e.g. logged out in another browser
    at = logged_in_app(actor, epoch=epoch).run()  # the same session's next run through app.py
    assert "gov_actor" not in at.session_state
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert any("登录已失效" in w.value for w in at.warning)


def test_idle_session_is_logged_out(demo_db):
    actor = demo_db["mediator"]
    at = logged_in_app(actor, last_seen=time.time() - 31 * 60).run()
    assert "gov_actor" not in at.session_state
    assert any("未操作" in w.value for w in at.warning)
    assert users.cookie_acceptable(get_engine(load_settings()), actor.username, time.time() - 60) is None


def test_deactivated_user_is_logged_out(demo_db):
    from db.engine import write_session
    from db.models import User

    actor = demo_db["grid"]
    at = logged_in_app(actor).run()
    assert at.session_state["gov_actor"].username == actor.username
    engine = get_engine(load_settings())
    with read_session(engine) as s:
        version = s.get(User, actor.user_id).version
    admin = demo_db["admin"]
    user = None
    with read_session(engine) as s:
        user = s.get(User, actor.user_id)
    users.update_user(
        engine,
        admin,
        actor.user_id,
        version,
        display_name=user.display_name,
        role=user.role,
        platform_id=user.platform_id,
        village_id=user.village_id,
        active=False,
    )
    at = logged_in_app(actor, epoch=0).run()
    assert "gov_actor" not in at.session_state
    with write_session(engine) as s:  # leave the account usable for other tests
        s.get(User, actor.user_id).active = True


def test_production_without_cookie_key_refuses_to_serve(tmp_path):
    saved = {k: os.environ.get(k) for k in ("GOV_DB_PATH", "GOV_MODE", "GOV_COOKIE_KEY")}
    os.environ.update(GOV_DB_PATH=str(tmp_path / "prod.db"), GOV_MODE="production")
    os.environ.pop("GOV_COOKIE_KEY", None)
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
        assert any("拒绝启动" in e.value for e in at.error)
        assert not at.text_input  # no login form is offered
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_the_demo_login_page_lists_the_demo_accounts_and_production_never_does(demo_db, tmp_path):
    from db.config import DEFAULT_DEMO_PASSWORD

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert any(DEFAULT_DEMO_PASSWORD in e.label for e in at.expander)
    assert any("`reception`" in m.value and "接待员" in m.value for m in at.markdown)
    saved = saved_env()
    os.environ.update(GOV_DB_PATH=str(tmp_path / "prod.db"), GOV_MODE="production", GOV_COOKIE_KEY="p" * 40)
    os.environ.pop("DATABASE_URL", None)
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
        assert [t.label for t in at.text_input] == ["用户名", "密码"]  # the login form, and nothing else
        assert not at.expander and not any(DEFAULT_DEMO_PASSWORD in m.value for m in at.markdown)
    finally:
        restore_env(saved)


def test_home_count_opens_the_matching_inbox_filter(demo_db):
    at = run_via_app("pages/inbox.py", demo_db["dispatcher"])
    default = [m for m in at.multiselect if m.label == "状态"][0].value
    assert set(default) == {"received", "contacted", "dispatched", "in_progress"}
    at = logged_in_app(demo_db["dispatcher"])
    at.query_params["status"] = "received,contacted"
    at.run()
    at.switch_page("pages/inbox.py").run()
    assert [m for m in at.multiselect if m.label == "状态"][0].value == ["received", "contacted"]
    assert any("当前筛选共" in m.value for m in at.markdown)


def test_a_closed_order_is_found_by_its_number_and_the_page_says_which_filters_it_set_aside(demo_db):
    from db.models import WorkOrder

    with read_session(get_engine(load_settings())) as s:
        number = s.scalar(select(WorkOrder.number).where(WorkOrder.status == "archived").limit(1))
    at = run_via_app("pages/inbox.py", demo_db["dispatcher"])
    at.text_input(key="inbox_text").set_value(number).run()
    assert any("当前筛选共 1 件" in m.value for m in at.markdown)
    assert any("按工单编号查找，已暂不按状态筛选" in c.value for c in at.caption)


def test_intake_household_feeds_history_and_the_order(demo_db):
    from sqlalchemy import func

    from db import scope
    from db.models import Grid, Household, WorkOrder

    # the desk's township's (the county's second township is not the clerk's)
    engine = scope.scoped(get_engine(load_settings()), demo_db["reception"].township_id)
    with read_session(engine) as s:  # a household that has called before
        hh_with_orders = (
            select(WorkOrder.household_id)
            .where(WorkOrder.household_id.is_not(None))
            .group_by(WorkOrder.household_id)
            .order_by(func.count().desc())
            .limit(1)
        )
        hh = s.get(Household, s.scalar(hh_with_orders))
        grid = s.get(Grid, hh.grid_id)
        village_id, grid_id, hh_id, hh_address = grid.village_id, grid.id, hh.id, hh.address
    at = run_via_app("pages/intake.py", demo_db["reception"])
    [v for v in at.selectbox if v.label == "村（社区）"][0].set_value(village_id).run()
    [g for g in at.selectbox if g.label == "网格"][0].set_value(grid_id).run()
    [h for h in at.selectbox if h.label == "住户（可选）"][0].set_value(hh_id).run()
    assert [t for t in at.text_input if t.label == "地址"][0].value == hh_address  # filled from the household
    assert any("历史记录" in m.value for m in at.markdown)  # 一事一档 by household
    [t for t in at.text_input if t.label == "联系电话"][0].input("13912345678").run()
    at.text_area[0].input("门前下水道堵塞，污水外溢，请尽快疏通处理。").run()
    if [c for c in at.selectbox if c.label == "诉求类别"][0].value is None:  # no suggestion: pick one
        [c for c in at.selectbox if c.label == "诉求类别"][0].select_index(0).run()
    [b for b in at.button if b.label == "登记工单"][0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with read_session(engine) as s:
        newest = s.scalar(select(WorkOrder).order_by(WorkOrder.id.desc()).limit(1))
    assert newest.household_id == hh_id and newest.address == hh_address


def test_an_automatic_run_is_not_activity(demo_db):
    """The big screen's tour reruns the app by itself (auth.automatic_rerun): the gate checks the
    session but leaves the last-activity time, so an unattended tour idles out like any session;
    a run the user caused moves it."""
    from components.auth import AUTO_RUN_KEY, SEEN_KEY

    actor = demo_db["demo"]
    ten_minutes_ago = time.time() - 10 * 60
    at = logged_in_app(actor, last_seen=ten_minutes_ago)
    at.session_state[AUTO_RUN_KEY] = True
    at.run()
    assert at.session_state["gov_actor"].username == actor.username  # still within the time-out
    assert at.session_state[SEEN_KEY] == ten_minutes_ago  # not moved by the automatic run
    # (AppTest applies the values a test set before every run: a new session for the user's run)
    at = logged_in_app(actor, last_seen=ten_minutes_ago).run()  # a run the user caused
    assert at.session_state[SEEN_KEY] > ten_minutes_ago + 9 * 60
    # an automatic run after the time-out logs the session out
    at = logged_in_app(actor, last_seen=time.time() - 31 * 60)
    at.session_state[AUTO_RUN_KEY] = True
    at.run()
    assert "gov_actor" not in at.session_state


@pytest.mark.parametrize("typed", ["村委会门口路灯不亮（请夜间巡查）", ""])
def test_intake_title_is_suggested_and_editable(demo_db, typed):
    """Issue #20: the title was the description's first 20 characters, cut mid-word, and could not
    be changed. The suggestion (place, key phrase, category) shows as the field's placeholder; a
    typed title is kept as typed; an empty field takes the suggestion."""
    from db.models import Category, Village, WorkOrder

    with read_session(get_engine(load_settings())) as s:
        village_id = s.scalar(select(Village.id).order_by(Village.id).limit(1))
        leaf = s.scalar(select(Category.id).where(Category.parent_id.is_not(None)).order_by(Category.id).limit(1))
    at = run_via_app("pages/intake.py", demo_db["reception"])
    [v for v in at.selectbox if v.label == "村（社区）"][0].set_value(village_id).run()
    [t for t in at.text_input if t.label == "联系电话"][0].input("13912340009").run()
    at.text_area[0].input("村委会门口的路灯晚上不亮，已经好几天了，老人出门不方便。").run()
    category = [c for c in at.selectbox if c.label == "诉求类别"][0]
    if category.value is None:
        category.set_value(leaf).run()
    title_box = [t for t in at.text_input if t.label == "工单标题（可修改）"][0]
    suggestion = title_box.proto.placeholder
    assert "村委会门口的路灯晚上不亮" in suggestion and "…" not in suggestion
    if typed:
        title_box.input(typed).run()
    [b for b in at.button if b.label == "登记工单"][0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with read_session(get_engine(load_settings())) as s:
        newest = s.scalar(select(WorkOrder).order_by(WorkOrder.id.desc()).limit(1))
    assert newest.title == (typed or suggestion)
