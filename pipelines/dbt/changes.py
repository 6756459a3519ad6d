"""What a one-school build has to rebuild: the per-school models downstream of the dbt sources whose rows of
that school changed since the school's models were last built.

Every dbt source is a raw table keyed by school_code (written by ingestion, `portfolio exchange import` and
purges). A source's *fingerprint* for a school is the number of the school's rows and the sum of their
hashes over every column, lineage included: a new delivery has a new loaded_at, so new data never brings a
table back to an earlier fingerprint. Table build.school_inputs keeps, per school and source, the
fingerprint the school's models were last built from:

- a full build records every school's (``record_fingerprints``: one pass over the raw tables, seconds
  nationally);
- a one-school build compares the school's current fingerprints with them (``ScopedPlan``), runs
  `dbt run` on the models downstream of the sources that differ (five new uploads: 20 of the 65
  per-school models) and, once dbt succeeded, records the current ones. A run that selects only some of
  the per-school models (from the asset graph) runs those and forgets the school's fingerprints, so the
  next one rebuilds everything;
- the table has school_code in schema build, which the undo journal saves like the built tables
  (pipelines/ops/undo.py): a one-school build that is undone puts the fingerprints back with the models.

A school or source without a recorded fingerprint counts as changed; an absent table as an empty one.
Nothing else reaches a per-school model: seeds and the models' SQL change only with the dbt project,
and a changed project forces a full build (pipelines/ops/scoped.py ``why_not_scoped``).
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

INPUTS_SCHEMA, INPUTS_TABLE = "build", "school_inputs"
_EMPTY = "0/0"  # the fingerprint of no rows


@dataclass(frozen=True)
class Lineage:
    """The dbt project's sources and, for each, the models downstream of it (from the manifest)."""

    tables: dict[str, str]  # source unique_id → "schema.table"
    downstream: dict[str, frozenset[str]]  # source unique_id → model unique_ids that read it, directly or not
    order: tuple[str, ...]  # every model, each after the models it reads

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any]) -> Lineage:
        children = manifest["child_map"]

        def models_below(node: str) -> frozenset[str]:
            seen: set[str] = set()
            stack = [node]
            while stack:
                for child in children.get(stack.pop(), []):
                    if child.startswith("model.") and child not in seen:
                        seen.add(child)
                        stack.append(child)
            return frozenset(seen)

        models = {key: node for key, node in manifest["nodes"].items() if key.startswith("model.")}
        order = graphlib.TopologicalSorter(
            {key: [parent for parent in node["depends_on"]["nodes"] if parent in models] for key, node in models.items()})
        return cls(tables={key: f"{source['schema']}.{source['identifier']}" for key, source in manifest["sources"].items()},
                   downstream={key: models_below(key) for key in manifest["sources"]},
                   order=tuple(order.static_order()))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _existing(con: duckdb.DuckDBPyConnection, database: str, tables: Iterable[str]) -> list[str]:
    present = {f"{schema}.{table}" for schema, table in con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ?", [database]).fetchall()}
    return sorted(table for table in set(tables) if table in present)


def fingerprints_sql(con: duckdb.DuckDBPyConnection, database: str, tables: Iterable[str],
                     school: str | None = None) -> str:
    """(school_code, source_table, fingerprint) for every school with rows in `tables` (or `school`) and
    every table in `tables`; a table that is absent, or has none of the school's rows, gives ``0/0``."""
    tables = sorted(set(tables))
    existing = _existing(con, database, tables)
    where = f" where school_code = {_literal(school)}" if school is not None else ""
    counted = " union all ".join(
        f"select school_code, {_literal(table)} as source_table, "
        f"count(*)::varchar || '/' || sum(hash(t))::varchar as fingerprint "
        f"from {_quote(database)}.{'.'.join(_quote(part) for part in table.split('.'))} t{where} group by school_code"
        for table in existing
    ) or "select null::varchar as school_code, null::varchar as source_table, null::varchar as fingerprint"
    schools = f"select {_literal(school)} as school_code" if school is not None else \
        "select distinct school_code from counted where school_code is not null"
    listed = ", ".join(_literal(table) for table in tables)
    return (f"with counted as ({counted}), schools as ({schools}), tables as (select unnest([{listed}]) as source_table) "
            f"select schools.school_code, tables.source_table, coalesce(counted.fingerprint, '{_EMPTY}') as fingerprint "
            f"from schools cross join tables left join counted using (school_code, source_table)")


def _create_table(con: duckdb.DuckDBPyConnection, database: str) -> str:
    table = f"{_quote(database)}.{INPUTS_SCHEMA}.{INPUTS_TABLE}"
    con.execute(f"create schema if not exists {_quote(database)}.{INPUTS_SCHEMA}")
    con.execute(f"create table if not exists {table} "
                "(school_code varchar, source_table varchar, fingerprint varchar)")
    return table


def record_fingerprints(con: duckdb.DuckDBPyConnection, database: str, tables: Iterable[str]) -> None:
    """After a full build: every school's models were built from the sources as they are now."""
    table = f"{_quote(database)}.{INPUTS_SCHEMA}.{INPUTS_TABLE}"
    con.execute(f"create schema if not exists {_quote(database)}.{INPUTS_SCHEMA}")
    con.execute(f"create or replace table {table} as {fingerprints_sql(con, database, tables)}")


def school_fingerprints(con: duckdb.DuckDBPyConnection, database: str, tables: Iterable[str],
                        school: str) -> dict[str, str]:
    """source table → the school's fingerprint now."""
    return dict((source, fingerprint) for _, source, fingerprint in
                con.execute(fingerprints_sql(con, database, tables, school)).fetchall())


def recorded_fingerprints(con: duckdb.DuckDBPyConnection, database: str, school: str) -> dict[str, str]:
    """source table → the fingerprint the school's models were last built from (empty: unknown)."""
    if not _existing(con, database, [f"{INPUTS_SCHEMA}.{INPUTS_TABLE}"]):
        return {}
    return dict(con.execute(
        f"select source_table, fingerprint from {_quote(database)}.{INPUTS_SCHEMA}.{INPUTS_TABLE} where school_code = ?",
        [school]).fetchall())


def replace_school_fingerprints(con: duckdb.DuckDBPyConnection, database: str, school: str,
                                fingerprints: dict[str, str]) -> None:
    """The school's models are now built from `fingerprints` (empty: unknown, the next build rebuilds all)."""
    table = _create_table(con, database)
    con.begin()
    try:
        con.execute(f"delete from {table} where school_code = ?", [school])
        if fingerprints:
            con.executemany(f"insert into {table} values (?, ?, ?)",
                            [[school, source, fingerprint] for source, fingerprint in sorted(fingerprints.items())])
    except BaseException:
        con.rollback()
        raise
    con.commit()


@dataclass(frozen=True)
class ScopedPlan:
    """One school's dbt run: which of the selected models to run, and the fingerprints to record after."""

    school: str
    selected: frozenset[str]  # model unique_ids the run selected
    to_run: frozenset[str]
    fingerprints: dict[str, str]  # to record once dbt succeeded; empty: forget the school's
    changed_sources: tuple[str, ...]  # "schema.table", for the log; empty when every model runs anyway
    kept: tuple[str, ...]  # selected models whose inputs did not change (their rows of the school stand), in
    # dependency order; none is downstream of a model that runs


def _compared(con: duckdb.DuckDBPyConnection, database: str, lineage: Lineage,
              school: str) -> tuple[dict[str, str], list[str]]:
    """The school's fingerprints now, and the sources (schema.table) whose rows of the school differ from
    those its models were last built from."""
    now = school_fingerprints(con, database, lineage.tables.values(), school)
    before = recorded_fingerprints(con, database, school)
    return now, sorted(table for table, fingerprint in now.items() if before.get(table) != fingerprint)


def changed_tables(con: duckdb.DuckDBPyConnection, database: str, lineage: Lineage, school: str) -> set[str]:
    """The sources (schema.table) whose rows of `school` differ from those its models were last built from."""
    return set(_compared(con, database, lineage, school)[1])


def downstream_of(lineage: Lineage, tables: Iterable[str]) -> frozenset[str]:
    """Every model that reads one of `tables` (schema.table), directly or not."""
    tables = set(tables)
    return frozenset().union(*(lineage.downstream[source] for source, table in lineage.tables.items() if table in tables))


def plan_school_run(con: duckdb.DuckDBPyConnection, database: str, lineage: Lineage, school: str,
                    selected: Iterable[str], per_school: Iterable[str]) -> ScopedPlan:
    """Which of the `selected` models a build of `school` runs.

    The per-school models downstream of a changed source, when the run selected them all (a run of the whole
    job, or one that selected what pipelines/runs.py foresaw); the selected models that are not among them
    stand as they are. Otherwise (a run of some models, from the asset graph) every selected model, and the
    school's fingerprints are forgotten.
    """
    selected = frozenset(selected)
    now, changed = _compared(con, database, lineage, school)
    needed = downstream_of(lineage, changed) & frozenset(per_school)
    if not needed <= selected:
        return ScopedPlan(school, selected, selected, {}, (), ())
    return ScopedPlan(school, selected, needed, now, tuple(changed),
                      tuple(model for model in lineage.order if model in selected - needed))
