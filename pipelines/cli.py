"""`portfolio`: the one command people use.

Every subcommand prints what it does as it goes and exits 0 on success, 1 when the work failed and
2 for bad usage (argparse's own convention).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
from pathlib import Path

from pipelines.cli_args import add_warehouse, school_code
from pipelines.settings import Settings

log = logging.getLogger(__name__)

# Feature modules that bring their own subcommand: each has `add_parser(subparsers) -> ArgumentParser`
# and `run(args) -> int`. Keep imports there cheap; heavy libraries load inside run().
COMMAND_MODULES = (
    "pipelines.gate.cli",
    "dashboards.cli",
    "dashboards.users_cli",
    "pipelines.ops.cli.remind",
    "pipelines.ops.cli.purge",
    "pipelines.ops.cli.backup",
    "pipelines.ops.cli.audit",
    "pipelines.ops.cli.national",
    "pipelines.export.cli",
    "pipelines.export.submit_cli",
    "pipelines.export.verify_cli",
    "pipelines.export.reconcile_cli",
    "pipelines.export.receipts_cli",
    "pipelines.exchange.cli",
)


def _years(text: str) -> tuple[int, int]:
    try:
        first, _, last = text.partition("-")
        years = (int(first), int(last or first))
    except ValueError:
        raise argparse.ArgumentTypeError(f"學年度範圍應為 112-113 的形式，收到 {text!r}") from None
    if years[0] > years[1] or years[0] < 100:
        raise argparse.ArgumentTypeError(f"學年度範圍不合理：{text!r}")
    return years


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 0.5:
        raise argparse.ArgumentTypeError("--error-rate 應介於 0 與 0.5 之間")
    return value


def _add_generation(parser: argparse.ArgumentParser, *, schools: int, students: int, error_rate: float,
                    clean_schools: int = 0) -> None:
    parser.add_argument("--schools", type=int, default=schools, help=f"number of schools (default {schools})")
    parser.add_argument("--students-per-school", type=int, default=students,
                        help=f"students per school (default {students})")
    parser.add_argument("--years", type=_years, default=(112, 113), help="academic years, e.g. 112-113 (default)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed: same seed, same files (default 2026)")
    parser.add_argument("--error-rate", type=_rate, default=error_rate,
                        help=f"share of rows given a rule violation or a malformed value (default {error_rate})")
    parser.add_argument("--clean-schools", type=int, default=clean_schools, metavar="K",
                        help=f"the last K schools get no injected errors (default {clean_schools})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portfolio",
        description="學習歷程資料平臺: ingest school deliveries, build the warehouse, check and submit.",
    )
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="diagnostics in detail: debug lines with time and source (on stderr)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    generate = commands.add_parser(
        "generate", help="write synthetic school deliveries (the input contract's layout)",
        description="Write one folder per school with admin/, platform/ and policy.yaml exactly as the input "
        "contract lays them out, plus _truth/ with what was injected (for tests).",
    )
    generate.add_argument("--out", type=Path, required=True, help="where to write the school folders")
    _add_generation(generate, schools=3, students=120, error_rate=0.0)

    build = commands.add_parser(
        "build", help="ingest every school folder under --source, then run dbt",
        description="Ingest every school folder under the source root into the warehouse's raw schema "
        "(bad rows quarantined with file, line, field and reason), then build the dbt models. "
        "Safe to re-run: unchanged files change nothing.",
    )
    build.add_argument("--source", type=Path, help="delivery root (one folder per school); "
                       "default $PORTFOLIO_SOURCE or data/source")
    build.add_argument("--school", action="append", default=[], metavar="CODE", type=school_code,
                       help="only this school (repeatable); default every school folder")
    add_warehouse(build)

    demo = commands.add_parser(
        "demo", help="generate sample data, build the warehouse and print a summary",
        description="The whole job on generated sample data: generate → ingest → dbt → summary.",
    )
    demo.add_argument("--out", type=Path, default=Path("data/demo/source"),
                      help="where the sample deliveries go (default data/demo/source)")
    add_warehouse(demo)
    _add_generation(demo, schools=4, students=150, error_rate=0.02, clean_schools=2)

    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        module.add_parser(commands).set_defaults(run=module.run)
    return parser


def _generate(out: Path, args: argparse.Namespace) -> None:
    from pipelines.generate import generate

    print(f"產生模擬資料 → {out}  ({args.schools} 校 × {args.students_per_school} 生, "
          f"{args.years[0]}–{args.years[1]} 學年度, seed {args.seed}, error rate {args.error_rate})", flush=True)
    summary = generate(out, schools=args.schools, students_per_school=args.students_per_school, years=args.years,
                       seed=args.seed, error_rate=args.error_rate, clean_schools=args.clean_schools,
                       progress=lambda line: log.info("  %s", line))
    print(f"  完成：{len(summary.school_codes)} 校、{summary.files_written:,} 個檔案、"
          f"{summary.rows_written:,} 列，{summary.seconds:.1f}s", flush=True)


def _build(settings: Settings, schools: list[str]) -> bool:
    from pipelines.build import run_build

    print(f"建置倉儲 {settings.warehouse}  來源 {settings.source}", flush=True)
    started = time.perf_counter()
    ok = run_build(settings, schools=schools, print_progress=True)
    print(f"{'建置完成' if ok else '建置失敗'}，共 {time.perf_counter() - started:.1f}s", flush=True)
    return ok


def main(argv: list[str] | None = None) -> int:
    from pipelines.identity import masked_output
    from pipelines.logs import setup_logging

    with masked_output():  # a message a command prints itself may quote a value: IDs masked there too
        args = build_parser().parse_args(argv)
        setup_logging(verbose=args.verbose)  # diagnostics: stderr, through the same ID mask
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    if hasattr(args, "warehouse") and args.command not in ("build", "demo"):  # those recover under their lock
        from pipelines.ops.recovery import recover_before_use

        recover_before_use(Settings.resolve(warehouse=args.warehouse), lambda line: log.warning(line.strip()))
    if hasattr(args, "run"):
        return args.run(args)

    if args.command == "generate":
        _generate(args.out, args)
        return 0

    if args.command == "build":
        settings = Settings.resolve(warehouse=args.warehouse, source=args.source)
        if not settings.source.is_dir():
            print(f"找不到來源資料夾 {settings.source}", file=sys.stderr)
            return 2
        from pipelines.ingest.layout import discover_schools

        if not discover_schools(settings.source):  # a build is a run over the schools' partitions: none, nothing to build
            print(f"來源資料夾 {settings.source} 下沒有學校資料夾（以 6 碼學校代碼命名，例如 013301）", file=sys.stderr)
            return 2
        if not _build(settings, args.school):
            return 1
        from pipelines.summary import print_summary

        print_summary(settings)
        return 0

    if args.command == "demo":
        settings = Settings.resolve(warehouse=args.warehouse, source=args.out)
        _generate(settings.source, args)
        if not _build(settings, []):
            return 1
        from pipelines.exchange.demo import run_transfer

        print("\n轉學歷程交換（模擬）：portfolio exchange export → import → 轉入學校重新建置", flush=True)
        moved = run_transfer(settings, _build)
        from pipelines.summary import print_summary

        print_summary(settings)
        if moved:
            print(f"\n{moved}")
        from pipelines.export.core import export_all, print_export_table

        exports = settings.exports_dir
        print(f"\n匯出中央資料庫名冊：通過檢核的學校 → {exports}", flush=True)
        outcomes = export_all(settings, exports, stored_gate=True)
        print_export_table(outcomes, exports)
        from pipelines.export.receipts_demo import run_receipts_loop

        print("\n提交、收訖明細與學生確認（模擬）：portfolio receipts status / forms / answer", flush=True)
        run_receipts_loop(settings, outcomes)
        from dashboards.demo import reference_day
        from pipelines.ops.roster_deadlines import format_deadlines, roster_deadlines
        from pipelines.warehouse import connect

        as_of, _ = reference_day(settings)
        with connect(settings.warehouse, read_only=True) as con:
            latest_year = con.execute("select max(academic_year) from marts.fct_roster_deadlines").fetchall()[0][0]
            deadlines = [deadline for deadline in roster_deadlines(con, as_of) if deadline.academic_year == latest_year]
        print("\n" + "\n".join(format_deadlines(deadlines, as_of)), flush=True)
        print("\n下一步 (next steps):")
        print("  make dagster      # Dagster UI at http://127.0.0.1:3000 (asset graph, runs, checks)")
        print(f"  倉儲 warehouse:    {settings.warehouse}")
        from dashboards.demo import create_demo_users, demo_message, reference_note
        from pipelines.publish import publish

        publish(settings)  # the dashboards' copy, with whatever the exports recorded after the build
        print(demo_message(create_demo_users(settings), reference=reference_note(settings)))
        return 0

    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
