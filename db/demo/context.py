"""Shared state of one generator run: the random stream, the clock, scale parameters,
id allocation, and the in-memory organisation that later stages draw from.

All timestamps are naive UTC, truncated to whole seconds. China has had no daylight
saving time since 1991, so local (Asia/Shanghai) wall time is simply UTC + 8 hours.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate

from db.demo.identity import Identities
from db.demo.writer import BulkWriter
from db.models import Base
from db.rules.sla import HolidayCalendar, add_workdays

LOCAL_OFFSET = timedelta(hours=8)
# the history starts on 1 January this many years before the anchor's year (two to three years)
HISTORY_YEARS = 2
# activity by month (summer flood season and "三夏" peak, Spring Festival dip)
MONTH_FACTOR = (0.0, 0.8, 0.72, 0.92, 1.0, 1.05, 1.2, 1.3, 1.25, 1.02, 1.0, 0.95, 0.85)
WORKING_HOURS = tuple(1.0 if 8 <= h < 18 else (0.3 if h in (7, 18, 19) else 0.0) for h in range(24))

ProgressFn = Callable[[str, int], None]


@dataclass(frozen=True)
class ScaleSpec:
    """Volumes of one scale. Volumes of records that grow with activity (events,
    disputes, platform cases...) are given for ``default_orders`` and scaled with the
    actual order count; the organisation and the work logs do not scale."""

    name: str
    default_orders: int
    grid_events: int
    disputes: int
    platform_cases: int
    routine_inspections: int
    service_requests: int
    households_rural: tuple[int, int]
    households_community: tuple[int, int]
    households_special: tuple[int, int]
    worklog_days: int
    worklog_probability: float
    visit_months: int
    # orders received before now - full_timeline_days keep only their first and last events
    full_timeline_days: int | None


SCALES: dict[str, ScaleSpec] = {
    "township": ScaleSpec(
        name="township",
        default_orders=5_000,
        grid_events=14_000,
        disputes=700,
        platform_cases=480,
        routine_inspections=220,
        service_requests=3_000,
        households_rural=(36, 56),
        households_community=(60, 90),
        households_special=(0, 10),
        worklog_days=365,
        worklog_probability=0.45,
        visit_months=12,
        full_timeline_days=None,
    ),
    "county": ScaleSpec(
        name="county",
        default_orders=1_000_000,
        grid_events=500_000,
        disputes=50_000,
        platform_cases=20_000,
        routine_inspections=8_000,
        service_requests=120_000,
        households_rural=(6, 10),
        households_community=(10, 16),
        households_special=(0, 4),
        worklog_days=60,
        worklog_probability=0.4,
        visit_months=6,
        full_timeline_days=120,
    ),
}


def history_start(now: datetime) -> datetime:
    """Naive UTC of 00:00 local on 1 January, HISTORY_YEARS before the local year of ``now``."""
    year = (now + LOCAL_OFFSET).year - HISTORY_YEARS
    return datetime(year, 1, 1) - LOCAL_OFFSET


# --------------------------------------------------------------------------- organisation


@dataclass(slots=True, eq=False)
class Person:
    id: int
    name: str
    gender: str
    birth_year: int
    id_number: str
    phone: str | None
    tags: tuple[str, ...]
    household: Household
    relation: str
    is_party: bool = False


@dataclass(slots=True, eq=False)
class Household:
    id: int
    grid: Grid
    address: str
    residents: list[Person] = field(default_factory=list)
    unit_id: int | None = None

    def adults_with_phone(self, now_year: int) -> list[Person]:
        return [p for p in self.residents if p.phone and now_year - p.birth_year >= 18]


@dataclass(slots=True, eq=False)
class Staff:
    id: int
    grid: Grid
    name: str
    phone: str
    role: str  # chief / worker
    employment: str


@dataclass(slots=True, eq=False)
class Mediator:
    id: int
    name: str
    phone: str
    level: str
    speciality: str | None


@dataclass(slots=True, eq=False)
class Grid:
    id: int
    village: Village
    kind: str
    name: str
    code: str
    label: str  # what {v} reads as in texts: the village, or the special place
    places: tuple[str, ...]  # what {p} reads as
    households: list[Household] = field(default_factory=list)
    staff: list[Staff] = field(default_factory=list)
    zone_id: int | None = None


@dataclass(slots=True, eq=False)
class Village:
    id: int
    township: Township
    name: str
    kind: str
    code: str
    grids: list[Grid] = field(default_factory=list)
    mediators: list[Mediator] = field(default_factory=list)
    party_members: list[int] = field(default_factory=list)
    team_ids: list[int] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Platform:
    id: int
    code: str
    name: str
    departments: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class Township:
    id: int
    code: str
    name: str
    villages: list[Village] = field(default_factory=list)
    platforms: dict[str, Platform] = field(default_factory=dict)
    mediators: list[Mediator] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    grid_cum: list[float] = field(default_factory=list)  # cumulative activity weights

    def pick_grid(self, rng: random.Random) -> Grid:
        return rng.choices(self.grids, cum_weights=self.grid_cum)[0]


@dataclass(slots=True, eq=False)
class CategoryInfo:
    id: int
    code: str
    name: str
    top_name: str
    tier: str
    platform: str
    department: str
    workdays: int
    titles: tuple[str, ...]
    details: tuple[str, ...]
    results: tuple[str, ...]
    dispute_type: str | None
    petition: float


# --------------------------------------------------------------------------- context


class Context:
    """Everything a generation stage needs."""

    def __init__(
        self,
        *,
        rng: random.Random,
        now: datetime,
        spec: ScaleSpec,
        orders: int,
        calendar: HolidayCalendar,
        writer: BulkWriter,
        progress: ProgressFn | None,
    ):
        self.rng = rng
        self.now = now.replace(microsecond=0)
        self.now_local = self.now + LOCAL_OFFSET
        self.today = self.now_local.date()
        self.now_year = self.today.year
        self.start = history_start(self.now)  # naive UTC
        self.spec = spec
        self.orders = orders
        self.factor = orders / spec.default_orders
        self.calendar = calendar
        self.writer = writer
        self.ids = Identities(rng)
        self._progress = progress
        self._next_id: dict[str, int] = {}
        self._deadline_cache: dict[tuple[int, int], datetime] = {}
        self.townships: list[Township] = []
        self.categories: list[CategoryInfo] = []
        self.category_cum: list[float] = []
        self.counters: dict[tuple[str, int], int] = {}
        # pools handed from one stage to the next
        self.grid_orders: list[tuple] = []
        self.call_orders: list[tuple] = []  # calls and petitions of households (cross-channel repeats)
        self.dispute_orders: list[tuple] = []
        self.platform_orders: list[tuple] = []
        self.mediation_events: list[tuple] = []
        self.platform_events: list[tuple] = []

    def reserve_ids(self, model: type[Base], last_id: int) -> None:
        """Continue ``model``'s ids after ``last_id`` (rows that existed before the run)."""
        self._next_id[model.__tablename__] = max(self._next_id.get(model.__tablename__, 0), last_id)

    def pick(self, population: Sequence, cum_weights: Sequence[float]):
        """``rng.choices(population, cum_weights=...)[0]`` without its per-call overhead
        (the same draw: one ``random()`` and the same bisection)."""
        return population[bisect(cum_weights, self.rng.random() * cum_weights[-1], 0, len(cum_weights) - 1)]

    # ids and numbers --------------------------------------------------------
    def next_id(self, model: type[Base]) -> int:
        """The next explicit primary key of ``model``'s table (1, 2, ...)."""
        name = model.__tablename__
        value = self._next_id.get(name, 0) + 1
        self._next_id[name] = value
        return value

    def number(self, prefix: str, at_utc: datetime) -> str:
        """Next readable number (RX-2026-000123) in the local year of ``at_utc``."""
        year = (at_utc + LOCAL_OFFSET).year
        seq = self.counters.get((prefix, year), 0) + 1
        self.counters[(prefix, year)] = seq
        return f"{prefix}-{year}-{seq:06d}"

    def scaled(self, base: int, floor: int = 0) -> int:
        return max(floor, round(base * self.factor))

    def add(self, model: type[Base], row: dict) -> None:
        self.writer.add(model.__tablename__, row)

    def progress(self, stage: str, count: int) -> None:
        if self._progress is not None:
            self._progress(stage, count)

    # time -------------------------------------------------------------------
    def deadline(self, start_utc: datetime, workdays: int) -> datetime:
        """add_workdays with a cache keyed by the local start date (its only input)."""
        key = ((start_utc + LOCAL_OFFSET).toordinal(), workdays)
        hit = self._deadline_cache.get(key)
        if hit is None:
            hit = add_workdays(start_utc, workdays, self.calendar)
            self._deadline_cache[key] = hit
        return hit

    def between(self, a: datetime, b: datetime) -> datetime:
        """A uniformly random whole-second instant in [a, b]."""
        span = int((b - a).total_seconds())
        return a + timedelta(seconds=self.rng.randint(0, max(span, 0)))

    def local_date(self, ts: datetime) -> date:
        return (ts + LOCAL_OFFSET).date()

    def at_local(self, day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
        """Naive UTC of a local wall time."""
        return datetime(day.year, day.month, day.day, hour, minute, second) - LOCAL_OFFSET

    def random_past(
        self, start: datetime | None = None, end: datetime | None = None, day_hours: tuple[int, int] = (8, 18)
    ) -> datetime:
        """A random local working-hours instant between start and end (UTC), < now."""
        start = start or self.start
        end = min(end or self.now, self.now)
        if end <= start:
            return start
        for _ in range(8):
            day = self.local_date(self.between(start, end))
            ts = self.at_local(
                day, self.rng.randint(day_hours[0], day_hours[1] - 1), self.rng.randint(0, 59), self.rng.randint(0, 59)
            )
            if start <= ts <= end:
                return ts
        return self.between(start, end)

    def sample_times(
        self, n: int, hour_weights: Sequence[float] = WORKING_HOURS, start: datetime | None = None, growth: float = 1.1
    ) -> list[datetime]:
        """``n`` sorted instants from ``start`` (default: the history's start) to ``now``:
        activity grows linearly by ``growth`` over the period, dips on weekends and
        holidays and follows MONTH_FACTOR; the hour of day follows ``hour_weights``."""
        rng = self.rng
        if n <= 0:
            return []
        first = self.local_date(start or self.start)
        days: list[date] = []
        weights: list[float] = []
        span = (self.today - first).days or 1
        d = first
        while d <= self.today:
            frac = (d - first).days / span
            w = (1.0 + growth * frac) * MONTH_FACTOR[d.month]
            w *= 1.0 if self.calendar.is_workday(d) else 0.62
            if d == self.today:
                w *= max(self.now_local.hour, 1) / 24
            days.append(d)
            weights.append(w)
            d += timedelta(days=1)
        picks = rng.choices(range(len(days)), cum_weights=list(accumulate(weights)), k=n)
        hours = list(range(24))
        hour_cum = list(accumulate(hour_weights))
        out: list[datetime] = []
        for idx in picks:
            day = days[idx]
            ts = self.at_local(day, rng.choices(hours, cum_weights=hour_cum)[0], rng.randint(0, 59), rng.randint(0, 59))
            if ts >= self.now:
                ts = self.between(
                    max(self.at_local(day, 0), self.now - timedelta(hours=10)), self.now - timedelta(minutes=1)
                )
            out.append(ts)
        out.sort()
        return out
