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


def test_a_writer_process_that_dies_ends_the_wait_at_once():
    """A writer process that dies without reporting is named at once (it was a silent wait of
    the whole deadline, which read as a hang under pytest-xdist)."""
    import multiprocessing as mp
    import os
    import time

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    # os._exit itself as the target: a function of this module made the spawned child import
    # the test module and pytest first (ten seconds under load)
    proc = ctx.Process(target=os._exit, args=(3,))
    proc.start()
    # a RuntimeError naming the exit code, not the TimeoutError the deadline would give
    with pytest.raises(RuntimeError, match=r"exit codes \[3\]"):
        writers._collect(queue, [proc], deadline=time.monotonic() + 600)
    proc.join()
