"""Township tenancy on the pages (issue #17): the demo county's second township (白云镇) is
invisible to the demo township's accounts, in the inbox's list, its search and an order opened
by its number in the URL; the county leader sees both and compares them."""

from __future__ import annotations

from sqlalchemy import select

from db import scope
from db.config import load_settings
from db.demo import neighbour
from db.engine import get_engine, read_session
from db.models import Township, WorkOrder
from tests.factories.pages import run_page, run_page_with


def _other_order() -> str:
    with read_session(get_engine(load_settings())) as s:
        town = s.scalar(select(Township.id).where(Township.name == neighbour.NAME))
        return s.scalar(select(WorkOrder.number).where(WorkOrder.township_id == town).order_by(WorkOrder.id).limit(1))


def _inbox(actor, **params):
    return run_page_with("pages/inbox.py", actor, **params)


def test_another_townships_order_by_url_is_not_there(demo_db):
    number = _other_order()
    for role in ("reception", "dispatcher", "leader", "admin"):
        at = _inbox(demo_db[role], order=number)
        assert not at.exception, [e.value for e in at.exception]
        assert any("不存在或无权查看" in w.value for w in at.warning), role
        assert number not in " ".join(m.value for m in at.markdown)
    county = _inbox(demo_db["county_leader"], order=number)
    assert not county.exception
    assert not any("不存在或无权查看" in w.value for w in county.warning)


def test_another_townships_order_is_not_found_by_search(demo_db):
    number = _other_order()
    at = run_page("pages/inbox.py", demo_db["reception"])
    at.text_input(key="inbox_text").set_value(number).run()
    assert not at.exception, [e.value for e in at.exception]
    assert number not in " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert any("0 件" in c.value or "没有" in c.value for c in [*at.caption, *at.info, *at.markdown])
    county = run_page("pages/inbox.py", demo_db["county_leader"])
    county.text_input(key="inbox_text").set_value(number).run()
    assert number in " ".join(str(df.value.to_dict()) for df in county.dataframe)


def test_the_demo_townships_accounts_belong_to_it_and_the_county_leader_to_none(demo_db):
    towns = {a.township_id for role, a in demo_db.items() if role != "county_leader"}
    assert len(towns) == 1 and None not in towns
    assert demo_db["county_leader"].township_id is None
    # the display caches are keyed by township: the demo township's reference lists hold none of
    # 白云镇's villages, the county's hold both townships'
    with read_session(scope.scoped(get_engine(load_settings()), towns.pop())) as s:
        assert neighbour.NAME not in {t.name for t in s.scalars(select(Township))}


def test_the_county_leader_compares_townships_on_the_kpi_page(demo_db):
    at = run_page("pages/kpi.py", demo_db["county_leader"])
    assert not at.exception, [e.value for e in at.exception]
    at.segmented_control(key="kpi_view").set_value("分类对比").run()
    by = at.selectbox(key="kpi_by")
    assert "乡镇" in by.options
    by.set_value("township").run()
    assert not at.exception, [e.value for e in at.exception]
    table = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert neighbour.NAME in table and "双庙街乡" in table
    local = run_page("pages/kpi.py", demo_db["leader"])
    local.segmented_control(key="kpi_view").set_value("分类对比").run()
    assert "乡镇" not in local.selectbox(key="kpi_by").options


def test_the_countys_shared_settings_are_read_only_for_a_townships_administrator(demo_db):
    from db.models import User
    from db.services.users import actor_of

    with read_session(get_engine(load_settings())) as s:
        county_admin = actor_of(s.scalar(select(User).where(User.username == "countyadmin")))
    assert county_admin.township_id is None
    for actor, locked in ((demo_db["admin"], True), (county_admin, False)):
        at = run_page("pages/settings.py", actor)
        at.segmented_control(key="settings_view").set_value("类别与办理时限").run()
        assert not at.exception, [e.value for e in at.exception]
        infos = " ".join(i.value for i in at.info)
        assert ("只能由县级管理员修改" in infos) is locked
        assert any(sb.label == "选择要修改的类别" for sb in at.selectbox) is not locked
        at.segmented_control(key="settings_view").set_value("上线准备").run()
        assert any("新建乡镇" in e.label for e in at.expander) is not locked


def test_a_townships_administrator_keeps_the_townships_own_settings(demo_db):
    """系统设置 → 本乡镇设置 (issue #19, item 3): open to the township's administrator where the county's
    catalogue is read-only; a range whose floor is above its ceiling is refused at its field and
    nothing is saved; a save is kept (and put back for the other tests of this database)."""
    from db.queries import township_settings as ts_q

    admin = demo_db["admin"]
    at = run_page("pages/settings.py", admin)
    at.segmented_control(key="settings_view").set_value("本乡镇设置").run()
    assert not at.exception, [e.value for e in at.exception]

    def field(label):
        return next(n for n in at.number_input if n.label == label)

    def save():
        next(b for b in at.button if b.label == "保存本乡镇设置").click().run()
        assert not at.exception, [e.value for e in at.exception]

    def stored():
        with read_session(get_engine(load_settings())) as s:
            return ts_q.settings_of(s, admin.township_id)

    before = stored()
    field("联户户数下限（户）").set_value(12)
    field("联户户数上限（户）").set_value(10)
    save()
    assert any("不能大于上限" in e.value for e in at.error)
    assert stored() == before
    field("联户户数下限（户）").set_value(10)
    field("联户户数上限（户）").set_value(15)
    save()
    assert any("本乡镇设置已保存" in s.value for s in at.success)
    assert (stored()["link_min"], stored()["link_max"]) == (10, 15)
    assert any(sb.label == "选择要另定时限的类别" for sb in at.selectbox)
    field("联户户数下限（户）").set_value(before["link_min"])
    field("联户户数上限（户）").set_value(before["link_max"])
    save()
    assert (stored()["link_min"], stored()["link_max"]) == (before["link_min"], before["link_max"])
    # the county's administrator picks the township whose settings to change
    from db.models import User
    from db.services.users import actor_of

    with read_session(get_engine(load_settings())) as s:
        county_admin = actor_of(s.scalar(select(User).where(User.username == "countyadmin")))
    county = run_page("pages/settings.py", county_admin)
    county.segmented_control(key="settings_view").set_value("本乡镇设置").run()
    assert not county.exception, [e.value for e in county.exception]
    assert set(county.selectbox(key="township_settings_town").options) >= {"双庙街乡", neighbour.NAME}
