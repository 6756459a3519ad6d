"""`portfolio gate`: can this school submit? Exit 0 when it passes, 1 when an error rule fails, 2 for bad usage.

Hooked into pipelines/cli.py with `add_parser(subparsers)` and `run(args)`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from pipelines.cli_args import EXIT_BLOCKED as EXIT_FAILED, EXIT_OK as EXIT_PASSED, EXIT_USAGE, add_warehouse, \
    built_settings, parse_date, school_code


def add_parser(subparsers) -> argparse.ArgumentParser:
    gate = subparsers.add_parser(
        "gate", help="pre-submission check of a school's year: can we submit, and what must be fixed",
        description="Check every rule R01–R28 (rules.md) for a school and academic year against the school's "
        "policy, write the result as JSON and an HTML report (Traditional Chinese, grouped by class and by "
        "teacher), and store it in the warehouse (schema gate). Exit 0 when it passes, 1 when an error rule "
        "fails, 2 for bad usage.",
    )
    which = gate.add_mutually_exclusive_group(required=True)
    which.add_argument("--school", metavar="CODE", type=school_code, help="學校代碼 of the school to check")
    which.add_argument("--all", action="store_true", help="check every school; one status line per school")
    gate.add_argument("--year", type=int, metavar="Y", help="學年度, e.g. 113 (default: the latest year on record)")
    gate.add_argument("--term", type=int, choices=(1, 2), metavar="T",
                      help="only this term for the per-term rules (default: the whole year)")
    gate.add_argument("--json", type=Path, metavar="PATH",
                      help="where to write the JSON (default <warehouse dir>/reports/gate/<school>/<year>/gate.json)")
    gate.add_argument("--html", type=Path, metavar="PATH", help="where to write the HTML report (default beside the JSON)")
    gate.add_argument("--xlsx", type=Path, metavar="PATH", help="also write the offending rows as an .xlsx workbook")
    gate.add_argument("--reports", type=Path, metavar="DIR",
                      help="root of the default report locations (default <warehouse dir>/reports/gate)")
    gate.add_argument("--as-of", type=parse_date, default=None, metavar="DATE",
                      help="the day R17/R18 count from (default today), so that results can be reproduced")
    gate.add_argument("--no-store", action="store_true", help="do not record the results in the warehouse")
    add_warehouse(gate)
    return gate


def _default_dir(reports: Path, school: str, year: int, term: int | None) -> Path:
    folder = reports / school / str(year)
    return folder / f"term{term}" if term else folder


def _status_line(result, html: Path | None) -> str:
    verdict = "通過" if result.passed else "不通過"
    failed = f"（{'、'.join(result.failed_rules)}）" if result.failed_rules else ""
    where = f"  {html}" if html else ""
    school = result.name_book.school_label or result.school  # 國立…高級中學（010675）: the code alone when unnamed
    return (f"{school}  {result.academic_year} 學年度  {verdict:<3}  錯誤 {result.errors:>5} 筆{failed}"
            f"  警告 {result.warnings:>5} 筆{where}")


def run(args: argparse.Namespace) -> int:
    settings = built_settings(args.warehouse)
    if settings is None:
        return EXIT_USAGE
    if args.all and (args.json or args.html or args.xlsx):
        print("--all 與 --json/--html/--xlsx 不能同時使用：每校的報告寫在 --reports 之下", file=sys.stderr)
        return EXIT_USAGE
    as_of = args.as_of or dt.date.today()
    reports = args.reports or settings.gate_reports_dir

    from expectations.runner import GateError
    from pipelines.gate.core import available_years

    try:
        years = available_years(settings.warehouse, None if args.all else args.school)
    except GateError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # a warehouse without the gate models, or locked by a writer
        print(f"無法讀取倉儲 {settings.warehouse}：{error}", file=sys.stderr)
        return EXIT_USAGE

    if not args.all:
        if args.school not in years:
            print(f"倉儲中沒有學校 {args.school}（已有：{'、'.join(years) or '無'}）", file=sys.stderr)
            return EXIT_USAGE
        year = args.year or (years[args.school][-1] if years[args.school] else None)
        if year is None or year not in years[args.school]:
            print(f"學校 {args.school} 沒有 {args.year or ''} 學年度的學籍資料"
                  f"（已有：{'、'.join(map(str, years[args.school])) or '無'}）", file=sys.stderr)
            return EXIT_USAGE
        targets = [(args.school, year)]
    else:
        targets = []
        for school, school_years in years.items():
            year = args.year or (school_years[-1] if school_years else None)
            if year is None or year not in school_years:
                print(f"{school}  {args.year or ''} 學年度  無學籍資料，略過")
                continue
            targets.append((school, year))
        if not targets:
            print("沒有可檢核的學校", file=sys.stderr)
            return EXIT_USAGE

    from pipelines.gate.core import run_gates
    from pipelines.gate.html import write_html
    from pipelines.gate.report import write_json

    if args.all:
        print(f"檢核 {len(targets)} 校（基準日 {as_of.isoformat()}）", flush=True)
    try:  # one gate for one school or all of them: every school-year in one pass (pipelines/gate/batch.py)
        results = run_gates(settings.warehouse, targets, args.term, as_of)
    except GateError as error:  # no such school/year, or a warehouse built before the gate models
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    for result in results:
        folder = _default_dir(reports, result.school, result.academic_year, args.term)
        json_path = write_json(result, args.json or folder / "gate.json")
        html_path = write_html(result, args.html or (json_path.parent / "gate.html" if args.json else folder / "gate.html"))
        if args.xlsx:
            from pipelines.gate.xlsx import write_xlsx

            write_xlsx(result, args.xlsx)
        if args.all:
            print(_status_line(result, html_path), flush=True)
        else:
            print(_status_line(result, None))
            print(f"  JSON  {json_path}")
            print(f"  HTML  {html_path}")
            if args.xlsx:
                print(f"  XLSX  {args.xlsx}")

    if not args.no_store:
        from pipelines.gate.store import store_results_at

        try:
            store_results_at(settings.warehouse, results)
        except Exception as error:  # the warehouse is busy (a writer holds it): the reports are written anyway
            print(f"警告：未能將檢核結果寫入倉儲（{error}）", file=sys.stderr)

    if args.all:
        failed = [result for result in results if not result.passed]
        print(f"共 {len(results)} 校：通過 {len(results) - len(failed)} 校、不通過 {len(failed)} 校；"
              f"報告在 {reports}/<學校代碼>/<學年度>/gate.html")
    return EXIT_FAILED if any(not result.passed for result in results) else EXIT_PASSED


def gate_all(warehouse: Path, *, as_of: dt.date | None = None, year: int | None = None,
             reports: Path | None = None, store: bool = True) -> int:
    """What `make demo` runs after the build: every school, one status line each, exit code as `gate --all`."""
    return run(argparse.Namespace(
        school=None, all=True, year=year, term=None, json=None, html=None, xlsx=None, reports=reports,
        as_of=as_of, no_store=not store, warehouse=warehouse,
    ))


def main(argv: list[str] | None = None) -> int:
    """Run the subcommand alone (python -m pipelines.gate.cli ...), as pipelines/cli.py will."""
    parser = argparse.ArgumentParser(prog="portfolio")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["gate", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    sys.exit(main())
