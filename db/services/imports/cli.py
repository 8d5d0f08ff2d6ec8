"""``python -m db.cli template|import``: the go-live imports for the county's IT staff, the same
checks and the same all-or-nothing write as the page (``base.run``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import Engine, select

from db.engine import read_session
from db.errors import DomainError
from db.models import Township
from db.permissions import SYSTEM, Actor
from db.queries.setup import import_options
from db.scope import scoped
from db.services import users
from db.services.imports import IMPORTERS, base, importer

MAX_PRINTED = 200


def _fail(message: str) -> int:
    print(f"失败：{message}", file=sys.stderr)
    return 2


def _township(engine: Engine, code: str | None) -> int | None:
    if not code:
        return None
    with read_session(engine) as s:
        town = s.scalar(select(Township.id).where(Township.code == code.strip().upper()))
    if town is None:
        raise DomainError(f"没有编码为“{code}”的乡镇。")
    return town


def _actor(engine: Engine, username: str | None) -> Actor:
    if not username:
        return SYSTEM
    actor = users.active_actor(engine, username)
    if actor is None:
        raise DomainError(f"没有在用的账号“{username}”。")
    return actor


def main(engine: Engine, args: argparse.Namespace) -> int:
    if args.kind not in IMPORTERS:
        return _fail(f"未知的导入类型“{args.kind}”，可选：{'、'.join(IMPORTERS)}。")
    module = importer(args.kind)
    try:
        town = _township(engine, args.township)
        if args.command == "template":
            options = {}
            if town is not None:
                with read_session(scoped(engine, town)) as s:
                    options = import_options(s)
            out = Path(args.out)
            if out.exists():
                return _fail(f"{out} 已存在，不覆盖。")
            out.write_bytes(base.template_bytes(module.SPEC, options))
            print(f"已写出模板：{out}")
            return 0
        actor = _actor(engine, args.user)
        content = Path(args.path).read_bytes()
        last = [-1]

        def progress(fraction: float, text: str) -> None:
            step = int(fraction * 10)
            if step != last[0]:
                last[0] = step
                print(f"[{fraction:4.0%}] {text}", flush=True)

        report = base.run(
            scoped(engine, town) if town else engine,
            actor,
            module,
            content,
            township_id=town,
            progress=progress,
            file_name=Path(args.path).name,
        )
    except (DomainError, OSError) as exc:
        return _fail(str(exc))
    if report.ok:
        print(base.summary(report))
        return 0
    for error in report.errors[:MAX_PRINTED]:
        print(str(error), file=sys.stderr)
    if report.error_total > MAX_PRINTED:
        print(f"……共{report.error_total}处问题，只列出前{MAX_PRINTED}处。", file=sys.stderr)
    if args.errors:
        Path(args.errors).write_bytes(base.errors_workbook(module.SPEC, report))
        print(f"已把问题写在各行旁：{args.errors}", file=sys.stderr)
    print(base.summary(report), file=sys.stderr)
    return 1
