"""The warehouse tables an import writes: raw.exchange_packages and raw.exchange_<section>.

Created with the rest of the raw schema (pipelines.contract.create_raw_schema), so the dbt sources exist
in every warehouse, also one that never imported a package.
"""

from __future__ import annotations

from pipelines.exchange.package import SECTION_COLUMNS

# Columns every raw.exchange_<section> row starts with: which package, and the school and 學號 that hold
# the student now, named as in every raw table: one-school builds scope these rows like the deliveries,
# and purge finds them when the receiving school's retention of the student ends.
KEY_COLUMNS = (("school_code", "VARCHAR"), ("package_id", "VARCHAR"),
               ("student_number", "VARCHAR"), ("sending_school_code", "VARCHAR"))
PACKAGE_COLUMNS = (*KEY_COLUMNS, ("national_id", "VARCHAR"), ("birth_date", "DATE"),
                   ("created_at", "VARCHAR"), ("imported_at", "TIMESTAMP"))


def _ddl(table: str, columns) -> str:
    return f"create table if not exists raw.{table} ({', '.join(f'{name} {kind}' for name, kind in columns)})"


def exchange_tables() -> dict[str, tuple[tuple[str, str], ...]]:
    """The raw tables an import writes (raw.<name>) and their columns."""
    return {"exchange_packages": PACKAGE_COLUMNS,
            **{f"exchange_{section}": (*KEY_COLUMNS, *columns) for section, columns in SECTION_COLUMNS.items()}}


def create_exchange_tables(con) -> None:
    con.execute("create schema if not exists raw")
    for table, columns in exchange_tables().items():
        con.execute(_ddl(table, columns))
