"""`portfolio verify`: have submitted (frozen) files been changed by hand?

Exit 0 when every frozen folder is as submitted, 1 when one was changed (each finding is named),
2 for bad usage.
"""

from __future__ import annotations

import argparse
import sys

from pipelines.cli_args import EXIT_BLOCKED, EXIT_OK, EXIT_USAGE, add_warehouse, built_settings, school_code
from pipelines.export.cli import add_out


def add_parser(subparsers) -> argparse.ArgumentParser:
    verify = subparsers.add_parser(
        "verify", help="check that submitted export folders are unchanged (sha256 against the record)",
        description="Recompute the sha256 of every file of every submitted folder (those the warehouse records, "
        "and any folder under --out with a .submitted marker) and compare with what was recorded at submission: "
        "changed, missing or extra files and a removed marker are reported, and the result is stored in "
        "submissions.verifications.",
    )
    verify.add_argument("--school", metavar="CODE", type=school_code, help="only this school")
    verify.add_argument("--year", type=int, metavar="Y", help="only this 學年度")
    verify.add_argument("--term", type=int, choices=(0, 1, 2), metavar="T", help="only this term (0: whole year)")
    add_out(verify)
    verify.add_argument("--no-store", action="store_true", help="do not record the result in the warehouse")
    add_warehouse(verify)
    return verify


def run(args: argparse.Namespace) -> int:
    settings = built_settings(args.warehouse)
    if settings is None:
        return EXIT_USAGE

    from pipelines.export.submission import store_verifications, verify

    verifications = verify(settings.warehouse, args.out or settings.exports_dir, school=args.school, year=args.year, term=args.term)
    if not verifications:
        print("沒有已提交的資料夾")
        return EXIT_OK
    for verification in verifications:
        submission = verification.submission
        state = "完整" if verification.intact else "遭到變更"
        print(f"{submission.school}  {submission.folder:<10}  {state}  {submission.folder_path}")
        for finding in verification.findings:
            print(f"  {finding.message}")
    if not args.no_store:
        try:
            store_verifications(settings.warehouse, verifications)
        except Exception as error:  # the warehouse is busy: the findings are printed anyway
            print(f"警告：未能將核對結果寫入倉儲（{error}）", file=sys.stderr)
        else:
            from pipelines.publish import refresh_submissions

            refresh_submissions(settings)  # the dashboards show the check now, not after the next build
    changed = [verification for verification in verifications if not verification.intact]
    if changed:
        print(f"{len(changed)} 個已提交資料夾遭到變更", file=sys.stderr)
        return EXIT_BLOCKED
    return EXIT_OK
