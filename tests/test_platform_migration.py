"""Migration 0005 places inspections and enforcement reports written before it in a township
(from their case, else the only township), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, text

from db import migrate


def _alembic(engine: Engine, fn, target: str) -> None:
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        fn(cfg, target)


def _seed_0004(engine: Engine, townships: int) -> None:
    """Rows as a 0004 database holds them: townships, a platform, a case, and inspections and
    enforcement reports with and without a case."""
    with engine.begin() as c:
        for t in range(1, townships + 1):
            c.execute(
                text("INSERT INTO township (id, code, name, county) VALUES (:i, :c, :n, '示范县')"),
                {"i": t, "c": f"T{t}", "n": f"镇{t}"},
            )
        last = townships  # the case belongs to the last township
        c.execute(
            text("INSERT INTO platform (id, township_id, code, name) VALUES (1, :t, 'shichang', '市场监管平台')"),
            {"t": last},
        )
        c.execute(
            text(
                "INSERT INTO platform_case (id, number, township_id, lead_platform_id, source, title, "
                "description, status, is_joint, created_at) VALUES (1, 'PT-2025-000001', :t, 1, "
                "'patrol', '过期食品', '巡查发现过期食品。', 'accepted', false, '2025-03-03 01:00:00')"
            ),
            {"t": last},
        )
        for i, case in ((1, 1), (2, None)):
            c.execute(
                text(
                    "INSERT INTO inspection (id, case_id, business_name, address, kind, inspected_on, "
                    "status) VALUES (:i, :c, '张记饭店', '东湖村2组', 'routine', '2025-03-03', 'passed')"
                ),
                {"i": i, "c": case},
            )
            c.execute(
                text(
                    "INSERT INTO enforcement_report (id, case_id, kind, address, reported_at, joint) "
                    "VALUES (:i, :c, 'road', '集贸路口', '2025-03-03 01:00:00', false)"
                ),
                {"i": i, "c": case},
            )


def _townships(engine: Engine, table: str) -> dict[int, int | None]:
    with engine.connect() as c:
        return dict(c.execute(text(f"SELECT id, township_id FROM {table} ORDER BY id")).all())


@pytest.mark.parametrize("townships, unplaced", [(1, 1), (2, None)])
def test_0005_backfills_township_of_old_inspections_and_reports(empty_engine, townships, unplaced):
    _alembic(empty_engine, command.upgrade, "0004")
    _seed_0004(empty_engine, townships)
    _alembic(empty_engine, command.upgrade, "0005")
    for table in ("inspection", "enforcement_report"):
        # row 1 from its case; row 2 (no case): the only township, or left unplaced when several
        assert _townships(empty_engine, table) == {1: townships, 2: unplaced}
    _alembic(empty_engine, command.upgrade, "head")  # and the later revisions apply over the data
