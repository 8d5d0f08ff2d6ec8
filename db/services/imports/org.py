"""The organisation from Excel (issue #19): villages and communities, grids, ten-household units
and the township's mediators.

Keys: a village and a grid by their code (unique in the county), a ten-household unit by its
grid and its name, a mediator by name and village (none for the township's own). A unit's chief
(十户长) is a resident already on file (the households import, or its 是否十户长 column); left
empty on a first import, the chief is named by importing the file again afterwards. A mediator
may be linked to the console account they sign in with (登录账号).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import select

from db.models import Grid, Household, Mediator, Resident, TenHouseholdUnit, User, Village
from db.models.org import GRID_KINDS, VILLAGE_KINDS
from db.models.people import EMPLOYMENT, MEDIATOR_LEVELS
from db.rules.roster import clean_name, normalize_id_number, parse_yes_no
from db.scope import ALL_TOWNSHIPS
from db.services.imports.base import Col, Context, RowCheck, Sheet, Spec, duplicates, folded, upsert
from db.services.roster import clean_phone

VILLAGES = Sheet(
    "村（社区）",
    (
        Col(
            "村（社区）编码",
            "本乡镇内每个村（社区）一个编码，字母、数字和短横线，全县不重复。",
            "SMJ-01",
            True,
            width=16,
        ),
        Col("村（社区）名称", "如 东湖村、幸福社区。", "东湖村", True, width=18),
        Col("类型", "行政村或社区。", "行政村", True, choices=tuple(VILLAGE_KINDS.values()), width=10),
        Col("党组织书记", "姓名，可留空。", "王建国", width=12),
    ),
    "按“村（社区）编码”识别：编码已有则更新名称、类型和书记，否则新建",
)
GRIDS = Sheet(
    "网格",
    (
        Col("网格编码", "字母、数字和短横线，全县不重复。", "SMJ-01-G01", True, width=18),
        Col("网格名称", "如 东湖村第一网格。", "东湖村第一网格", True, width=20),
        Col(
            "网格类型",
            "农村网格、社区网格或专属网格（学校、园区、市场等）。",
            "农村网格",
            True,
            choices=tuple(GRID_KINDS.values()),
            width=12,
        ),
        Col(
            "所属村（社区）编码",
            "本文件“村（社区）”表中或系统中已有的编码。",
            "SMJ-01",
            True,
            options="village_codes",
            width=18,
        ),
        Col("网格描述", "四至范围、覆盖的村民小组等，可留空。", "东湖村一组、二组", width=30),
    ),
    "按“网格编码”识别：编码已有则更新，否则新建",
)
UNITS = Sheet(
    "十户单元",
    (
        Col("所属网格编码", "本文件“网格”表中或系统中已有的网格编码。", "SMJ-01-G01", True, options="grids", width=18),
        Col("单元名称", "同一网格内不重复，如 东湖村一组第1十户。", "东湖村一组第1十户", True, width=22),
        Col(
            "十户长身份证号",
            "须为已登记的本网格居民；首次导入可留空，导入住户与居民后再导入一次即可补上。",
            None,
            width=22,
        ),
    ),
    "按“所属网格编码 + 单元名称”识别",
)
MEDIATORS = Sheet(
    "调解员",
    (
        Col("姓名", "人民调解员姓名。", "刘乡贤", True, width=12),
        Col("层级", "乡镇调解员或村级调解员。", "村级调解员", True, choices=tuple(MEDIATOR_LEVELS.values()), width=12),
        Col("所属村（社区）编码", "村级调解员必填；乡镇调解员留空。", "SMJ-01", options="village_codes", width=18),
        Col("联系电话", "手机号或带区号的固定电话。", "13700000001", width=14),
        Col("专兼职", "专职或兼职，留空为兼职。", "兼职", choices=tuple(EMPLOYMENT.values()), width=8),
        Col("专长", "如 乡贤、法律顾问、退休法官，可留空。", "乡贤", width=14),
        Col("是否在岗", "是或否，留空为是。", "是", choices=("是", "否"), width=8),
        Col("登录账号", "该调解员登录本系统所用的用户名（已在“用户与角色”中建立），可留空。", None, width=14),
    ),
    "按“姓名 + 所属村（社区）编码”识别（乡镇调解员按姓名）",
)

SPEC = Spec(
    "org",
    "组织架构",
    "roster.import",
    (VILLAGES, GRIDS, UNITS, MEDIATORS),
    notes=(
        "导入顺序：先本文件（村、网格、十户单元），再“住户与居民”，再网格花名册（网格员、党员及联户），再矛盾纠纷台账和历史工单。",
    ),
)

CODE_MAX = {"village": 20, "grid": 24}


def _code(row: RowCheck, column: str, max_len: int) -> str | None:
    value = folded(row.text(column))
    if value is None:
        return None
    value = value.upper()
    if len(value) > max_len or not all(c.isascii() and (c.isalnum() or c == "-") for c in value):
        row.bad(column, f"只能由字母、数字和短横线组成，最多{max_len}个字符。")
        return None
    return value


def _name(row: RowCheck, column: str, max_len: int, required: bool = True) -> str | None:
    return row.clean(column, lambda v: clean_name(v, column, max_len=max_len, required=required))


def check(ctx: Context, sheets: dict[str, list[tuple[int, dict[str, Any]]]]) -> dict[str, Any]:
    s, town = ctx.s, ctx.township_id
    # codes are unique in the county: another township's code is seen (and refused) here
    taken_v = dict(s.execute(select(Village.code, Village.township_id).execution_options(**ALL_TOWNSHIPS)).all())
    taken_g = dict(
        s.execute(
            select(Grid.code, Village.township_id)
            .join(Village, Village.id == Grid.village_id)
            .execution_options(**ALL_TOWNSHIPS)
        ).all()
    )
    villages = {v.code: v for v in s.scalars(select(Village).where(Village.township_id == town))}
    grids = {g.code: g for g in s.scalars(select(Grid).join(Village).where(Village.township_id == town))}

    plan: dict[str, Any] = {"villages": [], "grids": [], "units": []}
    keyed: list[tuple[int, Any]] = []
    file_villages: dict[str, int] = {}
    for number, values in sheets.get(VILLAGES.name, []):
        row = RowCheck(ctx, VILLAGES, number, values)
        code = _code(row, "村（社区）编码", CODE_MAX["village"])
        name = _name(row, "村（社区）名称", 50)
        kind = row.choice("类型", VILLAGE_KINDS)
        secretary = _name(row, "党组织书记", 30, required=False)
        if code and taken_v.get(code, town) != town:
            row.bad("村（社区）编码", f"编码“{code}”已被其他乡镇使用。")
        keyed.append((number, code))
        if row.ok:
            assert code is not None  # a required column: a row without it is not ok
            file_villages[code] = number
            plan["villages"].append((code, {"name": name, "kind": kind, "party_secretary": secretary}))
    duplicates(ctx, VILLAGES, keyed, "村（社区）编码")
    names = [(n, (values.get("村（社区）名称") or "").strip() or None) for n, values in sheets.get(VILLAGES.name, [])]
    duplicates(ctx, VILLAGES, names, "村（社区）名称")
    known_villages = set(villages) | set(file_villages)

    keyed = []
    file_grids: set[str] = set()
    for number, values in sheets.get(GRIDS.name, []):
        row = RowCheck(ctx, GRIDS, number, values)
        code = _code(row, "网格编码", CODE_MAX["grid"])
        name = _name(row, "网格名称", 60)
        kind = row.choice("网格类型", GRID_KINDS)
        village = _code(row, "所属村（社区）编码", CODE_MAX["village"])
        desc = row.text("网格描述", 2000)
        if village and village not in known_villages:
            row.bad("所属村（社区）编码", f"本乡镇没有编码为“{village}”的村（社区），请先在“村（社区）”表中填写。")
        if code and taken_g.get(code, town) != town:
            row.bad("网格编码", f"编码“{code}”已被其他乡镇使用。")
        keyed.append((number, code))
        if row.ok:
            assert code is not None  # a required column: a row without it is not ok
            file_grids.add(code)
            plan["grids"].append((code, village, {"name": name, "kind": kind, "description": desc}))
    duplicates(ctx, GRIDS, keyed, "网格编码")
    known_grids = set(grids) | file_grids

    keyed = []
    chiefs_wanted: dict[str, int] = {}
    for number, values in sheets.get(UNITS.name, []):
        row = RowCheck(ctx, UNITS, number, values)
        grid = _code(row, "所属网格编码", CODE_MAX["grid"])
        name = _name(row, "单元名称", 60)
        chief = row.clean("十户长身份证号", lambda v: normalize_id_number(v, required=False) if v else None)
        if grid and grid not in known_grids:
            row.bad("所属网格编码", f"本乡镇没有编码为“{grid}”的网格，请先在“网格”表中填写。")
        keyed.append((number, (grid, name) if grid and name else None))
        if row.ok:
            plan["units"].append((number, grid, name, chief))
            if chief:
                chiefs_wanted[chief] = number
    duplicates(ctx, UNITS, keyed, "所属网格编码和单元名称")
    if chiefs_wanted:  # the chief must live in the unit's grid
        found = {
            i: (rid, gcode)
            for i, rid, gcode in s.execute(
                select(Resident.id_number, Resident.id, Grid.code)
                .join(Household, Household.id == Resident.household_id)
                .join(Grid, Grid.id == Household.grid_id)
                .where(Resident.id_number.in_(list(chiefs_wanted)))
            )
        }
        kept = []
        for number, grid, name, chief in plan["units"]:
            if chief and chief not in found:
                ctx.error(
                    UNITS.name,
                    number,
                    "十户长身份证号",
                    "本乡镇没有登记该身份证号的居民，请先导入住户与居民（或暂时留空）。",
                )
            elif chief and found[chief][1] != grid:
                ctx.error(
                    UNITS.name,
                    number,
                    "十户长身份证号",
                    f"该居民住在网格“{found[chief][1]}”，不在本单元所属网格“{grid}”。",
                )
            else:
                kept.append((number, grid, name, found[chief][0] if chief else None))
        plan["units"] = kept
    plan["mediators"] = _check_mediators(ctx, sheets.get(MEDIATORS.name, []), known_villages)
    plan["village_rows"], plan["grid_rows"] = villages, grids
    return plan


def _check_mediators(ctx: Context, rows: list[tuple[int, dict[str, Any]]], villages: set[str]) -> list[tuple]:
    accounts = {u: (i, t) for u, i, t in ctx.s.execute(select(User.username, User.id, User.township_id))}
    out, keyed = [], []
    for number, values in rows:
        row = RowCheck(ctx, MEDIATORS, number, values)
        name = _name(row, "姓名", 30)
        level = row.choice("层级", MEDIATOR_LEVELS)
        village = _code(row, "所属村（社区）编码", CODE_MAX["village"])
        phone = row.clean("联系电话", lambda v: clean_phone(v))
        employment = row.choice("专兼职", EMPLOYMENT) or "part"
        speciality = _name(row, "专长", 40, required=False)
        active = row.clean("是否在岗", lambda v: True if v is None else parse_yes_no(v, "是否在岗", "active"))
        username = (row.text("登录账号", 30) or "").strip().lower() or None
        if level == "village" and not village and row.ok:
            row.bad("所属村（社区）编码", "村级调解员须填写所属村（社区）编码。")
        if level == "township" and village:
            row.bad("所属村（社区）编码", "乡镇调解员不属于某个村，请留空（或把层级改为村级调解员）。")
        if village and village not in villages:
            row.bad("所属村（社区）编码", f"本乡镇没有编码为“{village}”的村（社区）。")
        if username and (username not in accounts or accounts[username][1] not in (ctx.township_id, None)):
            row.bad("登录账号", f"本乡镇没有用户名为“{username}”的账号，请先在“用户与角色”中建立。")
        keyed.append((number, (name, village) if name else None))
        if row.ok:
            out.append(
                (
                    name,
                    village,
                    {
                        "level": level,
                        "phone": phone,
                        "employment": employment,
                        "speciality": speciality,
                        "active": active,
                        "user_id": accounts[username][0] if username else None,
                    },
                )
            )
    duplicates(ctx, MEDIATORS, keyed, "姓名和所属村（社区）")
    return out


def write(ctx: Context, plan: dict[str, Any]) -> dict[str, dict[str, int]]:
    s, town = ctx.s, ctx.township_id
    values: dict[str, Any]
    villages: dict[str, Village] = plan["village_rows"]
    for code, values in plan["villages"]:
        villages[code] = upsert(
            ctx,
            VILLAGES.name,
            villages.get(code),
            partial(Village, code=code, township_id=town),
            values,
            "village",
            "village",
        )
    ctx.tick(0.6, "写入网格……")
    grids: dict[str, Grid] = plan["grid_rows"]
    for code, village, values in plan["grids"]:
        values = {**values, "village_id": villages[village].id}
        grids[code] = upsert(ctx, GRIDS.name, grids.get(code), partial(Grid, code=code), values, "grid", "grid")
    ctx.tick(0.8, "写入十户单元……")
    if plan["units"]:
        units = {
            (g, u.name): u
            for u, g in s.execute(select(TenHouseholdUnit, Grid.code).join(Grid, Grid.id == TenHouseholdUnit.grid_id))
        }
        for _number, grid, name, chief_id in plan["units"]:
            values = {"grid_id": grids[grid].id, "name": name}
            if chief_id is not None:
                values["chief_resident_id"] = chief_id
            upsert(
                ctx,
                UNITS.name,
                units.get((grid, name)),
                TenHouseholdUnit,
                values,
                "ten_household_unit",
                "ten_household_unit",
            )
    if plan["mediators"]:
        ctx.tick(0.9, "写入调解员……")
        by_id: dict[int | None, str] = {v.id: code for code, v in villages.items()}
        known = {(m.name, by_id.get(m.village_id)): m for m in s.scalars(select(Mediator))}
        for name, village, values in plan["mediators"]:
            values = {**values, "name": name, "village_id": villages[village].id if village else None}
            upsert(
                ctx,
                MEDIATORS.name,
                known.get((name, village)),
                lambda: Mediator(township_id=town),
                values,
                "mediator",
                "mediator",
            )
    return ctx.counts
