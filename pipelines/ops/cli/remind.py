"""`portfolio remind`: reminder lists before the policy's deadlines (pipelines/ops/reminders.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from pipelines.cli_args import add_warehouse, built_settings, parse_date, school_code
from pipelines.ops.cli.common import add_actor

DEFAULT_DAYS = 7


def add_parser(subparsers) -> argparse.ArgumentParser:
    remind = subparsers.add_parser(
        "remind", help="reminder lists (.xlsx) for homeroom and subject teachers before upload, certification and selection deadlines",
        description="For every deadline in the schools' policy.yaml (terms: upload_deadline, certification_deadline; "
        "selection_deadlines) falling within --days days of --as-of, write per-class lists for homeroom teachers "
        "and per-teacher lists for certifying teachers (proxies for teachers who have left, with the proxy chain), "
        "plus the proxy-certification list; after a reconciled receipt, the students who have not confirmed it "
        "and the open disputes (per class, and for the registrar by 名冊 and owning unit, with the 名冊 whose "
        "submission deadline is near); store them in the warehouse (ops.reminders, ops.proxy_assignments) "
        "for the dashboard.",
    )
    remind.add_argument("--as-of", type=parse_date, default=None, metavar="DATE",
                        help="the day the lists are for (default today); ISO or ROC dates")
    remind.add_argument("--days", type=int, default=DEFAULT_DAYS, metavar="N",
                        help=f"remind about deadlines up to N days ahead (default {DEFAULT_DAYS})")
    remind.add_argument("--out", type=Path, metavar="DIR",
                        help="where the workbooks go (default reminders/ beside the warehouse): <DIR>/<school>/<date>/")
    remind.add_argument("--school", action="append", default=[], metavar="CODE", type=school_code, help="only this school (repeatable)")
    remind.add_argument("--no-store", action="store_true", help="do not write ops.reminders into the warehouse")
    add_warehouse(remind)
    add_actor(remind)
    return remind


def run(args: argparse.Namespace) -> int:
    settings = built_settings(args.warehouse)
    if settings is None:
        return 2
    if args.days < 0 or args.days > 366:
        print("--days 應介於 0 與 366 之間", file=sys.stderr)
        return 2
    as_of = args.as_of or dt.date.today()
    out = args.out or settings.reminders_dir

    import duckdb

    from pipelines.roc import roc_date
    from pipelines.ops.audit import record_audit
    from pipelines.ops.reminder_xlsx import write_reminder_workbooks
    from pipelines.ops.reminders import collect_reminders, store_reminders

    try:
        reminders = collect_reminders(settings.warehouse, as_of, args.days, args.school or None)
    except duckdb.Error as error:
        print(f"無法讀取倉儲 {settings.warehouse}（是否已建置？）：{error}", file=sys.stderr)
        return 2
    unknown = sorted(set(args.school) - set(reminders.schools))
    if unknown:
        print(f"倉儲中沒有學校：{'、'.join(unknown)}", file=sys.stderr)
        return 2

    files = write_reminder_workbooks(reminders, out)
    print(f"截止前提醒  基準日 {roc_date(as_of, era=True)}，提醒 {args.days} 天內的截止日")
    for school in reminders.schools:
        mine = reminders.for_school(school)
        deadlines = "、".join(f"{d['deadline_label']} {roc_date(d['deadline_date'], era=True)}（剩 {d['days_left']} 天）"
                             for d in mine.deadlines) or "無"
        classes = len({row["class_code"] for row in mine.rows if row["audience"] == "class"})
        teachers = len({row["recipient_code"] for row in mine.rows if row["audience"] == "teacher"})
        print(f"  {mine.school_label(school)}  截止事項：{deadlines}")
        print(f"          班級名單 {classes} 班、教師名單 {teachers} 位、代理認證 {len(mine.proxies)} 件、"
              f"到期名冊 {len(mine.submissions)} 份、處理中申訴 {len(mine.disputes)} 件")
    for path in files:
        print(f"  XLSX  {path}")

    if not args.no_store:
        from pipelines.ops.files import WarehouseBusy, retrying

        try:
            con = retrying(lambda: duckdb.connect(str(settings.warehouse)), settings.warehouse)
            with con:
                store_reminders(con, reminders)
        except (WarehouseBusy, duckdb.Error) as error:
            print(f"警告：未能將提醒寫入倉儲（{error}）；名單檔案已寫出", file=sys.stderr)
    record_audit(settings, "remind", actor=args.actor, details={
        "as_of": as_of.isoformat(), "days": args.days, "schools": reminders.schools,
        "rows": len(reminders.rows), "proxy_assignments": len(reminders.proxies),
        "submission_deadlines": len(reminders.submissions), "open_disputes": len(reminders.disputes),
        "files": [str(path) for path in files],
    })
    return 0
