"""Go-live imports from Excel (issue #19): one module per ledger, one shared run (``base``).

``IMPORTERS`` maps the kind (the CLI's ``python -m db.cli import KIND FILE`` and the page's
choice) to its module; each module has ``SPEC``, ``check`` and ``write`` (``base.Importer``).
"""

from __future__ import annotations

import importlib
from types import ModuleType

# in the order a township fills them: the organisation first, the past last
IMPORTERS = {
    "org": "db.services.imports.org",
    "households": "db.services.imports.households",
    "disputes": "db.services.imports.disputes",
    "orders": "db.services.imports.history",
    "tasks": "db.services.imports.tasks",
}


def importer(kind: str) -> ModuleType:
    if kind not in IMPORTERS:
        raise KeyError(kind)
    return importlib.import_module(IMPORTERS[kind])
