"""What a one-school build rebuilds: the models downstream of the sources whose rows of the school changed."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.dbt.changes import Lineage, plan_school_run, record_fingerprints, replace_school_fingerprints, \
    school_fingerprints

# raw.uploads → stg_uploads → fct_uploads → fct_completion ← stg_students ← raw.students; raw.notes (no model)
MANIFEST = {
    "sources": {
        "source.p.raw.uploads": {"schema": "raw", "identifier": "uploads"},
        "source.p.raw.students": {"schema": "raw", "identifier": "students"},
        "source.p.raw.notes": {"schema": "raw", "identifier": "notes"},
    },
    "nodes": {
        "model.p.fct_completion": {"depends_on": {"nodes": ["model.p.fct_uploads", "model.p.stg_students"]}},
        "model.p.fct_uploads": {"depends_on": {"nodes": ["model.p.stg_uploads"]}},
        "model.p.stg_uploads": {"depends_on": {"nodes": ["source.p.raw.uploads"]}},
        "model.p.stg_students": {"depends_on": {"nodes": ["source.p.raw.students"]}},
    },
    "child_map": {
        "source.p.raw.uploads": ["model.p.stg_uploads"],
        "source.p.raw.students": ["model.p.stg_students"],
        "source.p.raw.notes": [],
        "model.p.stg_uploads": ["model.p.fct_uploads"],
        "model.p.fct_uploads": ["model.p.fct_completion"],
        "model.p.stg_students": ["model.p.fct_completion"],
        "model.p.fct_completion": [],
    },
}
MODELS = ["model.p.fct_completion", "model.p.fct_uploads", "model.p.stg_students", "model.p.stg_uploads"]
LINEAGE = Lineage.from_manifest(MANIFEST)
DB = "memory"


@pytest.fixture
def con():
    with duckdb.connect() as con:
        con.execute("create schema raw")
        con.execute("create table raw.school_policies as select * from (values ('A'), ('B')) t(school_code)")
        con.execute("create table raw.uploads as select * from (values ('A', 1, 'x'), ('A', 2, 'y'), ('B', 1, 'z')) "
                    "t(school_code, id, title)")
        con.execute("create table raw.students as select * from (values ('A', 's1'), ('B', 's2')) t(school_code, student)")
        yield con


def plan(con, school="A", selected=MODELS):
    return plan_school_run(con, DB, LINEAGE, school, selected, MODELS)


def test_lineage_lists_every_model_downstream_of_a_source_and_a_dependency_order():
    assert LINEAGE.downstream["source.p.raw.uploads"] == {"model.p.stg_uploads", "model.p.fct_uploads",
                                                          "model.p.fct_completion"}
    assert LINEAGE.downstream["source.p.raw.notes"] == frozenset()
    order = LINEAGE.order
    assert order.index("model.p.stg_uploads") < order.index("model.p.fct_uploads") < order.index("model.p.fct_completion")


def test_a_school_never_recorded_rebuilds_every_model(con):
    built = plan(con)
    assert built.to_run == set(MODELS) and built.kept == ()
    assert set(built.changed_sources) == {"raw.uploads", "raw.students", "raw.notes"}


def test_after_a_full_build_only_what_is_downstream_of_a_changed_source_runs(con):
    record_fingerprints(con, DB, LINEAGE.tables.values())
    unchanged = plan(con)
    assert unchanged.to_run == set() and set(unchanged.kept) == set(MODELS)  # nothing changed: every model kept

    con.execute("update raw.uploads set title = 'new' where school_code = 'A' and id = 2")
    changed = plan(con)
    assert changed.changed_sources == ("raw.uploads",)
    assert changed.to_run == {"model.p.stg_uploads", "model.p.fct_uploads", "model.p.fct_completion"}
    assert changed.kept == ("model.p.stg_students",)
    assert plan(con, school="B").to_run == set()  # another school's rows did not change


def test_kept_models_come_in_dependency_order(con):
    record_fingerprints(con, DB, LINEAGE.tables.values())
    kept = plan(con).kept
    assert kept.index("model.p.stg_uploads") < kept.index("model.p.fct_uploads") < kept.index("model.p.fct_completion")


def test_one_schools_fingerprints_are_those_a_full_build_records(con):
    """A table absent, or without the school's rows, counts as empty; either way both sides agree."""
    record_fingerprints(con, DB, LINEAGE.tables.values())
    recorded = dict(((school, table), fingerprint) for school, table, fingerprint in
                    con.execute("select * from build.school_inputs").fetchall())
    for school in ("A", "B"):
        now = school_fingerprints(con, DB, LINEAGE.tables.values(), school)
        assert now == {table: recorded[(school, table)] for table in LINEAGE.tables.values()}
    assert recorded[("A", "raw.notes")] == "0/0"  # raw.notes does not exist
    con.execute("create table raw.notes (school_code varchar, text varchar)")
    assert school_fingerprints(con, DB, ["raw.notes"], "A") == {"raw.notes": "0/0"}


def test_a_school_that_delivers_what_it_had_again_has_new_fingerprints(con):
    """A re-delivery is new rows (its lineage differs), even if its values are the same."""
    record_fingerprints(con, DB, LINEAGE.tables.values())
    con.execute("delete from raw.students where school_code = 'A'")
    assert plan(con).to_run == {"model.p.stg_students", "model.p.fct_completion"}
    con.execute("insert into raw.students values ('A', 's1')")
    assert plan(con).to_run == set()  # the same rows as recorded: same fingerprint
    con.execute("insert into raw.students values ('A', 's1')")
    assert plan(con).to_run == {"model.p.stg_students", "model.p.fct_completion"}  # a duplicate counts


def test_a_run_of_the_foreseen_models_runs_them_and_records(con):
    """pipelines/runs.py selects only the models downstream of what is about to change."""
    record_fingerprints(con, DB, LINEAGE.tables.values())
    con.execute("delete from raw.students where school_code = 'A'")
    foreseen = plan(con, selected=["model.p.stg_students", "model.p.fct_completion"])
    assert foreseen.to_run == foreseen.selected and foreseen.kept == () and foreseen.fingerprints
    replace_school_fingerprints(con, DB, "A", foreseen.fingerprints)
    assert plan(con).to_run == set()


def test_a_run_missing_some_models_to_rebuild_runs_what_it_selected_and_forgets_the_schools_fingerprints(con):
    """A run of some models from the asset graph, or a delivery that changed after the run was planned."""
    record_fingerprints(con, DB, LINEAGE.tables.values())
    con.execute("update raw.uploads set title = 'new' where school_code = 'A'")
    partial = plan(con, selected=["model.p.fct_uploads"])
    assert partial.to_run == {"model.p.fct_uploads"} and partial.kept == () and partial.fingerprints == {}
    replace_school_fingerprints(con, DB, "A", partial.fingerprints)
    con.execute("update raw.uploads set title = 'old' where school_code = 'A'")
    assert plan(con).to_run == set(MODELS)  # the next full run of the school rebuilds everything
    assert plan(con, school="B").to_run == set()


def test_a_run_of_some_models_whose_inputs_did_not_change_leaves_them(con):
    record_fingerprints(con, DB, LINEAGE.tables.values())
    assert plan(con, selected=["model.p.fct_uploads"]).kept == ("model.p.fct_uploads",)


def test_recorded_fingerprints_make_the_next_run_of_the_school_a_no_op(con):
    first = plan(con)
    replace_school_fingerprints(con, DB, "A", first.fingerprints)
    assert plan(con).to_run == set()
    assert plan(con, school="B").to_run == set(MODELS)  # B was never recorded
