"""The work-order UI (pages/intake.py, pages/inbox.py, pages/supervision.py): the cached reads
(``reads``), the inbox's filters and lists (``inbox_view``) and its Excel export (``export``),
one order's file (``order_file``), the actions on it (``actions``) and the assisting departments'
parts (``assists``), the desk's intake helpers (``intake``) and the receipt (``receipt``); what
they share in ``common``.

Writes go through ``db.services.orders`` / ``order_assists``; each action saves with the version
the order (or the assisting part) was shown at (``ui.save_versioned``), so a save after someone
else's is refused with the conflict message and the page shows the order as now stored.
"""

from components.orders import actions, intake, receipt
from components.orders.common import LIGHT_STYLE, PAGE_SIZE, badge
from components.orders.export import export_bytes
from components.orders.inbox_view import INBOX_COLUMNS, filters, inbox_frame, styled, supervision_frame
from components.orders.order_file import detail_fields, links_list, timeline_table
from components.orders.reads import (
    caller_history,
    duplicates,
    inbox,
    inbox_export,
    order_bundle,
    order_id_by_number,
    supervision,
)

__all__ = [
    "INBOX_COLUMNS",
    "LIGHT_STYLE",
    "PAGE_SIZE",
    "actions",
    "badge",
    "caller_history",
    "detail_fields",
    "duplicates",
    "export_bytes",
    "filters",
    "inbox",
    "inbox_export",
    "inbox_frame",
    "intake",
    "links_list",
    "order_bundle",
    "order_id_by_number",
    "receipt",
    "styled",
    "supervision",
    "supervision_frame",
    "timeline_table",
]
