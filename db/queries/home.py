"""What needs each role's attention today: counts computed in SQL, each linking to a page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import (
    AppSetting,
    AuditLog,
    ExtensionRequest,
    Grid,
    GridEvent,
    GridStaff,
    Handoff,
    HolidayYear,
    MediationCase,
    OrderAssist,
    PartyMember,
    User,
    WorkLog,
    WorkOrder,
)
from db.models.orders import ASSIST_OPEN, OPEN_STATUSES
from db.permissions import Actor
from db.queries import grid_events as events_q
from db.queries import kpi, order_counts
from db.rules.sla import local_midnight, to_local


@dataclass(frozen=True)
class Attention:
    key: str
    label: str
    value: int | str
    page: str  # PageSpec key the count links to
    tone: str = "normal"  # normal / warning / danger
    help: str = ""
    query: tuple[tuple[str, str], ...] = ()  # filters the linked list opens with


def _count(s: Session, model, *where) -> int:
    return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def local_day_start(now: datetime) -> datetime:
    """Naive UTC of today's local midnight."""
    return local_midnight(to_local(now).date())


def _week_start(now: datetime) -> datetime:
    today = local_day_start(now)
    return today - timedelta(days=to_local(now).weekday())


def _setting(s: Session, key: str, default: int) -> int:
    value = s.scalar(select(AppSetting.value).where(AppSetting.key == key))
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _orders(s: Session, now: datetime, keys: list[str], *extra) -> dict[str, int]:
    """The order counts named in ``keys`` (only those: each is a query of its own), as defined
    once in db.queries.order_counts."""
    return order_counts.counts(s, keys, now, *extra)


ORDER_QUERIES = {
    "today": (("from", "today"),),
    "contact_overdue": (("only", "contact_overdue"),),
    "overdue": (("only", "overdue"),),
    "supervised": (("only", "supervised"),),
    "to_dispatch": (("status", "received,contacted"),),
    "callback": (("status", "resolved"),),
    "in_hand": (("status", "dispatched,in_progress"),),
}


def _order_items(o: dict[str, int], keys: list[str]) -> list[Attention]:
    # where each count links to and how it is toned; its label and 口径 come from order_counts
    spec = {
        "today": ("inbox", "normal"),
        "contact_overdue": ("inbox", "danger"),
        "to_dispatch": ("inbox", "warning"),
        "due_soon": ("inbox", "warning"),
        "overdue": ("supervision", "danger"),
        "supervised": ("supervision", "danger"),
        "callback": ("inbox", "warning"),
        "in_hand": ("inbox", "normal"),
    }
    out = []
    for k in keys:
        page, tone = spec[k]
        c = order_counts.COUNTS[k]
        out.append(
            Attention(k, c.label, o[k], page, tone if o[k] else "normal", c.definition, ORDER_QUERIES.get(k, ()))
        )
    return out


def _mediation(s: Session, now: datetime, *extra) -> list[Attention]:
    open_ = MediationCase.status.in_(("open", "mediating", "agreed"))
    stale_days = _setting(s, "mediation_stale_days", 15)
    today = to_local(now).date()
    red = _count(s, MediationCase, open_, MediationCase.risk_colour == "red", *extra)
    followup = _count(
        s,
        MediationCase,
        MediationCase.status == "agreed",
        MediationCase.followup_due_on <= today,
        MediationCase.followup_at.is_(None),
        *extra,
    )
    stale = _count(s, MediationCase, open_, MediationCase.last_progress_at < now - timedelta(days=stale_days), *extra)
    return [
        Attention(
            "cases_open", "在调纠纷", _count(s, MediationCase, open_, *extra), "mediation", query=(("only", "open"),)
        ),
        Attention(
            "cases_red",
            "红色预警纠纷",
            red,
            "mediation",
            "danger" if red else "normal",
            "风险等级为红色、尚未销号的矛盾纠纷",
            (("only", "red"),),
        ),
        Attention(
            "cases_followup",
            "待回访销号",
            followup,
            "mediation",
            "warning" if followup else "normal",
            "已达成协议、回访日期已到",
            (("only", "followup"),),
        ),
        Attention(
            "cases_stale",
            f"超{stale_days}天无进展",
            stale,
            "mediation",
            "warning" if stale else "normal",
            f"在调纠纷中超过{stale_days}天没有新进展的",
            (("only", "stale"),),
        ),
    ]


def attention(s: Session, actor: Actor, now: datetime) -> list[Attention]:
    """The counts on the role's home page."""
    role = actor.role
    if role == "reception":
        keys = ["today", "contact_overdue", "to_dispatch", "callback"]
        return _order_items(_orders(s, now, keys), keys)
    if role == "dispatcher":
        keys = ["to_dispatch", "due_soon", "overdue", "callback"]
        items = _order_items(_orders(s, now, keys), keys)
        pending = _count(s, ExtensionRequest, ExtensionRequest.status == "pending")
        items.append(
            Attention(
                "extensions",
                "待审批延期",
                pending,
                "inbox",
                "warning" if pending else "normal",
                "承办部门提出的延期申请",
                (("only", "extension"),),
            )
        )
        return items
    if role == "supervisor":  # 督办员: what is late or about to be, and what is already supervised
        keys = ["due_soon", "overdue", "supervised"]
        return _order_items(_orders(s, now, keys), keys) + [_satisfaction(s, now)]
    if role == "platform":
        mine = WorkOrder.platform_id == actor.platform_id
        keys = ["in_hand", "due_soon", "overdue"]
        items = _order_items(_orders(s, now, keys, mine), keys)
        handoffs = _count(s, Handoff, Handoff.to_platform_id == actor.platform_id, Handoff.status == "pending")
        items.append(
            Attention(
                "handoffs",
                "待接收推送",
                handoffs,
                "platform_desk",
                "warning" if handoffs else "normal",
                "其他平台推送来、尚未接收或退回的案件",
            )
        )
        assists = _count(
            s,
            OrderAssist,
            OrderAssist.platform_id == actor.platform_id,
            OrderAssist.status.in_(ASSIST_OPEN),
            OrderAssist.order_id.in_(select(WorkOrder.id).where(WorkOrder.status.in_(OPEN_STATUSES))),
        )
        items.append(
            Attention(
                "assists",
                "吹哨办待协办反馈",
                assists,
                "inbox",
                "warning" if assists else "normal",
                "本平台部门作为协办部门、尚未提交协办反馈的吹哨办工单",
            )
        )
        return items
    if role == "mediator":
        return _mediation(s, now)
    if role == "grid":
        return _grid_items(s, actor, now)
    if role == "leader":
        keys = ["overdue", "supervised"]
        items = _order_items(_orders(s, now, keys), keys)
        items.append(_events_overdue(s, now))
        items += [a for a in _mediation(s, now) if a.key in ("cases_red", "cases_stale")]
        items.append(_satisfaction(s, now))
        return items
    if role == "admin":
        return _admin_items(s, now)
    # demo: headline figures only, no personal data
    return _demo_items(s, now)


def _events_overdue(s: Session, now: datetime, *extra) -> Attention:
    """超期网格事件: label and 口径 from db.queries.grid_events.EVENT_COUNTS; opens the events page
    filtered to them (已超期)."""
    c = events_q.EVENT_COUNTS["overdue"]
    n = events_q.now_count(s, "overdue", now, *extra)
    return Attention(
        "events_overdue", c.label, n, "grid_events", "danger" if n else "normal", c.definition, (("only", "overdue"),)
    )


def _satisfaction(s: Session, now: datetime) -> Attention:
    since = now - timedelta(days=30)
    rows = s.execute(
        select(WorkOrder.satisfaction, func.count())
        .where(WorkOrder.callback_at >= since, WorkOrder.satisfaction.is_not(None))
        .group_by(WorkOrder.satisfaction)
    ).all()
    n = sum(c for _, c in rows)
    ok = sum(c for k, c in rows if k in ("satisfied", "basic"))
    value = f"{ok / n:.1%}" if n else "—"
    return Attention(
        "satisfaction",
        f"近30天满意率（n={n}）",
        value,
        "kpi",
        "normal",
        "近30天回访中“满意”与“基本满意”之和占回访总数的比例",
    )


def _grid_items(s: Session, actor: Actor, now: datetime) -> list[Attention]:
    local = (
        _count(s, WorkOrder, WorkOrder.handler_village_id == actor.village_id, WorkOrder.status.in_(OPEN_STATUSES))
        if actor.village_id
        else 0
    )
    local_item = Attention(
        "local_orders",
        "本村就地办工单",
        local,
        "inbox",
        "warning" if local else "normal",
        "派给本村（社区）就地办理、尚未办结的工单：网格员、村干部签收办理并反馈",
    )
    staff = s.execute(select(GridStaff.id, GridStaff.grid_id).where(GridStaff.user_id == actor.user_id)).first()
    if staff is None:
        return [
            Attention("no_grid", "未关联网格", "—", "grid_events", "warning", "该账号尚未关联网格员档案，请联系管理员"),
            local_item,
        ]
    own = GridEvent.grid_id == staff.grid_id
    open_events = events_q.now_count(s, "unclosed", now, own)
    to_verify = _count(
        s,
        GridEvent,
        GridEvent.grid_id == staff.grid_id,
        GridEvent.status == "handling",
        GridEvent.handled_at.is_not(None),
    )  # handling recorded, awaiting the on-site check
    week_logs = _count(s, WorkLog, WorkLog.staff_id == staff.id, WorkLog.log_date >= to_local(_week_start(now)).date())
    today_log = _count(s, WorkLog, WorkLog.staff_id == staff.id, WorkLog.log_date == to_local(now).date())
    return [
        Attention(
            "events_open",
            "本网格未结事件",
            open_events,
            "grid_events",
            "warning" if open_events else "normal",
            events_q.EVENT_COUNTS["unclosed"].definition,
        ),
        _events_overdue(s, now, own),
        Attention(
            "events_verify",
            "待核查反馈",
            to_verify,
            "grid_events",
            "warning" if to_verify else "normal",
            query=(("stage", "to_verify"),),
        ),
        local_item,
        Attention(
            "log_today",
            "今日工作日志",
            "已填" if today_log else "未填",
            "grid_events",
            "normal" if today_log else "warning",
            query=(("view", "工作日志"),),
        ),
        Attention("logs_week", "本周日志篇数", week_logs, "grid_events", query=(("view", "工作日志"),)),
    ]


def _admin_items(s: Session, now: datetime) -> list[Attention]:
    locked = _count(s, User, User.locked_until > now)
    next_year = to_local(now).year + 1
    has_next = _count(s, HolidayYear, HolidayYear.year == next_year)
    provisional = _count(s, WorkOrder, WorkOrder.due_provisional.is_(True), WorkOrder.status.in_(OPEN_STATUSES))
    return [
        Attention("users_active", "启用账号", _count(s, User, User.active.is_(True)), "users"),
        Attention(
            "users_locked",
            "锁定中的账号",
            locked,
            "users",
            "warning" if locked else "normal",
            "连续5次密码错误后锁定15分钟",
        ),
        Attention(
            "calendar_next",
            f"{next_year}年节假日安排",
            "已录入" if has_next else "未录入",
            "settings",
            "normal" if has_next else "warning",
            "国务院办公厅公布次年放假安排后请及时录入；未录入前，跨年工单按法定节假日和周末暂定时限",
        ),
        Attention(
            "deadlines_provisional",
            "时限暂定的在办工单",
            provisional,
            "settings",
            "warning" if provisional else "normal",
            "办理时限跨入尚未录入节假日安排的年份，按法定节假日暂定；录入该年安排后自动重算",
        ),
        Attention("audit_today", "今日审计记录", _count(s, AuditLog, AuditLog.at >= local_day_start(now)), "audit"),
    ]


def _demo_items(s: Session, now: datetime) -> list[Attention]:
    year_start = local_midnight(date(to_local(now).year, 1, 1))
    # the KPI page's cohort and 办结率 (cancelled orders and duplicates not counted), from the
    # per-day summary table: the same numbers as the big screen's
    year_orders, closed = kpi.received_and_closed(s, year_start, now)
    rate = f"{closed / year_orders:.1%}" if year_orders else "—"
    return [
        Attention("year_orders", "今年受理诉求", year_orders, "big_screen"),
        Attention("year_closed", f"今年办结率（n={year_orders}）", rate, "big_screen"),
        Attention("grids", "网格数", _count(s, Grid), "big_screen"),
        Attention("party", "联户党员", _count(s, PartyMember, PartyMember.active.is_(True)), "big_screen"),
    ]


__all__ = ["Attention", "attention", "local_day_start"]
