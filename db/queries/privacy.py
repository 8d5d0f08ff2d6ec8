"""The presentation step of the read layer (issue #17): rows about people leave ``db/queries``
already masked and scrubbed for the reader's role, through one function driven by a per-entity
specification. Pages and components never mask.

An ``Entity`` says, for one kind of row:

- ``fields``: the structured personal columns and their kind (name / phone / id_number / address),
  masked by ``db.rules.masking.mask_for`` for a role that may not see the kind
  (``db.permissions.PII_FIELDS_BY_ROLE``);
- ``text``: the free-text columns (titles, descriptions, notes), scrubbed by
  ``db.rules.masking.scrub_for`` (phones, ID numbers, titled names, and the names known for the
  row's record);
- ``names``: where those known names come from: ``names(session, keys)`` → {key: [names]} for the
  rows' ``key`` column (the caller and household of an order, the parties of a dispute…), asked
  only when the role may not see names.

``tests/test_privacy_sweep.py`` checks the outcome on every page and view, as every role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import overload

from sqlalchemy.orm import Session

from db.permissions import sees_staff
from db.rules.masking import MASKERS, mask_record, scrub_rows

NamesFn = Callable[[Session, list], dict]


@dataclass(frozen=True)
class Entity:
    fields: Mapping[str, str] = field(default_factory=dict)
    text: tuple[str, ...] = ()
    names: NamesFn | None = None
    key: str = "id"
    # names the row itself carries (an event's household head and reporter), read before masking
    row_names: Callable[[dict], Iterable[str]] | None = None
    # the console's own staff (grid workers, operators): public to every staff role, masked for
    # the delegation's observer ({column: name / phone})
    staff: Mapping[str, str] = field(default_factory=dict)


def present(s: Session, role: str, rows: list[dict], entity: Entity) -> list[dict]:
    """``rows`` (plain dicts) as ``role`` may see them: new dicts, structured fields masked and
    free text scrubbed."""
    own = {r[entity.key]: [n for n in entity.row_names(r) if n] for r in rows} if entity.row_names else {}
    out = [mask_record(role, r, dict(entity.fields)) for r in rows]
    if entity.staff and not sees_staff(role):
        for r in out:
            for column, kind in entity.staff.items():
                if r.get(column):
                    r[column] = MASKERS[kind](r[column])
    if entity.text:

        def names(keys: list) -> dict:
            found = entity.names(s, keys) if entity.names else {}
            return {k: [*found.get(k, []), *own.get(k, [])] for k in keys}

        scrub_rows(role, out, entity.text, names if (entity.names or own) else None, entity.key)
    return out


@overload
def present_one(s: Session, role: str, row: dict, entity: Entity) -> dict: ...
@overload
def present_one(s: Session, role: str, row: None, entity: Entity) -> None: ...
@overload
def present_one(s: Session, role: str, row: dict | None, entity: Entity) -> dict | None: ...
def present_one(s: Session, role: str, row: dict | None, entity: Entity) -> dict | None:
    return None if row is None else present(s, role, [row], entity)[0]
