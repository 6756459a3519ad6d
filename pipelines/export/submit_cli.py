"""`portfolio submit`: freeze the newest export folder of a school, year and term as submitted.

Exit 0 when it was recorded, 1 when there is nothing to submit (no export, already submitted, files
changed since the export), 2 for bad usage.
"""

from __future__ import annotations

import argparse
import sys

from pipelines.cli_args import EXIT_BLOCKED, EXIT_OK, EXIT_USAGE, add_warehouse, built_settings
from pipelines.export.cli import add_out, add_target


def add_parser(subparsers) -> argparse.ArgumentParser:
    submit = subparsers.add_parser(
        "submit", help="mark an export folder as submitted: from then on nothing rewrites it",
        description="Mark the newest export folder <out>/<學校代碼>/<學年度>_<學期>[_rN]/ as submitted: write its "
        ".submitted marker with every file's sha256, make the files read-only, and record who, when and what "
        "(files, checksums, every row's 項目鍵) in the warehouse (schema submissions). Later exports of the same "
        "school, year and term become numbered re-submissions beside it.",
    )
    add_target(submit, term_required=True)
    add_out(submit)
    submit.add_argument("--by", metavar="NAME", help="who submits (default $PORTFOLIO_ACTOR or the login name)")
    submit.add_argument("--unit", metavar="處室", help="the unit submitting its own 名冊 (seeds/xwalk_roster_owner_units"
                        ".csv: 註冊組, 訓育組); a 名冊 of another unit is refused, and the folder is frozen once every "
                        "名冊 in it has been submitted by its unit. Without it the whole folder is submitted at once")
    submit.add_argument("--roster", action="append", default=[], metavar="名冊",
                        help="with --unit: only this 名冊 of the folder (repeatable; default all of the unit's)")
    add_warehouse(submit)
    return submit


def run(args: argparse.Namespace) -> int:
    settings = built_settings(args.warehouse)
    if settings is None:
        return EXIT_USAGE

    from pipelines.export.submission import SubmissionError, submit

    try:
        result = submit(settings, args.out or settings.exports_dir, args.school, args.year, args.term, by=args.by,
                        unit=args.unit, rosters=tuple(args.roster))
    except SubmissionError as error:
        print(str(error), file=sys.stderr)
        return EXIT_BLOCKED
    from pipelines.publish import refresh_submissions

    refresh_submissions(settings)  # the dashboards show the submission now, not after the next build
    if result.unit:
        print(f"{result.unit}已提交 {'、'.join(result.rosters)}")
    if result.submission is None:
        print("資料夾尚待其他處室提交後凍結：" + "；".join(
            f"{unit} {'、'.join(rosters)}" for unit, rosters in result.waiting.items()))
        return EXIT_OK
    submission = result.submission
    print(f"已提交 {submission.folder_path}（第 {submission.revision} 版，{result.rows:,} 列）"
          f"  {submission.submitted_at}  {submission.submitted_by}"
          + (f"  {result.submission_units}" if result.submission_units else ""))
    if result.items_without_student:
        print(f"  注意：{result.items_without_student} 列的身分證號在倉儲中對不到學生（收訖核對清單將列為未分班）")
    return EXIT_OK
