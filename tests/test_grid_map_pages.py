"""一张图 on its three pages under AppTest (issue #22): 网格花名册 → 一张图, 指标分析 → 一张图 and the
big screen's tour; a grid chosen opens its open matters with links for a leader, its figures only
for the delegation's observer; a township without boundaries is told how to get them."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from components import runtime
from db import scope
from db.engine import read_session, write_session
from db.models import GridShape, WorkOrder
from db.models.orders import OPEN_STATUSES
from tests.factories import pages as pages_f
from tests.factories.pages import logged_in_app


def _open(actor, path: str, **params):
    at = logged_in_app(actor).run()
    for k, v in params.items():
        at.query_params[k] = str(v)
    return at.switch_page(path).run()


def _busiest_grid(actor) -> tuple[int, list[str]]:
    """The grid of the actor's township with most open orders, and their numbers."""
    with read_session(scope.scoped(pages_f.engine(), actor.township_id)) as s:
        gid = (
            s.execute(
                select(WorkOrder.grid_id)
                .where(WorkOrder.status.in_(OPEN_STATUSES), WorkOrder.grid_id.is_not(None))
                .group_by(WorkOrder.grid_id)
                .order_by(func.count().desc(), WorkOrder.grid_id)
            )
            .scalars()
            .first()
        )
        numbers = list(
            s.scalars(select(WorkOrder.number).where(WorkOrder.grid_id == gid, WorkOrder.status.in_(OPEN_STATUSES)))
        )
    return gid, numbers


def _pick_grid(at, key: str, grid_id: int):
    box = next(w for w in at.selectbox if w.key == key)
    return box.set_value(grid_id).run()


def _links(at) -> list[str]:
    return [w.proto.label.replace("\\", "") for w in at.get("page_link")]  # labels are escaped markdown


def test_a_leader_opens_a_grids_open_matters_from_the_roster_map(demo_db):
    at = _open(demo_db["leader"], "pages/roster.py", view="map")
    assert not at.exception, [e.value for e in at.exception]
    assert at.get("plotly_chart"), "the map is drawn"
    assert any(w.key == "roster_map_measure" for w in at.get("segmented_control"))
    gid, numbers = _busiest_grid(demo_db["leader"])
    at = _pick_grid(at, "roster_map_grid", gid)
    assert not at.exception, [e.value for e in at.exception]
    links = " ".join(_links(at))
    assert numbers and all(n in links for n in numbers), (numbers, links)


def test_the_observer_sees_a_grids_figures_and_no_list(demo_db):
    at = _open(demo_db["demo"], "pages/roster.py", view="map")
    gid, numbers = _busiest_grid(demo_db["demo"])
    at = _pick_grid(at, "roster_map_grid", gid)
    assert not at.exception, [e.value for e in at.exception]
    assert "演示模式只显示汇总数字。" in [c.value for c in at.caption]
    assert not any(n in " ".join(_links(at)) for n in numbers)
    assert [m for m in at.metric if m.label == "在办工单"][0].value == f"{len(numbers)}件"


def test_the_kpi_page_and_the_big_screen_draw_the_map(demo_db):
    kpi = _open(demo_db["leader"], "pages/kpi.py")
    view = next(w for w in kpi.get("segmented_control") if w.key == "kpi_view")
    kpi = view.set_value("一张图").run()
    assert not kpi.exception, [e.value for e in kpi.exception]
    assert any(w.key == "kpi_map_measure" for w in kpi.get("segmented_control"))
    screen = _open(demo_db["demo"], "pages/big_screen.py", kiosk=1, view="map")
    assert not screen.exception, [e.value for e in screen.exception]
    assert "在办事项较多的网格" in " ".join(m.value for m in screen.markdown)
    assert screen.get("plotly_chart")


def test_a_township_without_boundaries_is_told_how_to_draw_them(demo_db):
    with write_session(pages_f.engine()) as s:
        saved = [(g, t) for g, t in s.execute(select(GridShape.grid_id, GridShape.geometry))]
        s.execute(delete(GridShape))
    try:
        runtime.invalidate(None)
        admin = _open(demo_db["admin"], "pages/roster.py", view="map")
        assert any("导入 GeoJSON 文件" in i.value for i in admin.info)
        leader = _open(demo_db["leader"], "pages/roster.py", view="map")
        assert any("请联系系统管理员导入网格边界" in i.value for i in leader.info)
    finally:
        with write_session(pages_f.engine()) as s:
            s.add_all([GridShape(grid_id=g, geometry=t) for g, t in saved])
        runtime.invalidate(None)
