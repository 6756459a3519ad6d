import hashlib
from datetime import date

import duckdb
import pytest

from pipelines.contract import FILES, FILES_BY_KIND
from pipelines.ingest import load
from pipelines.ingest.load import discover_schools, ingest_file_kind

from .conftest import FIXTURES, xlsx_bytes

STUDENTS = FILES_BY_KIND["students"]
EVENTS = FILES_BY_KIND["certification_events"]
EVENT_HEADER = "成果編號,動作,教師代碼,時間,說明\n"
EVENT_A = "CO1,送審,T1,113/09/01 下午 01:05:00,\n"
EVENT_B = "CO1,認證通過,T1,2024-09-03 08:00,\n"
EVENT_BAD = "CO2,亂按,T1,2024-09-03 08:00,\n"
STUDENT_HEADER = "學年度,學期,學號,學籍狀態,座號\n"


def ingest(con, source, spec, schools=None):
    return {result.school_code: result for result in ingest_file_kind(con, source, spec, schools)}


def table(con, name: str) -> list[tuple]:
    return con.execute(f"select * from raw.{name} order by all").fetchall()


def all_tables(con) -> dict[str, list[tuple]]:
    return {name: table(con, name) for name in [spec.kind for spec in FILES] + ["quarantine", "deliveries"]}


def test_discover_schools_lists_six_character_code_folders_only(source):
    for name in ["013301", "801M01", "_truth", "12345", "abc123"]:
        (source / name).mkdir()
    (source / "999999").write_text("a file, not a folder")
    assert discover_schools(source) == ["013301", "801M01"]


def test_loaded_rows_carry_lineage(con, source, deliver):
    data = (FIXTURES / "valid" / "students_big5.csv").read_bytes()
    deliver("013301/admin/學生資料.csv", data)
    result = ingest(con, source, STUDENTS)["013301"]
    assert (result.status, result.rows_loaded, result.encoding) == ("loaded", 3, "cp950")
    lineage = con.execute("select distinct school_code, source_file, delivery_id from raw.students").fetchall()
    assert lineage == [("013301", "013301/admin/學生資料.csv", hashlib.sha256(data).hexdigest())]
    assert [line for (line,) in con.execute("select source_line from raw.students order by 1").fetchall()] == [2, 3, 4]
    assert table(con, "deliveries")[0][:8] == (
        "013301", "students", "013301/admin/學生資料.csv", hashlib.sha256(data).hexdigest(), "cp950", "loaded", 3, 0,
    )


def test_delivering_the_same_files_again_changes_no_table(con, source, deliver):
    deliver("013301/admin/學生資料.csv", STUDENT_HEADER + "113,1,S1,在學,1\n113,1,S2,在家,2\n")
    deliver("013301/platform/認證紀錄.csv", EVENT_HEADER + EVENT_A + EVENT_BAD)
    deliver("013302/admin/學生資料.csv", b"\xff\xfe broken")
    (source / "013303").mkdir()  # no 學生資料 at all

    first = [ingest(con, source, spec) for spec in FILES]
    before = all_tables(con)
    second = [ingest(con, source, spec) for spec in FILES]

    assert all_tables(con) == before
    assert first[0]["013301"].status == "loaded" and second[0]["013301"].status == "unchanged"
    assert second[0]["013302"].status == "unchanged"  # the same rejected bytes are not logged again
    assert second[0]["013303"].status == "missing"


def test_a_newer_snapshot_replaces_the_schools_rows_and_their_quarantine(con, source, deliver):
    deliver("013301/admin/學生資料.csv", STUDENT_HEADER + "113,1,S1,在學,1\n113,1,S2,在家,2\n")
    deliver("013302/admin/學生資料.csv", STUDENT_HEADER + "113,1,T1,在學,1\n")
    ingest(con, source, STUDENTS)
    deliver("013301/admin/學生資料.csv", STUDENT_HEADER + "113,2,S1,在學,1\n113,2,S3,在學,x\n")

    result = ingest(con, source, STUDENTS)

    assert (result["013301"].status, result["013302"].status) == ("loaded", "unchanged")
    students = con.execute('select school_code, "學期", "學號" from raw.students order by all').fetchall()
    assert students == [("013301", 2, "S1"), ("013302", 1, "T1")]
    quarantine = con.execute("select school_code, field, raw_value from raw.quarantine").fetchall()
    assert quarantine == [("013301", "座號", "x")]


def test_event_files_accumulate_without_duplicates(con, source, deliver):
    deliver("013301/platform/認證紀錄.csv", EVENT_HEADER + EVENT_A + EVENT_BAD)
    ingest(con, source, EVENTS)
    deliver("013301/platform/認證紀錄.csv", EVENT_HEADER + EVENT_BAD + EVENT_A + EVENT_B)  # cumulative, reordered
    cumulative = ingest(con, source, EVENTS)["013301"]
    deliver("013301/platform/認證紀錄.csv", EVENT_HEADER + EVENT_B)  # incremental
    incremental = ingest(con, source, EVENTS)["013301"]

    assert (cumulative.rows_loaded, incremental.rows_loaded) == (1, 0)
    events = con.execute('select "動作", source_line from raw.certification_events order by 2').fetchall()
    assert events == [("送審", 2), ("認證通過", 4)]  # each event once, with the line it first came on
    assert con.execute("select field, reason from raw.quarantine").fetchall() == [("動作", "unknown_code")]


def test_an_undecodable_file_is_rejected_whole_and_other_schools_still_load(con, source, deliver):
    deliver("013301/admin/學生資料.csv", (FIXTURES / "invalid" / "students_utf16.csv").read_bytes())
    deliver("013302/admin/學生資料.csv", (FIXTURES / "valid" / "students_utf8.csv").read_bytes())

    results = ingest(con, source, STUDENTS)

    assert results["013301"].status == "rejected"
    assert results["013302"].status == "loaded"
    assert con.execute("select distinct school_code from raw.students").fetchall() == [("013302",)]
    [(source_file, line, reason, message)] = con.execute(
        "select source_file, source_line, reason, message from raw.quarantine").fetchall()
    assert (source_file, line, reason) == ("013301/admin/學生資料.csv", None, "undecodable")
    assert "013301/admin/學生資料.csv" in message


def test_a_rejected_newer_delivery_keeps_the_earlier_rows(con, source, deliver):
    deliver("013301/admin/學生資料.csv", STUDENT_HEADER + "113,1,S1,在學,1\n")
    ingest(con, source, STUDENTS)
    deliver("013301/admin/學生資料.csv", "學年度,學期\n113,1\n")

    assert ingest(con, source, STUDENTS)["013301"].status == "rejected"
    assert con.execute('select "學號" from raw.students').fetchall() == [("S1",)]
    assert con.execute("select reason, field from raw.quarantine").fetchall() == [("missing_column", "學號")]


def test_a_missing_required_file_is_quarantined_once(con, source):
    (source / "013301").mkdir()
    first = ingest(con, source, STUDENTS)["013301"]
    ingest(con, source, STUDENTS)

    assert first.status == "missing" and first.source_file is None
    assert con.execute("select school_code, reason from raw.quarantine").fetchall() == [("013301", "missing_file")]
    assert con.execute("select status from raw.deliveries").fetchall() == [("missing",)]


def test_an_absent_file_leaves_the_earlier_rows(con, source, deliver):
    path = deliver("013301/admin/班級.csv", "學年度,學期,班級代碼\n113,1,101\n")
    ingest(con, source, FILES_BY_KIND["classes"])
    path.unlink()

    assert ingest(con, source, FILES_BY_KIND["classes"])["013301"].status == "missing"
    assert con.execute('select "班級代碼" from raw.classes').fetchall() == [("101",)]
    assert table(con, "quarantine") == []


def test_csv_and_xlsx_of_one_kind_are_both_rejected(con, source, deliver, tmp_path):
    deliver("013301/admin/班級.csv", "學年度,學期,班級代碼\n113,1,101\n")
    deliver("013301/admin/班級.xlsx", xlsx_bytes(tmp_path, [["學年度", "學期", "班級代碼"], [113, 1, "102"]]))

    result = ingest(con, source, FILES_BY_KIND["classes"])["013301"]

    assert result.status == "rejected"
    assert "CSV 與 XLSX" in result.message
    assert table(con, "classes") == []


def test_only_the_requested_schools_are_ingested(con, source, deliver):
    deliver("013301/admin/班級.csv", "學年度,學期,班級代碼\n113,1,101\n")
    deliver("013302/admin/班級.csv", "學年度,學期,班級代碼\n113,1,201\n")

    assert list(ingest(con, source, FILES_BY_KIND["classes"], schools=["013302"])) == ["013302"]
    assert con.execute("select distinct school_code from raw.classes").fetchall() == [("013302",)]


def test_a_warehouse_from_before_the_v2_columns_gets_them_and_loads_old_and_new_layouts(con, source, deliver):
    from pipelines.contract import create_raw_schema

    con.execute("drop table raw.absences")
    con.execute('create table raw.absences ("學年度" BIGINT, "學期" BIGINT, "學號" VARCHAR, "假別" VARCHAR, "節數" BIGINT, '
                "school_code VARCHAR, source_file VARCHAR, source_line BIGINT, delivery_id VARCHAR, loaded_at TIMESTAMP)")
    create_raw_schema(con)
    deliver("013301/admin/缺勤.csv", "學年度,學期,學號,假別,節數\n113,1,S1,病假,3\n".encode())
    deliver("801M01/admin/缺勤.csv", "學年度,學期,學號,假別,節數,缺勤種類代碼,缺勤起始日期\n113,1,S1,公差假,3,01,113/10/01\n".encode())
    results = ingest(con, source, FILES_BY_KIND["absences"])
    assert {school: result.rows_loaded for school, result in results.items()} == {"013301": 1, "801M01": 1}
    assert con.execute('select school_code, "缺勤種類代碼", "缺勤起始日期" from raw.absences order by 1').fetchall() == [
        ("013301", None, None), ("801M01", "01", date(2024, 10, 1))]


@pytest.mark.parametrize("commit_rows, committed", [(4, {"013301", "013302"}), (1_000, set())])
def test_a_failing_write_rolls_back_the_files_since_the_last_commit_and_a_rerun_loads_them(
        con, source, deliver, monkeypatch, commit_rows, committed):
    for school in ("013301", "013302", "013303"):
        deliver(f"{school}/admin/學生資料.csv", STUDENT_HEADER + "113,1,S1,在學,1\n113,1,S2,在學,2\n")
    monkeypatch.setattr(load, "COMMIT_ROWS", commit_rows)  # 4: two schools' rows per commit
    log_delivery = load.log_delivery

    def disk_full_at_the_third_school(con, school, *args, **kwargs):
        if school == "013303":
            raise duckdb.IOException("No space left on device")
        return log_delivery(con, school, *args, **kwargs)

    monkeypatch.setattr(load, "log_delivery", disk_full_at_the_third_school)
    with pytest.raises(duckdb.IOException):
        ingest(con, source, STUDENTS)
    assert {school for (school,) in con.execute("select distinct school_code from raw.students").fetchall()} == committed
    assert {school for (school,) in con.execute("select school_code from raw.deliveries").fetchall()} == committed

    monkeypatch.setattr(load, "log_delivery", log_delivery)
    statuses = {school: result.status for school, result in ingest(con, source, STUDENTS).items()}
    assert statuses == {school: "unchanged" if school in committed else "loaded" for school in ("013301", "013302", "013303")}
    assert con.execute("select count(*) from raw.students").fetchall()[0][0] == 6
