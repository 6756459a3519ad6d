"""`portfolio export`: write a school's 名冊 workbooks and manifest.json for the central database.

Exit 0 when every asked folder was written (or is unchanged since its submission), 1 when the gate
blocked one, 2 for bad usage. Hooked into pipelines/cli.py with `add_parser(subparsers)` and `run(args)`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.cli_args import EXIT_BLOCKED, EXIT_OK, EXIT_USAGE, add_school, add_warehouse, built_settings, parse_date, school_code


def add_out(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help="export root (default <warehouse dir>/exports)")


def add_target(parser: argparse.ArgumentParser, *, term_required: bool) -> None:
    add_school(parser)
    parser.add_argument("--year", type=int, metavar="Y", required=True, help="學年度, e.g. 113")
    parser.add_argument("--term", type=int, choices=(0, 1, 2), metavar="T", required=term_required,
                        help="學期 1 or 2; 0 for the whole-year rosters")


def add_parser(subparsers) -> argparse.ArgumentParser:
    export = subparsers.add_parser(
        "export", help="write the central-database workbooks (名冊) and manifest.json of a school",
        description="Write <out>/<學校代碼>/<學年度>_<學期>/ with the term's 學生資料名冊, 學生成績名冊, "
        "校內幹部經歷名冊 and 缺勤紀錄名冊, or (term 0) the year's 學生課程學習成果名冊 and 學生自填多元表現名冊, plus manifest.json "
        "(exports.md). The gate decides: when an error rule concerning those files has violations nothing is "
        "written (exit 1) unless --allow-partial. A submitted folder is never rewritten: the next export "
        "becomes <學年度>_<學期>_r1/ beside it.",
    )
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--school", metavar="CODE", type=school_code, help="學校代碼 of the school to export")
    which.add_argument("--all", action="store_true", help="every school in the warehouse; one line per folder")
    export.add_argument("--year", type=int, metavar="Y", help="學年度 (default: each school's latest year on record)")
    export.add_argument("--term", type=int, choices=(0, 1, 2), action="append", metavar="T",
                        help="1 or 2 for a term, 0 for the whole year; repeatable (default: 1, 2 and 0)")
    add_out(export)
    export.add_argument("--allow-partial", action="store_true",
                        help="write even when the gate fails: leave the offending items out and list them in "
                        "the manifest's `excluded`")
    export.add_argument("--as-of", type=parse_date, metavar="DATE", help="the day the gate's deadline warnings count from (default today)")
    add_warehouse(export)
    return export


def run(args: argparse.Namespace) -> int:
    settings = built_settings(args.warehouse)
    if settings is None:
        return EXIT_USAGE

    from pipelines.export.core import BLOCKED, ExportError, export_all, status_line

    terms = tuple(dict.fromkeys(args.term)) if args.term else (1, 2, 0)
    lines: list = []

    def report(outcome) -> None:
        print(status_line(outcome), flush=True)
        for warning in outcome.warnings:
            print(f"  警告：{warning}", flush=True)
        if outcome.status == BLOCKED and not args.all:
            for rule, count in outcome.verdict.violations_by_rule.items():
                print(f"  {rule}：{count} 筆", flush=True)
        lines.append(outcome)

    try:
        if not args.all:
            from pipelines.export.core import latest_years

            years = latest_years(settings.warehouse, [args.school])
            if args.school not in years:
                print(f"倉儲中沒有學校 {args.school}", file=sys.stderr)
                return EXIT_USAGE
            year = args.year or (years[args.school][-1] if years[args.school] else None)
            if year is None or year not in years[args.school]:
                print(f"學校 {args.school} 沒有 {args.year or ''} 學年度的學籍資料", file=sys.stderr)
                return EXIT_USAGE
        export_all(settings, args.out or settings.exports_dir, year=args.year, terms=terms, allow_partial=args.allow_partial,
                   as_of=args.as_of, schools=None if args.all else [args.school], progress=report)
    except ExportError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    blocked = [outcome for outcome in lines if outcome.status == BLOCKED]
    if blocked:
        print(f"{len(blocked)} 個資料夾因檢核未通過而未匯出；詳見 portfolio gate --school <學校代碼> 的報告，"
              "或以 --allow-partial 排除問題項目後匯出", file=sys.stderr)
        return EXIT_BLOCKED
    return EXIT_OK
