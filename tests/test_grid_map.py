"""一张图 (issue #22): the grids' boundaries imported per township from GeoJSON, refused whole
with a message in Chinese when malformed or not this township's, exported back unchanged; the
figures per grid the map is coloured by; the demo generator's plausible boundaries."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db import scope
from db.demo import shapes as demo_shapes
from db.engine import read_session, write_session
from db.errors import PermissionDenied
from db.models import (
    AuditLog,
    Category,
    Grid,
    GridEvent,
    GridShape,
    Household,
    MediationCase,
    PartyMember,
    PartyMemberHousehold,
    WorkOrder,
)
from db.models.base import utcnow
from db.permissions import Actor
from db.queries import grid_map as q
from db.rules import geo
from db.services import grid_map, setup
from tests.factories.accounts import first_admin

SQUARE = [[113.30, 32.70], [113.31, 32.70], [113.31, 32.71], [113.30, 32.71], [113.30, 32.70]]


def _fc(*features: dict) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False).encode()


def _feature(props: dict, coords=None, kind: str = "Polygon") -> dict:
    return {"type": "Feature", "properties": props, "geometry": {"type": kind, "coordinates": coords or [SQUARE]}}


def _shifted(dx: float) -> list:
    return [[[x + dx, y] for x, y in SQUARE]]


@pytest.fixture
def town(engine):
    """A township with two villages and three grids (one name used in both villages)."""
    admin = first_admin(engine)
    t = setup.create_township(engine, admin, code="T1", name="青龙镇", county="示范县")
    v1 = setup.create_village(engine, admin, township_id=t, code="T1001", name="东村")
    v2 = setup.create_village(engine, admin, township_id=t, code="T1002", name="西村")
    grids = {
        code: setup.create_grid(engine, admin, village_id=v, code=code, name=name)
        for v, code, name in ((v1, "T100101", "第一网格"), (v1, "T100102", "东村第二网格"), (v2, "T100201", "第一网格"))
    }
    return {"engine": engine, "admin": admin, "township": t, "grids": grids}


def _shapes(engine) -> dict[int, str]:
    with read_session(engine) as s:
        return dict(s.execute(select(GridShape.grid_id, GridShape.geometry)).all())


# --------------------------------------------------------------------------- refusals

BAD_FILES = [
    (b"\xff\xfe not utf-8", "UTF-8"),
    (b'{"type": "FeatureCollection", ', "不是有效的 JSON"),
    (json.dumps({"type": "Feature"}).encode(), "不是 GeoJSON 要素集合"),
    (_fc(), "没有任何要素"),
    (
        _fc(
            {
                "type": "Feature",
                "properties": {"网格编号": "T100101"},
                "geometry": {"type": "Point", "coordinates": [113.3, 32.7]},
            }
        ),
        "须为面",
    ),
    (
        _fc(
            _feature(
                {"网格编号": "T100101"}, [[[500000, 3600000], [500100, 3600000], [500100, 3600100], [500000, 3600000]]]
            )
        ),
        "不是经纬度",
    ),
    (_fc(_feature({"网格编号": "T100101"}, [[[113.3, 32.7], [113.31, 32.7]]])), "环不完整"),
    (
        _fc(
            _feature(
                {"网格编号": "T100101"},
                [[[113.30, 32.70], [113.31, 32.71], [113.31, 32.70], [113.30, 32.71], [113.30, 32.70]]],
            )
        ),
        "自相交",
    ),
    (_fc(_feature({"名称": "x"})), "缺少网格编号或网格名称"),
    (_fc(_feature({"网格编号": "T100101"}, [["a", "b"]])), "坐标格式不正确"),
]


@pytest.mark.parametrize("raw, message", BAD_FILES, ids=[m for _r, m in BAD_FILES])
def test_a_malformed_file_is_refused_with_its_reason(raw, message):
    with pytest.raises(geo.GeoJSONError) as e:
        geo.parse(raw)
    assert message in str(e.value)


def test_every_problem_is_named_by_its_feature_and_nothing_is_drawn(town):
    engine, admin, grids = town["engine"], town["admin"], town["grids"]
    grid_map.import_geojson(engine, admin, _fc(_feature({"网格编号": "T100101"})))
    before = _shapes(engine)
    raw = _fc(
        _feature({"网格编号": "T100102"}, _shifted(0.01)),  # fine on its own
        _feature({"网格编号": "X999"}),  # no such grid
        _feature({"网格名称": "第一网格"}),  # two grids of that name
        _feature({"网格编号": "T100102"}, _shifted(0.02)),  # the same grid twice
        _feature({"网格名称": "北村第九网格"}),  # no such name
        _feature(
            {"网格编号": "T100201"}, [[[500000, 3600000], [500100, 3600000], [500100, 3600100], [500000, 3600000]]]
        ),
    )  # metres, not degrees
    with pytest.raises(geo.GeoJSONError) as e:
        grid_map.import_geojson(engine, admin, raw)
    problems = e.value.problems
    assert len(problems) == 5, problems  # the file's and the matching's, in the file's order
    assert "第2个要素" in problems[0] and "X999" in problems[0] and "不是本乡镇的网格" in problems[0]
    assert "第3个要素" in problems[1] and "有 2 个" in problems[1]
    assert "第4个要素" in problems[2] and "第1个要素是同一个网格" in problems[2]
    assert "第5个要素" in problems[3] and "没有名为" in problems[3]
    assert "第6个要素" in problems[4] and "不是经纬度" in problems[4]
    assert _shapes(engine) == before  # all or nothing
    assert grids["T100102"] not in _shapes(engine)


def test_only_the_administrator_imports(town):
    leader = Actor(user_id=0, username="l", role="leader", display_name="领导")
    with pytest.raises(PermissionDenied):
        grid_map.import_geojson(town["engine"], leader, _fc(_feature({"网格编号": "T100101"})))
    assert _shapes(town["engine"]) == {}


# --------------------------------------------------------------------------- import, export


def test_import_matches_by_code_or_unambiguous_name_and_export_round_trips(town):
    engine, admin, grids = town["engine"], town["admin"], town["grids"]
    raw = _fc(
        _feature({"网格编号": "T100101"}),
        _feature({"grid_name": "东村第二网格"}, _shifted(0.01)),  # by name, English key
        _feature({"name": "西村第一网格"}, _shifted(0.02), "Polygon"),
    )  # village + name
    r = grid_map.import_geojson(engine, admin, raw)
    assert (r.created, r.replaced, r.unchanged, r.grids_without_shape) == (3, 0, 0, 0)
    drawn = _shapes(engine)
    assert set(drawn) == set(grids.values())
    assert json.loads(drawn[grids["T100201"]])["coordinates"] == _shifted(0.02)
    with read_session(engine) as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "grid_map.import")).one()
    assert audit.after["grids"] == ["T100101", "T100102", "T100201"] and audit.after["created"] == 3

    exported = grid_map.export_geojson(engine, admin)
    doc = json.loads(exported)
    assert [f["properties"]["网格编号"] for f in doc["features"]] == ["T100101", "T100102", "T100201"]
    again = grid_map.import_geojson(engine, admin, exported)
    assert (again.created, again.replaced, again.unchanged) == (0, 0, 3)
    assert _shapes(engine) == drawn

    # a file naming one grid replaces that one; the others keep theirs
    moved = grid_map.import_geojson(engine, admin, _fc(_feature({"网格编号": "T100101"}, _shifted(0.05))))
    assert (moved.created, moved.replaced, moved.unchanged) == (0, 1, 0)
    after = _shapes(engine)
    assert after[grids["T100102"]] == drawn[grids["T100102"]] and after[grids["T100101"]] != drawn[grids["T100101"]]


def test_a_township_cannot_draw_or_see_another_townships_grids(town):
    engine, admin = town["engine"], town["admin"]
    other = setup.create_township(engine, admin, code="T2", name="白马镇", county="示范县")
    v = setup.create_village(engine, admin, township_id=other, code="T2001", name="南村")
    setup.create_grid(engine, admin, village_id=v, code="T200101", name="南村第一网格")
    grid_map.import_geojson(engine, admin, _fc(_feature({"网格编号": "T200101"}, _shifted(0.3))))
    mine = scope.scoped(engine, town["township"])
    with pytest.raises(geo.GeoJSONError, match="不是本乡镇的网格"):
        grid_map.import_geojson(mine, admin, _fc(_feature({"网格编号": "T200101"})))
    grid_map.import_geojson(mine, admin, _fc(_feature({"网格编号": "T100101"})))
    with read_session(mine) as s:
        assert [r["code"] for r in q.shapes(s)] == ["T100101"]
        assert q.grid_count(s) == 3
    assert json.loads(grid_map.export_geojson(mine, admin))["features"][0]["properties"]["网格编号"] == "T100101"


# --------------------------------------------------------------------------- the figures


def test_each_grid_counts_its_own_open_matters_overdue_events_coverage_and_risk(town):
    engine, grids = town["engine"], town["grids"]
    g1, g2 = grids["T100101"], grids["T100102"]
    now = utcnow().replace(microsecond=0)
    setup.load_standard_categories(engine, town["admin"])
    with write_session(engine) as s:
        category = s.scalar(select(func.min(Category.id)).where(Category.parent_id.is_not(None)))
        village = s.get(Grid, g1).village_id
        hh = [Household(grid_id=g1, address=f"东村{i}号", head_name="户主", size=1) for i in range(4)]
        s.add_all(hh)
        s.flush()
        pm = PartyMember(village_id=village, grid_id=g1, name="党员甲", active=True)
        s.add(pm)
        s.flush()
        s.add_all([PartyMemberHousehold(party_member_id=pm.id, household_id=h.id) for h in hh[:3]])

        def order(n: int, grid: int, status: str, due) -> WorkOrder:
            return WorkOrder(
                number=f"RX-T-{n}",
                township_id=town["township"],
                village_id=village,
                grid_id=grid,
                channel="phone",
                category_id=category,
                title="路灯不亮",
                description="路灯不亮",
                status=status,
                received_at=now - timedelta(days=3),
                due_at=due,
            )

        s.add_all(
            [
                order(1, g1, "dispatched", now - timedelta(hours=1)),
                order(2, g1, "in_progress", now + timedelta(days=1)),
                order(3, g1, "resolved", now - timedelta(days=1)),
                order(4, g2, "received", None),
            ]
        )
        s.add_all(
            [
                GridEvent(
                    number="SJ-T-1",
                    grid_id=g1,
                    event_type="safety",
                    description="井盖缺失",
                    status="reported",
                    reported_at=now - timedelta(minutes=5),
                ),
                GridEvent(
                    number="SJ-T-2",
                    grid_id=g1,
                    event_type="safety",
                    description="井盖缺失",
                    status="archived",
                    reported_at=now - timedelta(minutes=4),
                ),
            ]
        )

        def dispute(n: int, colour: str, status: str) -> MediationCase:
            return MediationCase(
                number=f"TJ-T-{n}",
                township_id=town["township"],
                village_id=village,
                grid_id=g1,
                dispute_type="neighbour",
                title="邻里纠纷",
                summary="邻里纠纷",
                source="visit",
                risk_colour=colour,
                status=status,
                reported_at=now - timedelta(days=1),
            )

        s.add_all([dispute(1, "red", "open"), dispute(2, "yellow", "mediating"), dispute(3, "red", "closed")])
    with read_session(engine) as s:
        vals = q.values(s, now)
        marks = q.recent(s, now)
    v1, v2 = vals[g1], vals[g2]
    assert (v1["open_orders"], v1["overdue"], v1["open_events"], v1["events_month"]) == (2, 1, 1, 2)
    assert (v1["disputes"], v1["red"], v1["yellow"]) == (2, 1, 1)
    assert (v1["households"], v1["linked"]) == (4, 3)
    assert q.measure_value("open", v1) == 2 + 1 + 2
    assert q.measure_value("overdue", v1) == 1
    assert q.measure_value("party", v1) == 75.0
    assert q.measure_value("risk", v1) == 3 + 2
    assert q.measure_value("party", v2) is None  # no household: nothing to cover
    assert q.measure_value("open", v2) == 1
    at = {m["grid_id"]: m for m in marks}
    assert (at[g1]["orders"], at[g1]["events"], at[g1]["disputes"]) == (3, 2, 3)


# --------------------------------------------------------------------------- the demo's boundaries


def test_the_demo_draws_every_grid_once_without_overlap():
    villages = [(f"村{i}", [(f"G{i:02d}{k:02d}", f"村{i}第{k}网格") for k in range(1, 2 + i % 5)]) for i in range(12)]
    fc = demo_shapes.township_collection("411726101", 0, villages)
    again = demo_shapes.township_collection("411726101", 0, villages)
    assert fc == again  # deterministic
    feats = geo.parse(json.dumps(fc).encode())
    assert sorted(f.code for f in feats) == sorted(c for _v, gs in villages for c, _n in gs)
    total = sum(f.geometry.area for f in feats)
    union = geo.merged([f.geometry for f in feats]).area
    assert union == pytest.approx(total, rel=1e-3)  # the grids tile the township


def test_a_value_on_a_band_edge_takes_the_band_its_label_names():
    from components import grid_map as ui  # here: the rest of this file tests db/ without streamlit

    pct = ui.classes("party", [50.0, 90.0])
    assert [ui.class_of(v, pct)["label"] for v in (59.9, 60.0, 89.9, 90.0, 100.0)] == [
        "低于60%",
        "60%–75%",
        "75%–90%",
        "90%及以上",
        "90%及以上",
    ]
    counts = ui.classes("open", [0, 1, 7])
    assert [ui.class_of(v, counts)["label"] for v in (0, 1, 2, 7)] == ["0件", "1–2件", "1–2件", "7件"]
