"""The tiers on the pages (issue #21, item 5), under AppTest on the demo township: the grid worker
finds the 就地办 order of the worker's village in the inbox and may take its handling steps; a
worker of another village cannot open it; an officer of an assisting platform opens the 吹哨办
order, sees every part and reports its own, without the lead's steps."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from db.engine import read_session
from db.models import Category, Department, Grid, OrderAssist, Village
from db.services import orders
from tests.factories.pages import engine, run_page_with


def _inbox(actor, **params):
    return run_page_with("pages/inbox.py", actor, **params)


def _contacted(demo_db, village_id: int, description: str) -> dict:
    with read_session(engine()) as s:
        grid = s.scalar(select(Grid.id).where(Grid.village_id == village_id).order_by(Grid.id))
        category = s.scalar(
            select(Category.id).where(Category.parent_id.is_not(None), Category.active.is_(True)).order_by(Category.id)
        )
    return orders.register(
        engine(),
        demo_db["dispatcher"],
        orders.Intake(
            channel="hotline",
            caller_name="刘女士",
            caller_phone="13912345678",
            village_id=village_id,
            grid_id=grid,
            category_id=category,
            description=description,
            contacted=True,
        ),
    )


def _text(at) -> str:
    return " ".join(m.value for m in [*at.markdown, *at.caption, *at.warning])


def test_the_grid_worker_finds_and_handles_the_villages_local_order(demo_db):
    worker = demo_db["grid"]
    o = _contacted(demo_db, worker.village_id, "小区东门路灯坏了三盏，晚上漆黑一片。")
    orders.dispatch_local(engine(), demo_db["dispatcher"], o["id"], o["version"])
    listed = _inbox(worker)
    assert not listed.exception, [e.value for e in listed.exception]
    assert o["number"] in " ".join(str(df.value.to_dict()) for df in listed.dataframe)
    at = _inbox(worker, order=o["number"])
    assert not at.exception, [e.value for e in at.exception]
    assert "就地办：网格员、村干部" in _text(at)
    [actions] = [c for c in at.get("segmented_control") if c.label == "办理操作"]
    assert set(actions.options) == {"签收办理", "退回", "申请延期"}
    with read_session(engine()) as s:
        other = s.scalar(
            select(Village.id)
            .where(Village.id != worker.village_id, Village.township_id == worker.township_id)
            .order_by(Village.id)
        )
    stranger = _inbox(dataclasses.replace(worker, village_id=other), order=o["number"])
    assert any("不存在或无权查看" in w.value for w in stranger.warning)
    assert "就地办" not in _text(stranger)


def test_an_assisting_officer_reports_its_part_without_the_leads_steps(demo_db):
    officer = demo_db["platform"]
    with read_session(engine()) as s:
        lead = s.scalar(
            select(Department)
            .where(Department.platform_id != officer.platform_id, Department.active.is_(True))
            .order_by(Department.id)
        )
        mine = s.scalar(
            select(Department)
            .where(Department.platform_id == officer.platform_id, Department.active.is_(True))
            .order_by(Department.id)
        )
        lead_ids, mine_id, mine_name = (lead.platform_id, lead.id), mine.id, mine.name
    o = _contacted(demo_db, demo_db["grid"].village_id, "楼道堆放杂物堵塞消防通道，请协调清理。")
    orders.dispatch(engine(), demo_db["dispatcher"], o["id"], o["version"], *lead_ids, assisting=[mine_id])
    at = _inbox(officer, order=o["number"])
    assert not at.exception, [e.value for e in at.exception]
    assert "吹哨办 · 协办部门" in _text(at) and "1 个协办部门尚未反馈" in _text(at)
    assert not [c for c in at.get("segmented_control") if c.label == "办理操作"]  # not the lead's steps
    at.text_area(key=next(t.key for t in at.text_area if t.label.startswith("协办反馈"))).input("已清理楼道杂物。")
    [report] = [b for b in at.button if b.label == "提交反馈"]
    at = report.click().run()
    assert not at.exception, [e.value for e in at.exception]
    with read_session(engine()) as s:
        part = s.scalar(select(OrderAssist).where(OrderAssist.order_id == o["id"]))
        assert (part.status, part.report) == ("reported", "已清理楼道杂物。")
    after = _inbox(officer, order=o["number"])
    assert "协办部门均已反馈" in _text(after)
    assert mine_name in " ".join(str(df.value.to_dict()) for df in after.dataframe)
