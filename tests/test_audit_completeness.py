"""Every write has its audit record: a scripted session through the services runs under a
watcher that sees every SQL statement on the engine, and each committed transaction that
changed a domain table must also have inserted into audit_log (same transaction).

The watcher reads the statements themselves (INSERT INTO / UPDATE / DELETE FROM <table>), so a
service that forgets its audit record fails here whatever its own tests say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from db.engine import read_session
from db.models import AuditLog
from db.rules.sla import local_to_utc
from db.services import orders, settings, users
from test_orders_service import PW, build_world, intake

# tables whose rows are bookkeeping of another write in the same transaction
EXEMPT = {"audit_log", "counter", "alembic_version"}
_WRITE = re.compile(r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?", re.I)


@dataclass
class Watcher:
    pending: dict[int, set[str]] = field(default_factory=dict)
    audited: dict[int, bool] = field(default_factory=dict)
    commits: list[set[str]] = field(default_factory=list)  # tables written, per audited commit
    unaudited: list[set[str]] = field(default_factory=list)

    def attach(self, engine) -> None:
        event.listen(engine, "before_cursor_execute", self._stmt)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)

    def detach(self, engine) -> None:
        event.remove(engine, "before_cursor_execute", self._stmt)
        event.remove(engine, "commit", self._commit)
        event.remove(engine, "rollback", self._rollback)

    def _stmt(self, conn, cursor, statement, parameters, context, executemany):
        m = _WRITE.match(statement)
        if not m:
            return
        table = m.group(1).lower()
        key = id(conn.connection.dbapi_connection)
        if table == "audit_log":
            self.audited[key] = True
        elif table not in EXEMPT:
            self.pending.setdefault(key, set()).add(table)

    def _commit(self, conn):
        key = id(conn.connection.dbapi_connection)
        written = self.pending.pop(key, set())
        audited = self.audited.pop(key, False)
        if written:
            (self.commits if audited else self.unaudited).append(written)

    def _rollback(self, conn):
        key = id(conn.connection.dbapi_connection)
        self.pending.pop(key, None)
        self.audited.pop(key, None)


@pytest.fixture
def watched(engine):
    w = build_world(engine)  # the fixture world is set up by hand, outside the watcher
    watcher = Watcher()
    watcher.attach(engine)
    yield w, watcher
    watcher.detach(engine)


def test_watcher_catches_an_unaudited_write(engine):
    """The watcher itself can fail: a raw write without an audit record is reported."""
    w = build_world(engine)
    watcher = Watcher()
    watcher.attach(engine)
    try:
        with engine.begin() as con:
            con.exec_driver_sql("UPDATE village SET name = 'x' WHERE id = %d" % w.village)
    finally:
        watcher.detach(engine)
    assert watcher.unaudited == [{"village"}]


def test_scripted_session_orders_users_settings(watched):
    w, watcher = watched
    e = w.engine
    t0 = local_to_utc(datetime(2026, 3, 2, 9, 0))
    # intake -> contact -> dispatch -> accept -> extension asked and refused -> resolve -> callback
    o = orders.register(e, w.reception, intake(w), now=t0)
    o = orders.contact(e, w.reception, o["id"], o["version"], note="已电话联系", now=t0)
    o = orders.dispatch(e, w.dispatcher, o["id"], o["version"], w.platform_id, w.dept, now=t0)
    o = orders.accept(e, w.platform, o["id"], o["version"], now=t0)
    orders.request_extension(e, w.platform, o["id"], o["version"], 3, "需协调多个部门", now=t0)
    with read_session(e) as s:
        from db.models import ExtensionRequest
        req = s.scalars(select(ExtensionRequest).order_by(ExtensionRequest.id.desc())).first()
        req_id, req_version = req.id, req.version
    orders.decide_extension(e, w.dispatcher, req_id, req_version, approve=False, note="时限内可完成",
                            now=t0)
    with read_session(e) as s:
        from db.models import WorkOrder
        version = s.get(WorkOrder, o["id"]).version
    o = orders.resolve(e, w.platform, o["id"], version, "已协调处理完毕", now=t0 + timedelta(days=1))
    orders.callback(e, w.reception, o["id"], o["version"], "satisfied", note="群众满意",
                    now=t0 + timedelta(days=2))
    # a second order: supervised, urged, cancelled
    o2 = orders.register(e, w.dispatcher, intake(w, description="道路积水严重，影响出行安全。"), now=t0)
    o2 = orders.supervise(e, w.leader, o2["id"], o2["version"], w.leader.user_id, now=t0)
    o2 = orders.urge(e, w.dispatcher, o2["id"], o2["version"], note="请加快办理", now=t0)
    orders.cancel(e, w.dispatcher, o2["id"], o2["version"], "群众撤回", now=t0)
    # users and settings
    uid = users.create_user(e, w.admin, username="newbie", display_name="新同事", role="reception",
                            password=PW)
    users.reset_password(e, w.admin, uid, 1, "NewPassw0rd!")
    users.change_own_password(e, w.dispatcher, PW, "Another1Pass!", "Another1Pass!")
    from db.models import Category
    with read_session(e) as s:
        cat = s.get(Category, w.category)
    settings.update_category(e, w.admin, cat.id, cat.version, name="邻里纠纷（改）",
                             contact_hours=24, handling_workdays=6, default_tier="local",
                             platform_code=None, keywords="噪音,装修", active=True)
    users.record_failed_login(e, "clerk")
    users.record_login(e, "clerk")
    users.logout(e, w.reception.user_id)

    assert watcher.unaudited == [], f"transactions that wrote without an audit record: {watcher.unaudited}"
    assert len(watcher.commits) >= 18  # the script really wrote (guards against a silent watcher)
    with read_session(e) as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) >= len(watcher.commits)
