"""Hostile and random input at every service of the new modules (issue #9).

Roster edits and the Excel import, grid events and work logs, mediation, the four platforms'
cases and records, and the order steps after intake (intake itself is covered by
``test_orders_hostile_input.py``). The strings are very long, control and format characters,
HTML and script, SQL fragments, markdown, emoji, full-width digits; numbers are huge,
negative, strings or booleans; photos are random or truncated bytes; workbooks carry formulas,
wrong cell types and empty rows. Every attempt must end in either

- a saved, valid record (stored text free of control characters, phones and ID numbers in
  their canonical form), or
- a ``db.errors.ValidationError`` with a Chinese message and the database exactly as before
  (a digest of the touched tables, the counter table and the audit log),

never another exception and never a partial write. Everything runs on SQLite (module-scoped
worlds, so examples accumulate like real use); one or two representative services per module
also run on PostgreSQL with fewer examples. A saved record must also survive the module's Office
export. Finally, one page per module (AppTest, on a small world of this file) shows a record
saved with HTML/script/markdown in its text, which must render as inert text.

Defects found are kept as explicit ``@example``s (fixed since; each test's docstring or
comment says what broke). Run statistics: ``pytest --hypothesis-show-statistics``
(events ``saved`` / ``refused``); ``GOV_HOSTILE_SCALE=10`` multiplies every example count for a
deeper run by hand.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import os
import re
import shutil
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, select

from db.engine import make_engine, read_session, write_session
from db.errors import ValidationError
from db.models import AuditLog, Base, GridStaff, PartyMember, Resident, VillageScreening
from db.models.base import utcnow
from db.models.grid_work import EVENT_RATINGS, EVENT_TYPES, GridEvent, GridEventPhoto, GridEventStep, WorkLog
from db.models.mediation import (
    CASE_KINDS,
    CASE_LEVELS,
    DISPUTE_TYPES,
    RISK_COLOURS,
    MediationCase,
    MediationParty,
    MediationStep,
)
from db.models.orders import SATISFACTION, URGENCIES, WorkOrder, WorkOrderEvent
from db.models.platforms import (
    CASE_SOURCES as PLATFORM_SOURCES,
)
from db.models.platforms import (
    ENFORCEMENT_KINDS,
    INSPECTION_KINDS,
    SERVICE_CHANNELS,
    AnalysisMeeting,
    EnforcementReport,
    FloatingResident,
    Inspection,
    PlatformCase,
    PlatformCaseEvent,
    ServiceItem,
    ServiceRequest,
    VillageReportCheck,
)
from db.permissions import Actor
from db.rules import photo as photo_rules
from db.rules.roster import id_check_digit
from db.rules.sla import local_to_utc, to_local
from db.services import grid_events as ge
from db.services import mediation as med
from db.services import orders, platforms, users
from db.services import roster as roster_svc
from db.services import roster_io as rio
from db.services.mediation import CaseInput, PartyInput
from tests.factories.images import FAKE_JPEG, JPEG, PNG, WEBP, png_header_only
from tests.factories.mediation import build_world as build_mediation_world
from tests.factories.orders import PW, intake
from tests.factories.orders import build_world as build_order_world
from tests.factories.platforms import build_pworld
from tests.factories.roster import RW, ident
from tests.factories.roster import build as build_roster

# --------------------------------------------------------------------------- strategies

SAMPLES = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE grid_event; --",
    "' OR '1'='1",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "%s%n%x",
    "[点我](javascript:alert(1))",
    "![](http://tracker.invalid/x.png)",
    "**粗体** _斜体_ `code`",
    ":red[红字] $x^2$ # 标题",
    "| a | b |",
    "😀🙏🏻👨‍👩‍👧",
    "１３８１２３４５６７８",
    "４１１７２６１９９００１０１１２３４",
    "A" * 5000,
    "王" * 31,
    "王" * 201,
    "\x00\x01\x02",
    "\u202e反转文字",
    "\ufeff带BOM",
    "\u200b",
    "　全角空格　",
    "=cmd|' /C calc'!A0",
    "第一行\n第二行\r\n第三行",
    "\u2028分隔\u2029",
    "\t制表\t",
    "NULL",
    "None",
    "0",
    "-1",
    "9" * 30,
    "1e308",
    "NaN",
    "inf",
    "\\",
    "'",
    '"',
    " ",
    "",
    "\U0001d54f\U0001f600",
    "ﷺ" * 10,
    "\u0301\u0301\u0301",
]
HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=50),
    st.sampled_from(SAMPLES),
)


def hostile_or(*valid: Any, p: int = 70, hostile: st.SearchStrategy | None = None) -> st.SearchStrategy:
    """A valid value ``p`` % of the time, anything hostile otherwise (with several hostile fields
    in one call, a record would otherwise almost never get through)."""
    return st.integers(0, 99).flatmap(lambda n: st.sampled_from(valid) if n < p else (hostile or HOSTILE))


def optional(*valid: Any) -> st.SearchStrategy:
    return st.one_of(st.none(), hostile_or(*valid))


NUMBERISH = st.one_of(
    st.integers(-(10**6), 10**6),
    st.integers(),
    HOSTILE,
    st.sampled_from(
        [
            None,
            True,
            False,
            3.0,
            2.5,
            float("nan"),
            float("inf"),
            "5",
            " 12 ",
            "１２",
            "1_0",
            "+3",
            "-5",
            "0x10",
            "1e3",
            "٣",
        ]
    ),
)


SCALE = float(os.environ.get("GOV_HOSTILE_SCALE", "1"))  # e.g. 10 for a deeper run by hand


def cfg(n: int):
    return settings(
        max_examples=max(1, round(n * SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def only_explicit():
    return settings(phases=[Phase.explicit], deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# --------------------------------------------------------------------------- checks

_CTRL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\n\r\t\u2028\u2029]")
_MOBILE_OR_FIXED = re.compile(r"(1\d{10}|0\d{2,3}-\d{5,8})", re.ASCII)
_ID18 = re.compile(r"\d{17}[\dX]", re.ASCII)


def chinese(message: str) -> bool:
    return bool(message) and any("\u4e00" <= ch <= "\u9fff" for ch in message)


def clean(text: str | None, multiline: bool = False, max_len: int | None = None) -> None:
    """What a service stored: no control characters (line breaks and tabs only in multi-line
    text), no surrounding white space, within its length."""
    if text is None:
        return
    assert not _CTRL.search(text), repr(text)
    if not multiline:  # multi-line text keeps \n, \t and the Unicode line/paragraph separators
        assert not _LINE_BREAKS.search(text), repr(text)
    assert "\r" not in text, repr(text)
    assert text == text.strip(), repr(text)
    if max_len is not None:
        assert len(text) <= max_len, len(text)


def canonical_phone(phone: str | None) -> None:
    assert phone is None or _MOBILE_OR_FIXED.fullmatch(phone), phone


def canonical_id(number: str | None, checksum: bool = False) -> None:
    if number is None:
        return
    assert _ID18.fullmatch(number), number
    if checksum:
        assert id_check_digit(number[:17]) == number[17], number


def digest(engine, tables: Iterable[str]) -> str:
    """Every row of ``tables`` (ordered by key) and the audit log's size and last id."""
    h = hashlib.sha256()
    with read_session(engine) as s:
        for name in [*tables, "counter"]:
            table = Base.metadata.tables[name]
            for row in s.execute(select(table).order_by(*table.primary_key.columns)):
                for v in row:
                    h.update(bytes(v) if isinstance(v, (bytes, memoryview)) else repr(v).encode())
                    h.update(b"\x1f")
                h.update(b"\x1e")
        h.update(
            repr(tuple(s.execute(select(func.count(), func.max(AuditLog.id)).select_from(AuditLog)).one())).encode()
        )
    return h.hexdigest()


def attempt(engine, tables: Iterable[str], fn: Callable[[], Any], writes: bool = True) -> Any:
    """Run ``fn``: a ValidationError (Chinese, nothing written) gives None; anything else but a
    result fails the test. A result must have written something (unless ``writes`` is False)."""
    tables = list(tables)
    before = digest(engine, tables)
    try:
        out = fn()
    except ValidationError as exc:
        assert chinese(exc.message), repr(exc.message)
        assert digest(engine, tables) == before, f"refused ({exc.message}) yet the database changed"
        event("refused")
        return None
    if writes:
        assert digest(engine, tables) != before, "reported success yet nothing was written"
    event("saved")
    return out


_WORLDS: dict[tuple[int, str], tuple[Any, Any]] = {}
_SEQ = itertools.count(400)


def world_of(engine, build: Callable[[Any], Any]) -> Any:
    """``build(engine)`` once per database: the explicit examples of one test share its engine."""
    key = (id(engine), build.__name__)
    if key not in _WORLDS or _WORLDS[key][0] is not engine:
        _WORLDS[key] = (engine, build(engine))
    return _WORLDS[key][1]


def no_crash(fn: Callable[[], Any]) -> Any:
    """``fn()``; an exception other than a ValidationError (or a failed assert) fails the test with
    its type and message only. (Rendering the traceback of an exception raised inside lxml or expat
    under Hypothesis trips CPython 3.11.7's "AST constructor recursion depth mismatch" in pytest's
    reporter, an INTERNALERROR that would end the whole session.)"""
    try:
        return fn()
    except (ValidationError, AssertionError):
        raise
    except Exception as exc:  # noqa: BLE001 - that is the point
        pytest.fail(f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}", pytrace=False)


# --------------------------------------------------------------------------- worlds


@pytest.fixture(scope="module")
def fresh(sqlite_template, tmp_path_factory):
    """A factory of engines on fresh migrated SQLite files (a copy of the session template)."""
    engines = []

    def make(name: str):
        path = tmp_path_factory.mktemp(name) / "h.db"
        shutil.copyfile(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture(scope="module")
def rw(fresh) -> RW:
    return build_roster(fresh("roster"))


@pytest.fixture
def rw_pg(pg_engine) -> RW:
    return build_roster(pg_engine)


T_ORD = local_to_utc(datetime(2025, 3, 3, 9, 0))  # orders, grid events, platforms: Monday 3 March 2025
TODAY_ORD = date(2025, 3, 3)
T_MED = local_to_utc(datetime(2026, 3, 2, 9, 0))  # mediation: Monday 2 March 2026
TODAY_MED = date(2026, 3, 2)


@dataclass
class GW:
    """The orders world plus grid staff: a grid worker of grid 1 with a login."""

    w: Any
    grid: Actor
    staff: int
    chief: int

    @property
    def engine(self):
        return self.w.engine


def build_grid_world(engine) -> GW:
    w = build_order_world(engine)
    uid = users.create_user(engine, w.admin, username="grid1", display_name="网格员甲", role="grid", password=PW)
    with write_session(engine) as s:
        s1 = GridStaff(grid_id=w.grid, name="网格员甲", phone="13900001111", staff_role="worker", user_id=uid)
        s3 = GridStaff(grid_id=w.grid, name="网格长丙", staff_role="chief")
        s.add_all([s1, s3])
        s.flush()
        ids = (s1.id, s3.id)
    return GW(w, Actor(uid, "grid1", "grid", "网格员甲"), *ids)


@pytest.fixture(scope="module")
def gw(fresh) -> GW:
    return build_grid_world(fresh("grid"))


@pytest.fixture
def gw_pg(pg_engine) -> GW:
    return build_grid_world(pg_engine)


@pytest.fixture(scope="module")
def ow(fresh):
    return build_order_world(fresh("orders"))


@pytest.fixture
def ow_pg(pg_engine):
    return build_order_world(pg_engine)


@pytest.fixture(scope="module")
def mw(fresh):
    return build_mediation_world(fresh("mediation"))


@pytest.fixture
def mw_pg(pg_engine):
    return build_mediation_world(pg_engine)


def build_platform_world(engine):
    pw = build_pworld(engine)
    uid = users.create_user(
        engine,
        pw.admin,
        username="bmofficer",
        display_name="郑便民",
        role="platform",
        password=PW,
        platform_id=pw.p["bianmin"],
    )
    pw.bianmin = Actor(uid, "bmofficer", "platform", "郑便民", platform_id=pw.p["bianmin"])
    pw.item = platforms.save_service_item(engine, pw.bianmin, code="FW000", name="社保卡补办", now=T_ORD)["id"]
    return pw


@pytest.fixture(scope="module")
def pw(fresh):
    return build_platform_world(fresh("platforms"))


@pytest.fixture
def pw_pg(pg_engine):
    return build_platform_world(pg_engine)


# =========================================================================== roster: edits

STAFF = dict(
    name=hostile_or("孙新人", "欧阳娜娜", "阿卜杜热西提·买买提", " 王 小 二 ", p=80),
    phone=hostile_or(
        "139 0000 4444", "+86 139-0000-5555", "0396-7654321", "１３９００００６６６６", "(0396)7654321", p=80
    ),
    id_number=st.integers(0, 99).flatmap(
        lambda n: (
            HOSTILE
            if n >= 80
            else st.integers(200, 999).map(
                lambda k: ident(k, 1992) if n % 2 else ident(k, 1992).lower().replace("", " ").strip()
            )
        )
    ),
    staff_role=hostile_or("worker", "chief", p=85),
    employment=hostile_or("full", "part", p=85),
    update=st.booleans(),
)


def _staff(rw: RW, name, phone, id_number, staff_role, employment, update) -> None:
    i = roster_svc.StaffInput(
        grid_id=rw.grid2,
        name=name,
        phone=phone,
        id_number=id_number,
        staff_role=staff_role,
        employment=employment,
        active=True,
    )
    if update:
        with read_session(rw.engine) as s:
            target = s.get(GridStaff, rw.staff)
            version = target.version
        call = lambda: roster_svc.save_staff(rw.engine, rw.admin, i, staff_id=rw.staff, version=version)  # noqa: E731
    else:
        call = lambda: roster_svc.save_staff(rw.engine, rw.admin, i)  # noqa: E731
    out = attempt(rw.engine, ["grid_staff"], call)
    if out is not None:
        with read_session(rw.engine) as s:
            row = s.get(GridStaff, out["id"])
            clean(row.name, max_len=30)
            canonical_phone(row.phone)
            canonical_id(row.id_number, checksum=True)
            assert row.staff_role in ("worker", "chief") and row.employment in ("full", "part")


@cfg(100)
@given(**STAFF)
def test_roster_staff_saves_or_refuses_cleanly(rw, **kw):
    _staff(rw, **kw)


@cfg(20)
@given(**STAFF)
def test_roster_staff_on_postgresql(rw_pg, **kw):
    _staff(rw_pg, **kw)


@cfg(60)
@given(
    name=hostile_or("张二", "张 二"),
    phone=optional("13812340001", "0396 765 4321"),
    joined_on=st.one_of(st.none(), st.dates(date(1800, 1, 1), date(2100, 1, 1))),
    zone=st.booleans(),
    team=st.booleans(),
)
def test_roster_party_member_update(rw, name, phone, joined_on, zone, team):
    with read_session(rw.engine) as s:
        version = s.get(PartyMember, rw.member2).version
    p = roster_svc.PartyInput(
        name=name,
        phone=phone,
        grid_id=rw.grid,
        zone_id=rw.zone if zone else None,
        team_id=rw.team if team else None,
        joined_on=joined_on,
        active=True,
    )
    out = attempt(
        rw.engine, ["party_member"], lambda: roster_svc.update_party_member(rw.engine, rw.admin, rw.member2, version, p)
    )
    if out is not None:
        with read_session(rw.engine) as s:
            m = s.get(PartyMember, rw.member2)
            clean(m.name, max_len=30)
            canonical_phone(m.phone)
            assert m.joined_on is None or date(1921, 1, 1) <= m.joined_on <= date.today()


@cfg(40)
@given(
    id_number=st.one_of(st.integers(3, 10).map(ident), st.integers(3, 10).map(lambda n: " ".join(ident(n))), HOSTILE),
    name=hostile_or("张三", "张某"),
    phone=optional("13812340003"),
)
def test_roster_party_member_create(rw, id_number, name, phone):
    p = roster_svc.PartyInput(
        name=name, phone=phone, grid_id=None, zone_id=None, team_id=None, joined_on=None, active=True
    )
    out = attempt(
        rw.engine,
        ["party_member", "resident"],
        lambda: roster_svc.create_party_member(rw.engine, rw.admin, id_number, p),
    )
    if out is not None:
        with read_session(rw.engine) as s:
            m = s.get(PartyMember, out["id"])
            clean(m.name, max_len=30)
            canonical_phone(m.phone)
            assert s.get(Resident, m.resident_id).is_party_member


@cfg(80)
@given(
    delta=st.integers(0, 9).flatmap(
        lambda n: st.integers(-5, 5) if n < 6 else st.one_of(st.integers(-150, 150), NUMBERISH)
    ),
    reason=hostile_or("走访联系户并解决困难", "缺席组织生活会", "带头参加防汛抢险"),
)
def test_roster_score_entry(rw, delta, reason):
    with read_session(rw.engine) as s:
        version = s.get(PartyMember, rw.member).version
    out = attempt(
        rw.engine,
        ["party_member", "party_score_entry"],
        lambda: roster_svc.add_score_entry(rw.engine, rw.admin, rw.member, version, delta, reason),
    )
    if out is not None:
        assert 0 <= out["score"] <= 100
        with read_session(rw.engine) as s:
            entry = s.execute(
                select(Base.metadata.tables["party_score_entry"])
                .order_by(Base.metadata.tables["party_score_entry"].c.id.desc())
                .limit(1)
            ).one()
            clean(entry.reason, max_len=200)
            assert len(entry.reason) >= 2 and entry.delta != 0


@cfg(30)
@given(
    resident=st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1), st.integers(-5, 200)),
    households=st.lists(st.integers(-5, 60), max_size=35),
)
def test_roster_unit_chief_and_party_links(rw, resident, households):
    """Not typed text, but the ids a form posts: unknown, negative or 64-bit-wide ids."""
    from db.models import TenHouseholdUnit

    with read_session(rw.engine) as s:
        unit_version = s.get(TenHouseholdUnit, rw.unit).version
        member_version = s.get(PartyMember, rw.member2).version
    attempt(
        rw.engine,
        ["ten_household_unit"],
        lambda: roster_svc.set_unit_chief(rw.engine, rw.admin, rw.unit, unit_version, resident),
    )
    attempt(
        rw.engine,
        ["party_member", "party_member_household"],
        lambda: roster_svc.set_party_links(rw.engine, rw.admin, rw.member2, member_version, households),
    )


# =========================================================================== roster: Excel import

ROSTER_TABLES = ["grid", "grid_staff", "party_member", "party_member_household", "resident"]
FORMULAS = [
    "=cmd|' /C calc'!A0",
    "=1+1",
    '=HYPERLINK("http://x.invalid","点我")',
    "=A1",
    "@SUM(A1)",
    "-2+3",
    "+86 139 0000 1111",
]


class AsText(str):
    """A cell whose text must be stored as a string even when it starts with '='."""


CELL = st.one_of(
    st.none(),
    HOSTILE.map(lambda t: ILLEGAL_CHARACTERS_RE.sub("", t)),  # openpyxl cannot write the others
    st.integers(-(10**20), 10**20),
    st.sampled_from([10**30, -(10**30), 2**63, 1e308, -1e308, 0.1, -0.0, 1e-300, float("inf"), float("nan")]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(date(1900, 3, 1), date(2100, 1, 1)),
    st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)),
    st.times(),
    st.sampled_from(FORMULAS),
    st.sampled_from(FORMULAS).map(AsText),
)


def mostly(valid: Any) -> st.SearchStrategy:
    return st.integers(0, 9).flatmap(lambda n: st.just(valid) if n < 7 else CELL)


@st.composite
def sheet_rows(draw, valid_rows: list[list[Any]], max_rows: int) -> list[list[Any]]:
    rows = []
    for _ in range(draw(st.integers(0, max_rows))):
        valid = draw(st.sampled_from(valid_rows))
        if draw(st.integers(0, 1)) == 0:
            rows.append(list(valid))  # a clean row
        elif draw(st.integers(0, 5)) == 0:
            rows.append([None] * len(valid))  # an empty row
        else:
            rows.append([draw(mostly(v)) for v in valid])
    return rows


HEADS = "一二三四五六七八九十"
VALID_STAFF = [
    [ident(300 + k, 1993), name, phone, "网格员", "专职", code, "是"]
    for k, (name, phone, code) in enumerate(
        [
            ("周新员", "13700001234", "G02"),
            ("吴新员", 13700005678, "G01"),
            ("郑新员", "0396-7654321", "G02"),
            ("王网格长", "13900001111", "G01"),
        ]
    )
]
VALID_STAFF.append([ident(101, 1975), "王网格长", "13900001111", "网格长", "专职", "G01", "是"])  # already on file
VALID_GRIDS = [
    ["G50", "东湖村第50网格", "农村网格", "青龙镇", "东湖村", None],
    ["G01", "东湖村第1网格", "农村网格", "青龙镇", "东湖村", "沿河两岸"],
    ["G51", "西山社区第5网格", "社区网格", "青龙镇", "西山社区", "<b>商住楼</b>"],
]
VALID_PARTY = [[ident(k + 1), f"张{HEADS[k]}", None, "2010-07-01", "G01", None, None, "是", None] for k in range(2, 6)]
VALID_PARTY.append(
    [
        ident(1),
        "张一",
        "13812340000",
        date(2001, 7, 1),
        "G01",
        "东湖村第1网格党员责任区",
        "青龙镇党员防汛突击队",
        "是",
        95,
    ]
)
VALID_LINKS = [[ident(1), "张一", "G01", f"东湖村一组{k}号", None, "2025-01-02"] for k in range(1, 7)]

IMPORT = dict(
    grids=sheet_rows(VALID_GRIDS, 2),
    staff=sheet_rows(VALID_STAFF, 3),
    party=sheet_rows(VALID_PARTY, 2),
    links=sheet_rows(VALID_LINKS, 3),
)


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    """The import template with ``sheets`` rows appended (cells typed as drawn)."""
    wb = load_workbook(io.BytesIO(rio.template_bytes()))
    for name, rows in sheets.items():
        ws = wb[name]
        for r, row in enumerate(rows, start=4):  # below the explanation and example rows
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(row=r, column=c)
                cell.value = str(value) if isinstance(value, AsText) else value
                if isinstance(value, AsText):
                    cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _import(rw: RW, grids, staff, party, links) -> None:
    content = workbook({rio.SHEET_GRIDS: grids, rio.SHEET_STAFF: staff, rio.SHEET_PARTY: party, rio.SHEET_LINKS: links})
    before = digest(rw.engine, ROSTER_TABLES)
    report = rio.import_workbook(rw.engine, rw.admin, content)  # never raises
    if not report.ok:
        event("refused")
        assert digest(rw.engine, ROSTER_TABLES) == before, "a refused import changed the database"
        assert report.errors and report.error_total >= len(report.errors)
        for e in report.errors:
            assert chinese(e.message), e
            assert e.sheet in rio.COLUMNS, e  # a sheet of the template (the file is readable)
            assert e.row >= 1 and (e.column is None or e.column in rio.COLUMNS[e.sheet]), e
            assert str(e).startswith(f"「{e.sheet}」第{e.row}行"), str(e)
        return
    event("saved")
    assert digest(rw.engine, ROSTER_TABLES) != before  # at least the summary audit record
    with read_session(rw.engine) as s:
        for g in s.execute(select(Base.metadata.tables["grid"])):
            clean(g.code, max_len=24)
            clean(g.name, max_len=60)
            clean(g.description, max_len=2000)
        for p in s.scalars(select(GridStaff)):
            clean(p.name, max_len=30)
            canonical_phone(p.phone)
            canonical_id(p.id_number, checksum=True)
        for m in s.scalars(select(PartyMember)):
            clean(m.name, max_len=30)
            canonical_phone(m.phone)


@cfg(60)
@given(**IMPORT)
def test_roster_import_refuses_by_row_and_column_or_imports_cleanly(rw, grids, staff, party, links):
    _import(rw, grids, staff, party, links)


@cfg(10)
@given(**IMPORT)
def test_roster_import_on_postgresql(rw_pg, grids, staff, party, links):
    _import(rw_pg, grids, staff, party, links)


def _corrupt(content: bytes, sheet_file: str, extra_row: bytes) -> bytes:
    """The workbook with one more, malformed row written into a worksheet's XML (after the
    <dimension> element, where openpyxl's read-only mode reads only while iterating rows)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as zin, zipfile.ZipFile(out, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == sheet_file:
                data = data.replace(b"</sheetData>", extra_row + b"</sheetData>")
            zout.writestr(name, data)
    return out.getvalue()


@only_explicit()
@given(extra_row=st.just(b""))
@example(extra_row=b'<row r="3"><c r="A3" t="inlineStr"><is><t>&#1;x</t></is></c></row>')
@example(extra_row=b'<row r="3"><c r="A3" t="n"><v>abc</v></c></row>')
def test_roster_import_of_a_corrupt_worksheet_is_refused_not_a_crash(sqlite_engine, extra_row):
    """Read-only openpyxl parses rows lazily: a worksheet whose XML is malformed after its
    <dimension> element (an invalid character reference &#1;, a numeric cell <v>abc</v>) raised
    ParseError / ValueError out of import_workbook; now the Chinese refusal 「文件」：无法读取该文件…"""
    rw = world_of(sqlite_engine, build_roster)  # once per database
    content = _corrupt(workbook({rio.SHEET_STAFF: [VALID_STAFF[0]]}), "xl/worksheets/sheet2.xml", extra_row)
    before = digest(rw.engine, ROSTER_TABLES)
    report = no_crash(lambda: rio.import_workbook(rw.engine, rw.admin, content))
    assert not report.ok and report.errors[0].sheet in ("文件", rio.SHEET_STAFF)
    assert digest(rw.engine, ROSTER_TABLES) == before


@only_explicit()
@given(name=st.just("x"))
@example(name="=cmd|' /C calc'!A0")
@example(name='=HYPERLINK("http://x.cn","点")')
def test_roster_export_writes_user_text_as_text_not_a_formula(sqlite_engine, name):
    """Formula injection: openpyxl writes a string starting with '=' as a FORMULA, so a grid staff
    name "=cmd|' /C calc'!A0" came out of export_workbook as a live formula (and read back empty);
    every string is now a string cell, and the export re-imports."""
    rw = world_of(sqlite_engine, build_roster)  # once per database
    number = ident(next(_SEQ), 1992)
    saved = roster_svc.save_staff(
        rw.engine,
        rw.admin,
        roster_svc.StaffInput(
            grid_id=rw.grid2, name=name, phone="13900004444", id_number=number, staff_role="worker", employment="full"
        ),
    )
    assert saved["id"]
    content, _ = rio.export_workbook(rw.engine, rw.admin)
    ws = load_workbook(io.BytesIO(content))[rio.SHEET_STAFF]
    cells = [row[1] for row in ws.iter_rows(min_row=2) if row[0].value == number]
    assert cells and cells[0].data_type == "s" and cells[0].value == name
    report = rio.import_workbook(rw.engine, rw.admin, content)
    assert report.ok, [str(e) for e in report.errors]


# =========================================================================== grid events

PHOTO = st.one_of(
    st.none(),
    st.binary(max_size=200),
    # real images (stored re-encoded), images cut short, and files that only start like one
    st.sampled_from(
        [
            PNG,
            JPEG,
            WEBP,
            PNG[:60],
            JPEG[: len(JPEG) // 2],
            FAKE_JPEG,
            png_header_only(15000, 15000),
            PNG[:7],
            JPEG[:2],
            WEBP[:11],
            b"",
            b"GIF89a" + b"\x00" * 20,
            b"<svg onload=alert(1)>",
            b"%PDF-1.4",
            PNG[:8] + b"\x00" * (ge.PHOTO_MAX_BYTES - 8),
            PNG[:8] + b"\x00" * ge.PHOTO_MAX_BYTES,
        ]
    ),
    st.binary(min_size=1, max_size=300).map(lambda b: PNG[:8] + b),
    st.binary(min_size=1, max_size=300).map(lambda b: JPEG[:3] + b),
)
EVENT_TABLES = ["grid_event", "grid_event_step", "grid_event_photo"]
DESCRIPTIONS = ("村口老桥护栏松动，有坠落风险。", "后巷垃圾堆放三天未清运，气味较大。", "第一行\n第二行：水管破裂")

REPORT = dict(
    event_type=hostile_or(*EVENT_TYPES),
    description=hostile_or(*DESCRIPTIONS),
    address=optional("东湖村村口老桥", "东湖村1组12号"),
    photo=PHOTO,
    household=st.booleans(),
)


def _report(gw: GW, event_type, description, address, photo, household) -> None:
    r = ge.EventReport(
        event_type=event_type,
        description=description,
        address=address,
        photo=photo,
        household_id=gw.w.household if household else None,
    )
    out = attempt(gw.engine, EVENT_TABLES, lambda: ge.report(gw.engine, gw.grid, r, now=T_ORD))
    if out is not None:
        with read_session(gw.engine) as s:
            e = s.get(GridEvent, out["id"])
            clean(e.description, multiline=True, max_len=2000)
            clean(e.address, max_len=200)
            assert e.event_type in EVENT_TYPES
            photos = s.scalars(select(GridEventPhoto).where(GridEventPhoto.event_id == e.id)).all()
            assert len(photos) == (photo is not None)
            for p in photos:  # always a JPEG the console made, one that can be drawn
                assert p.content_type == ge.photo_type(p.data) == "image/jpeg"
                assert 0 < p.size == len(p.data) <= ge.PHOTO_MAX_BYTES and photo_rules.displayable(p.data)


@cfg(100)
@given(**REPORT)
def test_grid_event_report(gw, **kw):
    _report(gw, **kw)


@cfg(20)
@given(**REPORT)
def test_grid_event_report_on_postgresql(gw_pg, **kw):
    _report(gw_pg, **kw)


def _fresh_event(gw: GW) -> dict:
    return ge.report(
        gw.engine,
        gw.grid,
        ge.EventReport(event_type="safety", description=DESCRIPTIONS[0], address="东湖村村口老桥"),
        now=T_ORD,
    )


STEP_NOTE = hostile_or("已设置警示带并通知村委维修。", "护栏已加固。", "第一行\n第二行")


@cfg(60)  # each example walks an event through up to four steps first; GOV_HOSTILE_SCALE for more
@given(
    step=st.sampled_from(["handle_on_spot", "mark_handled", "verify", "evaluate", "archive"]),
    note=STEP_NOTE,
    optional_note=st.one_of(st.none(), STEP_NOTE),
    passed=hostile_or("passed", "failed"),
    rating=hostile_or(*EVENT_RATINGS),
)
def test_grid_event_steps(gw, step, note, optional_note, passed, rating):
    e, eng, t = _fresh_event(gw), gw.engine, T_ORD + timedelta(hours=1)
    v = e["version"]
    if step != "handle_on_spot":
        v = ge.handle_on_spot(eng, gw.grid, e["id"], v, "已处置。", now=t)["version"]
    if step == "mark_handled":  # a failed verification sends it back for a new handling record
        v = ge.verify(eng, gw.grid, e["id"], v, "failed", "仍有松动。", now=t)["version"]
    if step in ("evaluate", "archive"):
        v = ge.verify(eng, gw.grid, e["id"], v, "passed", now=t)["version"]
    if step == "archive":
        v = ge.evaluate(eng, gw.w.leader, e["id"], v, "good", now=t)["version"]
    calls = {
        "handle_on_spot": lambda: ge.handle_on_spot(eng, gw.grid, e["id"], v, note, now=t),
        "mark_handled": lambda: ge.mark_handled(eng, gw.grid, e["id"], v, note, now=t),
        "verify": lambda: ge.verify(eng, gw.grid, e["id"], v, passed, optional_note, now=t),
        "evaluate": lambda: ge.evaluate(eng, gw.w.leader, e["id"], v, rating, optional_note, now=t),
        "archive": lambda: ge.archive(eng, gw.w.dispatcher, e["id"], v, optional_note, now=t),
    }
    out = attempt(eng, EVENT_TABLES, calls[step])
    if out is not None:
        with read_session(eng) as s:
            ev = s.get(GridEvent, e["id"])
            last = s.scalars(
                select(GridEventStep).where(GridEventStep.event_id == ev.id).order_by(GridEventStep.id.desc()).limit(1)
            ).one()
            clean(last.note, multiline=True)
            clean(ev.evaluation, multiline=True, max_len=200)
            assert ev.rating in (None, *EVENT_RATINGS)


REFER_TABLES = EVENT_TABLES + [
    "work_order",
    "work_order_event",
    "mediation_case",
    "mediation_party",
    "platform_case",
    "platform_case_event",
    "record_link",
]


@cfg(60)
@given(
    kind=st.sampled_from(["order", "mediation", "platform"]),
    note=st.one_of(st.none(), STEP_NOTE),
    title=st.one_of(st.none(), hostile_or("老桥护栏松动", "垃圾清运")),
    urgency=hostile_or(*URGENCIES),
    dispute_type=hostile_or(*DISPUTE_TYPES),
    risk=hostile_or(*RISK_COLOURS),
    description=hostile_or(*DESCRIPTIONS),
)
def test_grid_event_referrals(gw, kind, note, title, urgency, dispute_type, risk, description):
    eng, w = gw.engine, gw.w
    try:  # an event with this (possibly odd but acceptable) description
        e = ge.report(
            eng,
            gw.grid,
            ge.EventReport(event_type="dispute", description=description, address="东湖村1组12号"),
            now=T_ORD,
        )
    except ValidationError:
        e = _fresh_event(gw)
    calls = {
        "order": lambda: ge.refer_to_order(eng, gw.grid, e["id"], 1, w.category, urgency=urgency, note=note, now=T_ORD),
        "mediation": lambda: ge.refer_to_mediation(
            eng, gw.grid, e["id"], 1, dispute_type, risk_colour=risk, title=title, note=note, now=T_ORD
        ),
        "platform": lambda: ge.refer_to_platform(
            eng, gw.grid, e["id"], 1, w.platform2_id, title=title, note=note, now=T_ORD
        ),
    }
    out = attempt(eng, REFER_TABLES, calls[kind])
    if out is not None:
        assert out["status"] == "referred" and out["record_id"]
        with read_session(eng) as s:
            model = {"work_order": WorkOrder, "mediation_case": MediationCase, "platform_case": PlatformCase}
            rec = s.get(model[out["record_type"]], out["record_id"])
            clean(rec.title, max_len=100)


LOG = dict(
    offset=st.integers(-2, 9),
    content=hostile_or("走访5户，排查隐患1处。", "第一行\n第二行"),
    visited=st.one_of(st.integers(-5, 300), NUMBERISH),
)


def _log(gw: GW, offset, content, visited) -> None:
    day = TODAY_ORD - timedelta(days=offset)
    with read_session(gw.engine) as s:
        version = s.scalar(select(WorkLog.version).where(WorkLog.staff_id == gw.staff, WorkLog.log_date == day))
    out = attempt(
        gw.engine,
        ["work_log"],
        lambda: ge.write_log(gw.engine, gw.grid, day, content, visited, version=version, now=T_ORD),
    )
    if out is not None:
        with read_session(gw.engine) as s:
            log = s.get(WorkLog, out["id"])
            clean(log.content, multiline=True, max_len=2000)
            assert 0 <= log.households_visited <= 200 and 0 <= offset <= 6


@cfg(70)
@given(**LOG)
def test_grid_work_log(gw, **kw):
    _log(gw, **kw)


# =========================================================================== mediation

MED_TABLES = ["mediation_case", "mediation_party", "mediation_step", "record_link"]
PARTY = st.builds(
    PartyInput,
    name=hostile_or("张三", "李四", "欧阳 娜娜", p=85),
    phone=st.one_of(st.none(), hostile_or("138 1234 5678", "0396-7654321", "+86 139 0000 1111", p=85)),
    id_number=st.one_of(st.none(), hostile_or("411726197001011264", "41172619700101123x", "411726197001011264 ", p=85)),
    side=hostile_or("applicant", "respondent", p=90),
)
OPEN = dict(
    kind=hostile_or(*CASE_KINDS, p=85),
    dispute_type=hostile_or(*DISPUTE_TYPES, p=85),
    title=hostile_or("东湖村张某与李某宅前排水纠纷", "宅基地边界争议", p=80),
    summary=hostile_or("张三反映邻居李四家排水沟改道，雨水流入其院内。", "第一行\n第二行：双方多次争吵", p=80),
    risk=hostile_or(*RISK_COLOURS, p=85),
    level=hostile_or(*CASE_LEVELS, p=85),
    parties=st.integers(0, 19).flatmap(
        lambda n: (
            st.just([PartyInput("张三")] * 21) if n == 0 else st.lists(PARTY, min_size=0 if n == 1 else 1, max_size=3)
        )
    ),
)


def _open(mw, kind, dispute_type, title, summary, risk, level, parties) -> None:
    data = CaseInput(
        kind=kind,
        dispute_type=dispute_type,
        title=title,
        summary=summary,
        village_id=mw.village,
        grid_id=mw.grid_id,
        source="walk_in",
        risk_colour=risk,
        level=level,
        mediator_id=mw.mediator_id,
        parties=parties,
    )
    out = attempt(mw.engine, MED_TABLES, lambda: med.open_case(mw.engine, mw.mediator, data, now=T_MED))
    if out is not None:
        with read_session(mw.engine) as s:
            case = s.get(MediationCase, out["id"])
            clean(case.title, max_len=100)
            clean(case.summary, multiline=True, max_len=2000)
            for p in s.scalars(select(MediationParty).where(MediationParty.case_id == case.id)):
                clean(p.name, max_len=30)
                canonical_phone(p.phone)
                canonical_id(p.id_number, checksum=True)
                assert p.side in med.PARTY_SIDES


@cfg(100)
@given(**OPEN)
def test_mediation_open_case(mw, **kw):
    _open(mw, **kw)


@cfg(20)
@given(**OPEN)
def test_mediation_open_case_on_postgresql(mw_pg, **kw):
    _open(mw_pg, **kw)


MED_TEXT = hostile_or(
    "村级调解未果，需乡级协调", "当事人已向法院起诉", "协议履行良好，双方无异议。", "第一行\n第二行说明"
)


@cfg(120)
@given(
    action=st.sampled_from(["step", "escalate", "refer_out", "followup", "close", "reopen"]),
    participants=hostile_or("调解员李某、双方当事人", "张三、李四、村委会主任"),
    notes=hostile_or("双方各执一词，约定下次再谈。", "第一行\n第二行"),
    agreement=st.one_of(st.none(), hostile_or("李某三日内恢复排水沟原状。")),
    outcome=hostile_or("continue", "agreed"),
    risk=hostile_or(*RISK_COLOURS),
    step_no=st.sampled_from([1, "1", "１"]),
    held_on=st.dates(TODAY_MED - timedelta(days=5), TODAY_MED + timedelta(days=2)),
    text=MED_TEXT,
    to=hostile_or("litigation", "petition"),
    visited_on=st.dates(TODAY_MED - timedelta(days=2), TODAY_MED + timedelta(days=40)),
)
def test_mediation_steps(
    mw, action, participants, notes, agreement, outcome, risk, step_no, held_on, text, to, visited_on
):
    eng, who = mw.engine, mw.mediator
    case = med.open_case(
        eng,
        who,
        CaseInput(
            title="东湖村宅前排水纠纷",
            summary="雨水流入院内，双方多次争吵。",
            village_id=mw.village,
            parties=[PartyInput("张三")],
        ),
        now=T_MED,
    )
    cid, v = case["id"], case["version"]
    later = T_MED + timedelta(days=31)
    if action in ("followup", "close", "reopen"):
        v = med.record_step(
            eng,
            who,
            cid,
            v,
            step_no=1,
            held_on=TODAY_MED,
            participants="双方当事人",
            notes="经调解双方达成一致。",
            risk_colour="blue",
            outcome="agreed",
            agreement_text="李某三日内恢复排水沟原状。",
            now=T_MED,
        )["version"]
    if action == "close":
        v = med.record_followup(eng, who, cid, v, TODAY_MED + timedelta(days=30), "协议已履行。", now=later)["version"]
    calls = {
        "step": lambda: med.record_step(
            eng,
            who,
            cid,
            v,
            step_no=step_no,
            held_on=held_on,
            participants=participants,
            notes=notes,
            risk_colour=risk,
            outcome=outcome,
            agreement_text=agreement,
            now=T_MED,
        ),
        "escalate": lambda: med.escalate(eng, who, cid, v, text, now=T_MED),
        "refer_out": lambda: med.refer_out(eng, who, cid, v, to, text, now=T_MED),
        "followup": lambda: med.record_followup(eng, who, cid, v, visited_on, text, now=later),
        "close": lambda: med.close(eng, who, cid, v, text, now=later),
        "reopen": lambda: med.reopen(eng, who, cid, v, text, now=later),
    }
    out = attempt(eng, MED_TABLES, calls[action])
    if out is not None:
        with read_session(eng) as s:
            c = s.get(MediationCase, cid)
            for value, multi, limit in (
                (c.agreement_text, True, 2000),
                (c.escalation_reason, True, 300),
                (c.followup_note, True, 2000),
                (c.outcome, True, 2000),
            ):
                clean(value, multiline=multi, max_len=limit)
            for st_ in s.scalars(select(MediationStep).where(MediationStep.case_id == cid)):
                clean(st_.participants, max_len=300)
                clean(st_.notes, multiline=True, max_len=2000)
                assert st_.held_on <= TODAY_MED and st_.risk_colour in RISK_COLOURS


_ASCII_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])", re.ASCII)
SCREENING = dict(
    village=st.booleans(),
    month=hostile_or("2026-03", "2026-02", "2025-12", "2025-11").filter(
        lambda m: not (isinstance(m, str) and m[:-1] and _ASCII_MONTH.fullmatch(m[:-1]) and m[-1] == "\n")
    ),
    done=st.booleans(),
    findings=optional("未发现新的矛盾纠纷", "发现宅基地纠纷2起\n已登记"),
    # (an infinite float is test_mediation_screening_count_that_is_not_a_number_is_refused)
    disputes=st.one_of(st.integers(-5, 120), NUMBERISH).filter(lambda d: d not in (float("inf"), float("-inf"))),
)


def _screening(mw, village, month, done, findings, disputes) -> None:
    vid = mw.village if village else mw.village2
    version = None
    if isinstance(month, str) and _ASCII_MONTH.fullmatch(month):  # (PostgreSQL refuses a NUL in a query)
        with read_session(mw.engine) as s:
            version = s.scalar(
                select(VillageScreening.version).where(
                    VillageScreening.village_id == vid, VillageScreening.month == month
                )
            )
    out = attempt(
        mw.engine,
        ["village_screening"],
        lambda: med.save_screening(
            mw.engine,
            mw.mediator,
            vid,
            month,
            done=done,
            findings=findings,
            disputes_found=disputes,
            version=version,
            now=T_MED,
        ),
    )
    if out is not None:
        with read_session(mw.engine) as s:
            row = s.get(VillageScreening, out["id"])
            assert _ASCII_MONTH.fullmatch(row.month), repr(row.month)
            clean(row.findings, multiline=True, max_len=2000)
            assert 0 <= row.disputes_found <= 99


@cfg(60)
@given(**SCREENING)
def test_mediation_screening(mw, **kw):
    _screening(mw, **kw)


@cfg(12)
@given(**SCREENING)
def test_mediation_screening_on_postgresql(mw_pg, **kw):
    _screening(mw_pg, **kw)


@only_explicit()
@given(month=st.just("2026-03"))
@example(month="2026-02\n")
@example(month="1٩99-01")
def test_mediation_screening_month_is_refused_unless_yyyy_mm(sqlite_engine, month):
    """'$' matched before a final newline and \\d any script's digits: '2026-02\\n' and '1٩99-01'
    were stored as screening months (PostgreSQL: DataError, too long for VARCHAR(7))."""
    mw = world_of(sqlite_engine, build_mediation_world)  # once per database
    no_crash(lambda: _screening(mw, True, month, True, "未发现新的矛盾纠纷", 0))


@only_explicit()
@given(month=st.just("2026-03"))
@example(month="2026-02\n")
def test_mediation_screening_month_on_postgresql(pg_engine, month):
    mw = world_of(pg_engine, build_mediation_world)  # once per database
    no_crash(lambda: _screening(mw, True, month, True, "未发现新的矛盾纠纷", 0))


@only_explicit()
@given(disputes=st.just(0))
@example(disputes=float("inf"))
def test_mediation_screening_count_that_is_not_a_number_is_refused(sqlite_engine, disputes):
    """int(inf) raised OverflowError instead of the Chinese ValidationError (update_settings and
    record_step's step_no had the same pattern; all use db.rules.text.bounded_int now)."""
    mw = world_of(sqlite_engine, build_mediation_world)  # once per database
    no_crash(lambda: _screening(mw, True, "2026-02", True, "发现宅基地纠纷", disputes))


@cfg(50)
@given(
    resident=st.sampled_from(["released", "elderly", "resident"]),
    tag=hostile_or("released_prisoner", "elderly_alone"),
    visited_on=st.dates(TODAY_MED - timedelta(days=400), TODAY_MED + timedelta(days=3)),
    visitor=hostile_or("王网格", "村委会 李主任"),
    note=optional("身体状况良好，生活有保障。", "第一行\n第二行"),
)
def test_mediation_special_group_visit(mw, resident, tag, visited_on, visitor, note):
    rid = getattr(mw, resident)
    out = attempt(
        mw.engine,
        ["special_group_visit"],
        lambda: med.record_visit(mw.engine, mw.mediator, rid, tag, visited_on, visitor, note, now=T_MED),
    )
    if out is not None:
        with read_session(mw.engine) as s:
            visits = Base.metadata.tables["special_group_visit"]
            row = s.execute(select(visits).where(visits.c.id == out["id"])).one()
            clean(row.visitor, max_len=30)
            clean(row.note, multiline=True, max_len=2000)
            assert row.visited_on <= TODAY_MED


# =========================================================================== platforms

CASE_TABLES = ["platform_case", "platform_case_event", "platform_case_assist", "handoff"]
OPEN_CASE = dict(
    title=hostile_or("东湖村农贸市场过期食品", "集贸路占道经营"),
    description=hostile_or("巡查发现农贸市场一摊位销售过期食品。", "第一行\n第二行：占道"),
    source=hostile_or("patrol", "patrol", "order", "meeting", "handoff", "grid_event"),
    assist=st.lists(st.sampled_from(["zhifa", "shichang", "zongzhi", "bianmin"]), max_size=3),
)


def _open_case(pw, title, description, source, assist) -> None:
    out = attempt(
        pw.engine,
        CASE_TABLES,
        lambda: platforms.open_case(
            pw.engine,
            pw.zongzhi,
            lead_platform_id=pw.p["zongzhi"],
            title=title,
            description=description,
            village_id=pw.village,
            source=source,
            assist_platform_ids=tuple(pw.p[a] for a in assist),
            now=T_ORD,
        ),
    )
    if out is not None:
        with read_session(pw.engine) as s:
            c = s.get(PlatformCase, out["id"])
            clean(c.title, max_len=100)
            clean(c.description, multiline=True, max_len=2000)
            assert c.source in PLATFORM_SOURCES


@cfg(60)
@given(**OPEN_CASE)
def test_platform_open_case(pw, **kw):
    _open_case(pw, **kw)


@cfg(40)
@given(
    title=OPEN_CASE["title"],
    description=OPEN_CASE["description"],
    push_to=st.sampled_from([None, "zhifa", "zongzhi", "none"]),
    reason=st.one_of(st.none(), HOSTILE, st.just("属执法职责")),
)
def test_platform_patrol_case_with_push(pw, title, description, push_to, reason):
    """``open_patrol_case`` (new in the working tree): the case and its push in one transaction."""
    if not hasattr(platforms, "open_patrol_case"):
        pytest.skip("platforms.open_patrol_case is not in this version")
    to = None if push_to is None else pw.p.get(push_to, 0)
    out = attempt(
        pw.engine,
        CASE_TABLES,
        lambda: platforms.open_patrol_case(
            pw.engine,
            pw.zongzhi,
            platform_id=pw.p["zongzhi"],
            title=title,
            description=description,
            village_id=pw.village,
            push_to_platform_id=to,
            push_reason=reason,
            now=T_ORD,
        ),
    )
    if out is not None:
        with read_session(pw.engine) as s:
            c = s.get(PlatformCase, out["id"])
            clean(c.title, max_len=100)
            clean(c.description, multiline=True, max_len=2000)
            assert c.status == ("pushed" if out["pushed"] else "accepted")


PLAT_TEXT = hostile_or("不属于本平台职责，请综合执法平台处理。", "已责令摊主下架并销毁过期食品。", "第一行\n第二行")
CASE_STEP = dict(
    action=st.sampled_from(["push", "bounce", "close", "note"]),
    text=PLAT_TEXT,
    target=st.sampled_from(["zhifa", "zhifa", "zongzhi", "other"]),
)


def _case_step(pw, action, text, target) -> None:
    eng = pw.engine
    c = platforms.open_case(
        eng,
        pw.zongzhi,
        lead_platform_id=pw.p["zongzhi"],
        title="集贸路占道经营",
        description="巡查发现集贸路占道经营。",
        village_id=pw.village,
        source="patrol",
        now=T_ORD,
    )
    v = c["version"]
    if action == "bounce":
        v = platforms.push(eng, pw.zongzhi, c["id"], v, to_platform_id=pw.p["zhifa"], reason="属执法职责", now=T_ORD)[
            "version"
        ]
    to = pw.other_platform if target == "other" else pw.p[target]
    calls = {
        "push": lambda: platforms.push(eng, pw.zongzhi, c["id"], v, to_platform_id=to, reason=text, now=T_ORD),
        "bounce": lambda: platforms.bounce(eng, pw.zhifa, c["id"], v, reason=text, now=T_ORD),
        "close": lambda: platforms.close(eng, pw.zongzhi, c["id"], v, result=text, now=T_ORD),
        "note": lambda: platforms.add_note(eng, pw.zongzhi, c["id"], v, note=text, now=T_ORD),
    }
    out = attempt(eng, CASE_TABLES, calls[action])
    if out is not None:
        with read_session(eng) as s:
            case = s.get(PlatformCase, c["id"])
            clean(case.result, multiline=True, max_len=2000)
            for e in s.scalars(select(PlatformCaseEvent).where(PlatformCaseEvent.case_id == case.id)):
                clean(e.note, multiline=True)
            from db.models.platforms import Handoff

            for h in s.scalars(select(Handoff).where(Handoff.case_id == case.id)):
                assert h.reason is None or len(h.reason) <= 300


@cfg(80)
@given(**CASE_STEP)
def test_platform_case_steps(pw, **kw):
    _case_step(pw, **kw)


@cfg(15)
@given(**CASE_STEP)
def test_platform_case_steps_on_postgresql(pw_pg, **kw):
    _case_step(pw_pg, **kw)


DAYS = st.one_of(st.none(), st.integers(-5, 120), st.sampled_from(["7", 7.0, True, "７"]))


@cfg(60)
@given(
    business=hostile_or("张记饭店", "东湖超市"),
    address=hostile_or("东湖村2组", "集贸路 18 号"),
    kind=hostile_or(*INSPECTION_KINDS),
    finding=optional("后厨无防蝇设施", "第一行\n第二行"),
    problem=st.booleans(),
    days=DAYS,
    day=st.dates(TODAY_ORD - timedelta(days=30), TODAY_ORD + timedelta(days=2)),
    re_passed=st.booleans(),
    re_note=optional("已整改到位。", "仍未整改"),
    re_days=DAYS,
    re_day=st.dates(TODAY_ORD - timedelta(days=40), TODAY_ORD + timedelta(days=2)),
)
def test_platform_inspection_and_reinspection(
    pw, business, address, kind, finding, problem, days, day, re_passed, re_note, re_days, re_day
):
    eng = pw.engine
    out = attempt(
        eng,
        ["inspection"],
        lambda: platforms.record_inspection(
            eng,
            pw.shichang,
            business_name=business,
            address=address,
            kind=kind,
            inspected_on=day,
            finding=finding,
            problem=problem,
            rectify_days=days,
            now=T_ORD,
        ),
    )
    if out is None or not out["notice_number"]:
        return
    with read_session(eng) as s:
        ins = s.get(Inspection, out["id"])
        clean(ins.business_name, max_len=100)
        clean(ins.address, max_len=200)
        clean(ins.finding, multiline=True, max_len=2000)
    again = attempt(
        eng,
        ["inspection"],
        lambda: platforms.reinspect(
            eng,
            pw.shichang,
            out["id"],
            1,
            reinspected_on=re_day,
            passed=re_passed,
            note=re_note,
            extra_days=re_days,
            now=T_ORD,
        ),
    )
    if again is not None:
        with read_session(eng) as s:
            ins = s.get(Inspection, out["id"])
            clean(ins.finding, multiline=True, max_len=2000)


@cfg(40)
@given(
    kind=hostile_or(*ENFORCEMENT_KINDS),
    address=hostile_or("东湖村集贸路口", "西山社区3栋"),
    minutes=st.integers(-60, 600),
    arrive=st.one_of(st.none(), st.integers(-30, 700)),
    joint=st.booleans(),
)
def test_platform_enforcement_report(pw, kind, address, minutes, arrive, joint):
    reported = T_ORD - timedelta(minutes=minutes)
    arrived = None if arrive is None else reported + timedelta(minutes=arrive)
    out = attempt(
        pw.engine,
        ["enforcement_report"],
        lambda: platforms.record_enforcement(
            pw.engine,
            pw.zhifa,
            kind=kind,
            address=address,
            reported_at=reported,
            arrived_at=arrived,
            joint=joint,
            now=T_ORD,
        ),
    )
    if out is not None:
        with read_session(pw.engine) as s:
            r = s.get(EnforcementReport, out["id"])
            clean(r.address, max_len=200)
            assert r.reported_at <= T_ORD and (r.arrived_at is None or r.reported_at <= r.arrived_at <= T_ORD)


@cfg(70)
@given(
    what=st.sampled_from(["item", "request"]),
    code=st.one_of(st.integers(1, 40).map(lambda n: f"FW{n:03d}"), HOSTILE),
    name=hostile_or("社保卡补办", "老年人优待证办理"),
    applicant=hostile_or("王大爷", "李 奶奶"),
    phone=optional("13812345678", "0396-7654321", "１３８１２３４５６７８"),
    channel=hostile_or(*SERVICE_CHANNELS),
    elderly=st.booleans(),
    done=st.booleans(),
)
def test_platform_service_items_and_requests(pw, what, code, name, applicant, phone, channel, elderly, done):
    eng = pw.engine
    if what == "item":
        out = attempt(
            eng, ["service_item"], lambda: platforms.save_service_item(eng, pw.bianmin, code=code, name=name, now=T_ORD)
        )
        if out is not None:
            with read_session(eng) as s:
                item = s.get(ServiceItem, out["id"])
                clean(item.code, max_len=20)
                clean(item.name, max_len=80)
        return
    out = attempt(
        eng,
        ["service_request"],
        lambda: platforms.record_service_request(
            eng,
            pw.bianmin,
            item_id=pw.item,
            village_id=pw.village,
            applicant_name=applicant,
            applicant_phone=phone,
            channel=channel,
            for_elderly_or_disabled=elderly,
            done=done,
            now=T_ORD,
        ),
    )
    if out is not None:
        with read_session(eng) as s:
            r = s.get(ServiceRequest, out["id"])
            clean(r.applicant_name, max_len=30)
            canonical_phone(r.applicant_phone)
            assert r.channel in SERVICE_CHANNELS


@cfg(70)
@given(
    what=st.sampled_from(["check", "meeting"]),
    week=st.dates(TODAY_ORD - timedelta(days=400), TODAY_ORD + timedelta(days=3)),
    reported=st.booleans(),
    issues_found=st.one_of(st.integers(-3, 1200), st.sampled_from([2, 2.0, "2", True, None])),
    issues=optional("两处矛盾隐患", "第一行\n第二行"),
    attendees=hostile_or("书记、各平台负责人", "综治办 王主任"),
    minutes=hostile_or("分析本月矛盾纠纷和安全隐患情况。", "第一行\n第二行：研判"),
    decisions=optional("集中整治占道经营"),
    assign=st.lists(
        st.tuples(
            st.sampled_from(["zhifa", "shichang", "none"]), hostile_or("集中整治集贸路占道经营", "排查农贸市场食品安全")
        ),
        max_size=2,
    ),
)
def test_platform_zongzhi_checks_and_meetings(
    pw, what, week, reported, issues_found, issues, attendees, minutes, decisions, assign
):
    eng = pw.engine
    if what == "check":
        out = attempt(
            eng,
            ["village_report_check"],
            lambda: platforms.record_report_check(
                eng,
                pw.zongzhi,
                village_id=pw.village,
                week_of=week,
                reported=reported,
                issues_found=issues_found,
                issues=issues,
                now=T_ORD,
            ),
        )
        if out is not None:
            with read_session(eng) as s:
                row = s.get(VillageReportCheck, out["id"])
                clean(row.issues, multiline=True, max_len=2000)
                assert 0 <= row.issues_found <= 999
        return
    jobs = tuple((pw.p.get(p, 0), text) for p, text in assign)  # "none": no platform chosen
    out = attempt(
        eng,
        ["analysis_meeting"] + CASE_TABLES,
        lambda: platforms.record_meeting(
            eng,
            pw.zongzhi,
            held_on=week,
            attendees=attendees,
            minutes=minutes,
            decisions=decisions,
            assign=jobs,
            now=T_ORD,
        ),
    )
    if out is not None:
        with read_session(eng) as s:
            m = s.get(AnalysisMeeting, out["id"])
            clean(m.attendees, max_len=500)
            clean(m.minutes, multiline=True, max_len=4000)
            clean(m.decisions, multiline=True, max_len=4000)
            for c in s.scalars(select(PlatformCase).where(PlatformCase.meeting_id == m.id)):
                clean(c.title, max_len=100)
                clean(c.description, multiline=True, max_len=2000)


_ASCII_ID = re.compile(r"\d{17}[\dX]", re.ASCII)
FLOATING = dict(
    name=hostile_or("刘某", "阿依古丽·买买提"),
    id_number=st.one_of(
        st.none(),
        hostile_or("41150219900101127x", "411502199001011237", " 411502199001011237 ").filter(
            lambda t: (
                not (
                    isinstance(t, str)
                    and len(t.strip()) == 18
                    and re.fullmatch(r"\d{17}[\dX]", t.strip().upper())
                    and not _ASCII_ID.fullmatch(t.strip().upper())
                )
            )
        ),
    ),
    phone=optional("13912345678", "0396 765 4321", "+86 139 1234 5678"),
    origin=hostile_or("河南省信阳市", "四川省 广元市"),
    address=hostile_or("东湖村3组", "西山社区3栋2单元"),
    day=st.dates(TODAY_ORD - timedelta(days=30), TODAY_ORD + timedelta(days=2)),
)


def _floating(pw, name, id_number, phone, origin, address, day) -> None:
    out = attempt(
        pw.engine,
        ["floating_resident"],
        lambda: platforms.register_floating(
            pw.engine,
            pw.zongzhi,
            village_id=pw.village,
            name=name,
            id_number=id_number,
            phone=phone,
            origin=origin,
            address=address,
            registered_on=day,
            now=T_ORD,
        ),
    )
    if out is not None:
        with read_session(pw.engine) as s:
            f = s.get(FloatingResident, out["id"])
            clean(f.name, max_len=30)
            canonical_id(f.id_number, checksum=True)
            canonical_phone(f.phone)
            clean(f.origin, max_len=100)
            clean(f.address, max_len=200)
            assert f.registered_on <= TODAY_ORD


@cfg(80)
@given(**FLOATING)
def test_platform_floating_population(pw, **kw):
    _floating(pw, **kw)


@cfg(20)
@given(**FLOATING)
def test_platform_floating_population_on_postgresql(pw_pg, **kw):
    _floating(pw_pg, **kw)


@only_explicit()
@given(id_number=st.just("411502199001011237"))
@example(id_number="４１１５０２１９９００１０１１２３４")
@example(id_number="٤١١٥٠٢١٩٩٠٠١٠١١٢٣٤")
def test_platform_floating_id_number_is_ascii_or_refused(sqlite_engine, id_number):
    """\\d matched any Unicode digit, so full-width or Arabic-Indic ID numbers were stored as is;
    now the roster's rule (NFKC, ASCII [0-9], GB 11643 check character)."""
    pw = world_of(sqlite_engine, build_platform_world)  # once per database
    _floating(pw, "刘某", id_number, None, "河南省信阳市", "东湖村3组", TODAY_ORD)


# =========================================================================== orders after intake

ORDER_TABLES = ["work_order", "work_order_event", "extension_request"]
ORDER_STEP = dict(
    step=st.sampled_from(["dispatch", "bounce", "resolve", "callback", "cancel", "extension", "contact", "accept"]),
    text=hostile_or("请核实后办理。", "不属于本平台职责", "已协调施工方调整作业时间。", "第一行\n第二行"),
    optional_text=st.one_of(st.none(), hostile_or("请核实", "噪音仍未解决")),
    satisfaction=hostile_or(*SATISFACTION),
    workdays=st.one_of(st.integers(-3, 40), NUMBERISH),
)


def _order_step(w, step, text, optional_text, satisfaction, workdays) -> None:
    eng, t = w.engine, T_ORD + timedelta(hours=1)
    o = orders.register(eng, w.reception, intake(w, contacted=step != "contact"), now=T_ORD)
    oid, v = o["id"], o["version"]
    if step in ("bounce", "resolve", "callback", "extension", "accept"):
        v = orders.dispatch(eng, w.dispatcher, oid, v, w.platform_id, w.dept, now=t)["version"]
    if step in ("resolve", "callback"):
        v = orders.accept(eng, w.platform, oid, v, now=t)["version"]
    if step == "callback":
        v = orders.resolve(eng, w.platform, oid, v, "已处理。", now=t)["version"]
    calls = {
        "dispatch": lambda: orders.dispatch(
            eng, w.dispatcher, oid, v, w.platform_id, w.dept, note=optional_text, now=t
        ),
        "bounce": lambda: orders.bounce(eng, w.platform, oid, v, text, now=t),
        "resolve": lambda: orders.resolve(eng, w.platform, oid, v, text, now=t),
        "callback": lambda: orders.callback(
            eng, w.reception, oid, v, satisfaction, note=optional_text, now=t + timedelta(days=1)
        ),
        "cancel": lambda: orders.cancel(eng, w.dispatcher, oid, v, text, now=t),
        "extension": lambda: orders.request_extension(eng, w.platform, oid, v, workdays, text, now=t),
        "contact": lambda: orders.contact(eng, w.reception, oid, v, note=optional_text, now=t),
        "accept": lambda: orders.accept(eng, w.platform, oid, v, note=optional_text, now=t),
    }
    out = attempt(eng, ORDER_TABLES, calls[step])
    if out is not None:
        with read_session(eng) as s:
            row = s.get(WorkOrder, oid)
            clean(row.result, multiline=True, max_len=2000)
            clean(row.cancelled_reason, max_len=200)
            for e in s.scalars(select(WorkOrderEvent).where(WorkOrderEvent.order_id == oid)):
                clean(e.note, multiline=True)


@cfg(120)
@given(**ORDER_STEP)
def test_order_steps_after_intake(ow, **kw):
    _order_step(ow, **kw)


@cfg(20)
@given(**ORDER_STEP)
def test_order_steps_on_postgresql(ow_pg, **kw):
    _order_step(ow_pg, **kw)


# =========================================================================== exports of saved text


def _export_after_save(engine, kind: str, text: str) -> Any:
    """Save a record carrying ``text`` through the module's service, then run its export."""
    from db.queries import mediation as mq
    from db.services import mediation_docs, platform_docs

    if kind in ("mediation_case_file", "mediation_ledger"):
        mw = build_mediation_world(engine)
        c = med.open_case(
            engine,
            mw.mediator,
            CaseInput(
                title=f"排水纠纷{text}",
                summary=f"雨水流入院内{text}",
                village_id=mw.village,
                parties=[PartyInput(f"张三{text}")],
            ),
            now=T_MED,
        )
        if kind == "mediation_case_file":
            return mediation_docs.export_case_file(engine, mw.admin, c["id"], now=T_MED)
        return mediation_docs.export_ledger(engine, mw.admin, mq.LedgerFilter(), now=T_MED)
    if kind == "rectification_notice":
        pw = build_pworld(engine)
        r = platforms.record_inspection(
            engine,
            pw.shichang,
            business_name=f"张记饭店{text}",
            address="东湖村2组",
            kind="routine",
            inspected_on=TODAY_ORD,
            finding=f"后厨无防蝇设施{text}",
            problem=True,
            rectify_days=7,
            now=T_ORD,
        )
        return platform_docs.notice_docx(engine, pw.shichang, r["id"])
    rw = build_roster(engine)
    roster_svc.save_staff(
        engine,
        rw.admin,
        roster_svc.StaffInput(
            grid_id=rw.grid2,
            name=f"孙{text}",
            phone="13900004444",
            id_number=ident(200, 1992),
            staff_role="worker",
            employment="full",
        ),
    )
    return rio.export_workbook(engine, rw.admin)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the crashed writer's zip
@pytest.mark.parametrize("kind", ["mediation_case_file", "mediation_ledger", "rectification_notice", "roster_export"])
@only_explicit()
@given(text=st.just(""))
@example(text="\uffff")  # (U+FFFE fails the same way)
def test_saved_text_never_breaks_an_office_export(sqlite_engine, kind, text):
    """U+FFFE / U+FFFF (XML-illegal) passed the text checks, and every .docx/.xlsx export of the
    record then raised ValueError from lxml; the shared cleaners refuse them at input now."""
    with contextlib.suppress(ValidationError):  # refusing the character at input is a fix too
        no_crash(lambda: _export_after_save(sqlite_engine, kind, text))


# =========================================================================== pages render user text inert

MARK = "q7x"  # a token to find the hostile record's text on a page
NAME_MARK = f"<script>{MARK}</script>[点](x:0)"  # 28 characters: fits every name column
LONG_MARK = (
    f"<script>alert('{MARK}')</script> [点此](javascript:alert(1)) ![](http://t.invalid/{MARK}.png) "
    f"**粗{MARK}** :red[红{MARK}] <img src=x onerror=alert(1)>"
)
# markup that would be live: an HTML tag, a link or image, the bold and coloured text above
LIVE = re.compile(rf"(?<!\\)<(script|img)\b|(?<!\\)\]\(|\*\*粗{MARK}\*\*|:red\[红{MARK}\]")


def rendered(at) -> list[tuple[str, str, bool]]:
    """(element, text, html allowed) of every element whose text Streamlit renders as markdown."""
    out: list[tuple[str, str, bool]] = []
    for kind in ("markdown", "caption", "latex"):
        out += [(kind, str(e.value), bool(getattr(e, "allow_html", False))) for e in at.get(kind)]
    for kind in ("title", "header", "subheader", "error", "warning", "info", "success", "toast"):
        out += [(kind, str(e.value), False) for e in getattr(at, kind)]
    out += [("page_link", str(e.proto.label), False) for e in at.get("page_link")]  # labels are markdown
    for t in at.table:
        df = t.value
        cells = [*map(str, df.columns), *map(str, df.index), *(str(v) for v in df.to_numpy().ravel())]
        out += [("table", c, False) for c in cells]
    for kind in ("expander", "tabs", "metric", "button"):
        out += [(kind, str(getattr(e, "label", "")), False) for e in at.get(kind)]
    return out


def live_markup(at, kinds: set[str]) -> list[tuple[str, str]]:
    """The rendered texts (of ``kinds``) that carry the hostile record's markup unescaped."""
    bad = []
    for kind, text, html in rendered(at):
        if kind not in kinds or MARK not in text:
            continue
        if html or LIVE.search(text):
            bad.append((kind, text))
    return bad


def shown(at) -> bool:
    """The hostile text reached the page at all (so an escaping check means something)."""
    texts = [t for _, t, _ in rendered(at)] + [str(e.value) for e in at.get("text")]
    for d in at.get("dataframe"):
        texts += [str(v) for v in d.value.to_numpy().ravel()]
    return any(MARK in t for t in texts)


MARKDOWN_KINDS = {"markdown", "caption", "latex"}
OTHER_KINDS = {
    "title",
    "header",
    "subheader",
    "error",
    "warning",
    "info",
    "success",
    "toast",
    "table",
    "expander",
    "tabs",
    "metric",
    "button",
    "page_link",
}


@pytest.fixture(scope="module")
def ui_db(sqlite_template, tmp_path_factory):
    """The database the pages use (``components.runtime.engine``): a small world of this file's
    own (no demo generator), with one record per module whose texts carry HTML, script and
    markdown. Production mode, so opening a page never starts the demo generator."""
    import streamlit as st_

    from components import runtime

    path = tmp_path_factory.mktemp("hostile-ui") / "console.db"
    shutil.copyfile(sqlite_template, path)
    setup = make_engine(f"sqlite:///{path}")
    try:
        gw = build_grid_world(setup)
        with write_session(setup) as s:
            s.add(
                Resident(
                    household_id=gw.w.household,
                    name="张三",
                    gender="男",
                    birth_year=1980,
                    id_number=ident(1),
                    phone="13812345678",
                    relation="户主",
                )
            )
    finally:
        setup.dispose()
    saved = {k: os.environ.get(k) for k in ("GOV_DB_PATH", "GOV_MODE", "DATABASE_URL", "GOV_COOKIE_KEY")}
    os.environ.update(GOV_DB_PATH=str(path), GOV_MODE="production", GOV_COOKIE_KEY="h" * 40)
    os.environ.pop("DATABASE_URL", None)
    try:
        st_.cache_resource.clear()  # the pages' cached engine: this database
        eng = runtime.engine()
        assert str(eng.url.database) == str(path)
        yield _hostile_records(
            eng, {"admin": gw.w.admin, "grid": gw.grid, "zongzhi": gw.w.platform}, gw.w.village, gw.w
        )
    finally:
        st_.cache_resource.clear()  # later modules get the engine of their own database
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _hostile_records(eng, actors: dict[str, Actor], village: int, w) -> dict[str, Any]:
    admin, now = actors["admin"], utcnow() - timedelta(minutes=5)
    ids: dict[str, Any] = {"actors": actors}
    # a work order whose caller, address and description (hence its title) carry markup,
    # dispatched to the 综治 platform: its desk listed the title as markdown (an image drawn)
    o = orders.register(
        eng,
        admin,
        intake(
            w,
            caller_name=NAME_MARK,
            address=NAME_MARK,
            description=f"![{MARK}](http://t.invalid/x.png) {LONG_MARK}",
            contacted=True,
        ),
        now=now,
    )
    o = orders.dispatch(eng, admin, o["id"], o["version"], w.platform_id, w.dept, now=now)
    ids["order"] = o["number"]
    # roster: a party member with a hostile name and a score entry with a hostile reason
    m = roster_svc.create_party_member(
        eng,
        admin,
        ident(1),
        roster_svc.PartyInput(name=NAME_MARK, phone=None, grid_id=None, zone_id=None, team_id=None, joined_on=None),
    )
    roster_svc.add_score_entry(eng, admin, m["id"], m["version"], -1, LONG_MARK[:200])
    ids["member"] = m["id"]
    # grid events: an event with a hostile description and address, handled with a hostile note
    grid = actors["grid"]
    e = ge.report(eng, grid, ge.EventReport(event_type="safety", description=LONG_MARK, address=NAME_MARK), now=now)
    ge.handle_on_spot(eng, grid, e["id"], e["version"], LONG_MARK, now=now)
    ids["event"] = e["number"]
    # mediation: hostile title, summary, party, step participants and notes
    c = med.open_case(
        eng,
        admin,
        CaseInput(
            title=f"纠纷{NAME_MARK}",
            summary=LONG_MARK,
            village_id=village,
            parties=[PartyInput(NAME_MARK, None, None, "applicant")],
        ),
        now=now,
    )
    med.record_step(
        eng,
        admin,
        c["id"],
        c["version"],
        step_no=1,
        held_on=to_local(now).date(),
        participants=NAME_MARK,
        notes=LONG_MARK,
        risk_colour="blue",
        now=now,
    )
    ids["case"] = c["number"]
    # platforms: a 综治 patrol case with hostile title, description and a progress note
    zz = actors["zongzhi"]
    p = platforms.open_case(
        eng,
        zz,
        lead_platform_id=zz.platform_id,
        title=f"巡查{NAME_MARK}",
        description=LONG_MARK,
        village_id=village,
        source="patrol",
        now=now,
    )
    platforms.add_note(eng, zz, p["id"], p["version"], note=LONG_MARK, now=now)
    ids["platform_case"] = p["number"]
    return ids


def page(path: str, actor, **params):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / path), default_timeout=60)
    at.session_state["gov_actor"] = actor
    for k, v in params.items():
        at.query_params[k] = str(v)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


PAGES = {
    "roster": ("pages/roster.py", "admin", "member", "member"),
    "grid_events": ("pages/grid_events.py", "admin", "event", "event"),
    "mediation": ("pages/mediation.py", "admin", "case", "case"),
    "platforms": ("pages/platform_desk.py", "zongzhi", "case", "platform_case"),
}
# st.table renders every cell, column header and index label as GitHub-flavoured markdown
# (Streamlit's own docstring), so components.ui.table escapes each string: the roster's 考评记录
# (事由), the grid event and platform timelines (说明), the mediation case's info, party and
# step tables were live markup before.


@pytest.mark.parametrize("module", list(PAGES))
def test_page_markdown_shows_hostile_text_inert(ui_db, module):
    """st.markdown / st.caption: the hostile record's text is escaped (components.ui.esc), never
    passed with unsafe_allow_html."""
    path, who, param, key = PAGES[module]
    at = page(path, ui_db["actors"][who], **{param: ui_db[key]})
    assert shown(at), "the hostile record did not reach the page"
    assert live_markup(at, MARKDOWN_KINDS) == []


LISTS = {  # the list views, where the hostile records appear among others
    "inbox": ("pages/inbox.py", "admin"),
    "platform desk": ("pages/platform_desk.py", "zongzhi"),
    "grid events": ("pages/grid_events.py", "admin"),
    "mediation": ("pages/mediation.py", "admin"),
}


@pytest.mark.parametrize("view", list(LISTS))
def test_list_views_show_hostile_text_inert(ui_db, view):
    """Issue #24 item 4: an order title holding a markdown image was drawn as an image in the
    platform desk's list. Every list view, every kind of rendered text."""
    from tests.factories.pages import run_via_app

    path, who = LISTS[view]
    at = run_via_app(path, ui_db["actors"][who])  # through the navigation: lists link to other pages
    assert not at.exception, [e.value for e in at.exception]
    assert shown(at), "the hostile record did not reach the list"
    assert live_markup(at, MARKDOWN_KINDS | OTHER_KINDS) == []


@pytest.mark.parametrize("module", list(PAGES))
def test_page_headings_tables_and_labels_show_hostile_text_inert(ui_db, module):
    """Headings, alerts, st.table cells, expander/tab/metric/button labels render markdown too:
    user text in them must be escaped as well (st.table through components.ui.table)."""
    path, who, param, key = PAGES[module]
    at = page(path, ui_db["actors"][who], **{param: ui_db[key]})
    assert shown(at)
    assert live_markup(at, OTHER_KINDS) == []


@pytest.mark.parametrize("param", ["member", "household"])
@pytest.mark.parametrize("value", ["²", "99999999999999999999", "0", "-1", "１", "1e3", " "])
def test_roster_deep_link_with_a_hostile_id_is_not_a_crash(ui_db, param, value):
    """A deep link's id is ASCII digits within 64 bits (components.ui.param_id), else the link is
    ignored with a note: '²' is a digit to str.isdigit() but int('²') raised ValueError, and a
    20-digit id overflowed SQLite's 64-bit INTEGER (OverflowError) — an exception on the page."""
    at = page("pages/roster.py", ui_db["actors"]["admin"], **{param: value})
    if value.strip():
        assert any("无效" in str(i.value) for i in at.info), [str(i.value) for i in at.info]
