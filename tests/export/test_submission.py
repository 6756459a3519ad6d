"""Frozen submissions: never rewritten, corrections numbered and linked, hand edits detected."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.export.core import UNCHANGED, WRITTEN, export_school
from pipelines.export.layout import SUBMITTED_MARKER
from pipelines.export.submission import Submitted, SubmissionError, marker_matches, submit, verify
from pipelines.export.workbook import sha256_of

TERM = 1


@pytest.fixture
def first_submission(workspace, school_year, passing_gate):
    """The school's term-1 folder exported (gate passing) and submitted by 註冊組長."""
    school, year = school_year
    out = workspace.warehouse.parent / "out"
    outcome = export_school(workspace, out, school, year, TERM, gate_result=passing_gate)
    assert outcome.status == WRITTEN and outcome.folder == out / school / f"{year}_{TERM}"
    result = submit(workspace, out, school, year, TERM, by="註冊組長")
    return workspace, out, outcome.folder, result


def _snapshot(folder):
    return {path.name: (sha256_of(path), path.stat().st_mtime_ns) for path in folder.iterdir()}


def _change_data(settings, school, year):
    """The registrar corrects something: one cadre record of the term goes."""
    con = duckdb.connect(str(settings.warehouse))
    try:
        con.execute("""delete from exports.export_central__cadres where rowid = (
            select min(rowid) from exports.export_central__cadres where school_code = ? and academic_year = ? and term = ?)""",
                    [school, year, TERM])
    finally:
        con.close()


def _export(settings, out, school_year, gate):
    return export_school(settings, out, *school_year, TERM, gate_result=gate)


def test_a_submitted_folder_is_never_rewritten_and_an_unchanged_export_writes_nothing(first_submission, school_year, passing_gate):
    settings, out, folder, _ = first_submission
    before = _snapshot(folder)
    assert json.loads((folder / SUBMITTED_MARKER).read_text(encoding="utf-8"))["submitted_by"] == "註冊組長"

    outcome = _export(settings, out, school_year, passing_gate)

    assert outcome.status == UNCHANGED and outcome.folder == folder
    assert _snapshot(folder) == before
    assert sorted(path.name for path in folder.parent.iterdir()) == [folder.name]


def test_a_correction_becomes_a_numbered_resubmission_that_names_what_it_replaces(first_submission, school_year, passing_gate):
    settings, out, folder, _ = first_submission
    school, year = school_year
    before = _snapshot(folder)
    _change_data(settings, school, year)

    first = _export(settings, out, school_year, passing_gate)
    assert first.status == WRITTEN and first.folder.name == f"{year}_{TERM}_r1"
    manifest = json.loads((first.folder / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["revision"], manifest["replaces"]) == (1, f"{year}_{TERM}")
    assert _snapshot(folder) == before

    again = _export(settings, out, school_year, passing_gate)  # an unsubmitted re-submission is a draft: rewritten
    assert again.folder == first.folder

    submit(settings, out, school, year, TERM)
    _change_data(settings, school, year)
    second = _export(settings, out, school_year, passing_gate)
    assert second.folder.name == f"{year}_{TERM}_r2" and second.replaces == f"{year}_{TERM}_r1"
    assert _snapshot(folder) == before


def test_the_warehouse_records_who_when_and_what_with_the_checksums(first_submission, school_year):
    settings, _, folder, result = first_submission
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        [(who, submitted_at, revision, rows)] = con.execute(
            "select submitted_by, submitted_at, revision, rows_submitted from submissions.submissions").fetchall()
        files = dict(con.execute("select file_name, sha256 from submissions.files").fetchall())
        items = con.execute("select count(*), count(student_number) from submissions.items").fetchall()[0]
    finally:
        con.close()
    assert (who, revision) == ("註冊組長", 0) and submitted_at is not None
    assert files == {entry["name"]: entry["sha256"] for entry in manifest["files"]}
    assert rows == items[0] == sum(sum(entry["sheets"].values()) for entry in manifest["files"])
    assert items[1] == items[0], "every submitted row is tied to a student (class, seat) for the receipt lists"


def test_a_frozen_file_changed_by_hand_is_detected(first_submission):
    settings, out, folder, _ = first_submission
    assert all(check.intact for check in verify(settings.warehouse, out))
    workbook = next(folder.glob("*學生資料名冊.xlsx"))
    workbook.chmod(0o644)
    book = openpyxl.load_workbook(workbook)
    book["學生資料"]["K2"] = "休學"
    book.save(workbook)
    (folder / "notes.txt").write_text("補充", encoding="utf-8")

    [check] = verify(settings.warehouse, out)

    assert not check.intact
    assert {(finding.status, finding.file_name) for finding in check.findings} == {
        ("changed", workbook.name), ("extra", "notes.txt")}


def test_removing_the_marker_is_detected_and_does_not_unfreeze_the_folder(first_submission, school_year, passing_gate):
    settings, out, folder, _ = first_submission
    (folder / SUBMITTED_MARKER).unlink()
    [check] = verify(settings.warehouse, out)
    assert [finding.status for finding in check.findings] == ["marker_missing"]

    _change_data(settings, *school_year)
    outcome = _export(settings, out, school_year, passing_gate)
    assert outcome.folder.name.endswith("_r1")


def test_submit_refuses_twice_and_refuses_a_draft_changed_after_export(first_submission, school_year, passing_gate):
    settings, out, folder, _ = first_submission
    school, year = school_year
    with pytest.raises(SubmissionError, match="已經提交"):
        submit(settings, out, school, year, TERM)
    _change_data(settings, school, year)
    draft = _export(settings, out, school_year, passing_gate).folder
    workbook = next(draft.glob("*校內幹部經歷名冊.xlsx"))
    workbook.write_bytes(workbook.read_bytes() + b"\0")
    with pytest.raises(SubmissionError, match="sha256"):
        submit(settings, out, school, year, TERM)
    assert not (draft / SUBMITTED_MARKER).exists()



@pytest.fixture
def exported_term(workspace, school_year, passing_gate):
    """The school's term-1 folder exported (gate passing), nothing submitted yet."""
    out = workspace.warehouse.parent / "out"
    return workspace, out, _export(workspace, out, school_year, passing_gate).folder


def test_a_unit_cannot_submit_another_unit_s_roster(exported_term, school_year):
    settings, out, folder = exported_term

    with pytest.raises(SubmissionError, match="校內幹部經歷名冊 由訓育組提交，註冊組不能提交"):
        submit(settings, out, *school_year, TERM, unit="註冊組", rosters=("學生資料名冊", "校內幹部經歷名冊"))
    with pytest.raises(SubmissionError, match="未知的處室 '教務處'"):
        submit(settings, out, *school_year, TERM, unit="教務處")

    assert not (folder / SUBMITTED_MARKER).exists()
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from information_schema.tables where table_name = 'unit_submissions'"
                           ).fetchall() == [(0,)], "a refused submission records nothing"
    finally:
        con.close()


def test_each_unit_submits_its_own_rosters_and_the_last_one_freezes_the_folder(exported_term, school_year):
    settings, out, folder = exported_term

    first = submit(settings, out, *school_year, TERM, unit="訓育組", by="訓育組長")
    assert first.submission is None and first.rosters == ("校內幹部經歷名冊",)
    assert first.waiting == {"註冊組": ("學生資料名冊", "學生成績名冊", "缺勤紀錄名冊")}
    assert not (folder / SUBMITTED_MARKER).exists()

    last = submit(settings, out, *school_year, TERM, unit="註冊組", by="註冊組長")

    assert last.submission is not None and (folder / SUBMITTED_MARKER).exists()
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        recorded = con.execute("select submitting_units, submitted_by from submissions.submissions").fetchall()
        units = con.execute("select roster_name, unit from submissions.unit_submissions order by roster_name").fetchall()
    finally:
        con.close()
    assert recorded == [("訓育組、註冊組", "訓育組長、註冊組長")]
    assert dict(units) == {"校內幹部經歷名冊": "訓育組", "學生資料名冊": "註冊組", "學生成績名冊": "註冊組",
                           "缺勤紀錄名冊": "註冊組"}


def test_a_roster_exported_again_after_its_unit_submitted_it_is_owed_again(exported_term, school_year, passing_gate):
    settings, out, folder = exported_term
    school, year = school_year
    submit(settings, out, school, year, TERM, unit="訓育組")
    _change_data(settings, school, year)  # a cadre record goes: the draft's 校內幹部經歷名冊 is rewritten
    assert _export(settings, out, school_year, passing_gate).folder == folder

    last = submit(settings, out, school, year, TERM, unit="註冊組")

    assert last.submission is None and last.waiting == {"訓育組": ("校內幹部經歷名冊",)}


def _recorded():
    files = {"113_1_學生資料名冊.xlsx": "ab"}
    submitted = Submitted(school="999001", year=113, term=1, revision=0, folder_path=Path("/x"), submission_id="s1",
                          submitted_at="2025-08-20T10:00:00", submitted_by="註冊組長", files=files,
                          manifest_sha256="cd", source="warehouse")
    marker = {"submission_id": "s1", "school": "999001", "academic_year": 113, "term": 1, "revision": 0, "replaces": None,
              "submitted_at": "2025-08-20T10:00:00+08:00", "submitted_by": "註冊組長", "files": dict(files),
              "manifest_sha256": "cd"}
    return submitted, marker


@pytest.mark.parametrize("edit", [{}, {"submitted_by": "someone"}, {"submission_id": "s2"}, {"revision": 1},
                                  {"submitted_at": "2025-08-21T10:00:00+08:00"}, {"note": "added"}],
                         ids=["as-recorded", "who", "id", "revision", "when", "extra-key"])
def test_verify_compares_the_markers_own_content_with_the_record(edit):
    submitted, marker = _recorded()
    assert marker_matches({**marker, **edit}, submitted) is (not edit)
