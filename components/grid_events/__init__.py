"""网格事件 UI (pages/grid_events.py, the leader's home): the cached reads (reads.py), the list
and its filters (event_list.py), one event's file (event.py) with its step forms (actions.py),
the report form (report.py), the work logs (logs.py), 事件考核 (handling_kpis.py) and the
leader's overdue list (overdue.py). Pages stay thin; services do every write."""

from components.grid_events.event import show_event
from components.grid_events.event_list import (
    LIST_COLUMNS,
    PAGE_SIZE,
    TABLE_GEN,
    filters,
    list_frame,
    reset_table,
    styled,
)
from components.grid_events.handling_kpis import kpi_table
from components.grid_events.logs import log_form, log_list, may_write_logs, pick_staff, workload_table
from components.grid_events.overdue import overdue_panel
from components.grid_events.reads import event_id_by_number, events, own_staff
from components.grid_events.report import report_form

__all__ = [
    "LIST_COLUMNS",
    "PAGE_SIZE",
    "TABLE_GEN",
    "event_id_by_number",
    "events",
    "filters",
    "kpi_table",
    "list_frame",
    "log_form",
    "log_list",
    "may_write_logs",
    "overdue_panel",
    "own_staff",
    "pick_staff",
    "report_form",
    "reset_table",
    "show_event",
    "styled",
    "workload_table",
]
