"""Households and residents from Excel (issue #19): the township's 户籍 ledger, after the
organisation (``org``: villages, grids, ten-household units) and before the grid roster (party
members must be residents on file).

Keys: a household by its grid and its address (the key the roster import's 党员联户 uses); a
resident by the ID number when given, otherwise by the household and the name (a resident on
file without an ID number is found again when the ID number is added later: never a duplicate).

What is stored looks like what the console makes (``db/demo/org.py``): tags are the
comma-separated codes of ``RESIDENT_TAGS`` (``elderly_alone,disabled``; empty: NULL), read by
``db.queries.mediation`` (三扶 special groups); phones in the canonical form
(``db.services.roster.clean_phone``); gender 男/女; a household's tags are its own and those of
its residents (as the demo's are); its size, when the file leaves it empty, is the number of its
residents after the import; its phone, when left empty, is the phone of its head (or of the
first of its residents with one). "After the import": the residents in the file and those on
file that the file does not name.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from db.models import Grid, Household, Resident, TenHouseholdUnit, Village
from db.models.base import utcnow
from db.models.org import RESIDENT_TAGS
from db.rules.roster import clean_name, normalize_id_number, parse_yes_no
from db.rules.sla import to_local
from db.rules.text import clean_text, id_check_digit
from db.scope import ALL_TOWNSHIPS
from db.services.imports.base import Col, Context, RowCheck, Sheet, Spec, duplicates, folded, text, upsert
from db.services.roster import clean_phone

RELATIONS = ("户主", "配偶", "子女", "父母", "孙子女", "兄弟姐妹", "其他")
# finer wordings of a 户口簿 (and of the console's own demo data), accepted as written
RELATIONS_ALSO = ("儿子", "女儿", "父亲", "母亲", "孙子", "孙女", "儿媳", "女婿", "兄弟", "姐妹")
GENDERS = {"男": "男", "女": "女"}
ADDRESS_MAX, HEAD_MAX, UNIT_NAME_MAX, SIZE_MAX = 200, 30, 60, 30
CHUNK = 900  # SQLite's parameter cap
_TAG_SPLIT = re.compile(r"[、,;；，/\s]+")

_EXAMPLE_ID = "11010119800101001" + id_check_digit("11010119800101001")
_TAG_HELP = "可填多个，用顿号“、”或逗号分隔：" + "、".join(RESIDENT_TAGS.values()) + "。"

HOUSEHOLDS = Sheet(
    "住户",
    (
        Col(
            "所在网格编码",
            "本乡镇已有的网格编码（先导入“组织架构”模板）。",
            "SMJ-01-G01",
            True,
            options="grids",
            width=18,
        ),
        Col(
            "户地址", "与网格编码一起识别一户，同一网格内不重复，如 东湖村一组12号。", "东湖村一组12号", True, width=26
        ),
        Col("户主姓名", "与“居民”表中关系为“户主”的居民姓名一致。", "王建国", True, width=12),
        Col(
            "联系电话",
            "手机号或带区号的固定电话；留空时取户主（或该户第一位有电话的居民）的电话。",
            "13912345678",
            width=16,
        ),
        Col(
            "十户单元",
            "本网格已有的十户单元名称（在“组织架构”模板的“十户单元”表中建立）；不属于十户单元的户留空。",
            "东湖村一组第1十户",
            width=20,
        ),
        Col("特殊群体", "户的特殊群体（如 困难家庭），" + _TAG_HELP + "该户居民的特殊群体会自动并入。", None, width=20),
        Col("家庭人口", f"1至{SIZE_MAX}的整数；留空时按该户居民人数计算。", 3, width=10),
    ),
    "按“所在网格编码 + 户地址”识别：已有则更新，否则新建",
)

RESIDENTS = Sheet(
    "居民",
    (
        Col("所在网格编码", "居民所在户的网格编码。", "SMJ-01-G01", True, options="grids", width=18),
        Col("户地址", "须为本文件“住户”表中的户或系统中已有的户。", "东湖村一组12号", True, width=26),
        Col("姓名", "居民姓名。", "王建国", True, width=12),
        Col("身份证号", "18位，全县不重复；可留空（留空时按“户 + 姓名”识别，性别须填写）。", _EXAMPLE_ID, width=22),
        Col("性别", "男或女；留空时按身份证号推算。", "男", choices=tuple(GENDERS), width=8),
        Col("出生年份", "四位年份；留空时按身份证号推算，填写时须与身份证号一致。", 1980, width=10),
        Col("联系电话", "手机号或带区号的固定电话。", "13912345678", width=16),
        Col(
            "与户主关系",
            "户主、配偶、子女、父母、孙子女、兄弟姐妹或其他；每户一名户主。",
            "户主",
            choices=RELATIONS,
            width=12,
        ),
        Col("特殊群体", _TAG_HELP, None, width=20),
        Col(
            "是否十户长",
            "填“是”则为其所在户所属十户单元的十户长（每个单元一人）；留空或“否”不改动已有的十户长。",
            "否",
            choices=("是", "否"),
            width=10,
        ),
    ),
    "有身份证号的按身份证号识别，否则按“所在网格编码 + 户地址 + 姓名”识别：已有则更新，否则新建",
)

CHIEFS = "十户长"  # the counts' name for the units whose chief the file sets

SPEC = Spec(
    "households",
    "住户与居民",
    "roster.import",
    (HOUSEHOLDS, RESIDENTS),
    notes=(
        "导入顺序：先“组织架构”（村、网格、十户单元），再本文件，再网格花名册（网格员、党员及联户）。",
        "特殊群体："
        + "、".join(RESIDENT_TAGS.values())
        + "；户的特殊群体为“住户”表所填加上该户居民（本文件中的和系统中已有的）的特殊群体。",
        "身份证号已登记为其他乡镇居民的，不能导入（同一人全县只登记一次）。",
        "空白的选填列会清空系统中的原值（身份证号除外：已登记的身份证号不会因留空而清除）。",
    ),
)


# --------------------------------------------------------------------------- cells


def _grid_code(row: RowCheck, column: str) -> str | None:
    value = folded(row.text(column))
    return value.upper() if value else None


def _address(row: RowCheck) -> str | None:
    return row.clean("户地址", lambda v: clean_text(v, "户地址", max_len=ADDRESS_MAX, required=True))


def _tags(row: RowCheck, column: str = "特殊群体") -> list[str] | None:
    """The codes of the labels (or codes) in the cell; None when one is unknown (reported)."""
    raw = text(row.values.get(column))
    if raw is None:
        return []
    by_word = {**{label: code for code, label in RESIDENT_TAGS.items()}, **{c: c for c in RESIDENT_TAGS}}
    codes, unknown = set(), []
    for part in _TAG_SPLIT.split(raw):
        if not part:
            continue
        if part in by_word:
            codes.add(by_word[part])
        else:
            unknown.append(part)
    if unknown:
        row.bad(
            column, "“" + "、".join(unknown)[:60] + "”不是特殊群体，可填：" + "、".join(RESIDENT_TAGS.values()) + "。"
        )
        return None
    return [c for c in RESIDENT_TAGS if c in codes]


def _joined(codes: list[str] | set[str]) -> str | None:
    """Tags as stored: the codes in RESIDENT_TAGS order, comma-separated; NULL when none."""
    return ",".join(c for c in RESIDENT_TAGS if c in codes) or None


def _relation(row: RowCheck) -> str | None:
    raw = text(row.values.get("与户主关系"))
    if raw is None or raw in RELATIONS or raw in RELATIONS_ALSO:
        return raw
    row.bad("与户主关系", f"“{raw[:20]}”不是可选值，请填 " + " / ".join(RELATIONS) + "。")
    return None


def _from_id(ident: str) -> tuple[str, int]:
    """(gender, birth year) as the ID number says (GB 11643: the 17th digit odd for men)."""
    return ("男" if int(ident[16]) % 2 else "女"), int(ident[6:10])


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[k : k + CHUNK] for k in range(0, len(values), CHUNK)]


# --------------------------------------------------------------------------- check


def check(ctx: Context, sheets: dict[str, list[tuple[int, dict[str, Any]]]]) -> dict[str, Any]:
    s, town = ctx.s, ctx.township_id
    hh_rows, res_rows = sheets.get(HOUSEHOLDS.name, []), sheets.get(RESIDENTS.name, [])
    total = max(1, len(hh_rows) + len(res_rows))
    grids = dict(
        s.execute(
            select(Grid.code, Grid.id).join(Village, Village.id == Grid.village_id).where(Village.township_id == town)
        ).all()
    )
    units: dict[tuple[int, str], list[TenHouseholdUnit]] = defaultdict(list)
    for unit in s.scalars(
        select(TenHouseholdUnit)
        .join(Grid, Grid.id == TenHouseholdUnit.grid_id)
        .join(Village, Village.id == Grid.village_id)
        .where(Village.township_id == town)
    ):
        units[(unit.grid_id, unit.name)].append(unit)
    on_file: dict[tuple[int, str], list[Household]] = defaultdict(list)
    for hh in s.scalars(
        select(Household)
        .join(Grid, Grid.id == Household.grid_id)
        .join(Village, Village.id == Grid.village_id)
        .where(Village.township_id == town)
    ):
        on_file[(hh.grid_id, hh.address)].append(hh)

    def grid_of(row: RowCheck, code: str | None) -> int | None:
        if code and code not in grids:
            row.bad("所在网格编码", f"本乡镇没有编码为“{code[:30]}”的网格，请先导入“组织架构”模板。")
        return grids.get(code) if code else None

    # ---- 住户
    households: dict[tuple[int, str], dict[str, Any]] = {}  # (grid id, address) -> the planned household
    attempted: set[tuple[str, str]] = set()  # (grid code, address) of every 住户 row, bad ones too
    keyed: list[tuple[int, Any]] = []
    for i, (number, values) in enumerate(hh_rows):
        if i and i % 1000 == 0:
            ctx.tick(0.1 + 0.2 * i / total, f"检查住户（{i}/{len(hh_rows)}）……")
        row = RowCheck(ctx, HOUSEHOLDS, number, values)
        code = _grid_code(row, "所在网格编码")
        address = _address(row)
        head = row.clean("户主姓名", lambda v: clean_name(v, "户主姓名", max_len=HEAD_MAX))
        phone = row.clean("联系电话", lambda v: clean_phone(v, "联系电话"))
        unit_name = row.clean("十户单元", lambda v: clean_name(v, "十户单元", max_len=UNIT_NAME_MAX, required=False))
        tags = _tags(row)
        size = row.integer("家庭人口", 1, SIZE_MAX)
        gid = grid_of(row, code)
        if code and address:
            attempted.add((code, address))
        keyed.append((number, (code, address) if code and address else None))
        unit_id = None
        if gid is not None and unit_name:
            found = units.get((gid, unit_name), [])
            if not found:
                row.bad(
                    "十户单元",
                    f"网格“{code}”中没有名为“{unit_name}”的十户单元，请先在“组织架构”模板的“十户单元”表中填写并导入。",
                )
            elif len(found) > 1:
                row.bad(
                    "十户单元", f"网格“{code}”中有多个名为“{unit_name}”的十户单元，无法确定是哪一个，请先在系统中核对。"
                )
            else:
                unit_id = found[0].id
        existing = on_file.get((gid, address), []) if gid is not None and address else []
        if len(existing) > 1:
            assert address is not None  # only then is anything on file
            row.bad(
                "户地址", f"系统中网格“{code}”有多户地址为“{address[:60]}”的户，无法确定是哪一户，请先在系统中核对。"
            )
        if row.ok and (gid, address) not in households:
            # required columns, and a known grid: a row without them is not ok
            assert gid is not None and address is not None
            households[(gid, address)] = {
                "number": number,
                "code": code,
                "record": existing[0] if existing else None,
                "values": {
                    "grid_id": gid,
                    "unit_id": unit_id,
                    "address": address,
                    "head_name": head,
                    "phone": phone,
                    "size": size,
                    "tags": tags,
                },
                "residents": [],
            }
    duplicates(ctx, HOUSEHOLDS, keyed, "所在网格编码和户地址")

    # ---- 居民: each cell first
    this_year = to_local(utcnow()).year
    parsed: list[dict[str, Any]] = []
    for i, (number, values) in enumerate(res_rows):
        if i and i % 1000 == 0:
            ctx.tick(0.1 + 0.2 * (len(hh_rows) + i) / total, f"检查居民（{i}/{len(res_rows)}）……")
        row = RowCheck(ctx, RESIDENTS, number, values)
        code = _grid_code(row, "所在网格编码")
        address = _address(row)
        name = row.clean("姓名", lambda v: clean_name(v, "姓名"))
        ident = row.clean("身份证号", lambda v: normalize_id_number(v))
        gender = row.choice("性别", GENDERS)
        born = row.integer("出生年份", 1900, this_year)
        phone = row.clean("联系电话", lambda v: clean_phone(v, "联系电话"))
        relation = _relation(row)
        tags = _tags(row)
        chief = row.clean("是否十户长", lambda v: parse_yes_no(v, "是否十户长", "chief") if v else False)
        gid = grid_of(row, code)
        hkey = (gid, address) if gid is not None and address else None
        household: Any = None
        if hkey is not None:
            assert address is not None  # hkey is set only with an address
            if hkey in households:
                household = households[hkey]
            elif (code, address) in attempted:
                row.ok = False  # the household's own row is wrong: reported there
            else:
                homes = on_file.get(hkey, [])
                if not homes:
                    row.bad("户地址", f"网格“{code}”中没有地址为“{address[:60]}”的户：请在“住户”表中填写该户。")
                elif len(homes) > 1:
                    row.bad(
                        "户地址",
                        f"系统中网格“{code}”有多户地址为“{address[:60]}”的户，无法确定是哪一户，请先在系统中核对。",
                    )
                else:
                    household = homes[0]
        if ident:
            id_gender, id_year = _from_id(ident)
            if gender and gender != id_gender:
                row.bad("性别", f"与身份证号不符（身份证号显示为{id_gender}性）。")
            if born and born != id_year:
                row.bad("出生年份", f"与身份证号不符（身份证号显示出生于{id_year}年）。")
        parsed.append(
            {
                "row": row,
                "number": number,
                "hkey": hkey,
                "household": household,
                "name": name,
                "ident": ident,
                "no_id": text(values.get("身份证号")) is None,
                "gender": gender,
                "born": born,
                "phone": phone,
                "relation": relation,
                "tags": tags,
                "chief": chief,
            }
        )

    duplicates(ctx, RESIDENTS, [(p["number"], p["ident"]) for p in parsed], "身份证号")
    same_name: dict[tuple[Any, str], list[dict[str, Any]]] = defaultdict(list)
    for p in parsed:
        if p["hkey"] is not None and p["name"]:
            same_name[(p["hkey"], p["name"])].append(p)
    for group in same_name.values():
        if len(group) > 1 and any(p["no_id"] for p in group):
            for p in group[1:]:
                p["row"].bad(
                    "姓名",
                    f"与第{group[0]['number']}行同户同名，且未都填写身份证号，无法区分是否为同一人；请填写身份证号。",
                )

    # ---- 居民: the records on file (by ID number, county-wide for the refusal; by household)
    rows_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in parsed:
        if p["ident"]:
            rows_of[p["ident"]].append(p)
    idents = sorted(rows_of)
    mine: list[int] = []
    for chunk in _chunks(idents):
        for rid, ident, rtown in s.execute(
            select(Resident.id, Resident.id_number, Village.township_id)
            .join(Household, Household.id == Resident.household_id)
            .join(Grid, Grid.id == Household.grid_id)
            .join(Village, Village.id == Grid.village_id)
            .where(Resident.id_number.in_(chunk))
            .execution_options(**ALL_TOWNSHIPS)
        ):
            if rtown == town:
                mine.append(rid)
            else:
                assert ident is not None  # matched by the IN (...) above
                for p in rows_of[ident]:
                    p["row"].bad("身份证号", "该身份证号已登记为其他乡镇的居民，同一人全县只能登记一次。")
    held = {p["household"].id for p in parsed if isinstance(p["household"], Household)}
    held |= {h["record"].id for h in households.values() if h["record"] is not None}
    residents: dict[int, Resident] = {}
    for chunk in _chunks(mine):
        residents.update((r.id, r) for r in s.scalars(select(Resident).where(Resident.id.in_(chunk))))
    for chunk in _chunks(sorted(held)):
        residents.update((r.id, r) for r in s.scalars(select(Resident).where(Resident.household_id.in_(chunk))))
    by_id = {r.id_number: r for r in residents.values() if r.id_number}
    by_home: dict[tuple[int, str], list[Resident]] = defaultdict(list)
    for r in sorted(residents.values(), key=lambda r: r.id):
        by_home[(r.household_id, r.name)].append(r)

    def home_id(p: dict[str, Any]) -> int | None:
        h = p["household"]
        if isinstance(h, Household):
            return h.id
        return h["record"].id if h and h["record"] is not None else None

    claimed: set[int] = set()
    for p in parsed:  # by ID number first, so no row takes a record another row names by its ID
        if p["ident"] and p["ident"] in by_id:
            p["record"] = by_id[p["ident"]]
            claimed.add(p["record"].id)
    for p in parsed:
        if "record" in p:
            continue
        p["record"] = None
        hid = home_id(p)
        if hid is None or not p["name"]:
            continue
        candidates = [
            r
            for r in by_home.get((hid, p["name"]), [])
            if r.id not in claimed and (p["ident"] is None or r.id_number is None)
        ]
        if p["ident"] is None and len(candidates) > 1:
            p["row"].bad("身份证号", f"系统中该户有{len(candidates)}名叫“{p['name']}”的居民，请填写身份证号以区分。")
        elif candidates:
            p["record"] = candidates[0]
            claimed.add(candidates[0].id)

    # ---- 居民: the values, the head, the chiefs
    heads: dict[Any, dict[str, Any]] = {}
    chiefs: dict[int, dict[str, Any]] = {}  # unit id -> the row naming its chief
    unit_by_id = {u.id: u for found in units.values() for u in found}
    plan_residents: list[dict[str, Any]] = []
    for p in parsed:
        row, rec = p["row"], p["record"]
        ident = p["ident"] or (rec.id_number if rec is not None else None)
        gender, born = p["gender"], p["born"]
        if ident:
            id_gender, id_year = _from_id(ident)
            if p["ident"] is None and gender and gender != id_gender:
                row.bad("性别", f"与系统中该居民的身份证号不符（身份证号显示为{id_gender}性）。")
            if p["ident"] is None and born and born != id_year:
                row.bad("出生年份", f"与系统中该居民的身份证号不符（身份证号显示出生于{id_year}年）。")
            gender, born = gender or id_gender, born or id_year
        elif gender is None and p["no_id"]:
            row.bad("性别", "未填身份证号时，性别必填。")
        h = p["household"]
        if h is not None and p["relation"] == "户主" and p["name"]:
            key = p["hkey"]
            head_name = h["values"]["head_name"] if isinstance(h, dict) else h.head_name
            where = f"（“住户”表第{h['number']}行）" if isinstance(h, dict) else "（系统中）"
            if key in heads:
                row.bad("与户主关系", f"与第{heads[key]['number']}行同为该户的户主，每户只能有一名户主。")
            elif head_name and head_name != p["name"]:
                row.bad(
                    "与户主关系",
                    f"该户的户主姓名为“{head_name}”{where}，与本行姓名“{p['name']}”不一致；"
                    "请核对户主姓名或与户主关系。",
                )
            heads.setdefault(key, p)
        if p["chief"] and h is not None:
            unit_id = h["values"]["unit_id"] if isinstance(h, dict) else h.unit_id
            if unit_id is None:
                row.bad(
                    "是否十户长",
                    "该户不属于任何十户单元，不能标为十户长（请在“住户”表的“十户单元”列填写该户所属单元）。",
                )
            elif unit_id in chiefs:
                row.bad(
                    "是否十户长",
                    f"与第{chiefs[unit_id]['number']}行同属十户单元“{unit_by_id[unit_id].name}”，"
                    "每个十户单元只能有一名十户长。",
                )
            else:
                chiefs[unit_id] = p
        if not row.ok:
            continue
        values = {
            "name": p["name"],
            "gender": gender,
            "birth_year": born,
            "phone": p["phone"],
            "relation": p["relation"],
            "tags": _joined(p["tags"]),
        }
        if p["ident"]:
            values["id_number"] = p["ident"]
        planned = {
            "number": p["number"],
            "record": rec,
            "household": h,
            "values": values,
            "unit_id": None,
            "phone": p["phone"],
            "tags": p["tags"],
            "head": p["relation"] == "户主",
        }
        if p["chief"]:
            planned["unit_id"] = h["values"]["unit_id"] if isinstance(h, dict) else h.unit_id
        if isinstance(h, dict):
            h["residents"].append(planned)
        plan_residents.append(planned)

    # ---- the households' derived values: size, phone, tags, from its residents after the import (those
    # of the file and those on file the file does not name)
    named = {p["record"].id for p in parsed if p["record"] is not None}
    staying: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in sorted(residents.values(), key=lambda r: r.id):
        if r.id not in named:
            staying[r.household_id].append(
                {
                    "phone": r.phone,
                    "head": r.relation == "户主",
                    "tags": [t for t in (r.tags or "").split(",") if t in RESIDENT_TAGS],
                }
            )
    plan_households = []
    for h in households.values():
        values = h["values"]
        members = h["residents"] + (staying.get(h["record"].id, []) if h["record"] is not None else [])
        if values["size"] is None:
            values["size"] = max(1, len(members))
        if values["phone"] is None:
            ordered = [m for m in members if m["head"]] + [m for m in members if not m["head"]]
            values["phone"] = next((m["phone"] for m in ordered if m["phone"]), None)
        codes = set(values["tags"] or [])
        for m in members:
            codes.update(m["tags"] or [])
        values["tags"] = _joined(codes)
        plan_households.append(h)
    ctx.tick(0.45, "检查完成")
    return {"households": plan_households, "residents": plan_residents, "units": unit_by_id}


# --------------------------------------------------------------------------- write


def write(ctx: Context, plan: dict[str, Any]) -> dict[str, dict[str, int]]:
    total = max(1, len(plan["households"]) + len(plan["residents"]))
    for i, h in enumerate(plan["households"]):
        if i and i % 1000 == 0:
            ctx.tick(0.5 + 0.45 * i / total, f"写入住户（{i}/{len(plan['households'])}）……")
        h["saved"] = upsert(ctx, HOUSEHOLDS.name, h["record"], Household, h["values"], "household", "household")
    chiefs: dict[int, int] = {}
    for i, r in enumerate(plan["residents"]):
        if i and i % 1000 == 0:
            ctx.tick(0.5 + 0.45 * (len(plan["households"]) + i) / total, f"写入居民（{i}/{len(plan['residents'])}）……")
        h = r["household"]
        values = {**r["values"], "household_id": h["saved"].id if isinstance(h, dict) else h.id}
        saved = upsert(
            ctx, RESIDENTS.name, r["record"], lambda: Resident(is_party_member=False), values, "resident", "resident"
        )
        if r["unit_id"] is not None:
            chiefs[r["unit_id"]] = saved.id
    for unit_id, resident_id in chiefs.items():
        upsert(
            ctx,
            CHIEFS,
            plan["units"][unit_id],
            TenHouseholdUnit,
            {"chief_resident_id": resident_id},
            "ten_household_unit",
            "ten_household_unit",
        )
    return ctx.counts


__all__ = ["HOUSEHOLDS", "RESIDENTS", "SPEC", "check", "write"]
