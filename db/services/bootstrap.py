"""Getting a database ready at start: migrations, and in demo mode the demo township and
one account per role. Safe when several app servers start at once (a lock serialises it)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from db import migrate
from db.config import Settings
from db.engine import read_session, write_session
from db.models import Grid, GridEvent, GridStaff, Mediator, Platform, Township, User, Village, WorkOrder
from db.models.base import utcnow
from db.permissions import SYSTEM
from db.security import check_password_policy, hash_password
from db.services import audit
from db.services.calendar import seed_from_package

# username, display name, role, platform code
DEMO_ACCOUNTS: tuple[tuple[str, str, str, str | None], ...] = (
    ("admin", "系统管理员", "admin", None),
    ("leader", "李书记", "leader", None),
    ("reception", "王接待", "reception", None),
    ("dispatcher", "赵督办", "dispatcher", None),
    ("supervisor", "钱督办", "supervisor", None),
    ("zongzhi", "综治平台值班员", "platform", "zongzhi"),
    ("shichang", "市场监管平台值班员", "platform", "shichang"),
    ("zhifa", "综合执法平台值班员", "platform", "zhifa"),
    ("bianmin", "便民服务平台值班员", "platform", "bianmin"),
    ("mediator", "陈调解", "mediator", None),
    ("grid", "刘网格", "grid", None),
    ("demo", "观摩嘉宾", "demo", None),
)
# the county's accounts (no township: they see every township) and the second township's
# (db/demo/neighbour.py); DEMO_ACCOUNTS above are the demo township's
COUNTY_DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("county", "县社会治理中心主任", "county_leader"),
    ("countyadmin", "县级系统管理员", "admin"),
)
NEIGHBOUR_DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("by.admin", "白云镇管理员", "admin"),
    ("by.leader", "白云镇书记", "leader"),
    ("by.reception", "白云镇接待员", "reception"),
)
ADVISORY_LOCK_ID = 731_2026


@contextmanager
def _startup_lock(engine: Engine) -> Iterator[None]:
    """One process at a time migrates and seeds: a file lock beside a SQLite file, an
    advisory lock on PostgreSQL."""
    if engine.dialect.name == "sqlite":
        db_path = engine.url.database or ""
        lock_path = Path(db_path + ".startup.lock") if db_path and db_path != ":memory:" else None
        if lock_path is None:
            yield
            return
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
    else:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_ID})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_ID})
                conn.commit()


def ensure_database(
    engine: Engine, settings: Settings, demo_orders: int | None = None, say: Callable[[str], None] | None = None
) -> dict:
    """Apply pending migrations; in demo mode fill an empty database. Returns what was done.
    ``say`` (the command line's print) hears each step as it starts, so a first start that
    generates the demo township for a minute does not look hung."""
    say = say or (lambda _text: None)
    done: dict = {"migrated": False, "seeded": False, "accounts": 0}
    with _startup_lock(engine):
        if migrate.current_revision(engine) != migrate.head_revision():
            say(f"迁移数据库到版本 {migrate.head_revision()}…")
            migrate.upgrade(engine)
            done["migrated"] = True
        with write_session(engine) as s:
            # the official schedules the package knows and the database does not yet have
            done["calendar_days"] = seed_from_package(s)
        if settings.is_demo:
            with read_session(engine) as s:
                has_orders = s.scalar(select(func.count()).select_from(WorkOrder)) or 0
                has_users = s.scalar(select(func.count()).select_from(User)) or 0
            # deferred: the demo package (~0.15 s to import, with shapely) serves only demo mode
            from db.demo import attribution, neighbour, shapes, topup
            from db.demo.generator import generate

            if not has_orders:
                if demo_orders is None and os.environ.get("GOV_DEMO_SCALE_ORDERS"):
                    demo_orders = int(os.environ["GOV_DEMO_SCALE_ORDERS"])
                say("首次启动：生成演示乡镇的数据（约一分钟）…")
                made_at = utcnow()
                generate(
                    engine,
                    scale="township",
                    orders=demo_orders,
                    now=made_at,
                    progress=lambda stage, n: say(f"  {stage}：{n:,}"),
                )
                done["seeded"] = True
                with read_session(engine) as s:
                    made = list(s.scalars(select(Township.id)))
                for town in made:  # the generated data is current: nothing to top up
                    topup.mark_current(engine, made_at, town)

            if not neighbour.exists(engine):  # the county's second township
                say(f"生成第二个演示乡镇（{neighbour.NAME}）…")
                seeded_at = utcnow()
                topup.mark_current(engine, seeded_at, neighbour.seed(engine, seeded_at))
            # the accounts missing (all on a first start; the county's and 白云镇's on a demo
            # database made before there were several townships), before the top-up, whose steps
            # they take
            done["accounts"] = create_demo_accounts(engine, settings.demo_password, say if not has_users else None)

            attribution.attribute(engine)  # the generated timelines name the demo's accounts
            shapes.ensure(engine)  # the map (一张图) of a township that has none yet

            # alive on any date: the calls since the data was made, at each township's rhythm
            with read_session(engine) as s:
                towns = list(s.scalars(select(Township.id).order_by(Township.id)))
            done["topped_up"] = dict(topup.NOTHING)
            for town in towns:
                for k, n in topup.run(engine, utcnow(), town).items():
                    done["topped_up"][k] += n
            if any(done["topped_up"].values()):
                say(
                    "演示数据已补充到今天：新登记工单 {registered} 件、网格事件 {events} 件、矛盾纠纷 {disputes} 件、"
                    "平台案件 {platform_cases} 件；办结久未办结的工单 {closed} 件、事件 {events_closed} 件；"
                    "推进在办纠纷 {disputes_moved} 件、平台案件 {platform_cases_moved} 件。".format(**done["topped_up"])
                )
    return done


def create_demo_accounts(engine: Engine, password: str, say: Callable[[str], None] | None = None) -> int:
    """One account per role of the demo township (DEMO_ACCOUNTS), the county's accounts and the
    second township's, all with the demo password; those already there are left alone."""
    with read_session(engine) as s:
        have = set(s.scalars(select(User.username)))
    usernames = {u for u, *_ in DEMO_ACCOUNTS} | {u for u, *_ in COUNTY_DEMO_ACCOUNTS + NEIGHBOUR_DEMO_ACCOUNTS}
    if usernames <= have:
        return 0
    if say:
        say("创建演示账号…")
    check_password_policy(password)
    hashed = hash_password(password)
    with write_session(engine) as s:
        # the demo township is the first (the generator's); the second is 白云镇
        towns = list(s.scalars(select(Township.id).order_by(Township.id)))
        home = towns[0] if towns else None
        platforms = {
            p.code: p.id for p in s.scalars(select(Platform).where(Platform.township_id == home).order_by(Platform.id))
        }
        created = 0
        wanted: list[tuple[str, str, str, str | None, int | None]] = [
            (u, n, r, p, home) for u, n, r, p in DEMO_ACCOUNTS
        ]
        wanted += [(u, n, r, None, None) for u, n, r in COUNTY_DEMO_ACCOUNTS]
        if len(towns) > 1:
            wanted += [(u, n, r, None, towns[1]) for u, n, r in NEIGHBOUR_DEMO_ACCOUNTS]
        for username, name, role, platform_code, township_id in wanted:
            if s.scalar(select(User.id).where(User.username == username)):
                continue
            user = User(
                username=username,
                display_name=name,
                role=role,
                password_hash=hashed,
                platform_id=platforms.get(platform_code) if platform_code else None,
                township_id=township_id,
                password_changed_at=utcnow(),
            )
            s.add(user)
            s.flush()
            if role == "grid":
                # the worker whose grid has the most open events, so that the demo account's
                # home and event list show work to do (the first worker's grid may have none)
                open_events = (
                    select(func.count())
                    .select_from(GridEvent)
                    .where(
                        GridEvent.grid_id == GridStaff.grid_id,
                        GridEvent.status.in_(("reported", "referred", "handling")),
                    )
                    .correlate(GridStaff)
                    .scalar_subquery()
                )
                staff = s.scalar(
                    select(GridStaff)
                    .where(GridStaff.staff_role == "worker", GridStaff.user_id.is_(None))
                    .order_by(open_events.desc(), GridStaff.id)
                    .limit(1)
                )
                if staff is not None:
                    staff.user_id = user.id
                    user.display_name = staff.name
                    user.village_id = _village_of_grid(s, staff.grid_id)
            if role == "mediator":
                med = s.scalar(
                    select(Mediator)
                    .where(Mediator.level == "township", Mediator.user_id.is_(None))
                    .order_by(Mediator.id)
                    .limit(1)
                )
                if med is not None:
                    med.user_id = user.id
                    user.display_name = med.name
            audit.record(
                s, SYSTEM, "user.create", "app_user", user.id, after={"username": username, "role": role, "demo": True}
            )
            created += 1
        return created + _village_grid_accounts(s, home, hashed)


def _village_grid_accounts(s, home: int | None, hashed: str) -> int:
    """A grid worker's account in every other village of the demo township (``grid_<village code>``,
    the demo password, not listed on the login page): the demo's 就地办 orders are handled in each
    village by a worker of that village, and their timelines name that worker."""
    if home is None:
        return 0
    covered = set(s.scalars(select(User.village_id).where(User.role == "grid", User.village_id.is_not(None))))
    created = 0
    for village in s.scalars(select(Village).where(Village.township_id == home).order_by(Village.id)).all():
        username = f"grid_{village.code}".lower()
        if village.id in covered or s.scalar(select(User.id).where(User.username == username)):
            continue
        staff = s.scalar(
            select(GridStaff)
            .join(Grid, Grid.id == GridStaff.grid_id)
            .where(Grid.village_id == village.id, GridStaff.staff_role == "worker", GridStaff.user_id.is_(None))
            .order_by(GridStaff.id)
            .limit(1)
        )
        if staff is None:
            continue
        user = User(
            username=username,
            display_name=staff.name,
            role="grid",
            password_hash=hashed,
            township_id=home,
            village_id=village.id,
            password_changed_at=utcnow(),
        )
        s.add(user)
        s.flush()
        staff.user_id = user.id
        audit.record(
            s,
            SYSTEM,
            "user.create",
            "app_user",
            user.id,
            after={"username": username, "role": "grid", "village_id": village.id, "demo": True},
        )
        created += 1
    return created


def _village_of_grid(s, grid_id: int) -> int | None:
    grid = s.get(Grid, grid_id)
    return grid.village_id if grid else None
