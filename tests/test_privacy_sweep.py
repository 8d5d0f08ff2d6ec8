"""What each role is shown, page by page and view by view, on a demo township whose records all
carry the same planted personal data (issue #17): a role never reads a kind of personal data it
may not see (db.permissions.PII_FIELDS_BY_ROLE), whether it sits in a structured column or typed
into free text.

Discovering, not hand-listed: the pages are db.permissions.PAGES, and on each page every view of
its segmented controls and radios is opened; a new page or view is swept the day it is written.
What is read: every text element, every table and dataframe cell, every chart's labels.

The planted name is typed only into the free text of records that know it (the caller of an
order, the head of an event's household, a dispute's party): scrubbing masks the names known for a
record and titled names (王先生); a bare name typed into a record that does not know it cannot be
told from other words (docs/status.md, known gaps). Numbers and addresses are planted everywhere.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from streamlit.proto.WidgetStates_pb2 import WidgetState

from db.config import load_settings
from db.engine import get_engine, write_session
from db.models.people import ROLES
from db.permissions import PAGES, allowed, can_open, sees_unmasked
from tests.factories import pages as pages_f

NAME = "欧阳娜娜"
PHONE = "13800138000"
ID_NUMBER = "411726199001011234"
ADDRESS = "幸福路1号院1号楼101室"
# what must not appear for a role that may not see the kind
FORBIDDEN = {"name": NAME, "phone": PHONE, "id_number": ID_NUMBER, "address": "1号楼101室"}
# the administration pages show accounts, settings and the audit log to administrators only
SKIP = {"account", "users", "settings", "audit"}

PLANT = [
    # orders: the caller is known to the record, so the name may be typed into its text too
    f"UPDATE work_order SET caller_name = '{NAME}', caller_phone = '{PHONE}', caller_id_number = '{ID_NUMBER}', "
    f"address = '{ADDRESS}', title = '{NAME}反映' || substr(title, 1, 20), "
    f"description = '{NAME}（电话{PHONE}，身份证{ID_NUMBER}）' || description, "
    f"result = CASE WHEN result IS NULL THEN NULL ELSE '已回复{NAME}，电话{PHONE}' END",
    f"UPDATE work_order_event SET note = '已联系{NAME}，电话{PHONE}' WHERE note IS NOT NULL",
    f"UPDATE household SET head_name = '{NAME}', phone = '{PHONE}', address = '{ADDRESS}'",
    f"UPDATE resident SET name = '{NAME}', phone = '{PHONE}'",
    f"UPDATE grid_event SET address = '{ADDRESS}', description = CASE WHEN household_id IS NULL "
    f"THEN '电话{PHONE}，身份证{ID_NUMBER}：' || description ELSE '{NAME}家（电话{PHONE}）' || description END",
    f"UPDATE mediation_party SET name = '{NAME}', phone = '{PHONE}', id_number = '{ID_NUMBER}'",
    f"UPDATE mediation_case SET summary = '{NAME}（{PHONE}，{ID_NUMBER}）' || summary",
    f"UPDATE platform_case SET description = '电话{PHONE}，身份证{ID_NUMBER}：' || description",
    f"UPDATE floating_resident SET name = '{NAME}', id_number = '{ID_NUMBER}', phone = '{PHONE}', "
    f"address = '{ADDRESS}'",
    f"UPDATE service_request SET applicant_name = '{NAME}', applicant_phone = '{PHONE}'",
]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A demo database of its own (the shared one must keep its data), every record planted."""
    saved = pages_f.saved_env()
    try:
        actors = pages_f.build_demo_db(tmp_path_factory.mktemp("privacy") / "console.db")
        with write_session(get_engine(load_settings())) as s:
            for stmt in PLANT:
                s.execute(text(stmt))
        yield actors
    finally:
        pages_f.restore_env(saved)


def _shown(at) -> str:
    """Everything the run put on the page, as text."""
    out: list[str] = []

    def walk(node) -> None:
        kind = type(node).__name__
        if kind in ("Dataframe", "Table"):
            out.append(node.value.to_csv())
        elif kind == "PlotlyChart" or getattr(node, "type", "") == "plotly_chart":
            out.append(node.proto.spec)
        else:
            for attr in ("value", "label", "body", "help", "placeholder", "caption"):
                v = getattr(node, attr, None) if attr != "value" or kind not in ("Button",) else None
                if isinstance(v, str):
                    out.append(v)
                elif isinstance(v, (list, tuple)):
                    out.append(json.dumps(v, ensure_ascii=False, default=str))
            opts = getattr(node, "options", None)
            if isinstance(opts, (list, tuple)):
                out.append(" ".join(map(str, opts)))
            proto = getattr(node, "proto", None)
            if proto is not None and hasattr(proto, "spec") and isinstance(proto.spec, str):
                out.append(proto.spec)
        for child in (
            getattr(node, "children", {}).values() if isinstance(getattr(node, "children", None), dict) else ()
        ):
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def _views(at) -> list[tuple[str, str, object]]:
    """(kind, key, option) for every option of the page's segmented controls and radios."""
    out = []
    for kind in ("segmented_control", "radio"):
        for w in at.get(kind):
            for opt in w.options:
                out.append((kind, w.key, opt))
    return out


CASES = [
    (role, p.key, p.path)
    for role in ROLES
    for p in PAGES
    if p.key not in SKIP and can_open(role, p.key) and not all(sees_unmasked(role, k) for k in FORBIDDEN)
]


@pytest.mark.parametrize("role,key,path", CASES, ids=[f"{r}-{k}" for r, k, _ in CASES])
def test_no_role_reads_personal_data_it_may_not_see(planted, role, key, path):
    forbidden = {k: v for k, v in FORBIDDEN.items() if not sees_unmasked(role, k)}
    at = pages_f.run_via_app(path, planted[role])
    assert not at.exception, [e.value for e in at.exception]
    seen = {"(first run)": _shown(at)}
    for kind, wkey, opt in _views(at):
        if wkey is None:
            continue
        view = pages_f.run_via_app(path, planted[role])
        _choose(next(w for w in view.get(kind) if w.key == wkey), opt)
        view.run()
        assert not view.exception, (wkey, opt, [e.value for e in view.exception])
        seen[f"{wkey}={opt}"] = _shown(view)
    leaks = [(where, kind) for where, shown in seen.items() for kind, value in forbidden.items() if value in shown]
    assert not leaks, f"{role} on {key} reads: " + "; ".join(
        f"{kind} in {where}: …{_around(seen[where], forbidden[kind])}…" for where, kind in leaks[:5]
    )


def _choose(widget, label: str) -> None:
    """Pick the option shown as ``label``, as the browser does: it sends the label (AppTest's
    ``set_value`` wants the option's value, which the page's ``format_func`` hides)."""

    def state(self) -> WidgetState:
        ws = WidgetState()
        ws.id = self.id
        if self.type == "button_group":
            ws.string_array_value.data[:] = [label]
        else:
            ws.string_value = label
        return ws

    widget.__class__ = type("Chosen", (type(widget),), {"_widget_state": property(state)})


def _around(shown: str, value: str, width: int = 40) -> str:
    i = shown.find(value)
    return shown[max(0, i - width) : i + len(value) + width].replace("\n", " ")


# --------------------------------------------------------------------------- exports


def _unzipped_text(data: bytes) -> str:
    """Every XML part of an .xlsx or .docx, as text (cells, paragraphs, shared strings)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


def _export_inbox(engine, actor) -> bytes:
    from components.orders import export_bytes
    from db.engine import read_session
    from db.models.base import utcnow
    from db.queries import orders as orders_q

    with read_session(engine) as s:
        rows = orders_q.inbox_export(s, orders_q.InboxFilter(), actor, utcnow())
    assert rows
    return export_bytes(rows)


def _export_roster(engine, actor) -> bytes:
    from db.services import roster_io

    return roster_io.export_workbook(engine, actor)[0]


def _export_ledger(engine, actor) -> bytes:
    from db.queries.mediation import LedgerFilter
    from db.services import mediation_docs

    data, n = mediation_docs.export_ledger(engine, actor, LedgerFilter())
    assert n
    return data


def _export_case_file(engine, actor) -> bytes:
    from sqlalchemy import select

    from db.engine import read_session
    from db.models import MediationCase
    from db.services import mediation_docs

    with read_session(engine) as s:
        case_id = s.scalar(select(MediationCase.id).order_by(MediationCase.id.desc()).limit(1))
    return mediation_docs.export_case_file(engine, actor, case_id)


def _export_weekly(fmt: str):
    def run(engine, actor) -> bytes:
        from db.models.base import utcnow
        from db.rules.sla import to_local
        from db.services import weekly_report

        return weekly_report.export(actor, to_local(utcnow()).date(), fmt, utcnow(), engine=engine)[2]

    return run


EXPORTS = {
    "inbox": ("order.export", _export_inbox),
    "roster": ("roster.export", _export_roster),
    "ledger": ("mediation.export", _export_ledger),
    "case_file": ("mediation.export", _export_case_file),
    "weekly_docx": ("report.export", _export_weekly("docx")),
    "weekly_xlsx": ("report.export", _export_weekly("xlsx")),
}
EXPORT_CASES = [
    (role, name)
    for name, (action, _) in EXPORTS.items()
    for role in ROLES
    if allowed(role, action) and not all(sees_unmasked(role, k) for k in FORBIDDEN)
]


@pytest.mark.parametrize("role,name", EXPORT_CASES, ids=[f"{r}-{n}" for r, n in EXPORT_CASES])
def test_no_export_carries_personal_data_the_role_may_not_see(planted, role, name):
    from db import scope

    actor = planted[role]
    engine = scope.scoped(get_engine(load_settings()), actor.township_id)
    text = _unzipped_text(EXPORTS[name][1](engine, actor))
    leaks = [kind for kind, value in FORBIDDEN.items() if not sees_unmasked(role, kind) and value in text]
    assert not leaks, f"{role}'s {name} export holds: " + "; ".join(
        f"{kind}: …{_around(text, FORBIDDEN[kind])}…" for kind in leaks
    )


MAP_CASES = [role for role in ROLES if can_open(role, "roster") and not all(sees_unmasked(role, k) for k in FORBIDDEN)]


@pytest.mark.parametrize("role", MAP_CASES)
def test_a_grid_opened_on_the_map_shows_no_personal_data_the_role_may_not_see(planted, role):
    """一张图: the grid with most open orders, chosen (its card lists them for staff)."""
    from sqlalchemy import func, select

    from db import scope
    from db.engine import read_session
    from db.models import WorkOrder
    from db.models.orders import OPEN_STATUSES

    actor = planted[role]
    with read_session(scope.scoped(get_engine(load_settings()), actor.township_id)) as s:
        gid = s.scalars(
            select(WorkOrder.grid_id)
            .where(WorkOrder.status.in_(OPEN_STATUSES), WorkOrder.grid_id.is_not(None))
            .group_by(WorkOrder.grid_id)
            .order_by(func.count().desc())
        ).first()
    at = pages_f.logged_in_app(actor).run()
    at.query_params["view"] = "map"
    at = at.switch_page("pages/roster.py").run()
    at = next(w for w in at.selectbox if w.key == "roster_map_grid").set_value(gid).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = _shown(at) + " ".join(w.proto.label for w in at.get("page_link"))
    assert "工单 RX" in shown or role == "demo"  # the list is there to be checked
    leaks = [kind for kind, value in FORBIDDEN.items() if not sees_unmasked(role, kind) and value in shown]
    assert not leaks, f"{role} reads on the map: " + "; ".join(f"{k}: …{_around(shown, FORBIDDEN[k])}…" for k in leaks)
