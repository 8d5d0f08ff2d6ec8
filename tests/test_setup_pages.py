"""上线准备 on an empty production database, through the pages (AppTest): the administrator's
home shows the checklist, the settings page opens on it, and its forms create the township,
the standard categories, a village and a grid; a bad code is shown at its form and writes
nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import make_engine, read_session
from db.models import Category, Grid, Township, Village
from tests.factories.accounts import first_admin
from tests.factories.pages import logged_in_app, run_page


@pytest.fixture
def empty_console(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "console.db"
    shutil.copyfile(sqlite_template, path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("GOV_DB_PATH", str(path))
    monkeypatch.setenv("GOV_MODE", "production")
    monkeypatch.setenv("GOV_COOKIE_KEY", "p" * 40)
    engine = make_engine(f"sqlite:///{path}")
    try:
        yield engine, first_admin(engine)
    finally:
        engine.dispose()


def _count(engine, model) -> int:
    with read_session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def _fill(at, values: dict[str, str]) -> None:
    for label, value in values.items():
        [t for t in at.text_input if t.label == label][0].input(value)


def _submit(at, label: str):
    return [b for b in at.button if b.label == label][0].click().run()


def test_the_administrator_sets_up_an_empty_console(empty_console):
    engine, admin = empty_console
    home = logged_in_app(admin).run()  # app.py: the navigation opens on 今日待办
    assert any(h.value == "上线准备" for h in home.subheader)
    assert any("乡镇与四个平台" in m.value for m in home.markdown)

    at = run_page("pages/settings.py", admin)
    assert at.segmented_control(key="settings_view").value == "上线准备"
    _fill(at, {"乡镇编码": "青龙", "乡镇名称": "青龙镇", "所属县（区）": "示范县"})
    at = _submit(at, "新建乡镇")
    assert any("只能由字母、数字和短横线组成" in e.value for e in at.error), (
        [e.value for e in at.error],
        at.exception,
        [s.value for s in at.success],
    )  # shown at its form
    assert _count(engine, Township) == 0
    _fill(at, {"乡镇编码": "QLZ", "乡镇名称": "青龙镇", "所属县（区）": "示范县"})
    at = _submit(at, "新建乡镇")
    assert not at.exception and _count(engine, Township) == 1
    at = _submit(at, "载入标准类别")
    assert _count(engine, Category) > 20
    _fill(at, {"村（社区）编码": "QLZ-01", "村（社区）名称": "东湖村"})
    at = _submit(at, "新建村（社区）")
    assert _count(engine, Village) == 1
    _fill(at, {"网格编码": "QLZ-01-G1", "网格名称": "东湖村第一网格"})
    at = _submit(at, "新建网格")
    assert _count(engine, Grid) == 1 and not at.exception
    assert any("已新建网格" in s.value for s in at.success)
