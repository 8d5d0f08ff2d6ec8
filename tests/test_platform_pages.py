"""The platform pages under AppTest: every platform account's desk and records, admin acting for
a platform, a case opened by number, and the summary for each role that may open it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from components.ui import esc
from db.engine import get_engine, read_session
from db.config import load_settings
from db.models import Platform, User
from db.models.platforms import PlatformCase
from db.services.users import actor_of
from tests.test_pages_apptest import demo_db, logged_in_app, run_via_app  # noqa: F401 - the module's fixture

RECORD_TABS = {"zongzhi": "综治业务台账", "shichang": "市场监管业务台账", "zhifa": "综合执法业务台账",
               "bianmin": "便民服务业务台账"}


def _actor(username: str):
    with read_session(get_engine(load_settings())) as s:
        return actor_of(s.scalar(select(User).where(User.username == username)))


@pytest.mark.parametrize("username", list(RECORD_TABS))
def test_each_platform_account_sees_its_own_desk(demo_db, username):  # noqa: F811
    at = run_via_app("pages/platform_desk.py", _actor(username))
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["平台工作台"]
    view = at.segmented_control(key=f"pl_view_{username}")
    assert RECORD_TABS[username] in view.options
    view.set_value(RECORD_TABS[username]).run()  # the platform's own records render too
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.table) >= 1
    assert [m.label for m in at.metric][:2] == ["待接收推送", "在办案件"]
    assert any(username_platform in md.value for md in at.markdown
               for username_platform in (RECORD_TABS[username].replace("业务台账", ""),))


def test_admin_acts_for_a_chosen_platform(demo_db):  # noqa: F811
    at = run_via_app("pages/platform_desk.py", demo_db["admin"])
    assert not at.exception
    assert at.selectbox(key="pl_as").label == "以哪个平台的身份办理"


def test_case_opens_by_number_with_its_timeline(demo_db):  # noqa: F811
    with read_session(get_engine(load_settings())) as s:
        zz = _actor("zongzhi")
        town = s.get(Platform, zz.platform_id).township_id
        case = s.scalars(select(PlatformCase).where(PlatformCase.township_id == town,
                                                    PlatformCase.status == "closed")
                         .order_by(PlatformCase.id)).first()
    at = run_via_app("pages/platform_desk.py", _actor("zongzhi"))
    at.query_params["case"] = case.number
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(esc(case.number) in md.value for md in at.markdown)  # escaped user text
    assert any("处理时间线" in md.value for md in at.markdown)
    assert len(at.table) == 1 and at.table[0].value.shape[0] >= 2  # open … close


@pytest.mark.parametrize("role", ["admin", "leader", "platform", "demo"])
def test_summary_renders_for_every_role_that_may_open_it(demo_db, role):  # noqa: F811
    at = run_via_app("pages/platform_summary.py", demo_db[role])
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["四平台总览"]
    summary = at.table[0].value
    assert list(summary["平台"]) == ["综治平台", "市场监管平台", "综合执法平台", "便民服务平台"]
    assert int(summary["期间立案"].sum()) == int(summary["在办"].sum() + summary["已办结"].sum())
