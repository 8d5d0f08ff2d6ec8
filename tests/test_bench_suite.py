"""The benchmark suite keeps working (issue #8): run at the smallest size that runs every part (one
dataset of 200 orders per backend: build, page timings, the KPI comparison, the memory run), on a few
pages (the full page list runs in `python -m bench.suite`). It checks that each page was timed and
the comparison was written — never the times themselves."""

from __future__ import annotations

import json

import pytest

from bench import suite
from bench.pgcluster import find_pg_bindir


@pytest.mark.pg
def test_suite_runs_small(tmp_path, capsys):
    if find_pg_bindir() is None:
        pytest.skip("no PostgreSQL binaries")  # conftest's CI rule fails earlier via other pg tests
    out = tmp_path / "suite.md"
    assert (
        suite.main(
            [
                "--scale",
                "township",
                "--orders",
                "200",
                "--backends",
                "sqlite,postgresql",
                "--runs",
                "1",
                "--roles",
                "leader",
                "--pages",
                "home,kpi",
                "--sessions",
                "1",
                "--settle",
                "0.2",
                "--memory-backends",
                "sqlite",  # the memory run's code is the backend's URL only
                "--workdir",
                str(tmp_path),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert "## sqlite" in text and "## postgresql" in text and "### Targets missed" in text
    for backend in ("sqlite", "postgresql"):
        for n in (200,):
            data = json.loads((tmp_path / f"{backend}-township-{n}.json").read_text(encoding="utf-8"))
            assert data["backend"] == backend and data["orders"] >= n
            timed = {what for what, role, ms in data["rows"] if role == "leader" and ms > 0}
            for key in ("home", "kpi"):
                assert f"page {key}" in timed, (backend, n, key)
            assert "KPI numbers naive (orders table into pandas)" in timed
    assert "KPI numbers at 200 orders" in text
    assert text.count("Memory at 200 orders: server RSS") == 1
