"""KPI definitions (指标口径) and their aggregation in SQL.

Every KPI is a ratio ``hit / n`` (or an average over ``n``, or a count with its base ``n``)
over a *cohort* of records. The cohort and the hit condition of each KPI are written once, as SQL over one
``work_order`` row, in ``db/rules/kpi_defs.py``: the triggers of the summary tables
(``db/stats.py``) are built from them, and so are the aggregate here (``order_stats``: GROUP BY
with CASE sums, optionally by a dimension or by time bucket) and the drill-down list
(``drill_page``), so the list a leader opens is exactly the records counted. ``ORDER_METRICS``
holds what is shown of each KPI (its name, kind and written definition).

Periods are local (Asia/Shanghai) calendar days; in SQL they are half-open naive-UTC ranges
``[since, until)`` built with ``db.rules.sla.local_midnight``. Time buckets for trends are one
range aggregate per bucket (the boundaries are local midnights), the same on SQLite and
PostgreSQL.

Dispute KPIs come from ``db.queries.mediation.resolution_stats`` and grid-event counts from
``db.queries.grid_events.worker_counts``; they are not redefined here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, false, func, literal, literal_column, not_, or_, select, true
from sqlalchemy.orm import Session

from db.models import (
    Category,
    Department,
    Grid,
    GridEvent,
    GridStaff,
    Household,
    MediationParty,
    Platform,
    Township,
    Village,
    WorkOrder,
)
from db.models import RecordLink as RL
from db.models.orders import CHANNELS, OPEN_STATUSES, TIERS
from db.models.stats import COUNTERS as STAT_COUNTERS
from db.models.stats import OrderStatsDay as SD
from db.models.stats import OrderStatsMonth as SM
from db.queries import privacy
from db.queries.mediation import resolution_stats
from db.rules.kpi_defs import CLOSED_DONE, COHORTS, COUNTER_DEFS, METRICS, Row
from db.rules.masking import scrub_text
from db.rules.sla import CONTACT_HOURS, local_midnight, local_to_utc, to_local
from db.stats import DIMENSION_COLUMNS

W = WorkOrder
PERIOD_KINDS = {"week": "周", "month": "月", "quarter": "季度", "year": "年", "custom": "自定义"}
PERIOD_NOUN = {"week": "周", "month": "月", "quarter": "季度", "year": "年", "custom": "期"}


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """Local calendar days ``start`` .. ``end`` inclusive."""

    kind: str
    start: date
    end: date

    @property
    def since(self) -> datetime:
        return local_midnight(self.start)

    @property
    def until(self) -> datetime:
        return local_midnight(self.end + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        if self.start == self.end:
            return f"{self.start:%Y-%m-%d}"
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"

    def previous(self) -> Period:
        """The period before: the previous week/month/quarter/year, or as many days before."""
        if self.kind == "week":
            return Period("week", self.start - timedelta(days=7), self.start - timedelta(days=1))
        if self.kind in ("month", "quarter", "year"):
            months = {"month": 1, "quarter": 3, "year": 12}[self.kind]
            start = _add_months(self.start, -months)
            return Period(self.kind, start, self.start - timedelta(days=1))
        return Period("custom", self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def year_before(self) -> Period:
        """The same days one year earlier (29 February falls back to the 28th)."""
        return Period(self.kind, _minus_year(self.start), _minus_year(self.end))


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, 1)


def _minus_year(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def in_progress(period: Period, now: datetime) -> bool:
    """True while ``now`` lies inside the period: its counts are still growing and its rates
    taken over orders received in it are still low (an order received yesterday is rarely closed)."""
    return period.since <= now < period.until


def period_name(period: Period, today: date) -> str:
    """本周（进行中） / 上周 / 本月（进行中） / 上月 … for the period containing ``today`` and the one
    before it; a custom range or an older period by its dates."""
    if period.kind == "custom":
        return "自定义时段"
    noun = PERIOD_NOUN[period.kind]
    current = period_of(period.kind, today)
    if period == current:
        return f"本{noun}（进行中）"
    if period == current.previous():
        return f"上{noun}"
    return period.label


def period_of(kind: str, today: date, start: date | None = None, end: date | None = None) -> Period:
    """The week (Monday to Sunday), month, quarter or year containing ``today``, or a custom range."""
    if kind == "week":
        monday = today - timedelta(days=today.weekday())
        return Period(kind, monday, monday + timedelta(days=6))
    if kind == "month":
        first = today.replace(day=1)
        return Period(kind, first, _add_months(first, 1) - timedelta(days=1))
    if kind == "quarter":
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return Period(kind, first, _add_months(first, 3) - timedelta(days=1))
    if kind == "year":
        return Period(kind, date(today.year, 1, 1), date(today.year, 12, 31))
    if kind == "custom":
        if start is None or end is None or end < start:
            raise ValueError("自定义时段须给出开始和结束日期，且结束不早于开始")
        return Period(kind, start, end)
    raise ValueError(f"未知的统计周期：{kind}")


def buckets(period: Period, grain: str) -> list[Period]:
    """The weeks (Monday-based) or months that cover ``period``, clipped to it."""
    out: list[Period] = []
    if grain == "week":
        cur = period.start - timedelta(days=period.start.weekday())
        while cur <= period.end:
            out.append(Period("week", max(cur, period.start), min(cur + timedelta(days=6), period.end)))
            cur += timedelta(days=7)
    elif grain == "month":
        cur = period.start.replace(day=1)
        while cur <= period.end:
            nxt = _add_months(cur, 1)
            out.append(Period("month", max(cur, period.start), min(nxt - timedelta(days=1), period.end)))
            cur = nxt
    elif grain == "day":
        cur = period.start
        while cur <= period.end:
            out.append(Period("custom", cur, cur))
            cur += timedelta(days=1)
    else:
        raise ValueError(grain)
    return out


def short_label(p: Period, grain: str) -> str:
    """A compact axis label: 11-02 (day), 11-02周 (week from that Monday), 2026-11 (month)."""
    if grain == "day":
        return f"{p.start:%m-%d}"
    if grain == "week":
        return f"{p.start:%m-%d}周"
    return f"{p.start:%Y-%m}"


def trend_span(period: Period) -> tuple[Period, str]:
    """The history a trend shows for a period: the 12 weeks ending with a week, the 12 months
    ending with a month or quarter, the months of a year; a custom range as chosen."""
    if period.kind == "week":
        return Period("custom", period.start - timedelta(days=7 * 11), period.end), "week"
    if period.kind in ("month", "quarter"):
        return Period("custom", _add_months(period.end.replace(day=1), -11), period.end), "month"
    if period.kind == "year":
        return period, "month"
    return period, default_grain(period)


def default_grain(period: Period) -> str:
    if period.days <= 14:
        return "day"
    if period.days <= 120:
        return "week"
    return "month"


# --------------------------------------------------------------------------- dialect helpers


def hours_between(s: Session, start, end):
    """``end - start`` in hours, in SQL, on SQLite and PostgreSQL."""
    if s.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


# --------------------------------------------------------------------------- definitions


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    kind: str  # rate / avg / count
    cohort: str  # received / callback
    definition: str
    higher_is_better: bool = True
    unit: str = ""


RECEIVED_BASE = "受理时间在所选时段内的工单，不含已撤销和被标记为重复的工单"

ORDER_METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            "closure", "办结率", "rate", "received", f"已办结（已办结或已回访）÷ 受理工单数。样本：{RECEIVED_BASE}。"
        ),
        Metric(
            "on_time",
            "按期办结率",
            "rate",
            "received",
            "办结时间不晚于办理时限（含已批准的延期）的工单 ÷ 已办结且有办理时限的工单。"
            f"样本：{RECEIVED_BASE}中已办结、曾派单定时限的；受理即办结的“即办”事项没有办理时限，不计入。",
        ),
        Metric(
            "contact",
            f"{CONTACT_HOURS}小时首次联系率",
            "rate",
            "received",
            f"首次联系时间减受理时间不超过{CONTACT_HOURS}小时的工单 ÷ 受理工单数"
            f"（受理时当场答复的即办事项算作{CONTACT_HOURS}小时内联系）。"
            f"样本：{RECEIVED_BASE}。",
        ),
        Metric(
            "satisfaction",
            "满意率",
            "rate",
            "callback",
            "回访评价为“满意”或“基本满意”的 ÷ 有满意度评价的回访数。样本：回访时间在所选时段内、有评价的工单"
            "（与工作台“近30天满意率”口径相同）。",
        ),
        Metric(
            "handling_days",
            "平均办理时长",
            "avg",
            "received",
            f"（办结时间 − 受理时间）的平均值，以天计（自然日，含非工作日）。样本：{RECEIVED_BASE}中已办结的。",
            higher_is_better=False,
            unit="天",
        ),
        Metric(
            "overdue",
            "本期受理中超期",
            "count",
            "received",
            "所选时段内受理、有办理时限的工单中，办结晚于时限、或至今未办结且已过时限的件数；n 为有办理时限的工单数。"
            "（此刻全部在办工单中超期的件数见工作台和督办清单的“超期未办结”。）"
            f"样本：{RECEIVED_BASE}。",
            higher_is_better=False,
            unit="件",
        ),
        Metric(
            "supervised",
            "本期受理中督办",
            "count",
            "received",
            "所选时段内受理的工单中被列入过党委督办（黄色或红色）的件数；n 为受理工单数。"
            f"样本：{RECEIVED_BASE}。（此刻在办的督办件见督办清单的“督办中”。）",
            higher_is_better=False,
            unit="件",
        ),
        Metric(
            "redispatch",
            "重新派单率",
            "rate",
            "received",
            "被承办单位退回后重新派单、或回访不满意后重新交办过的工单 ÷ 派过单的工单。"
            f"样本：{RECEIVED_BASE}中派过单的。",
            higher_is_better=False,
        ),
        Metric(
            "petitions",
            "信访件数",
            "count",
            "received",
            "渠道为“信访”的工单件数，并与上年同期（同样的日期往前推一年，"
            "统计到上年同一日期时刻为止）比较；n 为全部受理工单数。"
            f"样本：{RECEIVED_BASE}。",
            higher_is_better=False,
            unit="件",
        ),
    )
}

OTHER_METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            "dispute_resolution",
            "纠纷化解率",
            "rate",
            "mediation",
            "登记时间在所选时段内的矛盾纠纷中，已达成调解协议或已销号的比例（不含隐患），口径见“矛盾纠纷台账”模块。",
        ),
        Metric(
            "village_share",
            "化解在村比例",
            "rate",
            "mediation",
            "已化解（已达成调解协议或已销号）的纠纷中在村级化解（未上交镇级）的比例，“小事不出村”。",
        ),
        Metric(
            "events_per_worker",
            "人均网格事件",
            "avg",
            "grid",
            "所选时段内在岗网格员（含网格长）上报的网格事件数 ÷ 在岗人数；"
            "n 为在岗人数。在岗按现在的名单计，环比的上期也按现在的名单计。",
            unit="件/人",
        ),
    )
}


def _row(s: Session | None = None) -> Row:
    """``work_order`` as the scan writes it, for the definitions of ``db/rules/kpi_defs.py`` (the
    session gives the dialect, for hours). Its duplicate test reads ``duplicate_of_id + 0 IS NULL``
    (the same truth value): the expression keeps SQLite from driving the scan with
    ``ix_work_order_duplicate_of``, an equality that matches nearly every order, instead of the
    received_at range. Without statistics SQLite rates the equality as more selective and read
    the whole table through it (measured: 45 ms instead of 17 ms for a year of 20,000 orders)."""
    t = W.__tablename__
    return Row(t, None if s is None else s.get_bind().dialect.name, duplicate_of_id=f"({t}.duplicate_of_id + 0)")


def _sql(condition: str) -> Any:
    """SQL of ``db/rules/kpi_defs.py`` in a statement, in parentheses (SQLAlchemy does not group
    literal SQL)."""
    return literal_column(f"({condition})")


_ALL = true()  # the cohort condition of metrics over every received order (summed as count(*))


def _when(counter: str, row: Row) -> Any:
    """The condition under which an order counts in ``counter`` (``_ALL``: every order of its cohort)."""
    when = COUNTER_DEFS[counter].when
    return _ALL if when is None else _sql(when(row))


def _window(cohort: str, since: datetime, until: datetime) -> list:
    """The orders of ``cohort`` (``db.rules.kpi_defs.COHORTS``) over ``[since, until)`` of its time column."""
    c = COHORTS[cohort]
    at = getattr(W, c.at)
    return [at >= since, at < until, _sql(c.where(_row()))]


def _base(since: datetime, until: datetime) -> list:
    return _window("received", since, until)


def cohort(since: datetime, until: datetime) -> list:
    """The received cohort's conditions over ``[since, until)`` (not cancelled, not a duplicate),
    for other modules counting orders the KPI way (the weekly report's top lists)."""
    return _base(since, until)


def _metric_sql(s: Session, key: str, now: datetime) -> tuple[Any, Any]:
    """(extra cohort condition beyond the base, hit condition) of a received-cohort metric: the
    conditions of its two counters (``db.rules.kpi_defs.METRICS``). The hit condition is complete
    (it includes the extra cohort condition), as the triggers count it."""
    n, hit = METRICS[key]
    if COUNTER_DEFS[n].cohort != "received":
        raise KeyError(key)
    row = _row(s)
    cohort, met = _when(n, row), _when(hit, row)
    if key == "overdue":
        # the counter holds the orders resolved late; an order still open and past due at ``now``
        # is added here. Each branch is TRUE or FALSE, never NULL (an open order not yet due has
        # resolved_at NULL): the drill-down's "not met" list is the cohort AND NOT hit
        met = or_(met, and_(W.resolved_at.is_(None), W.status.in_(OPEN_STATUSES), W.due_at < now))
    return cohort, met


def _callback_cohort(since: datetime, until: datetime) -> list:
    return _window("callback", since, until)


# --------------------------------------------------------------------------- dimensions

# dimension -> (label, work_order column, (id column, name column) for labels, or a dict of the
# value's labels). The summary tables (db/stats.py) keep the dimensions of ``DIMENSION_COLUMNS``;
# another one (分级) is always scanned from work_order.
DIMENSIONS: dict[str, tuple[str, Any, Any]] = {
    "township": ("乡镇", W.township_id, (Township.id, Township.name)),
    "village": ("村（社区）", W.village_id, (Village.id, Village.name)),
    "grid": ("网格", W.grid_id, (Grid.id, Grid.name)),
    "platform": ("平台", W.platform_id, (Platform.id, Platform.name)),
    "department": ("部门", W.department_id, (Department.id, Department.name)),
    "category": ("类别", W.category_id, (Category.id, Category.name)),
    "channel": ("渠道", W.channel, CHANNELS),
    # the tiers with behaviour (issue #21, item 5): 即办 answered at once, 就地办 by the village,
    # 吹哨办 by a lead department with assisting ones
    "tier": ("分级", W.tier, TIERS),
}


# the group of orders without a value: a 就地办 order has no platform or department (its village handles it)
NONE_LABELS = {"platform": "（无：就地办或未派单）", "department": "（无：就地办或未派单）"}


def _labels(s: Session, by: str, keys: list) -> dict:
    spec = DIMENSIONS[by][2]
    if isinstance(spec, dict):
        return {k: spec.get(k, k) for k in keys}
    wanted = [k for k in keys if k is not None]
    out: dict = {}
    for chunk in range(0, len(wanted), 500):
        part = wanted[chunk : chunk + 500]
        out.update(dict(s.execute(select(spec[0], spec[1]).where(spec[0].in_(part))).all()))
    return out


def _bucket_ranges(points: list[Period], since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
    """``[since, until)`` cut at the bucket boundaries: bucket 0 takes everything before the end
    of the first point, the last bucket everything from the end of the one before it (the same
    split a CASE over the upper bounds makes). Empty ranges stay in place (counted as zero)."""
    bounds = [since] + [max(since, min(until, p.until)) for p in points[:-1]] + [until]
    return [(bounds[i], max(bounds[i], bounds[i + 1])) for i in range(len(points))]


# --------------------------------------------------------------------------- aggregates


def _empty_counts() -> dict[str, int | float]:
    out: dict[str, int | float] = {"received": 0}
    for k in ORDER_METRICS:
        out[f"{k}_n"] = 0
        out[f"{k}_hit"] = 0
    out["handling_hours"] = 0.0
    return out


def finish(row: dict) -> dict:
    """Add ``<metric>`` values (rates as fractions, averages in days; None when n is 0)."""
    for key, m in ORDER_METRICS.items():
        n, hit = row[f"{key}_n"], row[f"{key}_hit"]
        if m.kind == "rate":
            row[key] = hit / n if n else None
        elif m.kind == "avg":
            row[key] = row["handling_hours"] / 24.0 / n if n else None
        else:
            row[key] = hit
    return row


def order_stats(
    s: Session,
    since: datetime,
    until: datetime,
    now: datetime,
    by: str | None = None,
    points: list[Period] | None = None,
    where: tuple = (),
) -> list[dict]:
    """Every order KPI over ``[since, until)``: one row in total, one per ``by`` value, or one
    per time bucket in ``points``. Each row holds ``<metric>_n`` (sample size), ``<metric>_hit``
    and ``<metric>`` (the value), plus ``key`` and ``label``.

    Whole local days (totals, trends) and whole local months (by a dimension) are read from the
    summary tables kept by triggers (``db/stats.py``): a year is ≤ 366 day rows instead of every
    order received in it. The rest of the window (the part of a day or month at either edge) is
    scanned (``_scan_stats``), and so is everything when ``where`` filters are given. The one
    counter that depends on ``now``, an open order past its due time, is counted live from the
    open orders. The answer is the scan's, row for row (``tests/test_kpi_stats.py``)."""
    if by is not None and points is not None:
        raise ValueError("by and points are exclusive")
    if where:
        return _scan_stats(s, since, until, now, by=by, points=points, where=where)
    if by is not None and by not in DIMENSION_COLUMNS:  # not kept in the summary tables
        return _scan_stats(s, since, until, now, by=by)
    if by is not None:
        return _stats_by(s, since, until, now, by)
    ranges = _bucket_ranges(points, since, until) if points is not None else [(since, max(since, until))]
    rows = _stats_buckets(s, ranges, now)
    if points is None:
        return [finish({**rows[0], "key": None, "label": "全部"})]
    return [
        finish({**row, "key": i, "label": p.label, "start": p.start, "end": p.end})
        for i, (row, p) in enumerate(zip(rows, points, strict=True))
    ]


# --------------------------------------------------------------------------- summary tables


def _day_start(d: date) -> datetime:
    return local_to_utc(datetime.combine(d, datetime.min.time()))


def _ceil_day(ts: datetime) -> date:
    local = to_local(ts)
    return local.date() if local.time() == datetime.min.time() else local.date() + timedelta(days=1)


def _floor_day(ts: datetime) -> date:
    return to_local(ts).date()


def _ceil_month(ts: datetime) -> date:
    d = _ceil_day(ts)
    return d if d.day == 1 else _add_months(d.replace(day=1), 1)


def _floor_month(ts: datetime) -> date:
    return _floor_day(ts).replace(day=1)


def _from_table(r: Any) -> dict[str, int | float]:
    """A summary-table row (or a sum of rows) in the layout of ``_empty_counts``; the live part
    of ``overdue_hit`` (open orders past due) is added by the caller."""
    out = _empty_counts()
    out["received"] = int(r.received or 0)
    for key, (n, hit) in METRICS.items():
        out[f"{key}_n"] = int(getattr(r, n) or 0)
        if COUNTER_DEFS[hit].value is not None:  # handling_hours, summed for the average
            out[hit] = float(getattr(r, hit) or 0.0)
        else:
            out[f"{key}_hit"] = int(getattr(r, hit) or 0)
    return out


def _add_counts(into: dict, other: dict) -> None:
    for k in into:
        into[k] += other[k]


def _live_overdue(s: Session, since: datetime, until: datetime, now: datetime, col=None) -> list:
    """(received_at, dimension value) of the open orders received in ``[since, until)`` and past
    their due time at ``now``: the part of "overdue" that changes with the clock. Read through the
    open-status index (open orders are a few thousand even at county scale)."""
    q = select(W.received_at, col if col is not None else literal(None)).where(
        *_base(since, until),
        W.status.in_(OPEN_STATUSES),
        W.resolved_at.is_(None),
        W.due_at.is_not(None),
        W.due_at < now,
    )
    return list(s.execute(q))


def _stats_buckets(s: Session, ranges: list[tuple[datetime, datetime]], now: datetime, live: bool = True) -> list[dict]:
    """Counts for each range: its whole local days from ``order_stats_day``, its partial days at
    either edge scanned. ``live=False`` skips the count of open orders past due (for callers
    that do not read ``overdue``)."""
    out = [_empty_counts() for _ in ranges]
    spans = []  # (bucket, first whole day, day after the last whole day)
    for i, (a, b) in enumerate(ranges):
        if a >= b:
            continue
        da, db_ = _ceil_day(a), _floor_day(b)
        if da >= db_:  # no whole day inside: scan it all
            _add_counts(out[i], _scan_counts(s, a, b, now))
            continue
        spans.append((i, da, db_))
        for x, y in ((a, _day_start(da)), (_day_start(db_), b)):
            if x < y:
                _add_counts(out[i], _scan_counts(s, x, y, now))
    if not spans:
        return out
    first, last = min(sp[1] for sp in spans), max(sp[2] for sp in spans)
    # one row per township and day: summed (a township's user reads only its own, db/scope.py)
    by_day = {
        r.day: r
        for r in s.execute(
            select(SD.day, *[func.sum(getattr(SD, c)).label(c) for c in STAT_COUNTERS])
            .where(SD.day >= first, SD.day < last)
            .group_by(SD.day)
        )
    }
    for i, da, db_ in spans:
        for day, r in by_day.items():
            if da <= day < db_:
                _add_counts(out[i], _from_table(r))
    for received_at, _ in _live_overdue(s, _day_start(first), _day_start(last), now) if live else ():
        day = _floor_day(received_at)
        for i, da, db_ in spans:
            if da <= day < db_:
                out[i]["overdue_hit"] += 1
                break
    return out


def _scan_counts(s: Session, since: datetime, until: datetime, now: datetime) -> dict:
    row = _scan_stats(s, since, until, now)[0]
    return {k: row[k] for k in _empty_counts()}


def _table_key(by: str, key: str) -> Any:
    if key == "":
        return None
    return key if by == "channel" else int(key)


def _stats_by(s: Session, since: datetime, until: datetime, now: datetime, by: str, live: bool = True) -> list[dict]:
    """Counts per value of ``by``: the whole local months of the window from
    ``order_stats_month``, the partial months at either edge scanned. ``live=False`` skips the
    count of open orders past due (for callers that read only ``received``)."""
    rows: dict[Any, dict] = {}

    def merge(key: Any, counts: dict) -> None:
        if key in rows:
            _add_counts(rows[key], counts)
        else:
            rows[key] = dict(counts)

    def scan(a: datetime, b: datetime) -> None:
        for r in _scan_stats(s, a, b, now, by=by):
            merge(r["key"], {k: r[k] for k in _empty_counts()})

    ma, mb = _ceil_month(since), _floor_month(until)
    if since >= until:
        pass  # an empty window: nothing counted
    elif ma >= mb:
        scan(since, until)
    else:
        for x, y in ((since, _day_start(ma)), (_day_start(mb), until)):
            if x < y:
                scan(x, y)
        sums = [func.sum(getattr(SM, c)).label(c) for c in STAT_COUNTERS]
        for r in s.execute(select(SM.key, *sums).where(SM.dim == by, SM.month >= ma, SM.month < mb).group_by(SM.key)):
            merge(_table_key(by, r.key), _from_table(r))
        for _, k in _live_overdue(s, _day_start(ma), _day_start(mb), now, DIMENSIONS[by][1]) if live else ():
            merge(k, _empty_counts())
            rows[k]["overdue_hit"] += 1
    rows = {k: v for k, v in rows.items() if v["received"] or v["satisfaction_n"]}
    labels = _labels(s, by, list(rows))
    out = [
        finish(
            {
                **row,
                "key": k,
                "label": labels.get(k, "（未指定）") if k is not None else NONE_LABELS.get(by, "（未指定）"),
            }
        )
        for k, row in rows.items()
    ]
    out.sort(key=lambda r: (-r["received"], str(r["label"])))
    return out


def _scan_stats(
    s: Session,
    since: datetime,
    until: datetime,
    now: datetime,
    by: str | None = None,
    points: list[Period] | None = None,
    where: tuple = (),
) -> list[dict]:
    """``order_stats`` computed from ``work_order`` alone: two aggregate queries (the received
    cohort and the callback cohort), grouped by the dimension; for time buckets the pair runs once
    per bucket over its range; nothing is read row by row. Used for the parts of a window that the
    summary tables do not cover (partial days or months at its edges), with ``where`` filters, and
    by the tests as the reference the summary tables must agree with."""
    group_col = None
    if by is not None:
        group_col = DIMENSIONS[by][1]
    wo = _row(s)
    sums = []
    for key, m in ORDER_METRICS.items():
        if m.cohort != "received":
            continue
        cohort, hit = _metric_sql(s, key, now)
        sums.append((func.count() if cohort is _ALL else func.sum(case((cohort, 1), else_=0))).label(f"{key}_n"))
        value = COUNTER_DEFS[METRICS[key][1]].value
        if value is not None:  # an average (handling_days): the sum of the hours, as the counter
            sums.append(func.sum(case((hit, _sql(value(wo))), else_=0.0)).label(METRICS[key][1]))
            sums.append(literal(0).label(f"{key}_hit"))
        else:
            sums.append(func.sum(case((hit, 1), else_=0)).label(f"{key}_hit"))

    received_q = select(func.count().label("received"), *sums)
    ok = _when(METRICS["satisfaction"][1], wo)
    callback_q = select(func.count().label("n"), func.sum(case((ok, 1), else_=0)).label("hit"))

    def add_received(r, g) -> None:
        row = _empty_counts()
        row.update({k: (float(v or 0) if k == "handling_hours" else int(v or 0)) for k, v in r.items() if k != "g"})
        rows[g] = row

    def add_callback(r, g) -> None:
        row = rows.setdefault(g, _empty_counts())
        row["satisfaction_n"], row["satisfaction_hit"] = int(r["n"]), int(r["hit"] or 0)

    rows: dict[Any, dict] = {}
    if points is not None:
        # one ungrouped aggregate per bucket, each a range on the index: no sort of the period's
        # rows (a GROUP BY over a CASE of the bucket bounds sorts them all; twice as slow on SQLite)
        for i, (a, b) in enumerate(_bucket_ranges(points, since, until)):
            if a >= b:
                continue
            add_received(s.execute(received_q.where(*_base(a, b), *where)).mappings().one(), i)
            add_callback(s.execute(callback_q.where(*_callback_cohort(a, b), *where)).mappings().one(), i)
    elif group_col is not None:
        for r in s.execute(
            received_q.add_columns(group_col.label("g")).where(*_base(since, until), *where).group_by(group_col)
        ).mappings():
            add_received(r, r["g"])
        for r in s.execute(
            callback_q.add_columns(group_col.label("g"))
            .where(*_callback_cohort(since, until), *where)
            .group_by(group_col)
        ).mappings():
            add_callback(r, r["g"])
    else:
        add_received(s.execute(received_q.where(*_base(since, until), *where)).mappings().one(), 0)
        add_callback(s.execute(callback_q.where(*_callback_cohort(since, until), *where)).mappings().one(), 0)

    if points is not None:
        out = []
        for i, p in enumerate(points):
            row = rows.get(i) or _empty_counts()
            out.append(finish({**row, "key": i, "label": p.label, "start": p.start, "end": p.end}))
        return out
    if by is None:
        row = rows.get(0) or _empty_counts()
        return [finish({**row, "key": None, "label": "全部"})]
    labels = _labels(s, by, list(rows))
    out = [
        finish(
            {
                **row,
                "key": k,
                "label": labels.get(k, "（未指定）") if k is not None else NONE_LABELS.get(by, "（未指定）"),
            }
        )
        for k, row in rows.items()
    ]
    out.sort(key=lambda r: (-r["received"], str(r["label"])))
    return out


def _minus_year_dt(ts: datetime) -> datetime:
    try:
        return ts.replace(year=ts.year - 1)
    except ValueError:  # 29 February
        return ts.replace(year=ts.year - 1, day=28)


def comparison_windows(period: Period, now: datetime) -> dict[str, tuple[datetime, datetime]]:
    """The naive-UTC ranges ``[since, until)`` that 环比/同比 compare (对比上期同期):

    - ``current``: the period up to ``now`` (the whole period once it is over);
    - ``previous``: the previous period cut after the same elapsed time as the current one
      (clipped to its end: on 31 March the month so far is compared with all of February);
    - ``year_before``: the same days a year earlier, cut at the same local date and time a year
      before ``now`` (29 February falls back to the 28th).

    A period in progress is never compared with a whole one."""
    cur_until = min(period.until, max(now, period.since))
    prev, yb = period.previous(), period.year_before()
    if cur_until >= period.until:  # the period is over: whole against whole
        prev_until, yb_until = prev.until, yb.until
    else:  # Beijing has no daylight saving: local wall-clock arithmetic is exact
        prev_until = min(prev.until, prev.since + (cur_until - period.since))
        yb_until = min(yb.until, max(yb.since, local_to_utc(_minus_year_dt(to_local(cur_until)))))
    return {
        "current": (period.since, cur_until),
        "previous": (prev.since, prev_until),
        "year_before": (yb.since, yb_until),
    }


def window_label(since: datetime, until: datetime) -> str:
    """Local days of ``[since, until)``, with the cut time when it is not a midnight."""
    start, end = to_local(since), to_local(until)
    if end.time() == datetime.min.time():
        last = (end - timedelta(days=1)).date()
        return f"{start:%Y-%m-%d}" if last <= start.date() else f"{start:%Y-%m-%d} 至 {last:%Y-%m-%d}"
    return f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d %H:%M}"


def summary(s: Session, period: Period, now: datetime) -> dict:
    """The period's KPIs with the previous period's and, for petitions, the same period a
    year before, each cut at the same point (``comparison_windows``):
    {"current": row, "previous": row, "year_before": row, "windows": {name: (since, until)}}."""
    windows = comparison_windows(period, now)
    out: dict = {}
    seen: dict[tuple, dict] = {}
    for name, window in windows.items():
        if window not in seen:  # a year's previous period is its year before: one query
            seen[window] = order_stats(s, window[0], window[1], now)[0]
        out[name] = dict(seen[window])
    out["windows"] = windows
    return out


def trend(
    s: Session, period: Period, now: datetime, grain: str | None = None, until: datetime | None = None
) -> list[dict]:
    """One row per bucket of ``period``; with ``until``, only what happened before it is counted
    (the buckets after it come back empty), so ``total(rows)`` is the period up to ``until``."""
    grain = grain or default_grain(period)
    points = buckets(period, grain)
    end = period.until if until is None else max(period.since, min(period.until, until))
    rows = order_stats(s, period.since, end, now, points=points)
    for r, p in zip(rows, points, strict=True):
        r["short"] = short_label(p, grain)
        # a bucket still running reads low (its orders are young), one not begun has no data:
        # charts mark the first and leave the second empty instead of drawing a dive to zero
        r["in_progress"] = in_progress(p, now)
        r["future"] = p.since > now
    return rows


def total(rows: list[dict]) -> dict:
    """The KPIs of the union of ``rows`` (disjoint buckets or groups of ``order_stats``): every
    count, sample size and the handling hours are sums, so no second scan is needed."""
    out = _empty_counts()
    for r in rows:
        for k in out:
            out[k] += r[k]
    return finish({**out, "key": None, "label": "全部"})


def compare(s: Session, period: Period, now: datetime, by: str) -> list[dict]:
    return order_stats(s, period.since, period.until, now, by=by)


# --------------------------------------------------------------------------- drill-down

DRILL_PARTS = {"n": "全部样本", "hit": "达标/计入的", "miss": "未达标/未计入的"}


def _drill_conditions(
    s: Session,
    metric: str,
    since: datetime,
    until: datetime,
    now: datetime,
    by: str | None,
    key: Any,
    part: str,
    bucket: Period | None,
) -> list:
    if metric == "satisfaction":
        conds = _callback_cohort(since, until)
        hit = _when(METRICS["satisfaction"][1], _row(s))
        time_col = W.callback_at
    else:
        cohort, hit = _metric_sql(s, metric, now)
        conds = [*_base(since, until), cohort]
        time_col = W.received_at
    if bucket is not None:
        conds += [time_col >= bucket.since, time_col < bucket.until]
    if by is not None:
        col = DIMENSIONS[by][1]
        conds.append(col.is_(None) if key is None else col == key)
    if part == "hit":
        conds.append(hit)
    elif part == "miss":
        # NOT COALESCE(hit, FALSE): a hit that is NULL for a row (SQL three-valued logic) is
        # counted as not met, as the CASE sums of order_stats do, so hit + miss == n always
        conds.append(not_(func.coalesce(hit, false())))
    return conds


def drill_page(
    s: Session,
    metric: str,
    since: datetime,
    until: datetime,
    now: datetime,
    *,
    by: str | None = None,
    key: Any = None,
    part: str = "n",
    bucket: Period | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[dict]]:
    """The records behind one bar or point: (count, one page), newest first. No personal
    fields are selected (the title is scrubbed by the caller for masked roles)."""
    conds = _drill_conditions(s, metric, since, until, now, by, key, part, bucket)
    total = s.scalar(select(func.count()).select_from(W).where(*conds)) or 0
    q = (
        select(
            W.id,
            W.number,
            W.received_at,
            W.channel,
            Category.name.label("category"),
            Village.name.label("village"),
            W.title,
            W.status,
            Department.name.label("department"),
            Platform.name.label("platform"),
            W.due_at,
            W.contacted_at,
            W.resolved_at,
            W.satisfaction,
            W.supervised,
        )
        .select_from(W)
        .outerjoin(Category, Category.id == W.category_id)
        .outerjoin(Village, Village.id == W.village_id)
        .outerjoin(Department, Department.id == W.department_id)
        .outerjoin(Platform, Platform.id == W.platform_id)
        .where(*conds)
        .order_by(W.received_at.desc(), W.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return total, [dict(r) for r in s.execute(q).mappings()]


# --------------------------------------------------------------------------- other modules


def dispute_stats(s: Session, period: Period, by: str | None = None) -> list[dict]:
    """Dispute resolution of the period's disputes (``mediation.resolution_stats``)."""
    return resolution_stats(s, period.since, period.until, by=by)


def module_stats(s: Session, since: datetime, until: datetime) -> dict:
    """The KPIs kept by the mediation and grid-events modules over ``[since, until)`` (naive
    UTC), as one row shaped like ``order_stats``'s:

    - ``dispute_resolution`` and ``village_share`` from ``mediation.resolution_stats`` (the
      disputes reported in the window; resolved = agreed or closed by now), with ``_n`` the
      disputes and the resolved ones;
    - ``events_per_worker``: grid events reported in the window by grid staff who are active
      now, divided by the active grid staff (``_n``), as ``grid_events.worker_counts`` counts
      them; both counted in SQL.

    A value is None when its denominator is 0."""
    d = resolution_stats(s, since, until)[0]
    workers = s.scalar(select(func.count()).select_from(GridStaff).where(GridStaff.active.is_(True))) or 0
    events = (
        s.scalar(
            select(func.count())
            .select_from(GridEvent)
            .join(GridStaff, GridStaff.id == GridEvent.reporter_staff_id)
            .where(GridStaff.active.is_(True), GridEvent.reported_at >= since, GridEvent.reported_at < until)
        )
        or 0
    )
    return {
        "dispute_resolution": d["resolution_rate"],
        "dispute_resolution_n": d["n"],
        "village_share": d["village_share"],
        "village_share_n": d["resolved"],
        "events_per_worker": events / workers if workers else None,
        "events_per_worker_n": workers,
        "events": events,
    }


def module_summary(s: Session, period: Period, now: datetime) -> dict:
    """``module_stats`` for the period so far and for the previous period cut at the same
    point (``comparison_windows``, as ``summary`` compares the orders):
    {"current": row, "previous": row}."""
    windows = comparison_windows(period, now)
    return {name: module_stats(s, *windows[name]) for name in ("current", "previous")}


__all__ = [
    "DIMENSIONS",
    "DRILL_PARTS",
    "ORDER_METRICS",
    "OTHER_METRICS",
    "PERIOD_KINDS",
    "Metric",
    "Period",
    "buckets",
    "cohort",
    "compare",
    "comparison_windows",
    "default_grain",
    "dispute_stats",
    "drill_page",
    "finish",
    "hours_between",
    "module_stats",
    "module_summary",
    "order_stats",
    "period_of",
    "summary",
    "total",
    "trend",
    "window_label",
]


# --------------------------------------------------------------------------- big screen


def recent_closed(s: Session, now: datetime, limit: int = 12, days: int = 30) -> list[dict]:
    """Recently closed orders for the big screen's rotating highlight: closed in the last
    ``days``, newest closure first, read backwards along ``ix_work_order_resolved`` and stopped
    after ``limit`` rows (the status test is written ``status || ''`` so that SQLite does not
    pick a status index and sort a month of closures instead). No personal columns; the caller
    scrubs the free text."""
    q = (
        select(
            W.id,
            W.number,
            W.received_at,
            W.resolved_at,
            W.title,
            W.result,
            W.satisfaction,
            Category.name.label("category"),
            Village.name.label("village"),
            Department.name.label("department"),
        )
        .select_from(W)
        .outerjoin(Category, Category.id == W.category_id)
        .outerjoin(Village, Village.id == W.village_id)
        .outerjoin(Department, Department.id == W.department_id)
        .where(W.resolved_at >= now - timedelta(days=days), W.resolved_at <= now, W.status.concat("").in_(CLOSED_DONE))
        .order_by(W.resolved_at.desc(), W.id.desc())
        .limit(limit)
    )
    rows = [dict(r) for r in s.execute(q).mappings()]
    names = known_names(s, [r["id"] for r in rows])
    for r in rows:
        r["names"] = names.get(r["id"], [])
    return rows


def known_names(s: Session, order_ids: list[int]) -> dict[int, list[str]]:
    """The people's names known for each order, to scrub them from its free text: the caller,
    the head of the order's household, and the parties of mediation cases linked to it
    (record_link, read from either end). Only for masking: never displayed."""
    out: dict[int, set[str]] = {i: set() for i in order_ids}
    if not order_ids:
        return {}
    for oid, caller, head in s.execute(
        select(W.id, W.caller_name, Household.head_name)
        .outerjoin(Household, Household.id == W.household_id)
        .where(W.id.in_(order_ids))
    ):
        out[oid].update(n for n in (caller, head) if n)
    for from_type, from_id, _to_type, to_id, name in s.execute(
        select(RL.from_type, RL.from_id, RL.to_type, RL.to_id, MediationParty.name)
        .join(
            MediationParty,
            or_(
                and_(RL.to_type == "mediation_case", MediationParty.case_id == RL.to_id),
                and_(RL.from_type == "mediation_case", MediationParty.case_id == RL.from_id),
            ),
        )
        .where(
            or_(
                and_(RL.from_type == "work_order", RL.from_id.in_(order_ids)),
                and_(RL.to_type == "work_order", RL.to_id.in_(order_ids)),
            )
        )
    ):
        oid = from_id if from_type == "work_order" else to_id
        if oid in out and name:
            out[oid].add(name)
    return {k: sorted(v) for k, v in out.items()}


def received_by(s: Session, since: datetime, until: datetime, by: str) -> list[dict]:
    """Orders received in ``[since, until)`` per value of ``by`` (the received cohort:
    cancelled and duplicates excluded), most first: ``{"key", "label", "received"}`` rows from
    the summary tables, without the per-order work the other KPIs need."""
    rows = _stats_by(s, since, until, until, by, live=False)
    return [{"key": r["key"], "label": r["label"], "received": r["received"]} for r in rows if r["received"]]


def received_and_closed(s: Session, since: datetime, until: datetime) -> tuple[int, int]:
    """(orders received, of which closed) in ``[since, until)``: the n and hit of 办结率 (the
    received cohort), from the summary tables."""
    row = _stats_buckets(s, [(since, max(since, until))], until, live=False)[0]
    return int(row["received"]), int(row["closure_hit"])


def channel_mix(s: Session, period: Period) -> list[dict]:
    """Orders received in the period per channel (cancelled and duplicates excluded)."""
    rows = sorted(received_by(s, period.since, period.until, "channel"), key=lambda r: (-r["received"], str(r["key"])))
    return [{"channel": r["key"], "label": CHANNELS.get(r["key"], r["key"]), "n": r["received"]} for r in rows]


# --------------------------------------------------------------------------- as a role sees it

# an order listed behind a KPI: its title scrubbed with the names known for it (known_names)
DRILL_ROW = privacy.Entity(text=("title",), names=lambda s, ids: known_names(s, ids))


def drill_page_for(
    s: Session, metric: str, since: datetime, until: datetime, now: datetime, role: str, **kw: Any
) -> tuple[int, list[dict]]:
    """``drill_page`` (the orders behind a KPI), as ``role`` may see them."""
    total, rows = drill_page(s, metric, since, until, now, **kw)
    return total, privacy.present(s, role, rows, DRILL_ROW)


def recent_closed_public(s: Session, now: datetime, **kw: Any) -> list[dict]:
    """``recent_closed`` for the big screen: always scrubbed, whoever is logged in (a delegation
    sees no personal data): phones, ID numbers, titled names and every name known for the order
    (caller, household head, parties of linked disputes); the names themselves are dropped."""
    out = []
    for r in recent_closed(s, now, **kw):
        names = r.get("names") or []
        out.append(
            {
                **{k: v for k, v in r.items() if k != "names"},
                "title": scrub_text(r["title"], names),
                "result": scrub_text(r["result"], names),
            }
        )
    return out
