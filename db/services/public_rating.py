"""The resident's rating of a closed order on its public page (issue #20 item 7; seed 003:
群众可通过手机端对处置结果进行评价).

A rating is the desk's 回访 step taken by the resident: ``orders.callback_in`` in one
transaction, with the same state machine row (satisfied / basic: 已回访; unsatisfied: re-dispatched
to the same department with a new deadline, as a callback re-dispatches), the same version
check, timeline row and audit record. What differs:

- the actor is ``public_actor``: no user, the name 群众（扫码评价） (no account can have it: usernames
  are lower-case ASCII), the reception's permission for the step, and the order's township, so
  the township's administrator reads the audit record;
- only an order waiting for its callback (已办结) may be rated, and only once: a second rating
  of the same order, even after it was re-dispatched and closed again, is refused
  (``AlreadyRated``); two at once are decided by the version check;
- the comment (at most 200 characters) is the callback's note, after 群众扫码评价：….
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from db.engine import write_session
from db.errors import InvalidTransition, NotFound, ValidationError
from db.models import WorkOrder
from db.models.orders import SATISFACTION
from db.permissions import Actor
from db.queries.public_page import PUBLIC_SOURCE, RATEABLE, rated_publicly
from db.rules.text import clean_text
from db.services import orders
from db.services.base import now_or

PUBLIC_NAME = "群众（扫码评价）"
COMMENT_MAX = 200
ALREADY = "本工单已评价，感谢您的反馈。"
NOT_YET = "工单办结后才能评价。"
CLOSED = {"archived": "本工单已完成回访，感谢您的关注。", "cancelled": "本工单已撤销，无需评价。"}


def refusal(status: str, rated: bool) -> str:
    """Why an order cannot be rated now, in the resident's words."""
    return ALREADY if rated else CLOSED.get(status, NOT_YET)


class AlreadyRated(InvalidTransition):
    """The order was rated on its page before."""


class NotRateable(InvalidTransition):
    """The order is not waiting for a rating (still being handled, called back, cancelled)."""


def public_actor(township_id: int | None) -> Actor:
    return Actor(user_id=0, username=PUBLIC_NAME, role="reception", display_name=PUBLIC_NAME, township_id=township_id)


def check_comment(comment: str | None) -> str | None:
    return clean_text(comment, "意见建议", max_len=COMMENT_MAX, multiline=True, field="comment")


def rate(
    engine: Engine, order_id: int, satisfaction: str, comment: str | None = None, now: datetime | None = None
) -> dict:
    """Record the resident's rating of order ``order_id`` (read by id, for the system: the page's
    signed link named it). Returns the callback's ``dict(id, number, version, status)``."""
    now = now_or(now)
    if satisfaction not in SATISFACTION:
        raise ValidationError("请选择满意、基本满意或不满意。", field="satisfaction")
    comment = check_comment(comment)
    said = SATISFACTION[satisfaction]
    note = comment or ("群众未留言。" if satisfaction == "unsatisfied" else None)
    with write_session(engine) as s:
        order = s.get(WorkOrder, order_id)
        if order is None:
            raise NotFound("工单不存在。")
        if rated_publicly(s, order.id):
            raise AlreadyRated(ALREADY)
        if order.status != RATEABLE:
            raise NotRateable(refusal(order.status, False))
        out = orders.callback_in(
            s,
            public_actor(order.township_id),
            order.id,
            order.version,
            satisfaction,
            note,
            now=now,
            source=PUBLIC_SOURCE,
        )
        return {**out, "satisfaction": said}


__all__ = [
    "ALREADY",
    "AlreadyRated",
    "NOT_YET",
    "COMMENT_MAX",
    "NotRateable",
    "PUBLIC_NAME",
    "check_comment",
    "public_actor",
    "rate",
    "refusal",
]
