"""Retention: leavers past the school's retention_years, removed everywhere (or only listed), audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil

import duckdb
import pytest

from pipelines.ops.audit import read_audit
from pipelines.ops.backup import find_snapshot, restore_snapshot, take_snapshot
from pipelines.ops.files import list_snapshots
from pipelines.export.layout import SUBMITTED_MARKER
from pipelines.ops.purge import RETAINED_REASON, apply_purge, find_leavers, plan_purge
from pipelines.ops.tombstones import reapply_purges
from tests.ops.schools_fixture import IDS, SCHOOL_A

AS_OF = dt.date(2025, 8, 1)  # A keeps leavers 2 years: S05 (畢業 2023-06-30) is due, S06 (退學 2024-11-01) not yet


def leavers(warehouse, as_of):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [(leaver.school_code, leaver.student_number) for leaver in find_leavers(con, as_of)]


def test_only_leavers_past_their_schools_retention_are_due(ops_sample):
    assert leavers(ops_sample.warehouse, AS_OF) == [(SCHOOL_A, "A05")]
    assert leavers(ops_sample.warehouse, dt.date(2025, 6, 30)) == []  # kept until the day itself
    # 2027-03: A02 (轉出 2025-02-20) and A06 too; B (5 years) keeps its records, and nobody at B has left
    assert leavers(ops_sample.warehouse, dt.date(2027, 3, 1)) == [(SCHOOL_A, "A02"), (SCHOOL_A, "A05"), (SCHOOL_A, "A06")]


@pytest.fixture()
def places(ops_copy):
    """Everywhere the data lives besides the warehouse: a backup, a published copy, generated reports."""
    settings = ops_copy
    backup = take_snapshot(settings, "manual")
    settings.published.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.published)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_student_completion as select ? as school_code, unnest(['A01', 'A05']) as student_number",
                    [SCHOOL_A])
    gate = settings.warehouse.parent / "reports" / "gate" / SCHOOL_A / "111"
    gate.mkdir(parents=True)
    (gate / "gate.json").write_text(json.dumps({"rules": [{"rows": [{"學號": "A05"}]}]}), encoding="utf-8")
    other = settings.warehouse.parent / "reports" / "gate" / SCHOOL_A / "113"
    other.mkdir(parents=True)
    (other / "gate.json").write_text(json.dumps({"rules": [{"rows": [{"學號": "A01"}]}]}), encoding="utf-8")
    return settings, backup, gate / "gate.json", other / "gate.json"


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def student_rows(path, school, number) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return sum(con.execute(f'select count(*) from {table} where school_code = ? and "{column}" = ?', [school, number]).fetchall()[0][0]
                   for table, column in (("raw.students", "學號"), ("marts.fct_student_terms", "student_number"),
                                         ("marts.fct_national_student_terms", "student_number")))


def test_a_dry_run_lists_and_changes_nothing(places):
    settings, backup, report, _ = places
    before = {path: digest(path) for path in (settings.warehouse, backup, settings.published, report)}
    plan = plan_purge(settings, AS_OF)
    assert [leaver.student_number for leaver in plan.leavers] == ["A05"]
    assert plan.rows["warehouse:raw.students"] == 1 and plan.files == [report]
    assert {path: digest(path) for path in before} == before
    assert read_audit(settings, action="purge") == []


def test_apply_removes_the_student_everywhere_and_audits_keys_not_content(places):
    settings, backup, report, other_report = places
    details = apply_purge(settings, plan_purge(settings, AS_OF), actor="註冊組長")

    assert student_rows(settings.warehouse, SCHOOL_A, "A05") == 0
    assert student_rows(settings.warehouse, SCHOOL_A, "A01") > 0  # nobody else
    assert student_rows(backup, SCHOOL_A, "A05") == 0
    with duckdb.connect(str(settings.published), read_only=True) as con:
        assert con.execute("select student_number from marts.fct_student_completion").fetchall() == [("A01",)]
    assert not report.exists() and other_report.exists()

    [event] = read_audit(settings, action="purge")
    assert event["actor"] == "註冊組長"
    assert event["details"]["students"] == [{"school": SCHOOL_A, "student_number": "A05", "last_term": "111-2"}]
    assert event["details"]["rows_removed"]["warehouse:raw.students"] == 1 == details["rows_removed"]["warehouse:raw.students"]
    log = settings.audit_log.read_text(encoding="utf-8")
    assert IDS["S05"] not in log and "學生S05" not in log
    assert [snapshot.path for snapshot in list_snapshots(settings)] == [backup]


@pytest.mark.parametrize(("redelivered", "removed"), [
    ([(111, 2, "畢業")], 1),  # the school's next 學生資料 export still lists him
    ([(111, 2, "畢業"), (114, 1, "在學")], 0),  # a later term: he came back, or the number was given again
], ids=["same-history", "later-term"])
def test_a_purged_student_a_newer_delivery_brings_back_is_removed_again(ops_copy, redelivered, removed):
    settings = ops_copy
    apply_purge(settings, plan_purge(settings, AS_OF))
    with duckdb.connect(str(settings.warehouse)) as con:
        con.executemany("""insert into raw.students ("學年度", "學期", "學號", "學籍狀態", school_code)
                           values (?, ?, 'A05', ?, ?)""", [[*row, SCHOOL_A] for row in redelivered])
        assert reapply_purges(con, settings, database="warehouse") == removed
        left = con.execute("""select count(*) from raw.students where school_code = ? and "學號" = 'A05'""",
                           [SCHOOL_A]).fetchall()[0][0]
    assert left == (0 if removed else len(redelivered))


def test_a_frozen_submission_is_never_edited_and_the_kept_file_is_recorded(places):
    settings, _, report, _ = places
    frozen = settings.exports_dir / SCHOOL_A / "111_2"
    draft = settings.exports_dir / SCHOOL_A / "111_0"
    for folder in (frozen, draft):
        folder.mkdir(parents=True)
        (folder / "manifest.json").write_text(json.dumps({"rows": [{"學號": "A05"}]}), encoding="utf-8")
    (frozen / SUBMITTED_MARKER).write_text("{}", encoding="utf-8")

    plan = plan_purge(settings, AS_OF)
    assert plan.retained == [frozen / "manifest.json"]
    assert sorted(plan.files) == sorted([report, draft / "manifest.json"])
    details = apply_purge(settings, plan)

    assert (frozen / "manifest.json").exists() and not (draft / "manifest.json").exists()
    assert details["files_retained"] == [{"file": str(frozen / "manifest.json"), "reason": RETAINED_REASON}]


def test_a_purged_student_is_removed_again_from_a_restored_off_site_backup(ops_copy, tmp_path):
    settings = ops_copy
    off_site = tmp_path / "off-site.duckdb"
    shutil.copyfile(settings.warehouse, off_site)  # the nightly copy to another machine, before the purge
    apply_purge(settings, plan_purge(settings, AS_OF))
    settings.backups_dir.mkdir(parents=True, exist_ok=True)
    brought_back = settings.backups_dir / f"{settings.warehouse.stem}-20250101-000000-000000-manual.duckdb"
    shutil.copyfile(off_site, brought_back)

    restore_snapshot(settings, find_snapshot(settings, brought_back.name))

    assert student_rows(settings.warehouse, SCHOOL_A, "A05") == 0
    assert student_rows(settings.warehouse, SCHOOL_A, "A01") > 0


def test_a_leavers_exchange_package_is_purged_with_him(places):
    import zipfile

    settings, _, _, _ = places
    folder = settings.exchange_dir / SCHOOL_A
    folder.mkdir(parents=True)
    leaver, other = folder / f"{SCHOOL_A}_A05_歷程交換.zip", folder / f"{SCHOOL_A}_A01_歷程交換.zip"
    for path, number in ((leaver, "A05"), (other, "A01")):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("student.json", json.dumps([{"學號": number}]))

    assert leaver in plan_purge(settings, AS_OF).files and other not in plan_purge(settings, AS_OF).files
    apply_purge(settings, plan_purge(settings, AS_OF), actor="註冊組長")
    assert not leaver.exists() and other.exists()
