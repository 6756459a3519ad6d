"""School-scoped builds in place: the same rows as a full build, undone when they do not finish."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.ops import scoped, undo
from pipelines.settings import Settings

SCHOOLS = ("111111", "222222")


def settings_for(tmp_path: Path) -> Settings:
    return Settings.resolve(warehouse=tmp_path / "data" / "warehouse.duckdb", source=tmp_path / "source")


def make_warehouse(settings: Settings) -> None:
    """Two schools' rows in tables of the schemas a scoped build writes, one table without school_code."""
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse)) as con:
        for schema in ("raw", "marts", "gate", "seeds", "build"):
            con.execute(f"create schema {schema}")
        con.execute("create table raw.uploads as select * from (values ('111111', 1, 'a'), ('111111', 2, 'b'), "
                    "('222222', 1, 'c')) t(school_code, id, title)")
        con.execute("create table marts.counts as select school_code, count(*) as uploads from raw.uploads group by all")
        con.execute("create table gate.runs as select '111111' as school_code, 1 as run_id")
        con.execute("create table seeds.codes as select 1 as code")
        # what each school's models were built from (pipelines/dbt/changes.py): undone with them
        con.execute("create table build.school_inputs as select * from (values ('111111', 'raw.uploads', '2/1'), "
                    "('222222', 'raw.uploads', '1/2')) t(school_code, source_table, fingerprint)")


def contents(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables() order by 1, 2").fetchall()
        return {f"{schema}.{table}": sorted(con.execute(f'select * from "{schema}"."{table}"').fetchall(), key=repr)
                for schema, table in tables}


def rewrite_school(school: str, *, fail: bool | str = False):
    """A stand-in for the scoped Dagster job: rewrites one school's rows (and another table), then maybe fails."""
    def build(settings: Settings) -> bool:
        with duckdb.connect(str(settings.warehouse)) as con:
            con.execute("delete from raw.uploads where school_code = ?", [school])
            con.execute("insert into raw.uploads values (?, 9, 'new')", [school])
            con.execute("create or replace table marts.counts as select school_code, count(*) as uploads from raw.uploads group by all")
            con.execute("insert into gate.runs values (?, 2)", [school])
            con.execute("update build.school_inputs set fingerprint = '1/9' where school_code = ?", [school])
            con.execute("create table marts.created_by_build as select ? as school_code", [school])
        if fail == "raise":
            raise RuntimeError("dbt step failed")
        return not fail
    return build


def test_a_scoped_build_changes_only_its_school(tmp_path):
    settings = settings_for(tmp_path)
    make_warehouse(settings)
    before = contents(settings.warehouse)

    assert scoped.build_in_place(settings, rewrite_school("111111"), ["111111"])

    after = contents(settings.warehouse)
    assert after["raw.uploads"] == [("111111", 9, "new"), ("222222", 1, "c")]
    assert [row for row in after["marts.counts"] if row[0] == "222222"] == [("222222", 1)]
    assert after["seeds.codes"] == before["seeds.codes"]
    assert not undo.undo_dir(settings.warehouse).exists()


@pytest.mark.parametrize("outcome", [True, "raise"])
def test_a_failed_scoped_build_puts_the_schools_rows_back(tmp_path, outcome):
    settings = settings_for(tmp_path)
    make_warehouse(settings)
    before = contents(settings.warehouse)

    assert scoped.build_in_place(settings, rewrite_school("111111", fail=outcome), ["111111"]) is False

    after = contents(settings.warehouse)
    assert after.pop("marts.created_by_build") == []  # a table the build created keeps no row of the school
    assert after == before
    assert not undo.undo_dir(settings.warehouse).exists()


def test_a_killed_scoped_build_is_undone_by_the_next_build(tmp_path):
    settings = settings_for(tmp_path)
    make_warehouse(settings)
    before = contents(settings.warehouse)
    with duckdb.connect(str(settings.warehouse)) as con:  # what build_in_place does before the build...
        undo.save_school_rows(con, "warehouse", undo.undo_dir(settings.warehouse), ["111111"])
    rewrite_school("111111")(settings)  # ...and the build, killed before it could finish

    assert undo.recover(settings) == ["111111"]
    after = contents(settings.warehouse)
    after.pop("marts.created_by_build")
    assert after == before
    assert undo.recover(settings) == []  # nothing left to undo


def test_the_journal_saves_only_the_tables_the_build_will_write(tmp_path):
    settings = settings_for(tmp_path)
    make_warehouse(settings)
    before = contents(settings.warehouse)
    with duckdb.connect(str(settings.warehouse)) as con:
        journal = undo.save_school_rows(con, "warehouse", undo.undo_dir(settings.warehouse), ["111111"],
                                        written={"raw.uploads"})
    # the gate's results and the fingerprints are written by every run
    assert set(journal.tables) == {"raw.uploads", "gate.runs", "build.school_inputs"}
    assert journal.untouched == ("marts.counts",)
    rewrite_school("111111")(settings)  # killed; it also rewrote marts.counts, which it said it would not

    assert undo.recover(settings) == ["111111"]
    after = contents(settings.warehouse)
    assert {table: after[table] for table in journal.tables} == {table: before[table] for table in journal.tables}
    assert after["marts.created_by_build"] == []  # a table made by the build keeps no row of the school
    assert after["marts.counts"] != before["marts.counts"]  # left as it was found: it was not saved


def test_a_build_killed_before_its_journal_changed_nothing_and_leaves_nothing(tmp_path):
    settings = settings_for(tmp_path)
    make_warehouse(settings)
    folder = undo.undo_dir(settings.warehouse)
    folder.mkdir()
    (folder / "000.parquet").write_bytes(b"half written")

    assert undo.recover(settings) == []
    assert not folder.exists()


def test_scoped_builds_need_a_full_build_by_the_same_dbt_project(tmp_path):
    settings = settings_for(tmp_path)
    assert scoped.why_not_scoped(settings) == "倉儲尚未建立"
    make_warehouse(settings)
    assert scoped.why_not_scoped(settings) == "倉儲沒有完整建置的紀錄"
    with duckdb.connect(str(settings.warehouse)) as con:
        scoped.record_full_build(con, "warehouse")
    assert scoped.why_not_scoped(settings) is None
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("update build.state set dbt_project_digest = 'built by an older project'")
    assert scoped.why_not_scoped(settings) == "dbt 模型自上次完整建置後有變更"


def test_the_project_digest_follows_the_models(tmp_path):
    project = tmp_path / "dbt_project"
    (project / "models").mkdir(parents=True)
    (project / "macros").mkdir()
    (tmp_path / "seeds").mkdir()
    (project / "dbt_project.yml").write_text("name: x\n")
    model = project / "models" / "a.sql"
    model.write_text("select 1")
    first = scoped.project_digest(project)
    assert scoped.project_digest(project) == first
    model.write_text("select 2")
    assert scoped.project_digest(project) != first


# --- the real pipeline -----------------------------------------------------------------------------

# Columns that record when and from which delivery a row was loaded: they differ between any two
# ingestions of the same file.
_LOAD_COLUMNS = {"loaded_at", "delivery_id", "source_file", "built_at"}


def _model_rows(warehouse: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables() "
                             "where schema_name in ('intermediate', 'marts', 'exports') order by 1, 2").fetchall()
        found = {}
        for schema, table in tables:
            columns = [name for (name,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = ? and table_name = ? order by column_index",
                [schema, table]).fetchall() if name not in _LOAD_COLUMNS and not name.endswith("_loaded_at")]
            select = ", ".join(f'"{name}"' for name in columns)
            found[f"{schema}.{table}"] = sorted(map(repr, con.execute(f'select {select} from "{schema}"."{table}"').fetchall()))
        return found


@pytest.mark.e2e
def test_a_scoped_build_of_a_changed_school_equals_a_full_build(built_sample, tmp_path, monkeypatch):
    """One school delivers new certified uploads, another its classes again: `portfolio build --school` of
    both (one run each, dbt in the same process), which rebuilds only the models downstream of what changed,
    and a full build agree on every row."""
    from benchmarks.national import _csv_school, prepare_incremental
    from pipelines.build import project_instance, run_build
    from pipelines.ops.files import list_snapshots

    source = tmp_path / "source"
    shutil.copytree(built_sample.source, source, ignore=shutil.ignore_patterns("_truth"))
    schools = sorted(path.name for path in source.iterdir() if path.is_dir())
    school = _csv_school(source, schools)
    ids = prepare_incremental(source, tmp_path / "changed", school, 3, "T")
    shutil.rmtree(source / school)
    shutil.copytree(tmp_path / "changed" / school, source / school)
    other = next(name for name in schools if name != school)  # re-delivers its classes: run second, same process
    classes = next((source / other / "admin").glob("班級.*"))
    classes.write_bytes(classes.read_bytes() + (b"\n" if classes.suffix == ".csv" else b""))

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))  # to read the scoped run's events back
    runs = {}
    for kind in ("scoped", "full"):
        warehouse = tmp_path / kind / "warehouse.duckdb"
        warehouse.parent.mkdir()
        shutil.copyfile(built_sample.warehouse, warehouse)
        settings = dataclasses.replace(built_sample.settings, warehouse=warehouse, source=source)
        assert scoped.why_not_scoped(settings) is None
        assert run_build(settings, schools=[school, other] if kind == "scoped" else None)
        runs[kind] = _model_rows(warehouse)
        if kind == "scoped":
            rebuilt = _rebuilt_models(project_instance, school)
            assert {("marts", "fct_course_outcomes"), ("exports", "export_central__course_outcomes")} <= rebuilt
            assert not {("marts", "fct_course_records"), ("marts", "dim_students")} & rebuilt
            # ingestion reports the raw tables it wrote, not those whose file is the one it loaded last time
            assert ("raw", "course_outcomes") in rebuilt and ("raw", "students") not in rebuilt
            assert {("raw", "classes"), ("marts", "dim_classes")} <= _rebuilt_models(project_instance, other)
            assert ("raw", "course_outcomes") not in _rebuilt_models(project_instance, other)
        # a full build swaps in a copy and keeps the old file as a snapshot; a scoped one works in place
        assert len(list_snapshots(settings)) == (0 if kind == "scoped" else 1)

    assert runs["scoped"].keys() == runs["full"].keys()
    differing = [table for table in runs["full"] if runs["scoped"][table] != runs["full"][table]]
    detail = {table: (set(runs["scoped"][table]) ^ set(runs["full"][table])) for table in differing[:3]}
    assert differing == [], {table: sorted(rows, key=repr)[:4] for table, rows in detail.items()}
    with duckdb.connect(str(tmp_path / "scoped" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_course_outcomes where outcome_id in (?, ?, ?) "
                           "and is_certified", ids).fetchall()[0][0] == 3
    assert not undo.undo_dir(tmp_path / "scoped" / "warehouse.duckdb").exists()
    published = dataclasses.replace(built_sample.settings, warehouse=tmp_path / "scoped" / "warehouse.duckdb").published
    with duckdb.connect(str(published), read_only=True) as con:  # the dashboards' copy has the new uploads too
        assert con.execute("select count(*) from marts.fct_course_outcomes where outcome_id in (?, ?, ?)",
                           ids).fetchall()[0][0] == 3


def _rebuilt_models(project_instance, school: str) -> set[tuple[str, ...]]:
    """The dbt models and raw tables the latest run of the school rebuilt (not those it left out, nor those
    it reported as kept)."""
    import dagster as dg

    with project_instance() as instance:
        run = next(run for run in instance.get_runs() if run.tags.get("dagster/partition") == school)
        records = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
        rebuilt = set()
        for record in records:
            materialization = record.event_log_entry.dagster_event.event_specific_data.materialization
            kept = materialization.metadata.get("rebuilt") is not None and not materialization.metadata["rebuilt"].value
            if materialization.asset_key.path[0] in ("raw", "staging", "intermediate", "marts", "exports") and not kept:
                rebuilt.add(tuple(materialization.asset_key.path))
        return rebuilt


@pytest.mark.parametrize("fail", [False, True])
def test_a_one_school_builds_gate_reports_go_live_only_when_it_stands(tmp_path, fail):
    settings = settings_for(tmp_path)
    make_warehouse(settings)

    def build(live: Settings) -> bool:
        report = live.pending_gate_reports_dir / "111111" / "113" / "gate.json"  # where its gate step writes
        report.parent.mkdir(parents=True)
        report.write_text("{}")
        return rewrite_school("111111", fail=fail)(live)

    assert scoped.build_in_place(settings, build, ["111111"]) is not fail
    assert (settings.gate_reports_dir / "111111" / "113" / "gate.json").exists() is not fail
    assert not settings.pending_gate_reports_dir.exists()
