"""Render the role matrix (docs/roles.md) from db.permissions: ``python -m db.permissions_doc``.

A test compares the file with this output, so the doc cannot drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from db.models.people import ROLES
from db.permissions import ACTIONS, PAGES, PII_FIELDS_BY_ROLE

DOC = Path(__file__).resolve().parent.parent / "docs" / "roles.md"
PII_LABELS = {"name": "姓名", "phone": "电话", "id_number": "身份证号", "address": "门牌号（地址到村组为止）"}


def render() -> str:
    roles = list(ROLES)
    head = "| | " + " | ".join(f"{ROLES[r]} `{r}`" for r in roles) + " |\n"
    sep = "|---" * (len(roles) + 1) + "|\n"
    lines = [
        "# Role matrix\n\n",
        "Generated from `db/permissions.py` by `python -m db.permissions_doc`; a test keeps it in step.\n",
        "The navigation shows a role only its pages; every page checks the role again, and every\n",
        "service checks the action, so a forbidden action is refused even when called directly.\n\n",
        "## Pages\n\n",
        head,
        sep,
    ]
    for p in PAGES:
        mark = " (placeholder)" if p.placeholder else ""
        lines.append(
            f"| {p.section} / {p.title} `{p.key}`{mark} | "
            + " | ".join("✔" if r in p.roles else "" for r in roles)
            + " |\n"
        )
    lines += ["\n## Actions (checked in the service layer)\n\n", head, sep]
    for action, allowed in ACTIONS.items():
        lines.append(f"| `{action}` | " + " | ".join("✔" if r in allowed else "" for r in roles) + " |\n")
    lines += ["\n## Personal data shown unmasked\n\n", head, sep]
    for field, label in PII_LABELS.items():
        lines.append(
            f"| {label} | " + " | ".join("✔" if field in PII_FIELDS_BY_ROLE[r] else "masked" for r in roles) + " |\n"
        )
    return "".join(lines)


if __name__ == "__main__":
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
