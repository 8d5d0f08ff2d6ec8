"""The demo generator's grid events: a timeline that ends in each event's status, ratings,
photos that are real images, one work log per person per day - and the same data twice."""

from __future__ import annotations

import hashlib
import io
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from db.demo.generator import generate
from db.engine import make_engine
from db.migrate import upgrade
from db.models import WorkLog
from db.models.grid_work import GridEvent, GridEventPhoto, GridEventStep
from db.rules import event_fsm
from tests.factories.clock import TEST_NOW


def _build(path):
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    generate(engine, orders=300, now=TEST_NOW)
    return engine


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    engine = _build(tmp_path_factory.mktemp("ge_demo") / "demo.db")
    yield engine
    engine.dispose()


def test_every_event_has_a_timeline_ending_in_its_status(demo):
    with demo.connect() as c:
        status = dict(c.execute(select(GridEvent.id, GridEvent.status)).all())
        steps = defaultdict(list)
        for eid, action, frm, to in c.execute(
            select(
                GridEventStep.event_id, GridEventStep.action, GridEventStep.from_status, GridEventStep.to_status
            ).order_by(GridEventStep.event_id, GridEventStep.at, GridEventStep.id)
        ):
            steps[eid].append((action, frm, to))
    assert set(steps) == set(status)
    for eid, rows in steps.items():
        assert rows[0] == ("report", None, "reported")
        assert rows[-1][2] == status[eid], (eid, rows)
        for (action, frm, to), prev in zip(rows[1:], rows, strict=False):
            assert frm == prev[2]  # a chain
            assert event_fsm.next_status(frm, action, passed="passed") == to  # every step is in the table


def test_ratings_photos_and_logs(demo):
    with demo.connect() as c:
        rated = c.execute(select(GridEvent.status, GridEvent.rating, GridEvent.evaluated_at)).all()
        photos = c.execute(select(GridEventPhoto.content_type, GridEventPhoto.size, GridEventPhoto.data)).all()
        dup = c.execute(
            select(WorkLog.staff_id, WorkLog.log_date, func.count())
            .group_by(WorkLog.staff_id, WorkLog.log_date)
            .having(func.count() > 1)
        ).all()
        n_logs = c.scalar(select(func.count()).select_from(WorkLog))
    done = [r for r in rated if r.status in ("evaluated", "archived")]
    assert done and all(r.rating and r.evaluated_at for r in done)
    assert all(r.rating is None for r in rated if r.status not in ("evaluated", "archived"))
    assert len(Counter(r.rating for r in done)) >= 3
    from PIL import Image

    assert 1 <= len(photos) <= 12
    for kind, size, data in photos:
        assert kind == "image/png" and size == len(data)
        Image.open(io.BytesIO(data)).verify()
    assert n_logs > 0 and dup == []


def test_deterministic(demo, tmp_path):
    other = _build(tmp_path / "again.db")

    def digest(engine):
        h = hashlib.sha256()
        with engine.connect() as c:
            for table in (GridEvent.__table__, GridEventStep.__table__, GridEventPhoto.__table__):
                for row in c.execute(select(table).order_by(table.c.id)):
                    h.update(repr(tuple(row)).encode())
        return h.hexdigest()

    assert digest(other) == digest(demo)
    other.dispose()
