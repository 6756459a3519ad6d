"""What ingesting a school's folder would change, found without writing anything.

A one-school build runs only the dbt models downstream of the raw tables that change (pipelines/dbt/changes.py).
Knowing them before the run starts lets the run select just those models (pipelines/runs.py), so Dagster
does not report dozens of models the build leaves as they are. Each answer comes from the same decision
the ingestion itself makes (load.files_to_ingest, policies.policy_to_ingest, inventory.unrecognised_to_record).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.ingest.inventory import unrecognised_to_record
from pipelines.ingest.load import files_to_ingest
from pipelines.ingest.policies import POLICY_TABLES, policy_to_ingest

_LOG_TABLES = {"raw.quarantine", "raw.deliveries"}


def tables_to_change(con: duckdb.DuckDBPyConnection, source_root: Path, school: str) -> set[str]:
    """The raw tables (schema.table) that ingesting `school`'s folder now may write (a superset: a file
    that turns out to be rejected writes only the two log tables)."""
    tables: set[str] = set()
    for spec in files_to_ingest(con, source_root, school):
        tables |= {spec.table, *_LOG_TABLES}
    if policy_to_ingest(con, source_root, school):
        tables |= {*(f"raw.{table}" for table in POLICY_TABLES), *_LOG_TABLES}
    if unrecognised_to_record(con, source_root, [school]):
        tables.add("raw.deliveries")
    return tables
