"""The walk-in receipt (回执, issue #20 item 7): what the desk prints or saves for the caller.

Making a receipt is an export of an order's data: it is checked (the desk's permission to
register orders) and recorded in the audit log (``export`` of ``order_receipt``, with the number)
in the same transaction that reads it. The facts come from ``db.queries.public_page.receipt``,
masked for a reader who may see no personal data (the receipt may be lost): the caller as
张*兰 and 138****5678, the description scrubbed.
"""

from __future__ import annotations

from sqlalchemy import Engine

from db.engine import write_session
from db.errors import NotFound
from db.permissions import Actor, require
from db.queries.public_page import receipt as receipt_facts
from db.services import audit

PERMISSION = "order.create"  # the desk that registers an order hands its receipt over


def prepare(engine: Engine, actor: Actor, order_id: int) -> dict:
    """The receipt's facts of one order (in the actor's township), its making audited."""
    require(actor, PERMISSION)
    with write_session(engine) as s:
        facts = receipt_facts(s, int(order_id))
        if facts is None:
            raise NotFound("工单不存在或无权查看。")
        audit.record(s, actor, "export", "order_receipt", facts["id"], after={"rows": 1, "number": facts["number"]})
        return facts


__all__ = ["PERMISSION", "prepare"]
