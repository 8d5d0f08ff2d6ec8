"""UI of the four platforms (pages/platform_desk.py, pages/platform_summary.py): cached reads
(``reads``, one per query), the desk's tables (``desk``), one case with its actions
(``case_panel``), a patrol finding (``new_case``), each platform's records (``ledgers``:
``shichang``, ``zhifa``, ``bianmin``, ``zongzhi``) and the summary's charts (``summary_view``).
Pages stay thin; writes go through db.services.platforms (``common``: how a form saves)."""

from components.platforms.case_panel import case_panel
from components.platforms.common import PAGE_SIZE, due_text, now_utc
from components.platforms.desk import case_table, handoff_table, open_case_picker, pick_platform
from components.platforms.ledgers import records
from components.platforms.new_case import new_case_form
from components.platforms.reads import (
    case_detail,
    case_id_by_number,
    case_list,
    desk_counts,
    flows,
    handoffs_waiting,
    my_cases,
    my_orders,
    platform,
    summary,
    townships,
)
from components.platforms.summary_view import flow_matrix, period_picker, sankey, summary_table

__all__ = [
    "PAGE_SIZE",
    "case_detail",
    "case_id_by_number",
    "case_list",
    "case_panel",
    "case_table",
    "desk_counts",
    "due_text",
    "flow_matrix",
    "flows",
    "handoff_table",
    "handoffs_waiting",
    "my_cases",
    "my_orders",
    "new_case_form",
    "now_utc",
    "open_case_picker",
    "period_picker",
    "pick_platform",
    "platform",
    "records",
    "sankey",
    "summary",
    "summary_table",
    "townships",
]
