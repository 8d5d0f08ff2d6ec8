"""Writers under load (bench/writers.py at a small scale): concurrent writers registering and
updating orders lose nothing, duplicate nothing and never see "database is locked".
The rates are printed by the benchmark, never asserted here."""

from __future__ import annotations

import pytest

from bench import writers


@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_concurrent_writers_lose_nothing(engine, mode):
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    r = writers.run(url, writers=4, seconds=2.0, mode=mode)
    assert not r.errors, r.errors[:5]
    assert len(r.created) >= 4  # every writer got at least one order through
    assert r.lost == [] and r.duplicated == 0 and r.partial == 0
    assert r.in_db == len(r.created)
    assert r.conflicts == 0  # each writer updates only its own orders
