"""The display caches (``runtime.cached``) are kept per database: a process that opens a second
database never reads the first one's cached lists (the page tests, one world after another, got
another world's villages from ``data.reference()`` and failed on a select box now and then)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from db.engine import make_engine, write_session
from db.models import Township, Village


def _database_with_village(template: Path, path: Path, name: str) -> Path:
    shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with write_session(engine) as s:
            town = Township(code="T1", name="青龙镇", county="示范县")
            s.add(town)
            s.flush()
            s.add(Village(township_id=town.id, code="V1", name=name))
    finally:
        engine.dispose()
    return path


def test_reference_lists_follow_the_database(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from components import data

    first = _database_with_village(sqlite_template, tmp_path / "a.db", "东湖村")
    second = _database_with_village(sqlite_template, tmp_path / "b.db", "白马村")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("GOV_MODE", "production")
    seen = []
    for path in (first, second, first):
        monkeypatch.setenv("GOV_DB_PATH", str(path))
        seen.append([v["name"] for v in data.reference()["villages"]])
    assert seen == [["东湖村"], ["白马村"], ["东湖村"]]


def test_no_display_read_is_cached_around_the_database_key() -> None:
    root = Path(__file__).resolve().parent.parent
    offenders = [
        f"{p.relative_to(root)}:{n}"
        for folder in ("components", "pages")
        for p in (root / folder).rglob("*.py")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if "@st.cache_data" in line
    ]
    assert not offenders, f"use @runtime.cached(ttl=...) instead: {offenders}"


def test_a_write_clears_its_townships_caches_and_the_countys_not_another_townships() -> None:
    from components import runtime

    before = {t: runtime.generation(t) for t in (1, 2, None)}
    runtime.invalidate(1)  # a write by a user of township 1
    after = {t: runtime.generation(t) for t in (1, 2, None)}
    assert after[1] != before[1] and after[None] != before[None]
    assert after[2] == before[2]
    runtime.invalidate(None)  # the county's administrator: every key moves
    last = {t: runtime.generation(t) for t in (1, 2, None)}
    assert all(last[t] != after[t] for t in (1, 2, None))
