"""Command line: ``python -m db.cli <command>``.

migrate                 apply pending migrations
init                    migrate, and in demo mode seed the demo township and accounts
create-admin            production: create the first administrator (asks for the password,
                        or reads GOV_ADMIN_PASSWORD)
backup [--out PATH]     a consistent copy of the whole database (SQLite online backup, or
                        pg_dump); default backups/console-<UTC time>.db|.dump
restore PATH --yes      replace the database's content with a backup (stop the app first)
rebuild-stats           recompute the KPI summary tables from the work orders (a repair: the
                        triggers keep them current; see db/stats.py)
unlock USERNAME         lift a login lock-out
create-township --code C --name N --county X
                        a township with its four platforms and their usual departments
template KIND --out PATH [--township CODE]
                        an empty go-live import template (KIND: org, households, disputes,
                        orders), its drop-downs holding the township's villages, grids...
import KIND PATH [--township CODE] [--user NAME] [--errors PATH]
                        a go-live import (issue #19): every row checked, then all or nothing;
                        the problems printed by sheet, row and column (and written beside the
                        rows to --errors); made as the administrator NAME, else as the system
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from db.config import load_settings
from db.engine import get_engine, write_session
from db.errors import DomainError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db.cli", description="治理平台数据库命令")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply pending migrations")
    sub.add_parser("init", help="migrate; in demo mode also seed demo data and accounts")
    admin = sub.add_parser("create-admin", help="create the first administrator")
    admin.add_argument("--username", required=True)
    admin.add_argument("--name", default="系统管理员")
    bk = sub.add_parser("backup", help="back up the whole database")
    bk.add_argument("--out", help="backup file to write (must not exist)")
    rs = sub.add_parser("restore", help="restore the whole database from a backup (stop the app first)")
    rs.add_argument("path")
    rs.add_argument("--yes", action="store_true", help="confirm: the database's content is replaced")
    sub.add_parser("rebuild-stats", help="recompute the KPI summary tables from the work orders")
    ul = sub.add_parser("unlock", help="lift a login lock-out (e.g. when every administrator is locked out)")
    ul.add_argument("username")
    ct = sub.add_parser("create-township", help="create a township with its four platforms and usual departments")
    ct.add_argument("--code", required=True)
    ct.add_argument("--name", required=True)
    ct.add_argument("--county", required=True)
    tp = sub.add_parser("template", help="write an empty go-live import template")
    tp.add_argument("kind", help="org | households | disputes | orders")
    tp.add_argument("--out", required=True, help="the .xlsx to write")
    tp.add_argument("--township", help="the township's code (its villages, grids... in the drop-downs)")
    im = sub.add_parser("import", help="import a go-live Excel ledger (all rows checked, all or nothing)")
    im.add_argument("kind", help="org | households | disputes | orders")
    im.add_argument("path", help="the filled-in .xlsx")
    im.add_argument("--township", help="the township's code (required unless --user belongs to one)")
    im.add_argument("--user", help="the administrator account the import is made as (audited under that name)")
    im.add_argument("--errors", help="on problems, write the rows with their problems beside them to this .xlsx")
    args = parser.parse_args(argv)

    settings = load_settings()
    engine = get_engine(settings)
    # a command's own module is imported in its branch below
    # deferred: alembic and the models (~0.3 s to import) wait for the arguments: --help answers at once
    from db import migrate
    from db.permissions import SYSTEM
    from db.services import audit, bootstrap, users

    if args.command == "migrate":
        migrate.upgrade(engine)
        print(f"database at revision {migrate.current_revision(engine)}")
    elif args.command == "init":
        done = bootstrap.ensure_database(engine, settings, say=lambda text: print(text, flush=True))
        print(
            "数据库已就绪："
            + ("已迁移；" if done["migrated"] else "")
            + ("已生成演示数据；" if done["seeded"] else "")
            + (f"已创建{done['accounts']}个演示账号。" if done["accounts"] else "")
        )
    elif args.command in ("backup", "restore"):
        from db import backup  # deferred: per command

        try:
            if args.command == "backup":
                dest = backup.backup(engine, args.out or backup.default_path(engine))
                backup.record_backup(engine, dest)
                print(f"备份完成：{dest}（{dest.stat().st_size} 字节）")
            else:
                if not args.yes:
                    print("恢复会用备份替换数据库中的全部数据。请先停止应用，再加 --yes 确认。", file=sys.stderr)
                    return 2
                backup.restore(engine, args.path)
                print(f"已从 {args.path} 恢复数据库，当前版本 {migrate.current_revision(engine)}。")
        except DomainError as exc:
            print(f"失败：{exc}", file=sys.stderr)
            return 2
    elif args.command == "rebuild-stats":
        from db import stats  # deferred: per command

        with write_session(engine) as s:
            stats.rebuild(s.connection())
            days = s.connection().exec_driver_sql("SELECT COUNT(*) FROM order_stats_day").scalar()
            audit.record(s, SYSTEM, "system.rebuild_stats", "database", None, after={"days": days})
        print(f"已重算工单统计汇总表（{days} 天）。")
    elif args.command == "unlock":
        try:
            was_locked = users.unlock(engine, args.username)
        except DomainError as exc:
            print(f"失败：{exc}", file=sys.stderr)
            return 2
        print(f"已解除 {args.username} 的登录锁定。" if was_locked else f"{args.username} 未被锁定；失败次数已清零。")
    elif args.command == "create-township":
        from db.services import setup  # deferred: per command (~0.07 s to import)

        migrate.upgrade(engine)
        try:
            town = setup.create_township(engine, SYSTEM, code=args.code, name=args.name, county=args.county)
        except DomainError as exc:
            print(f"失败：{exc}", file=sys.stderr)
            return 2
        print(f"已新建乡镇“{args.name}”（编号 {town}）及四个平台。")
    elif args.command in ("template", "import"):
        from db.services.imports import cli as import_cli  # deferred: per command; openpyxl, ~0.2 s

        return import_cli.main(engine, args)
    elif args.command == "create-admin":
        migrate.upgrade(engine)
        password = os.environ.get("GOV_ADMIN_PASSWORD") or getpass.getpass("新管理员密码: ")
        try:
            uid = users.create_first_admin(engine, args.username, args.name, password)
        except DomainError as exc:
            print(f"失败：{exc}", file=sys.stderr)
            return 2
        print(f"created administrator {args.username} (id {uid})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
