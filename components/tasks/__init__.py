"""The task ledger's UI (任务台账, pages/tasks.py): cached reads (``reads``), the counts, filters
and the ledger table with its warning colours (``ledger``), a task's file with its milestones and
progress timeline (``task_view``), the forms of its actions (``actions``) and the task's fields
and the new task (``forms``).

Writes go through ``db.services.tasks``; after each one ``data.invalidate()`` clears the cached
reads. The version of the task (and of each milestone) is kept in session_state when its form is
first rendered (``task_v_…``), so a save after someone else's is refused with the conflict message;
the kept version is then dropped and the task shown afresh (``ui.save_versioned``, ``common``).
"""

from components.tasks.common import PAGE_SIZE
from components.tasks.forms import new_form
from components.tasks.ledger import cards, filters, ledger_table
from components.tasks.reads import counts, detail, page_rows
from components.tasks.task_view import task_view

__all__ = [
    "PAGE_SIZE",
    "cards",
    "counts",
    "detail",
    "filters",
    "ledger_table",
    "new_form",
    "page_rows",
    "task_view",
]
