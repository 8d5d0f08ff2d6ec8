"""The 网格事件 page under AppTest: every role that may open it sees its views, the others are
refused; the grid worker reports and writes a log through the widgets; masking for demo."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.config import load_settings
from db.engine import get_engine, read_session
from db.models import GridStaff
from db.models.grid_work import GridEvent
from tests.factories.pages import ROOT, TIMEOUT, run_page

PAGE = "pages/grid_events.py"
ROLES_OK = ("admin", "leader", "dispatcher", "grid", "demo")


def _texts(at: AppTest) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title])


@pytest.mark.parametrize("role", ROLES_OK)
def test_list_view_for_each_allowed_role(demo_db, role):
    at = run_page(PAGE, demo_db[role])
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "网格事件"
    assert re.search(r"当前筛选共 \d+ 件", _texts(at))
    views = at.get("button_group")[0].options if at.get("button_group") else []
    assert ("上报事件" in str(views)) == (role in ("admin", "grid"))


@pytest.mark.parametrize("role", ROLES_OK)
def test_work_log_view(demo_db, role):
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=TIMEOUT)
    at.session_state["gov_actor"] = demo_db[role]
    at.query_params["view"] = "工作日志"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = _texts(at) + " ".join(h.value for h in at.subheader)
    if role == "grid":
        assert "的工作日志" in text and "保存日志" in [b.label for b in at.button]
    else:
        assert "网格员工作量" in text


def test_grid_worker_reports_and_logs_through_the_page(demo_db):
    actor = demo_db["grid"]
    engine = get_engine(load_settings())
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=TIMEOUT)
    at.session_state["gov_actor"] = actor
    at.query_params["view"] = "上报事件"
    at.run()
    assert not at.exception
    # an empty form is refused with a Chinese message and writes nothing
    with read_session(engine) as s:
        before = s.scalar(select(GridEvent.id).order_by(GridEvent.id.desc()).limit(1))
    submit = [b for b in at.button if b.label == "上报事件"][0]
    submit.click().run()
    assert "请选择事件类型。" in [e.value for e in at.error]
    at.selectbox[0].select("environment")
    at.text_input[0].input("村委会后巷")
    at.text_area[0].input("后巷垃圾堆放三天未清运，气味较大。")
    [b for b in at.button if b.label == "上报事件"][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    with read_session(engine) as s:
        ev = s.scalar(select(GridEvent).order_by(GridEvent.id.desc()).limit(1))
        staff = s.scalar(select(GridStaff).where(GridStaff.user_id == actor.user_id))
    assert ev.id != before and ev.address == "村委会后巷" and ev.reporter_staff_id == staff.id
    assert at.query_params["event"] == [ev.number] or at.query_params["event"] == ev.number
    assert any(ev.number in s.value for s in at.success)


def test_demo_sees_masked_names(demo_db):
    at = run_page(PAGE, demo_db["demo"])
    assert not at.exception
    frame = at.dataframe[0].value
    reporters = [r for r in frame["上报人"] if r and r != "—"]
    assert reporters and all("*" in r for r in reporters)


def test_demo_event_file_masks_people(demo_db):
    from db.rules.masking import mask_name

    engine = get_engine(load_settings())
    with read_session(engine) as s:
        ev = s.scalar(
            select(GridEvent).where(GridEvent.household_id.is_not(None)).order_by(GridEvent.id.desc()).limit(1)
        )
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=TIMEOUT)
    at.session_state["gov_actor"] = demo_db["demo"]
    at.query_params["event"] = ev.number
    at.run()
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "所在户" in shown and "\\*" in shown.split("所在户")[1][:40]  # the head of household, masked
    steps = at.table[0].value
    assert all("*" in a or a == "系统" for a in steps["操作人"])
    assert mask_name("李春梅") == "李*梅"


def _event_with_personal_text(demo_db) -> dict:
    """An event at a household whose description, handling note and verification note name the
    household head and the reporter and carry a phone number (as a grid worker might type them)."""
    from db.models import Household
    from db.services import grid_events as svc

    engine = get_engine(load_settings())
    admin = demo_db["admin"]
    with read_session(engine) as s:
        staff = s.scalar(select(GridStaff).where(GridStaff.user_id == demo_db["grid"].user_id))
        hh = s.scalar(select(Household).where(Household.grid_id == staff.grid_id).order_by(Household.id).limit(1))
        head, reporter = hh.head_name, staff.name
    r = svc.report(
        engine,
        admin,
        svc.EventReport(
            event_type="safety",
            grid_id=staff.grid_id,
            household_id=hh.id,
            reporter_staff_id=staff.id,
            description=f"{head}家院墙开裂，{head}电话13912345678，{reporter}已到场查看。",
        ),
    )
    svc.handle_on_spot(engine, admin, r["id"], 1, f"已联系{head}（13912345678）加固院墙，{reporter}跟进。")
    return {"number": r["number"], "id": r["id"], "head": head, "reporter": reporter}


def _unescaped(text: str) -> str:
    """Markdown text as it reads: st.table cells are escaped (components.ui.table)."""
    return re.sub(r"\\(.)", r"\1", text)


def _event_file_texts(at: AppTest) -> str:
    tables = _unescaped(" ".join(t.value.to_string() for t in at.table))
    return " ".join(m.value for m in at.markdown) + " ".join(t.value for t in at.text) + tables


@pytest.mark.parametrize("role", ["leader", "demo"])
def test_event_file_scrubs_free_text_for_roles_without_names(demo_db, role):
    ev = _event_with_personal_text(demo_db)
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=TIMEOUT)
    at.session_state["gov_actor"] = demo_db[role]
    at.query_params["event"] = ev["number"]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = _event_file_texts(at)
    assert "院墙开裂" in shown and "加固院墙" in shown  # the description and the timeline are there ...
    assert "13912345678" not in shown and "139****5678" in shown  # ... with the phone masked
    assert ev["head"] not in shown  # the household head's name, wherever it is written
    timeline = _unescaped(at.table[0].value.to_string())
    assert ev["reporter"] not in timeline and "139****5678" in timeline


def test_event_list_scrubs_descriptions_for_the_leader(demo_db):
    ev = _event_with_personal_text(demo_db)
    for role, raw in (("leader", False), ("dispatcher", True)):
        at = AppTest.from_file(str(ROOT / PAGE), default_timeout=TIMEOUT)
        at.session_state["gov_actor"] = demo_db[role]
        at.run()
        at.text_input(key="ge_number").input(ev["number"]).run()
        assert not at.exception, [e.value for e in at.exception]
        text = at.dataframe[0].value["事件"][0]
        assert ("13912345678" in text and ev["head"] in text) == raw, (role, text)
        if not raw:
            assert "139****5678" in text


def test_dispatcher_sees_the_event_file_as_typed(demo_db):
    ev = _event_with_personal_text(demo_db)
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=TIMEOUT)
    at.session_state["gov_actor"] = demo_db["dispatcher"]
    at.query_params["event"] = ev["number"]
    at.run()
    assert not at.exception
    shown = _event_file_texts(at)
    assert f"{ev['head']}电话13912345678" in shown and f"已联系{ev['head']}（13912345678）" in shown


def test_a_stored_photo_that_cannot_be_decoded_does_not_break_the_event(demo_db):
    """Issue #24: a photo stored before uploads were re-encoded (it only started like a JPEG)
    made the event fail to open for every role; now it is a placeholder line."""
    from db.engine import write_session
    from db.models.base import utcnow
    from db.models.grid_work import GridEventPhoto
    from tests.factories.images import FAKE_JPEG

    engine = get_engine(load_settings())
    with write_session(engine) as s:
        ev = s.scalar(select(GridEvent).order_by(GridEvent.id.desc()).limit(1))
        photo = GridEventPhoto(
            event_id=ev.id, content_type="image/jpeg", size=len(FAKE_JPEG), data=FAKE_JPEG, created_at=utcnow()
        )
        s.add(photo)
        s.flush()
        number, photo_id = ev.number, photo.id
    try:
        at = AppTest.from_file(str(ROOT / PAGE), default_timeout=TIMEOUT)
        at.session_state["gov_actor"] = demo_db["admin"]
        at.query_params["event"] = number
        at.run()
        assert not at.exception
        assert "无法显示（文件已损坏）" in _texts(at)
    finally:  # the demo township is shared by the session's page tests
        with write_session(engine) as s:
            s.delete(s.get(GridEventPhoto, photo_id))
