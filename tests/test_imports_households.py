"""Go-live import of households and residents (issue #19, ``db/services/imports/households.py``):
the real template, every problem named by sheet, row and column, all or nothing, idempotent by
natural keys, stored like the console's own data (tag codes, canonical phones)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from db import scope
from db.engine import read_session
from db.models import AuditLog, Household, Resident, TenHouseholdUnit
from db.services import setup
from db.services.imports import base, households, org
from tests.factories.accounts import first_admin
from tests.factories.roster import ident

HH, RES = households.HOUSEHOLDS.name, households.RESIDENTS.name


def _book(spec, sheets: dict[str, list[dict]]) -> bytes:
    """The real template (explanation and example rows left in) with rows appended after row 3."""
    wb = load_workbook(io.BytesIO(base.template_bytes(spec)))
    for sheet in spec.sheets:
        ws = wb[sheet.name]
        for row in sheets.get(sheet.name, []):
            ws.append([row.get(c) for c in sheet.names])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _import(engine, admin, town: int, module, sheets: dict[str, list[dict]]) -> base.ImportReport:
    return base.run(scope.scoped(engine, town), admin, module, _book(module.SPEC, sheets), township_id=town)


def _township(engine, admin, code: str) -> int:
    """A township with one village, two grids and two ten-household units, made by the org import."""
    town = setup.create_township(engine, admin, code=code, name=f"{code}镇", county="示范县")
    report = _import(
        engine,
        admin,
        town,
        org,
        {
            "村（社区）": [{"村（社区）编码": f"{code}-V1", "村（社区）名称": "东村", "类型": "行政村"}],
            "网格": [
                {
                    "网格编码": f"{code}-G1",
                    "网格名称": "东村第一网格",
                    "网格类型": "农村网格",
                    "所属村（社区）编码": f"{code}-V1",
                },
                {
                    "网格编码": f"{code}-G2",
                    "网格名称": "东村第二网格",
                    "网格类型": "农村网格",
                    "所属村（社区）编码": f"{code}-V1",
                },
            ],
            "十户单元": [
                {"所属网格编码": f"{code}-G1", "单元名称": "一组第1十户"},
                {"所属网格编码": f"{code}-G1", "单元名称": "一组第2十户"},
            ],
        },
    )
    assert report.ok, [str(e) for e in report.errors]
    return town


@pytest.fixture
def world(sqlite_engine):
    admin = first_admin(sqlite_engine)
    return sqlite_engine, admin, _township(sqlite_engine, admin, "T1")


def _h(grid, address, head, phone=None, unit=None, tags=None, size=None) -> dict:
    return {
        "所在网格编码": grid,
        "户地址": address,
        "户主姓名": head,
        "联系电话": phone,
        "十户单元": unit,
        "特殊群体": tags,
        "家庭人口": size,
    }


def _r(
    grid, address, name, id_number=None, gender=None, year=None, phone=None, relation=None, tags=None, chief=None
) -> dict:
    return {
        "所在网格编码": grid,
        "户地址": address,
        "姓名": name,
        "身份证号": id_number,
        "性别": gender,
        "出生年份": year,
        "联系电话": phone,
        "与户主关系": relation,
        "特殊群体": tags,
        "是否十户长": chief,
    }


GOOD = {
    HH: [
        _h("t1-g1", "东村一组1号", "张建国", phone="+86 138-0013-8000", unit="一组第1十户", tags="困难家庭"),
        _h("T1-G1", "东村一组2号", "李秀英", unit="一组第1十户", size=2),
        _h("T1-G2", "东村二组1号", "王老汉"),
    ],
    RES: [
        _r("T1-G1", "东村一组1号", "张建国", ident(1, 1970), phone="13800138000", relation="户主", chief="是"),
        _r("T1-G1", "东村一组1号", "刘桂兰", ident(2, 1972), gender="女", year=1972, relation="配偶", tags="残疾人"),
        _r("T1-G1", "东村一组1号", "张小明", gender="男", year=2012, relation="子女", tags="留守儿童"),
        _r(
            "T1-G1",
            "东村一组2号",
            "李秀英",
            ident(4, 1950),
            phone="139 0013 9000",
            relation="户主",
            tags="独居老人、困难家庭",
        ),
        _r("T1-G2", "东村二组1号", "王老汉", ident(5, 1948), relation="户主", tags="刑满释放人员；独居老人"),
    ],
}


def _counts(engine, town):
    with read_session(scope.scoped(engine, town)) as s:
        return (
            s.scalar(select(func.count()).select_from(Household)),
            s.scalar(select(func.count()).select_from(Resident)),
        )


def _audits(engine) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(AuditLog))


def _check_good_import(engine, admin, town) -> None:
    report = _import(engine, admin, town, households, GOOD)
    assert report.ok, [str(e) for e in report.errors]
    # the template's explanation and example rows were left in the file and skipped
    assert [n for n, _ in report.rows[HH]] == [4, 5, 6]
    assert [n for n, _ in report.rows[RES]] == [4, 5, 6, 7, 8]
    assert report.counts == {
        HH: {"created": 3, "updated": 0, "unchanged": 0},
        RES: {"created": 5, "updated": 0, "unchanged": 0},
        households.CHIEFS: {"created": 0, "updated": 1, "unchanged": 0},
    }
    with read_session(scope.scoped(engine, town)) as s:
        hh = {h.address: h for h in s.scalars(select(Household))}
        res = {r.name: r for r in s.scalars(select(Resident))}
        units = {u.name: u for u in s.scalars(select(TenHouseholdUnit))}
        one, two, three = hh["东村一组1号"], hh["东村一组2号"], hh["东村二组1号"]
        assert (one.head_name, one.phone, one.size, one.unit_id) == (
            "张建国",
            "13800138000",
            3,
            units["一组第1十户"].id,
        )
        assert one.tags == "left_behind_child,hardship,disabled"  # its own and its residents', codes in order
        assert (two.phone, two.size, two.tags) == ("13900139000", 2, "elderly_alone,hardship")  # the head's phone
        assert (three.phone, three.size, three.unit_id, three.tags) == (
            None,
            1,
            None,
            "elderly_alone,released_prisoner",
        )
        zhang = res["张建国"]
        assert (zhang.gender, zhang.birth_year, zhang.id_number, zhang.relation, zhang.tags, zhang.is_party_member) == (
            "男",
            1970,
            ident(1, 1970),
            "户主",
            None,
            False,
        )
        assert (res["刘桂兰"].gender, res["刘桂兰"].tags) == ("女", "disabled")
        assert (res["张小明"].id_number, res["张小明"].gender, res["张小明"].birth_year) == (None, "男", 2012)
        assert res["李秀英"].phone == "13900139000" and res["李秀英"].household_id == two.id
        assert units["一组第1十户"].chief_resident_id == zhang.id and units["一组第2十户"].chief_resident_id is None
    before = _audits(engine)
    again = _import(engine, admin, town, households, GOOD)
    assert again.ok
    assert again.counts == {
        HH: {"created": 0, "updated": 0, "unchanged": 3},
        RES: {"created": 0, "updated": 0, "unchanged": 5},
        households.CHIEFS: {"created": 0, "updated": 0, "unchanged": 1},
    }
    assert _audits(engine) == before + 1  # the summary record only
    assert _counts(engine, town) == (3, 5)


def test_a_good_file_imports_and_the_same_file_again_changes_nothing(engine):
    admin = first_admin(engine)
    _check_good_import(engine, admin, _township(engine, admin, "T1"))


def test_a_second_file_updates_and_never_duplicates(world):
    engine, admin, town = world
    assert _import(engine, admin, town, households, GOOD).ok
    changed = {
        HH: [
            _h("T1-G1", "东村一组1号", "张建国", phone="13700137000", unit="一组第1十户", tags="困难家庭"),
            *GOOD[HH][1:],
        ],
        RES: [
            _r("T1-G1", "东村一组1号", "张建国", phone="13800138000", relation="户主"),  # no ID: found by name
            GOOD[RES][1],
            _r("T1-G1", "东村一组1号", "张小明", ident(3, 2012), relation="子女", tags="留守儿童"),  # the ID added
            *GOOD[RES][3:],
        ],
    }
    report = _import(engine, admin, town, households, changed)
    assert report.ok, [str(e) for e in report.errors]
    assert report.counts[HH] == {"created": 0, "updated": 1, "unchanged": 2}
    assert report.counts[RES] == {"created": 0, "updated": 1, "unchanged": 4}
    assert _counts(engine, town) == (3, 5)
    with read_session(scope.scoped(engine, town)) as s:
        res = {r.name: r for r in s.scalars(select(Resident))}
        assert res["张建国"].id_number == ident(1, 1970)  # an empty cell never clears a stored ID number
        assert (res["张小明"].id_number, res["张小明"].version) == (ident(3, 2012), 2)
        assert s.scalar(select(Household.phone).where(Household.address == "东村一组1号")) == "13700137000"
        # 否 / empty leaves the unit's chief as it is
        assert (
            s.scalar(select(TenHouseholdUnit.chief_resident_id).where(TenHouseholdUnit.name == "一组第1十户"))
            == res["张建国"].id
        )


def test_every_bad_row_is_named_and_nothing_is_written(world):
    engine, admin, town = world
    bad_id = ident(6, 1990)[:-1] + ("0" if ident(6, 1990)[-1] != "0" else "1")
    sheets = {
        HH: [
            _h("NOPE", "某地1号", "赵一"),  # 4
            _h("T1-G1", "东村一组9号", "赵六", unit="不存在的单元"),  # 5
            _h("T1-G1", "东村一组8号", None, phone="12345", tags="低保户", size=40),  # 6
            _h("T1-G2", "东村二组5号", "孙七"),  # 7
            _h("T1-G1", "东村一组3号", "吴九", unit="一组第2十户"),  # 8
            _h("T1-G2", "东村二组5号", "孙七"),
        ],  # 9
        RES: [
            _r("T1-G1", "东村一组99号", "钱一", gender="男"),  # 4
            _r("T1-G2", "东村二组5号", "孙七", bad_id),  # 5
            _r("T1-G2", "东村二组5号", "孙小七", ident(7, 1990), gender="女", year=1991),  # 6
            _r("T1-G2", "东村二组5号", "孙七七"),  # 7
            _r("T1-G2", "东村二组5号", "周八", ident(7, 1990), relation="户主"),  # 8
            _r("T1-G2", "东村二组5号", "孙七", gender="男", relation="表亲"),  # 9
            _r("T1-G2", "东村二组5号", "钱十", gender="男", chief="是"),  # 10
            _r("T1-G1", "东村一组9号", "赵六", gender="男", relation="户主"),  # 11: its household is wrong
            _r("T1-G1", "东村一组3号", "吴九", gender="男", relation="户主", chief="是"),  # 12
            _r("T1-G1", "东村一组3号", "吴十", gender="女", relation="户主", chief="是"),
        ],  # 13
    }
    before = _audits(engine)
    report = _import(engine, admin, town, households, sheets)
    assert not report.ok and report.counts == {}
    where = {(e.sheet, e.row, e.column) for e in report.errors}
    assert where == {
        (HH, 4, "所在网格编码"),
        (HH, 5, "十户单元"),
        (HH, 6, "户主姓名"),
        (HH, 6, "联系电话"),
        (HH, 6, "特殊群体"),
        (HH, 6, "家庭人口"),
        (HH, 9, None),
        (RES, 4, "户地址"),
        (RES, 5, "身份证号"),
        (RES, 6, "性别"),
        (RES, 6, "出生年份"),
        (RES, 7, "性别"),
        (RES, 8, None),
        (RES, 8, "与户主关系"),
        (RES, 9, "与户主关系"),
        (RES, 9, "姓名"),
        (RES, 10, "是否十户长"),
        (RES, 13, "是否十户长"),
        (RES, 13, "与户主关系"),
    }, sorted(map(str, report.errors))
    text = "\n".join(map(str, report.errors))
    for part in (
        "本乡镇没有编码为“NOPE”的网格",
        "“组织架构”模板的“十户单元”表",
        "与第7行重复",
        "“低保户”不是特殊群体",
        "身份证号显示出生于1990年",
        "未填身份证号时，性别必填",
        "户主姓名为“孙七”",
        "不属于任何十户单元",
        "与第12行同属十户单元“一组第2十户”",
        "校验位不正确",
        "与第12行同为该户的户主",
        "与第6行重复（身份证号相同）",
    ):
        assert part in text, part
    assert _counts(engine, town) == (0, 0)
    assert _audits(engine) == before
    assert base.errors_workbook(households.SPEC, report)  # the annotated workbook can be made


def test_an_id_number_of_another_township_is_refused(world):
    engine, admin, town = world
    other = _township(engine, admin, "T2")
    assert _import(
        engine,
        admin,
        other,
        households,
        {HH: [_h("T2-G1", "西村1号", "陈一")], RES: [_r("T2-G1", "西村1号", "陈一", ident(50, 1960), relation="户主")]},
    ).ok
    report = _import(
        engine,
        admin,
        town,
        households,
        {
            HH: [_h("T1-G1", "东村一组1号", "陈一")],
            RES: [_r("T1-G1", "东村一组1号", "陈一", ident(50, 1960), relation="户主")],
        },
    )
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [(RES, 4, "身份证号")]
    assert "其他乡镇" in report.errors[0].message
    assert _counts(engine, town) == (0, 0)


def test_a_grid_of_another_township_is_not_this_townships(world):
    engine, admin, town = world
    _township(engine, admin, "T2")
    report = _import(engine, admin, town, households, {HH: [_h("T2-G1", "西村1号", "陈一")]})
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [(HH, 4, "所在网格编码")]


def test_residents_of_a_household_on_file_and_its_size(world):
    engine, admin, town = world
    assert _import(engine, admin, town, households, GOOD).ok
    # a second file: one more resident of a household already on file (not in its 住户 sheet)
    report = _import(
        engine, admin, town, households, {RES: [_r("T1-G2", "东村二组1号", "王小妹", ident(8, 1985), relation="子女")]}
    )
    assert report.ok and report.counts == {RES: {"created": 1, "updated": 0, "unchanged": 0}}
    # the household listed again with its size left empty counts its residents on file and in the file
    report = _import(engine, admin, town, households, {HH: [_h("T1-G2", "东村二组1号", "王老汉")]})
    assert report.counts[HH] == {"created": 0, "updated": 1, "unchanged": 0}
    with read_session(scope.scoped(engine, town)) as s:
        assert s.scalar(select(Household.size).where(Household.address == "东村二组1号")) == 2
        assert s.scalar(select(Resident.gender).where(Resident.name == "王小妹")) == "女"


def test_codes_fold_full_width_and_addresses_stay_as_typed(world):
    """A grid code typed in full-width forms is the same code; an address keeps its full-width
    brackets, so the roster's workbook (党员联户) and the desk find the household by the same words."""
    engine, admin, town = world
    report = _import(
        engine,
        admin,
        town,
        households,
        {
            HH: [_h("Ｔ１－Ｇ１", "东村一组（东）3号", "赵大")],
            RES: [_r("t1-g1", "东村一组（东）3号", "赵大", ident(9, 1966), relation="户主")],
        },
    )
    assert report.ok, [str(e) for e in report.errors]
    with read_session(engine) as s:
        assert s.scalar(select(Household.address).where(Household.head_name == "赵大")) == "东村一组（东）3号"
