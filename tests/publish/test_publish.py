"""Publishing the dashboards' read-only copy: what it holds, what it never holds, and the atomic swap."""

import duckdb
import pytest

from pipelines.ops.audit import record_audit
from pipelines.publish import DASHBOARD_TABLES, publish_warehouse
from pipelines.settings import audit_log_of


def tables(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {f"{schema}.{table}" for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
    finally:
        con.close()


def test_every_build_publishes_the_copy_beside_the_warehouse(built_sample):
    published = built_sample.settings.published

    assert published.is_file()
    assert {f"marts.{table}" for table in DASHBOARD_TABLES} | {"gate.runs", "meta.publication"} <= tables(published)


def test_the_copy_has_the_marts_rows_but_never_a_whole_national_id(built_sample, tmp_path):
    target = publish_warehouse(built_sample.warehouse, tmp_path / "published.duckdb").path

    con = duckdb.connect(str(target), read_only=True)
    columns = {name for (name,) in con.execute("select column_name from information_schema.columns").fetchall()}
    rows = con.execute("select count(*) from marts.fct_student_completion").fetchall()[0][0]
    con.close()
    source = duckdb.connect(str(built_sample.warehouse), read_only=True)
    expected = source.execute("select count(*) from marts.fct_student_completion").fetchall()[0][0]
    source.close()
    assert rows == expected > 0
    assert "national_id" not in columns and "national_id_masked" in columns


def test_ids_are_masked_and_digests_left_out_of_other_tables(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    for table in DASHBOARD_TABLES:
        con.execute("create schema if not exists marts")
        con.execute(f"create table marts.{table} (school_code varchar)")
    con.execute("create schema submissions")
    con.execute("create table submissions.reconciliation_items (school_code varchar, outcome varchar, "
                "national_id varchar, national_id_digest varchar, item_key_digest varchar)")
    con.execute("insert into submissions.reconciliation_items values ('999001', 'rejected', 'A123456789', 'ab12', 'cd34')")
    con.close()

    target = publish_warehouse(warehouse, tmp_path / "published.duckdb").path

    con = duckdb.connect(str(target), read_only=True)
    row = con.execute("select * from submissions.reconciliation_items").df()
    con.close()
    assert list(row.columns) == ["school_code", "outcome", "national_id_masked"]
    assert row["national_id_masked"].iloc[0] == "A12****789"


def test_republishing_swaps_the_file_while_a_reader_keeps_the_old_one(built_sample, tmp_path):
    target = tmp_path / "published.duckdb"
    publish_warehouse(built_sample.warehouse, target)
    reader = duckdb.connect(str(target), read_only=True)
    before = target.stat().st_ino

    publish_warehouse(built_sample.warehouse, target)

    assert target.stat().st_ino != before
    assert reader.execute("select count(*) from marts.dim_schools").fetchall()[0][0] > 0
    reader.close()
    assert [path.name for path in tmp_path.iterdir()] == ["published.duckdb"]


def test_publishing_an_unbuilt_warehouse_fails_without_touching_the_copy(built_sample, tmp_path):
    target = publish_warehouse(built_sample.warehouse, tmp_path / "published.duckdb").path
    stamp = target.stat().st_mtime_ns
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()

    with pytest.raises(RuntimeError, match="marts"):
        publish_warehouse(empty, target)

    assert target.stat().st_mtime_ns == stamp
    assert sorted(path.name for path in tmp_path.iterdir()) == ["empty.duckdb", "published.duckdb"]


def _published_rows(path) -> dict[str, list[str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute("select schema_name, table_name from duckdb_tables() where schema_name <> 'meta'").fetchall()
        return {f"{schema}.{table}": sorted(map(repr, con.execute(f'select * from "{schema}"."{table}"').fetchall()))
                for schema, table in names}


def test_publishing_one_school_equals_publishing_everything(built_sample, tmp_path):
    """A one-school build refreshes only that school's rows of the copy; the result is the same as a full copy."""
    import shutil

    from pipelines.publish import publish_schools

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built_sample.warehouse, warehouse)
    published = publish_warehouse(warehouse, tmp_path / "published.duckdb").path
    with duckdb.connect(str(warehouse)) as con:  # what a rebuild of one school may change
        school = con.execute("select min(school_code) from marts.dim_schools").fetchall()[0][0]
        con.execute("delete from marts.fct_student_completion where school_code = ? and student_number in "
                    "(select min(student_number) from marts.fct_student_completion where school_code = ?)", [school, school])
        con.execute("update marts.fct_class_completion set students_enrolled = students_enrolled + 1 where school_code = ?", [school])

    publish_schools(warehouse, published, [school])

    assert _published_rows(published) == _published_rows(publish_warehouse(warehouse, tmp_path / "full.duckdb").path)


def test_a_purged_student_a_newer_delivery_brings_back_is_never_published(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts")
    for table in DASHBOARD_TABLES:
        con.execute(f"create table marts.{table} as select '999001' as school_code, "
                    "unnest(['S05', 'S06', 'S07']) as student_number")
    con.execute("create schema raw")
    con.execute("""create table raw.students as select * from (values
        ('999001', 'S05', 111, 2), ('999001', 'S06', 111, 2), ('999001', 'S06', 114, 1), ('999001', 'S07', 113, 1)
    ) t(school_code, "學號", "學年度", "學期")""")
    con.close()
    purged = [{"school": "999001", "student_number": number, "last_term": "111-2"} for number in ("S05", "S06")]
    record_audit(audit_log_of(warehouse), "purge", details={"students": purged})

    target = publish_warehouse(warehouse, tmp_path / "published.duckdb").path

    with duckdb.connect(str(target), read_only=True) as con:
        shown = con.execute("select student_number from marts.fct_student_completion order by 1").fetchall()
    assert shown == [("S06",), ("S07",)]  # S06 came back in a later term: not the purged record


def test_an_action_refreshes_the_submission_records_only_and_at_once(tmp_path):
    from pipelines.export.store import append, create_submissions_schema
    from pipelines.publish import publish_submissions

    warehouse, target = tmp_path / "w.duckdb", tmp_path / "published.duckdb"
    assert publish_submissions(warehouse, target) is None, "nothing published yet: the next build publishes"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts")
    for table in DASHBOARD_TABLES:
        con.execute(f"create table marts.{table} (school_code varchar)")
    con.close()
    publish_warehouse(warehouse, target)
    con = duckdb.connect(str(warehouse))
    con.execute("insert into marts.dim_schools values ('999001')")  # a build's change: not this refresh's
    create_submissions_schema(con)
    append(con, "submissions", [{"submission_id": "s1", "school_code": "999001", "academic_year": 113, "term": 1}])
    append(con, "confirmation_cases", [{"case_id": 1, "school_code": "999001", "academic_year": 113, "term": 1,
                                        "is_open": True}])  # the students' confirmations as last evaluated
    con.close()

    publish_submissions(warehouse, target)

    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("select case_id from submissions.confirmation_cases").fetchall() == [(1,)]
    submitted = con.execute("select submission_id from submissions.submissions").fetchall()
    schools = con.execute("select count(*) from marts.dim_schools").fetchall()[0][0]
    con.close()
    assert submitted == [("s1",)] and schools == 0
