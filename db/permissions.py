"""Who may open which page and take which action: data in one place, pure functions.

The navigation (app.py) and each page's own guard read PAGES; services call ``require``
so that a forbidden action is refused even when the service is called directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.errors import PermissionDenied
from db.models.people import ROLES

ALL_ROLES = tuple(ROLES)
STAFF = ("admin", "leader", "county_leader", "reception", "dispatcher", "supervisor", "platform", "mediator", "grid")


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    section: str
    path: str
    icon: str
    roles: tuple[str, ...]
    # True while a later issue has not filled the page yet (shown as a clear placeholder)
    placeholder: bool = False


SECTIONS = ("工作台", "接诉即办", "网格", "调解", "四个平台", "研判", "系统管理", "我的账户")

PAGES: tuple[PageSpec, ...] = (
    PageSpec("home", "今日待办", "工作台", "pages/home.py", ":material/today:", ALL_ROLES),
    PageSpec(
        "intake", "来电来访登记", "接诉即办", "pages/intake.py", ":material/call:", ("admin", "reception", "dispatcher")
    ),
    PageSpec(
        "inbox",
        "工单中心",
        "接诉即办",
        "pages/inbox.py",
        ":material/inbox:",
        ("admin", "leader", "county_leader", "reception", "dispatcher", "supervisor", "platform", "grid", "demo"),
    ),
    PageSpec(
        "county_link",
        "12345对接",
        "接诉即办",
        "pages/county_link.py",
        ":material/account_balance:",
        ("admin", "reception", "dispatcher"),
    ),
    PageSpec(
        "supervision",
        "督办清单",
        "接诉即办",
        "pages/supervision.py",
        ":material/alarm:",
        ("admin", "leader", "county_leader", "dispatcher", "supervisor", "demo"),
    ),
    PageSpec(
        "roster",
        "网格花名册",
        "网格",
        "pages/roster.py",
        ":material/groups:",
        ("admin", "leader", "dispatcher", "grid", "demo"),
    ),
    PageSpec(
        "grid_events",
        "网格事件",
        "网格",
        "pages/grid_events.py",
        ":material/flag:",
        ("admin", "leader", "dispatcher", "supervisor", "grid", "demo"),
    ),
    PageSpec(
        "mediation",
        "矛盾纠纷台账",
        "调解",
        "pages/mediation.py",
        ":material/handshake:",
        ("admin", "leader", "county_leader", "mediator", "grid", "demo"),
    ),
    PageSpec(
        "platform_desk", "平台工作台", "四个平台", "pages/platform_desk.py", ":material/work:", ("admin", "platform")
    ),
    PageSpec(
        "platform_summary",
        "四平台总览",
        "四个平台",
        "pages/platform_summary.py",
        ":material/hub:",
        ("admin", "leader", "county_leader", "platform", "demo"),
    ),
    PageSpec(
        "kpi",
        "指标分析",
        "研判",
        "pages/kpi.py",
        ":material/monitoring:",
        ("admin", "leader", "county_leader", "dispatcher", "supervisor", "demo"),
    ),
    PageSpec(
        "weekly",
        "周调度报告",
        "研判",
        "pages/weekly.py",
        ":material/summarize:",
        ("admin", "leader", "county_leader", "dispatcher", "supervisor"),
    ),
    PageSpec(
        "tasks",
        "任务台账",
        "研判",
        "pages/tasks.py",
        ":material/checklist:",
        ("admin", "leader", "county_leader", "dispatcher", "supervisor", "demo"),
    ),
    PageSpec(
        "big_screen",
        "大屏演示",
        "研判",
        "pages/big_screen.py",
        ":material/tv:",
        ("admin", "leader", "county_leader", "demo"),
    ),
    PageSpec("users", "用户与角色", "系统管理", "pages/users.py", ":material/manage_accounts:", ("admin",)),
    PageSpec("settings", "系统设置", "系统管理", "pages/settings.py", ":material/tune:", ("admin",)),
    PageSpec("audit", "审计日志", "系统管理", "pages/audit.py", ":material/policy:", ("admin",)),
    PageSpec("account", "修改密码", "我的账户", "pages/account.py", ":material/key:", STAFF),
)
PAGES_BY_KEY = {p.key: p for p in PAGES}


def pages_for(role: str) -> list[PageSpec]:
    """The pages a role may open, in navigation order."""
    return [p for p in PAGES if role in p.roles]


def navigation_for(role: str) -> dict[str, list[PageSpec]]:
    """Pages grouped by sidebar section, empty sections left out."""
    out: dict[str, list[PageSpec]] = {}
    for section in SECTIONS:
        items = [p for p in pages_for(role) if p.section == section]
        if items:
            out[section] = items
    return out


def can_open(role: str, page_key: str) -> bool:
    spec = PAGES_BY_KEY.get(page_key)
    return spec is not None and role in spec.roles


# Actions checked by services. Every write needs an entry here; the demo role has none.
# The hotline team may be three people (接线员 reception, 转办员 dispatcher, 督办员 supervisor) or, in
# a small township, two: "dispatcher" (转办督办员) keeps exactly what it had (intake, dispatch, urge,
# evaluate, reports); "supervisor" (督办员) has the supervision part only: 督办 (order.supervise,
# naming a leader to follow the order) and 催办, evaluating grid events, KPIs and reports, never
# intake or dispatch.
ACTIONS: dict[str, tuple[str, ...]] = {
    "user.manage": ("admin",),
    "audit.view": ("admin",),
    "account.change_password": STAFF,
    "settings.manage": ("admin",),
    "calendar.manage": ("admin",),
    "order.create": ("admin", "reception", "dispatcher"),
    "order.view": (
        "admin",
        "leader",
        "county_leader",
        "reception",
        "dispatcher",
        "supervisor",
        "platform",
        "grid",
        "demo",
    ),
    "order.export": ("admin", "leader", "county_leader", "reception", "dispatcher", "supervisor", "platform"),
    "order.contact": ("admin", "reception", "dispatcher"),
    "order.dispatch": ("admin", "dispatcher"),
    # a grid worker handles the 就地办 orders of the worker's village (db/services/orders._check_scope)
    "order.handle": ("admin", "platform", "grid"),
    # an assisting department's part of a 吹哨办 order (db/services/order_assists.py)
    "order.assist": ("admin", "platform"),
    "order.callback": ("admin", "reception", "dispatcher"),
    "order.supervise": ("admin", "leader", "supervisor"),
    "order.urge": ("admin", "leader", "dispatcher", "supervisor"),
    # grid roster (#4)
    "roster.edit": ("admin",),
    "roster.import": ("admin",),
    "roster.export": ("admin", "leader", "dispatcher"),
    "party.score": ("admin",),
    # grid events and work logs (#4)
    "grid_event.report": ("admin", "grid"),
    "grid_event.refer": ("admin", "dispatcher", "grid"),
    "grid_event.verify": ("admin", "dispatcher", "grid"),
    "grid_event.evaluate": ("admin", "leader", "dispatcher", "supervisor"),
    "work_log.write": ("admin", "grid"),
    # mediation ledger (#5)
    "mediation.create": ("admin", "mediator", "grid"),
    "mediation.edit": ("admin", "mediator"),
    "mediation.screening": ("admin", "mediator", "grid"),
    "mediation.export": ("admin", "leader", "county_leader", "mediator"),
    "mediation.settings": ("admin",),
    # the four platforms (#6)
    "platform.handle": ("admin", "platform"),
    "platform.push": ("admin", "platform"),
    "platform.records": ("admin", "platform"),
    "service_catalogue.manage": ("admin", "platform"),
    # KPIs and reports (#7)
    "report.export": ("admin", "leader", "county_leader", "dispatcher", "supervisor"),
    # the task ledger of the weekly meeting (#21): tasks, milestones, progress and its Excel import;
    # closing a task out (销号) and reopening it is the leaders'
    "task.manage": ("admin", "leader", "dispatcher", "supervisor"),
    "task.close": ("admin", "leader"),
}


def allowed(role: str, action: str) -> bool:
    return role in ACTIONS.get(action, ())


# Personal data: who sees it unmasked. Demo is never listed; leaders see aggregates.
PII_FIELDS_BY_ROLE: dict[str, frozenset[str]] = {
    "admin": frozenset({"name", "phone", "id_number", "address"}),
    "reception": frozenset({"name", "phone", "id_number", "address"}),
    "dispatcher": frozenset({"name", "phone", "address"}),
    "supervisor": frozenset({"name", "phone", "address"}),  # as the dispatcher: follows the same orders
    "platform": frozenset({"name", "phone", "address"}),
    "mediator": frozenset({"name", "phone", "id_number", "address"}),
    "grid": frozenset({"name", "phone", "id_number", "address"}),
    "leader": frozenset(),
    "county_leader": frozenset(),
    "demo": frozenset(),
}


def sees_unmasked(role: str, field: str) -> bool:
    return field in PII_FIELDS_BY_ROLE.get(role, frozenset())


# the console's own staff (grid workers, operators, mediators) are named to every staff role, as
# on the township's notice boards; the delegation's observer sees them masked
STAFF_NAMES_MASKED_FOR = frozenset({"demo"})


def sees_staff(role: str) -> bool:
    return role not in STAFF_NAMES_MASKED_FOR


@dataclass(frozen=True)
class Actor:
    """The user acting, as services see them."""

    user_id: int
    username: str
    role: str
    display_name: str = ""
    platform_id: int | None = None
    village_id: int | None = None
    # the township the user belongs to; None for a county account (db/scope.py)
    township_id: int | None = None

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


SYSTEM = Actor(user_id=0, username="system", role="admin", display_name="系统")


def require(actor: Actor, action: str) -> None:
    """Raise PermissionDenied (Chinese message) unless the actor's role may take the action."""
    if not allowed(actor.role, action):
        raise PermissionDenied(f"当前角色（{actor.role_label}）无权执行此操作。")
