"""``resolution_stats`` (the KPI contract) against a hand-made dataset, on both backends.

Cases (reported in January 2026 unless said; days = (agreed_at or closed_at) - reported_at):

    A dispute closed  village           blue   neighbour     V1  2.0 days
    B dispute agreed  village           red    neighbour     V1  4.5 days
    C dispute agreed  township (escal.) red    family        V2  8.0 days
    D dispute mediating village         blue   family        V2
    E dispute litigation township       yellow land_boundary V1
    F dispute agreed  township (direct) yellow neighbour     V2  1.0 day
    J dispute open    village           blue   labour        V1  (reported exactly at `since`)
    K dispute closed  village, agreed_at empty, closed 2 days after report: blue other V1  2.0
    out of the cohort: G reported a minute before `since`, H exactly at `until`, I a hazard.

By hand: n 8; resolved A B C F K = 5; in village A B K = 3; rate 5/8; share 3/5;
avg (2 + 4.5 + 8 + 1 + 2) / 5 = 3.5.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from db.engine import read_session, write_session
from db.models import MediationCase, Township, Village
from db.queries.mediation import resolution_stats

SINCE = datetime(2026, 1, 1)
UNTIL = datetime(2026, 2, 1)


def jan(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 1, day, hour)


def _case(
    n,
    town,
    village,
    reported,
    status,
    level,
    colour,
    dtype,
    *,
    kind="dispute",
    escalated=None,
    agreed=None,
    closed=None,
):
    return MediationCase(
        number=f"TJ-2026-{n:06d}",
        township_id=town,
        village_id=village,
        kind=kind,
        dispute_type=dtype,
        title=f"案件{n}",
        summary="测试",
        source="walk_in",
        risk_colour=colour,
        level=level,
        status=status,
        reported_at=reported,
        last_progress_at=reported,
        escalated_at=escalated,
        agreed_at=agreed,
        closed_at=closed,
    )


@pytest.fixture
def data(engine):
    with write_session(engine) as s:
        t = Township(code="T1", name="青龙镇", county="示范县")
        s.add(t)
        s.flush()
        v1 = Village(township_id=t.id, code="V1", name="东湖村")
        v2 = Village(township_id=t.id, code="V2", name="西山社区")
        s.add_all([v1, v2])
        s.flush()
        T, V1, V2 = t.id, v1.id, v2.id
        s.add_all(
            [
                _case(
                    1,
                    T,
                    V1,
                    jan(5),
                    "closed",
                    "village",
                    "blue",
                    "neighbour",
                    agreed=jan(7),
                    closed=datetime(2026, 2, 10),
                ),
                _case(2, T, V1, jan(10), "agreed", "village", "red", "neighbour", agreed=jan(14, 12)),
                _case(3, T, V2, jan(12), "agreed", "township", "red", "family", escalated=jan(13), agreed=jan(20)),
                _case(4, T, V2, jan(15), "mediating", "village", "blue", "family"),
                _case(5, T, V1, jan(20), "litigation", "township", "yellow", "land_boundary", escalated=jan(22)),
                _case(6, T, V2, jan(25), "agreed", "township", "yellow", "neighbour", agreed=jan(26)),
                _case(7, T, V1, SINCE, "open", "village", "blue", "labour"),
                _case(8, T, V1, jan(28), "closed", "village", "blue", "other", closed=jan(30)),
                # out of the cohort
                _case(9, T, V1, SINCE - timedelta(minutes=1), "agreed", "village", "blue", "neighbour", agreed=jan(2)),
                _case(10, T, V1, UNTIL, "agreed", "village", "blue", "neighbour", agreed=datetime(2026, 2, 3)),
                _case(11, T, V1, jan(10), "agreed", "village", "blue", "neighbour", kind="hazard", agreed=jan(11)),
            ]
        )
    return engine


def stats(engine, by=None, since=SINCE, until=UNTIL):
    with read_session(engine) as s:
        return resolution_stats(s, since, until, by)


def approx_row(row: dict) -> tuple:
    return (
        row["key"],
        row["label"],
        row["n"],
        row["resolved"],
        row["resolved_in_village"],
        None if row["resolution_rate"] is None else pytest.approx(row["resolution_rate"]),
        None if row["village_share"] is None else pytest.approx(row["village_share"]),
        None if row["avg_days"] is None else pytest.approx(row["avg_days"], abs=1e-6),
    )


def test_totals(data):
    [row] = stats(data)
    assert approx_row(row) == (None, "全部", 8, 5, 3, 5 / 8, 3 / 5, 3.5)


def test_by_colour_every_colour_in_order(data):
    rows = stats(data, "risk_colour")
    assert [approx_row(r) for r in rows] == [
        ("blue", "蓝色", 4, 2, 2, 0.5, 1.0, 2.0),
        ("yellow", "黄色", 2, 1, 0, 0.5, 0.0, 1.0),
        ("red", "红色", 2, 2, 1, 1.0, 0.5, 6.25),
    ]


def test_by_type_includes_types_without_cases(data):
    rows = {r["key"]: approx_row(r) for r in stats(data, "dispute_type")}
    assert rows["neighbour"] == ("neighbour", "邻里纠纷", 3, 3, 2, 1.0, 2 / 3, 2.5)
    assert rows["family"] == ("family", "婚姻家庭", 2, 1, 0, 0.5, 0.0, 8.0)
    assert rows["land_boundary"] == ("land_boundary", "土地边界", 1, 0, 0, 0.0, None, None)
    assert rows["labour"] == ("labour", "劳资纠纷", 1, 0, 0, 0.0, None, None)
    assert rows["other"] == ("other", "其他", 1, 1, 1, 1.0, 1.0, 2.0)
    assert rows["homestead"] == ("homestead", "宅基地", 0, 0, 0, None, None, None)
    assert sum(r[2] for r in rows.values()) == 8


def test_by_village_most_cases_first(data):
    rows = stats(data, "village")
    assert [approx_row(r)[1:] for r in rows] == [
        ("东湖村", 5, 3, 3, 3 / 5, 1.0, 8.5 / 3),
        ("西山社区", 3, 2, 0, 2 / 3, 0.0, 4.5),
    ]
    assert all(isinstance(r["key"], int) for r in rows)


def test_empty_period(data):
    [row] = stats(data, since=datetime(2025, 6, 1), until=datetime(2025, 7, 1))
    assert approx_row(row) == (None, "全部", 0, 0, 0, None, None, None)
    assert stats(data, "village", since=datetime(2025, 6, 1), until=datetime(2025, 7, 1)) == []


def test_unknown_grouping_is_refused(data):
    with pytest.raises(ValueError):
        stats(data, "mediator")


def test_the_on_screen_and_documented_definition_is_agreed_or_closed():
    """已化解 counts agreed OR closed (not only 销号): the KPI caption and docs say so."""
    from pathlib import Path

    from components.mediation import KPI_DEFINITION
    from db.rules import mediation_fsm as fsm

    assert set(fsm.RESOLVED_STATUSES) == {"agreed", "closed"}
    assert "当前状态为“已达成协议”或“已销号”" in KPI_DEFINITION and "不必等到销号" in KPI_DEFINITION
    assert "调解成功销号" not in KPI_DEFINITION
    doc = (Path(__file__).resolve().parents[1] / "docs" / "mediation.md").read_text(encoding="utf-8")
    assert "agreed **or** closed" in doc and "调解成功销号" not in doc
