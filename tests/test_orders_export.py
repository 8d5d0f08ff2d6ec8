"""The inbox's Excel export (components.orders.export_bytes): user text is written as text."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook

from components.orders import export_bytes


def test_inbox_export_writes_user_text_as_text_never_a_formula():
    """openpyxl (under pandas.to_excel) writes a string starting with '=' as a formula: an order
    title or caller name such as =HYPERLINK(…) came out of the export as a live formula."""
    row = dict(
        light="green",
        number="RX-2026-000123",
        received_at=datetime(2026, 3, 2, 1, 0),
        title='=HYPERLINK("http://x.invalid","点我")',
        category="=1+1",
        village="东湖村",
        status="resolved",
        supervised=False,
        department=None,
        platform="综治平台",
        due_at=None,
        contact_due_at=None,
        resolved_at=datetime(2026, 3, 3, 1, 0),
        channel="hotline",
        caller_name="=cmd|' /C calc'!A0",
        caller_phone="13812345678",
    )
    ws = load_workbook(io.BytesIO(export_bytes([row])))["工单"]
    values = {c.value: c.data_type for r in ws.iter_rows(min_row=2) for c in r if c.value is not None}
    for text in (row["title"], row["category"], "=cmd|' /C calc'!A0 13812345678", "RX-2026-000123"):
        assert values.get(text) == "s", (text, values)
