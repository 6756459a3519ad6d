"""No whole 身分證號 leaves the platform except in the central-database workbooks: every artefact of a
small end-to-end run (reports, lists, manifests, audit log, quarantine, the dashboards' copy, what the
commands print) is scanned for the generated students' IDs."""

from __future__ import annotations

import re
import shutil
import zipfile

import duckdb
import pytest

from pipelines.cli import main
from pipelines.identity import is_valid_national_id
from pipelines.settings import Settings

pytestmark = pytest.mark.e2e

ID_SHAPED = re.compile(r"[A-Za-z][0-9A-Da-d][0-9]{8}")
AS_OF = "2025-08-31"


def student_ids(warehouse) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        values = con.execute('select distinct "身分證號" from raw.students where "身分證號" is not null').fetchall()
    return {value for (value,) in values if is_valid_national_id(value)}


def found_ids(text: str, ids: set[str]) -> set[str]:
    return {token.upper() for token in ID_SHAPED.findall(text)} & ids


def file_text(path) -> str:
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return path.read_bytes().decode("utf-8", "replace")


def database_text(path, *, only: tuple[str, ...] | None = None) -> str:
    """Every text value of the database's tables (or of the `only` schema.table ones)."""
    parts = []
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute("select schema_name, table_name, column_name from duckdb_columns() "
                              "where data_type = 'VARCHAR'").fetchall()
        for schema, table, column in columns:
            if only is None or f"{schema}.{table}" in only:
                parts += [str(value) for (value,) in con.execute(
                    f'select distinct "{column}" from "{schema}"."{table}" where "{column}" is not null').fetchall()]
    return "\n".join(parts)


def test_no_whole_national_id_outside_the_central_workbooks(built_sample, tmp_path, capsys):
    root = tmp_path / "data"
    root.mkdir()
    shutil.copy2(built_sample.warehouse, root / "warehouse.duckdb")
    shutil.copytree(built_sample.source, tmp_path / "source", ignore=shutil.ignore_patterns("_truth"))
    settings = Settings.resolve(warehouse=root / "warehouse.duckdb", source=tmp_path / "source")
    ids = student_ids(settings.warehouse)
    assert len(ids) > 100
    warehouse = ["--warehouse", str(settings.warehouse)]

    main(["gate", "--all", "--as-of", AS_OF, *warehouse])
    school = sorted(path.name for path in settings.gate_reports_dir.iterdir())[0]
    year = sorted(path.name for path in (settings.gate_reports_dir / school).iterdir())[-1]
    target = ["--school", school, "--year", year, "--term", "1", *warehouse]
    main(["gate", "--school", school, "--year", year, "--as-of", AS_OF,
          "--xlsx", str(settings.gate_reports_dir / school / year / "gate.xlsx"), *warehouse])
    main(["remind", "--as-of", "2025-01-20", "--days", "30", *warehouse])
    assert main(["export", *target, "--allow-partial"]) == 0
    assert main(["submit", *target, "--by", "註冊組長"]) == 0
    assert main(["receipts", "simulate", *target, "--source", str(settings.source)]) == 0
    main(["reconcile", *target, "--source", str(settings.source)])
    main(["verify", *warehouse])
    main(["purge", "--as-of", "2035-08-01", *warehouse])
    main(["audit", *warehouse])
    printed = capsys.readouterr()

    artefacts = [path for path in root.rglob("*") if path.is_file() and not path.name.endswith((".duckdb", ".wal", ".lock"))
                 and not (path.suffix == ".xlsx" and settings.exports_dir in path.parents)]
    assert {"audit", year, f"{year}_1"} <= {path.parent.name for path in artefacts}
    assert any(path.suffix == ".xlsx" for path in artefacts) and any(path.suffix == ".csv" for path in artefacts)
    leaks = {str(path.relative_to(root)): found_ids(file_text(path), ids) for path in artefacts}
    leaks["printed"] = found_ids(printed.out + printed.err, ids)
    leaks["quarantine"] = found_ids(database_text(settings.warehouse, only=("raw.quarantine", "marts.fct_quarantine")), ids)
    leaks["audit.events"] = found_ids(database_text(settings.warehouse, only=("audit.events",)), ids)
    from pipelines.publish import publish

    leaks["published"] = found_ids(database_text(publish(settings)), ids)
    assert {where: found for where, found in leaks.items() if found} == {}
