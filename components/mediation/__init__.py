"""The mediation ledger's UI (pages/mediation.py): cached reads (``reads``), the ledger
(``ledger_view``), one case's file (``case_file``) and its actions (``case_actions``), registration
(``register``), the monthly screening (``screening``), visits to special groups (``visits``),
the KPIs (``kpi``) and the settings (``settings_form``).

Writes go through ``db.services.mediation``; after each one ``data.invalidate()`` clears the
cached reads. The version a record (a case, a village's screening of a month) was rendered at
is kept in session_state (``med_v_…``), so a save after someone else's is refused with the
conflict message; a conflict drops the kept version and the caches and shows the record afresh,
so the retry works on what is now stored (``ui.save_versioned``, ``common``).
"""

from components.mediation.case_file import case_view
from components.mediation.common import PAGE_SIZE
from components.mediation.kpi import KPI_DEFINITION, kpi_view
from components.mediation.ledger_view import export_button, filters, ledger_table
from components.mediation.reads import case, case_id, ledger
from components.mediation.register import register_form
from components.mediation.screening import screening_view
from components.mediation.settings_form import settings_view
from components.mediation.visits import visits_view

__all__ = [
    "KPI_DEFINITION",
    "PAGE_SIZE",
    "case",
    "case_id",
    "case_view",
    "export_button",
    "filters",
    "kpi_view",
    "ledger",
    "ledger_table",
    "register_form",
    "screening_view",
    "settings_view",
    "visits_view",
]
