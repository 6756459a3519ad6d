"""`portfolio purge`: remove leavers' data after the school's retention period (pipelines/ops/purge.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.cli_args import add_warehouse, built_settings, parse_date, school_code
from pipelines.ops.cli.common import add_actor


def add_parser(subparsers) -> argparse.ArgumentParser:
    purge = subparsers.add_parser(
        "purge", help="list (dry run) or --apply the removal of leavers' data past the school's retention_years",
        description="Students whose latest term at a school is 轉出/退學/畢業 and who left more than the school's "
        "retention_years (policy.yaml, default 5) before --as-of. Without --apply nothing changes: the students, "
        "the rows per table and the files are listed. With --apply they are removed from the warehouse, the "
        "published copy, every backup and the generated reports naming them, and the audit log records the "
        "counts and keys (never content).",
    )
    purge.add_argument("--as-of", type=parse_date, required=True, metavar="DATE", help="the day retention is counted to")
    purge.add_argument("--apply", action="store_true", help="really remove (default: dry run, changes nothing)")
    purge.add_argument("--school", action="append", default=[], metavar="CODE", type=school_code, help="only this school (repeatable)")
    purge.add_argument("--reports", action="append", default=[], type=Path, metavar="DIR",
                       help="another folder of generated reports to clean (repeatable); reports/, exports/ "
                       "and reminders/ beside the warehouse are always searched (frozen submissions are kept)")
    add_warehouse(purge)
    add_actor(purge)
    return purge


def run(args: argparse.Namespace) -> int:
    settings = built_settings(args.warehouse)
    if settings is None:
        return 2

    import duckdb

    from pipelines.ops.files import WarehouseBusy
    from pipelines.ops.purge import RETAINED_REASON, apply_purge, plan_purge

    try:
        plan = plan_purge(settings, args.as_of, schools=args.school or None, report_dirs=args.reports)
    except WarehouseBusy as error:
        print(str(error), file=sys.stderr)
        return 1
    except duckdb.Error as error:
        print(f"無法讀取倉儲 {settings.warehouse}（是否已建置？）：{error}", file=sys.stderr)
        return 2

    mode = "清除" if args.apply else "試算（未變更任何資料；加上 --apply 才會清除）"
    print(f"離校生資料保存期限檢查  基準日 {args.as_of.isoformat()}  {mode}")
    if not plan.leavers:
        print("  沒有超過保存年限的離校生")
        return 0
    for school, leavers in plan.by_school.items():
        print(f"  {school}  保存 {leavers[0].retention_years} 年：{len(leavers)} 位學生")
        for leaver in leavers:
            left = f"{leaver.left_date.isoformat()}{'（學期結束日）' if leaver.left_date_is_term_end else ''}"
            print(f"    學號 {leaver.student_number}  班級 {leaver.class_code or '-'}  座號 {leaver.seat_number or '-'}"
                  f"  {leaver.enrolment_status} 於 {left}  保存至 {leaver.kept_until.isoformat()}"
                  f"  （最後學期 {leaver.last_academic_year}-{leaver.last_term}）")
    total = sum(plan.rows.values())
    print(f"  倉儲中將刪除 {total:,} 列，分布於 {len(plan.rows)} 個資料表：")
    for table, rows in sorted(plan.rows.items()):
        print(f"    {table.split(':', 1)[1]:<52} {rows:>8,}")
    if plan.databases:
        print(f"  另清除 {len(plan.databases)} 個資料庫副本（發布副本、備份）：{'、'.join(p.name for p in plan.databases)}")
    if plan.scratch:
        print(f"  刪除建置殘留檔：{'、'.join(p.name for p in plan.scratch)}")
    if plan.files:
        print(f"  刪除提及這些學生的產出檔 {len(plan.files)} 個（重新產生即不含他們）：")
        for path in plan.files:
            print(f"    {path}")
    for path in plan.retained:
        print(f"  保留（不在清除範圍內）：{path}")
    if plan.retained:
        print(f"    {RETAINED_REASON}")
    if not args.apply:
        return 0

    try:
        details = apply_purge(settings, plan, actor=args.actor)
    except WarehouseBusy as error:
        print(str(error), file=sys.stderr)
        return 1
    removed = sum(details["rows_removed"].values())
    print(f"已清除 {len(plan.leavers)} 位學生：{removed:,} 列（含副本與備份）、{len(details['files_removed'])} 個檔案；"
          f"已寫入稽核紀錄 {settings.audit_log}")
    return 0
