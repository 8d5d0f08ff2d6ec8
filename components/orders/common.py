"""What the order views share: the risk light's words and colours, the page size of the lists,
who handles an order, the county's number, and the columns the inbox list and its export both
show."""

from __future__ import annotations

from db.models.orders import CHANNELS, ORDER_STATUSES
from db.rules.sla import LIGHT_LABELS, remaining_text

LIGHT_ICONS = {"red": "超期", "yellow": "临期", "green": "正常"}
LIGHT_STYLE = {
    "超期": "background-color:#f9dedc;color:#8c1d18;font-weight:600",
    "临期": "background-color:#fdf0d5;color:#7a4b00;font-weight:600",
    "正常": "color:#2e6b30",
}
PAGE_SIZE = 25


remaining = remaining_text  # db.rules.sla: one format for time left and time overdue

HISTORY = "history"  # an order of the township's old ledger (db/services/imports/history.py)


def county_no(r: dict) -> str | None:
    """The county's number of an order it transferred (12345 or a petition), not an old ledger's."""
    return r.get("external_no") if r.get("external_source") != HISTORY else None


def badge(lt: str) -> str:
    colour = {"red": "red", "yellow": "orange", "green": "green"}[lt]
    return f":{colour}-badge[{LIGHT_LABELS[lt]}]"


def handler_cell(r: dict) -> str:
    """The 承办 cell of a list row: the department (else the platform), or 本村就地办."""
    return r["department"] or r["platform"] or ("本村就地办" if r.get("handler_village_id") else "")


def where_and_who(rows: list[dict]) -> dict[str, list]:
    """The list's and the export's shared columns: category, place, status, handler."""
    return {
        "类别": [r["category"] for r in rows],
        "村（社区）": [r["village"] or "" for r in rows],
        "状态": [ORDER_STATUSES.get(r["status"], r["status"]) + ("·督办" if r["supervised"] else "") for r in rows],
        "承办": [handler_cell(r) for r in rows],
    }


def channel_and_caller(rows: list[dict]) -> dict[str, list]:
    return {
        "渠道": [CHANNELS.get(r["channel"], r["channel"]) for r in rows],
        "来电人": [" ".join(x for x in (r["caller_name"], r["caller_phone"]) if x) for r in rows],
    }
