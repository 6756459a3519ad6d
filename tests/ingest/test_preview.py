"""The preview of a school's folder names every raw table its ingestion then changes, and none when it changes none."""

from pipelines.contract import FILES
from pipelines.ingest.inventory import record_unrecognised
from pipelines.ingest.load import ingest_file_kind, ingest_policies
from pipelines.ingest.policies import POLICY_TABLES
from pipelines.ingest.preview import tables_to_change

SCHOOL = "013301"
TABLES = [spec.table for spec in FILES] + [f"raw.{table}" for table in POLICY_TABLES] + ["raw.quarantine", "raw.deliveries"]
STUDENTS = "學年度,學期,學號,學籍狀態,座號\n113,1,S1,在學,1\n"
EVENTS = "成果編號,動作,教師代碼,時間,說明\nCO1,送審,T1,2024-09-01 13:05,\n"


def school_rows(con) -> dict[str, list[tuple]]:
    return {table: con.execute(f"select * from {table} where school_code = ? order by all", [SCHOOL]).fetchall()
            for table in TABLES}


def ingest_folder(con, source) -> set[str]:
    """Ingest the school's folder as a build does; the tables whose rows of the school changed."""
    before = school_rows(con)
    for spec in FILES:
        ingest_file_kind(con, source, spec, [SCHOOL])
    ingest_policies(con, source, [SCHOOL])
    record_unrecognised(con, source, [SCHOOL])
    after = school_rows(con)
    return {table for table in TABLES if before[table] != after[table]}


def test_the_preview_foresees_what_each_delivery_changes(con, source, deliver):
    steps = [
        lambda: deliver(f"{SCHOOL}/admin/學生資料.csv", STUDENTS),
        lambda: None,  # the same folder again
        lambda: deliver(f"{SCHOOL}/platform/認證紀錄.csv", EVENTS),
        lambda: deliver(f"{SCHOOL}/platform/認證紀錄.csv", EVENTS + "CO1,認證通過,T1,2024-09-03 08:00,\n"),
        lambda: deliver(f"{SCHOOL}/admin/學生資料.csv", b"\xff\xfe broken"),  # rejected: only the log tables
        lambda: (source / SCHOOL / "admin" / "學生資料.csv").unlink(),  # the required file is missing
        lambda: None,
        lambda: deliver(f"{SCHOOL}/notes.txt", "not a contract file"),
        lambda: deliver(f"{SCHOOL}/policy.yaml", "caps:\n  course_outcomes_per_year: 4\n"),
        lambda: deliver(f"{SCHOOL}/policy.yaml", "caps: [broken\n"),  # refused: nothing of the school loads
        lambda: deliver(f"{SCHOOL}/admin/學生資料.csv", STUDENTS),
        lambda: None,
    ]
    (source / SCHOOL).mkdir()
    for number, step in enumerate(steps):
        step()
        foreseen = tables_to_change(con, source, SCHOOL)
        changed = ingest_folder(con, source)
        assert changed <= foreseen, (number, changed - foreseen)
        assert bool(foreseen) == bool(changed), (number, foreseen, changed)
    assert tables_to_change(con, source, SCHOOL) == set()
