"""`portfolio exchange export|import`: a transferred student's portfolio, school to school.

Exit 0 on success, 1 when the package was refused or could not be made, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.cli_args import EXIT_BLOCKED, EXIT_OK, EXIT_USAGE, add_school, add_warehouse, built_settings


def add_parser(subparsers) -> argparse.ArgumentParser:
    exchange = subparsers.add_parser(
        "exchange", help="export or import a transferred student's portfolio (歷程交換)",
        description="Transfers (轉出 → 轉入): the sending school exports one student's history as a zip; the "
        "receiving school imports it as that student's earlier items. The zip holds the whole 身分證號: hand it "
        "from school to school only.",
    )
    actions = exchange.add_subparsers(dest="exchange_action", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write a student's exchange package (zip)")
    add_school(export, "the sending school")
    export.add_argument("--student", required=True, metavar="學號", help="the student's 學號 at the sending school")
    export.add_argument("--out", type=Path, help="folder for the zip (default: exchange/ beside the warehouse)")
    add_warehouse(export)
    imported = actions.add_parser("import", help="import an exchange package at the receiving school")
    add_school(imported, "the receiving school")
    imported.add_argument("--package", required=True, type=Path, metavar="ZIP", help="the package from the sending school")
    add_warehouse(imported)
    return exchange


def run(args: argparse.Namespace) -> int:
    settings = built_settings(args.warehouse)
    if settings is None:
        return EXIT_USAGE
    from pipelines.exchange.export import ExchangeError
    from pipelines.exchange.package import PackageError

    try:
        return _export(settings, args) if args.exchange_action == "export" else _import(settings, args)
    except (ExchangeError, PackageError) as error:
        print(f"拒絕：{error}", file=sys.stderr)
        return EXIT_BLOCKED


def _export(settings, args) -> int:
    from pipelines.exchange.export import collect_package, package_path
    from pipelines.exchange.package import write_package
    from pipelines.ops.audit import record_audit
    from pipelines.warehouse import connect

    with connect(settings.warehouse, read_only=True) as con:
        package = collect_package(con, args.school, args.student)
    path = write_package(package, package_path(args.out or settings.exchange_dir, package))
    counts = {section: len(records) for section, records in package.sections.items()}
    record_audit(settings, "exchange_export", school=args.school,
                 details={"student_number": args.student, "student": package.masked_id,
                          "package_id": package.package_id, "file": path.name, "records": counts})
    print(f"已匯出 {args.school} 學號 {args.student}（{package.masked_id}）的歷程交換包 → {path}")
    print("  " + "、".join(f"{section} {count}" for section, count in counts.items()))
    print("  此檔含完整身分證號：僅供轉入學校匯入，勿放入報表或共用資料夾")
    return EXIT_OK


def _import(settings, args) -> int:
    from pipelines.exchange.importer import store_package
    from pipelines.exchange.package import read_package
    from pipelines.ops.audit import record_audit
    from pipelines.warehouse import connect

    package = read_package(args.package)
    with connect(settings.warehouse) as con:
        result = store_package(con, args.school, package)
    record_audit(settings, "exchange_import", school=args.school,
                 details={"student_number": result.receiving_student_number, "student": package.masked_id,
                          "sending_school": package.sending_school, "package_id": result.package_id,
                          "file": args.package.name, "records": result.records})
    print(f"已匯入 {package.sending_school} 的歷程交換包：學校 {args.school} 學號 {result.receiving_student_number}"
          f"（{package.masked_id}）")
    print("  " + "、".join(f"{section} {count}" for section, count in result.records.items()))
    print("  重新建置 (portfolio build) 後，轉入前的項目即出現在本校的檢核與匯出")
    return EXIT_OK
