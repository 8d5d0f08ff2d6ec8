"""Hostile and random input at intake: every attempt ends in a saved order or a clear
Chinese validation error; never a crash, never a partial write (property-based, hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db.engine import read_session
from db.errors import ValidationError
from db.models import AuditLog, WorkOrder, WorkOrderEvent
from db.services import orders
from tests.factories.orders import build_world, intake

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=50),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "'; DROP TABLE work_order; --",
            "${jndi:ldap://x}",
            "[点我](javascript:alert(1))",
            "**粗体** _斜体_ `code`",
            "😀🙏🏻👨‍👩‍👧",
            "１３８１２３４５６７８",
            "A" * 5000,
            "\x00\x01\x02",
            "\u202e反转文字",
            "\ufeff带BOM",
            "　全角空格　",
        ]
    ),
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from db import migrate
    from db.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'h.db'}")
    migrate.upgrade(engine)
    yield build_world(engine)
    engine.dispose()


def totals(engine) -> tuple[int, int, int]:
    with read_session(engine) as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (WorkOrder, WorkOrderEvent, AuditLog))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=HOSTILE, phone=HOSTILE, address=HOSTILE, description=HOSTILE, answer=st.one_of(st.none(), HOSTILE))
def test_register_saves_or_refuses_cleanly(world, name, phone, address, description, answer):
    before = totals(world.engine)
    tier = "instant" if answer is not None else "local"
    try:
        res = orders.register(
            world.engine,
            world.reception,
            intake(
                world,
                caller_name=name,
                caller_phone=phone,
                address=address,
                description=description,
                tier=tier,
                answer=answer,
            ),
        )
    except ValidationError as exc:
        assert exc.message and any("\u4e00" <= ch <= "\u9fff" for ch in exc.message), exc.message
        assert totals(world.engine) == before  # nothing written
        return
    after = totals(world.engine)
    assert after[0] == before[0] + 1 and after[1] > before[1] and after[2] > before[2]
    with read_session(world.engine) as s:
        o = s.get(WorkOrder, res["id"])
        for text in (o.caller_name, o.address, o.description, o.result):
            # what was stored has no control characters (line breaks and tabs aside)
            assert text is None or not any(ord(c) < 32 and c not in "\n\t" for c in text)
        assert len(o.description) <= 2000
