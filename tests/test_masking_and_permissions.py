"""Masking of personal data, and the role -> pages / actions tables."""

import re
from pathlib import Path

import pytest

from db.errors import PermissionDenied
from db.models.people import ROLES
from db.permissions import (
    ACTIONS,
    PAGES,
    PII_FIELDS_BY_ROLE,
    Actor,
    allowed,
    can_open,
    navigation_for,
    pages_for,
    require,
)
from db.rules.masking import mask_for, mask_id_number, mask_name, mask_phone, mask_record

ROOT = Path(__file__).resolve().parent.parent


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0396-7654321") == "0396-*****21"
    assert mask_phone("7654321") == "76***21"
    assert mask_phone("") == ""
    assert mask_phone(None) is None
    assert mask_phone("123") == "***"


def test_mask_id_number():
    assert mask_id_number("41172619900101123X") == "4117**********123X"
    assert mask_id_number("1234") == "****"


def test_mask_name():
    assert mask_name("张三") == "张*"
    assert mask_name("王小明") == "王*明"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("李") == "*"


@pytest.mark.parametrize("role", list(ROLES))
def test_mask_for_role(role):
    phone = "13812345678"
    shown = mask_for(role, "phone", phone)
    if role in ("demo", "leader"):
        assert shown == "138****5678"
    assert (shown == phone) == ("phone" in PII_FIELDS_BY_ROLE[role])


def test_demo_never_sees_personal_data():
    rec = {"caller_name": "王小明", "caller_phone": "13812345678", "id": 7}
    out = mask_record("demo", rec, {"caller_name": "name", "caller_phone": "phone"})
    assert out == {"caller_name": "王*明", "caller_phone": "138****5678", "id": 7}
    assert rec["caller_name"] == "王小明"  # the input is not changed


def test_every_role_has_a_home_and_demo_has_no_admin_pages():
    for role in ROLES:
        assert can_open(role, "home")
        assert pages_for(role)[0].key == "home"
    demo_keys = {p.key for p in pages_for("demo")}
    assert not demo_keys & {"users", "audit", "intake", "account", "platform_desk", "weekly"}


def test_navigation_differs_by_role_and_sections_are_in_order():
    reception = navigation_for("reception")
    admin = navigation_for("admin")
    assert "系统管理" in admin and "系统管理" not in reception
    assert list(reception)[0] == "工作台"
    assert [p.key for p in reception["接诉即办"]] == ["intake", "inbox", "county_link"]
    assert all(pages for pages in admin.values())


def test_page_table_matches_files_and_each_page_guards_itself():
    keys = [p.key for p in PAGES]
    assert len(keys) == len(set(keys))
    for spec in PAGES:
        path = ROOT / spec.path
        assert path.exists(), spec.path
        source = path.read_text(encoding="utf-8")
        assert re.search(rf'ui\.guard\("{spec.key}"\)', source), f"{spec.path} does not guard itself"
        assert set(spec.roles) <= set(ROLES)


def test_demo_role_may_write_nothing():
    read_only = {"order.view"}
    for action, roles in ACTIONS.items():
        if action not in read_only:
            assert "demo" not in roles, action
    with pytest.raises(PermissionDenied, match="无权"):
        require(Actor(1, "demo", "demo"), "user.manage")
    require(Actor(1, "admin", "admin"), "user.manage")


def test_allowed_unknown_action_is_denied():
    assert not allowed("admin", "no.such.action")


def test_role_matrix_doc_is_current():
    from db.permissions_doc import DOC, render

    assert DOC.read_text(encoding="utf-8") == render(), "run: python -m db.permissions_doc"


def test_export_is_checked_and_audited(sqlite_engine):
    from sqlalchemy import select

    from db.engine import read_session
    from db.models import AuditLog
    from db.services import audit_export

    with pytest.raises(PermissionDenied):
        audit_export.record(Actor(9, "guest", "demo"), "work_order", 10, engine=sqlite_engine)
    audit_export.record(Actor(0, "clerk", "reception"), "work_order", 12, {"filter": "x"}, engine=sqlite_engine)
    with read_session(sqlite_engine) as s:
        rows = s.execute(select(AuditLog.username, AuditLog.action, AuditLog.after)).all()
    assert [(r.username, r.action, r.after["rows"]) for r in rows] == [("clerk", "export", 12)]
