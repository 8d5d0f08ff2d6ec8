"""The inbox's Excel export: what the list shows, user text written as text, never a formula."""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd

from components.orders.common import HISTORY, channel_and_caller, county_no, where_and_who
from db.models.orders import OPEN_STATUSES
from db.rules.sla import LIGHT_LABELS, to_local


def _local(ts) -> datetime | None:
    """A date-and-time cell (Beijing time, no zone: Excel has none) for the export."""
    return to_local(ts).replace(tzinfo=None) if ts else None


def export_frame(rows: list[dict]) -> pd.DataFrame:
    """The export: what the list shows, with its times as date-and-time cells with their year
    (sorted and filtered as dates in Excel) and the deadline's state in words."""
    return pd.DataFrame(
        {
            "编号": [r["number"] for r in rows],
            "受理时间": [_local(r["received_at"]) for r in rows],
            "事项": [r["title"] for r in rows],
            **where_and_who(rows),
            "办理时限": [_local(r["due_at"]) for r in rows],
            "时限暂定": ["是" if r.get("due_provisional") else "" for r in rows],
            "办结时间": [_local(r.get("resolved_at")) for r in rows],
            "县平台编号": [county_no(r) or "" for r in rows],
            "原台账编号": [r["external_no"] if r.get("external_source") == HISTORY else "" for r in rows],
            "县平台办理时限": [_local(r.get("external_due_at")) for r in rows],
            "风险": [LIGHT_LABELS.get(r["light"], "") if r["status"] in OPEN_STATUSES else "" for r in rows],
            **channel_and_caller(rows),
        }
    )


def export_bytes(rows: list[dict]) -> bytes:
    df = export_frame(rows)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        df.to_excel(xw, index=False, sheet_name="工单")
        sheet = xw.sheets["工单"]
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):  # text, never a formula ("=HYPERLINK(…)" in a title)
                    cell.data_type = "s"
                elif isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
        for col, width in zip(
            "ABCDEFGHIJKLMNO", (16, 17, 30, 14, 12, 12, 18, 17, 8, 17, 18, 17, 8, 10, 22), strict=False
        ):
            sheet.column_dimensions[col].width = width
        sheet.freeze_panes = "B2"
    return buf.getvalue()
