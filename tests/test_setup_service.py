"""Going live from an empty production database (db/services/setup.py), on both backends: the
township with its platforms, the standard categories, villages and grids, the checklist; bad
input refused in Chinese with nothing written; every write audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.engine import read_session
from db.errors import PermissionDenied, ValidationError
from db.models import AuditLog, Category, Department, Grid, Platform, Township, Village
from db.permissions import Actor
from db.queries import setup as setup_q
from db.services import setup
from tests.factories.accounts import account, first_admin


def _count(engine, model, *where) -> int:
    with read_session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)))


def _audits(engine, action: str) -> int:
    return _count(engine, AuditLog, AuditLog.action == action)


def test_an_empty_database_goes_live_step_by_step(engine):
    admin = first_admin(engine)
    with read_session(engine) as s:
        steps = setup_q.checklist(s)
    assert [s.done for s in steps] == [False] * 7

    town = setup.create_township(engine, admin, code="t-01", name="青龙镇", county="示范县")
    assert _count(engine, Platform, Platform.township_id == town) == 4
    assert _count(engine, Department) == sum(len(d) for d in setup.STANDARD_DEPARTMENTS.values())
    created = setup.load_standard_categories(engine, admin)
    assert created == _count(engine, Category) and created > 20
    village = setup.create_village(engine, admin, township_id=town, code="V01", name="东湖村")
    setup.create_grid(engine, admin, village_id=village, code="V01-G01", name="东湖村第一网格")
    account(engine, admin, "clerk", "reception", "王接待")

    with read_session(engine) as s:
        done = {step.label: step.done for step in setup_q.checklist(s)}
    assert done == {
        "乡镇与四个平台": True,
        "诉求类别与时限": True,
        "村（社区）": True,
        "网格": True,
        "住户与居民（Excel导入）": False,
        "网格员（花名册导入）": False,
        "接待员或转办督办员账号": True,
    }
    with read_session(engine) as s:
        assert s.scalar(select(Township.code)) == "T-01"  # codes are kept in capitals
    for action in ("township.create", "category.load_standard", "village.create", "grid.create"):
        assert _audits(engine, action) == 1, action


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(code="", name="青龙镇", county="示范县"), "请填写乡镇编码"),
        (dict(code="青龙", name="青龙镇", county="示范县"), "只能由字母、数字和短横线组成"),
        (dict(code="T1", name="  ", county="示范县"), "请填写乡镇名称"),
        (dict(code="T1", name="青龙镇", county=""), "请填写所属县（区）"),
        (dict(code="T1", name="青龙镇\x00", county="示范县"), None),  # control characters refused
    ],
)
def test_bad_township_input_writes_nothing(engine, kwargs, message):
    admin = first_admin(engine)
    with pytest.raises(ValidationError) as exc:
        setup.create_township(engine, admin, **kwargs)
    if message:
        assert message in str(exc.value)
    assert _count(engine, Township) == 0 and _count(engine, Platform) == 0
    assert _audits(engine, "township.create") == 0


def test_duplicates_are_refused(engine):
    admin = first_admin(engine)
    town = setup.create_township(engine, admin, code="T1", name="青龙镇", county="示范县")
    with pytest.raises(ValidationError, match="已被使用"):
        setup.create_township(engine, admin, code="t1", name="白马镇", county="示范县")
    with pytest.raises(ValidationError, match="已有名为“青龙镇”的乡镇"):
        setup.create_township(engine, admin, code="T2", name="青龙镇", county="示范县")
    village = setup.create_village(engine, admin, township_id=town, code="V1", name="东湖村")
    with pytest.raises(ValidationError, match="青龙镇已有“东湖村”"):
        setup.create_village(engine, admin, township_id=town, code="V2", name="东湖村")
    with pytest.raises(ValidationError, match="请选择行政村或社区"):
        setup.create_village(engine, admin, township_id=town, code="V3", name="西山", kind="city")
    with pytest.raises(ValidationError, match="请先选择乡镇"):
        setup.create_village(engine, admin, township_id=999, code="V4", name="南湖村")
    setup.create_grid(engine, admin, village_id=village, code="G1", name="第一网格")
    with pytest.raises(ValidationError, match="已被使用"):
        setup.create_grid(engine, admin, village_id=village, code="G1", name="第二网格")
    with pytest.raises(ValidationError, match="请选择网格类型"):
        setup.create_grid(engine, admin, village_id=village, code="G2", name="第二网格", kind="big")
    with pytest.raises(ValidationError, match="请先选择村（社区）"):
        setup.create_grid(engine, admin, village_id=None, code="G3", name="第三网格")
    assert _count(engine, Township) == 1 and _count(engine, Village) == 1 and _count(engine, Grid) == 1
    setup.load_standard_categories(engine, admin)
    with pytest.raises(ValidationError, match="已有诉求类别"):
        setup.load_standard_categories(engine, admin)  # running it twice adds nothing
    assert _audits(engine, "category.load_standard") == 1


@pytest.mark.parametrize("role", ["leader", "reception", "dispatcher", "platform", "demo"])
def test_only_the_administrator_sets_up(engine, role):
    admin = first_admin(engine)
    town = setup.create_township(engine, admin, code="T1", name="青龙镇", county="示范县")
    other = Actor(999, "other", role)
    for call in (
        lambda: setup.create_township(engine, other, code="T2", name="白马镇", county="示范县"),
        lambda: setup.load_standard_categories(engine, other),
        lambda: setup.create_village(engine, other, township_id=town, code="V1", name="东湖村"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert _count(engine, Township) == 1 and _count(engine, Category) == 0 and _count(engine, Village) == 0


def test_a_township_adds_renames_and_stops_using_departments(engine):
    from db.errors import ConflictError
    from db.queries import reference

    admin = first_admin(engine)
    town = setup.create_township(engine, admin, code="QL", name="青龙镇", county="示范县")
    with read_session(engine) as s:
        platform = s.scalar(select(Platform.id).where(Platform.township_id == town, Platform.code == "bianmin"))
        usual = setup_q.departments(s)
    assert len(usual) == sum(len(d) for d in setup.STANDARD_DEPARTMENTS.values())
    dept = setup.add_department(engine, admin, platform_id=platform, name=" 林业站 ", phone="0396-7712345")
    with pytest.raises(ValidationError, match="该平台已有“林业站”"):
        setup.add_department(engine, admin, platform_id=platform, name="林业站")
    with pytest.raises(ValidationError, match="请选择平台"):
        setup.add_department(engine, admin, platform_id=None, name="水务站")
    with read_session(engine) as s:
        row = next(r for r in setup_q.departments(s) if r["id"] == dept)
    assert (row["name"], row["phone"], row["active"]) == ("林业站", "0396-7712345", True)
    setup.update_department(engine, admin, dept, row["version"], name="林业工作站", phone=None, active=False)
    with pytest.raises(ConflictError):  # a second administrator's form, loaded before that save
        setup.update_department(engine, admin, dept, row["version"], name="林业站", phone=None, active=True)
    with read_session(engine) as s:
        offered = {d["name"] for d in reference.departments(s)}
    assert "林业工作站" not in offered and "林业站" not in offered  # stopped: not offered at dispatch
    assert _audits(engine, "department.create") == 1 and _audits(engine, "department.update") == 1
