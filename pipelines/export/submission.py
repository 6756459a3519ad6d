"""Frozen submissions: which folder an export may write, `submit`, and detecting hand edits (`verify`).

A submission's state lives in two places, so that neither alone can be lost or edited unnoticed:

- on disk, the folder's `.submitted` marker (JSON: submission id, who and when, the sha256 of every
  file and of manifest.json); `submit` also makes the files read-only;
- in the warehouse, schema `submissions` (pipelines/export/store.py), with the same checksums.

A folder is frozen when either says it was submitted. An export never writes into a frozen folder:
the first export of a school, year and term goes to `<學年度>_<學期>/`; once that is submitted, the
next goes to `<學年度>_<學期>_r1/` (then `_r2`, …) beside it, and its manifest names the folder it
replaces. An unsubmitted folder is a draft: the next export rewrites it. Revisions are numbered over
both the disk and the warehouse, so exporting to another --out cannot reuse a submitted number.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
import os
import stat
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.export.layout import (
    MANIFEST, SUBMITTED_MARKER, WHOLE_YEAR, folder_name, parse_folder_name, roster_units, school_folder, workbooks_for,
)
from pipelines.export.workbook import WorkbookMismatch, read_rows, sha256_of
from pipelines.identity import mask_national_id, mask_national_ids_in_text, national_id_digest
from pipelines.roc import TAIPEI

log = logging.getLogger(__name__)


class SubmissionError(Exception):
    """The request cannot be carried out (nothing to submit, already submitted, files changed)."""


def now_taipei(at: dt.datetime | None = None) -> dt.datetime:
    """Now in Asia/Taipei, or `at` (a simulated clock: the demo and tests replay the after-submission steps on
    the data's reference day); a naive `at` is Taipei wall-clock time."""
    if at is None:
        return dt.datetime.now(TAIPEI).replace(microsecond=0)
    return at.replace(tzinfo=TAIPEI) if at.tzinfo is None else at.astimezone(TAIPEI)


def audit(settings, action: str, **event) -> None:
    """Record an export, submit or reconcile in the audit log (pipelines.ops.audit); a log that cannot
    be written is reported, and does not undo the work."""
    try:
        from pipelines.ops.audit import record_audit

        record_audit(settings, action, **event)
    except Exception as error:  # noqa: BLE001  (the log is a record, not a precondition)
        log.warning("未能寫入稽核紀錄（%s）", error)


@dataclass(frozen=True)
class Submitted:
    """One submitted folder as recorded (warehouse row or marker)."""

    school: str
    year: int
    term: int
    revision: int
    folder_path: Path
    submission_id: str
    submitted_at: str
    submitted_by: str | None
    files: dict[str, str]  # file name → sha256 (workbooks)
    manifest_sha256: str | None
    source: str  # "warehouse" or "marker"

    @property
    def folder(self) -> str:
        return folder_name(self.year, self.term, self.revision)


@dataclass(frozen=True)
class Target:
    """Where the next export of a school, year and term goes."""

    folder: Path
    revision: int
    replaces: str | None  # folder name of the latest submission
    latest_submitted: Submitted | None


# ---------------------------------------------------------------- state on disk and in the warehouse

def export_folders(out: Path, school: str, year: int, term: int) -> dict[int, Path]:
    """Existing export folders of a school, year and term under --out, by revision."""
    root = school_folder(out, school)
    found: dict[int, Path] = {}
    if root.is_dir():
        for path in root.iterdir():
            parsed = parse_folder_name(path.name) if path.is_dir() else None
            if parsed and parsed[:2] == (year, term):
                found[parsed[2]] = path
    return found


def read_marker(folder: Path) -> dict[str, Any] | None:
    path = folder / SUBMITTED_MARKER
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"damaged": True}


def _from_marker(folder: Path, marker: dict[str, Any]) -> Submitted:
    year, term, revision = parse_folder_name(folder.name) or (0, 0, 0)
    return Submitted(
        school=folder.parent.name, year=year, term=term, revision=revision, folder_path=folder.absolute(),
        submission_id=str(marker.get("submission_id") or ""), submitted_at=str(marker.get("submitted_at") or ""),
        submitted_by=marker.get("submitted_by"), files=dict(marker.get("files") or {}),
        manifest_sha256=marker.get("manifest_sha256"), source="marker",
    )


def recorded_submissions(warehouse: Path, school: str | None = None, year: int | None = None,
                         term: int | None = None, *, con=None) -> list[Submitted]:
    """Submissions the warehouse records (none when the warehouse or its schema does not exist yet); on `con`
    when given (an open connection to `warehouse`), else on a short read-only one."""
    from pipelines.export.store import SCHEMA, has_submissions, records
    from pipelines.warehouse import connect

    if con is None:
        if not warehouse.is_file():
            return []
        with connect(warehouse, read_only=True) as own:
            return recorded_submissions(warehouse, school, year, term, con=own)
    where, parameters = ["true"], []
    for column, value in (("school_code", school), ("academic_year", year), ("term", term)):
        if value is not None:
            where.append(f"{column} = ?")
            parameters.append(value)
    if not has_submissions(con):
        return []
    rows = records(con, f"select * from {SCHEMA}.submissions where {' and '.join(where)} "
                        "order by school_code, academic_year, term, revision", parameters)
    files = records(con, f"select submission_id, file_name, sha256 from {SCHEMA}.files")
    by_submission: dict[str, dict[str, str]] = {}
    for row in files:
        by_submission.setdefault(row["submission_id"], {})[row["file_name"]] = row["sha256"]
    return [Submitted(
        school=row["school_code"], year=row["academic_year"], term=row["term"], revision=row["revision"],
        folder_path=Path(row["folder_path"]), submission_id=row["submission_id"],
        submitted_at=row["submitted_at"].isoformat() if row["submitted_at"] else "", submitted_by=row["submitted_by"],
        files=by_submission.get(row["submission_id"], {}), manifest_sha256=row["manifest_sha256"], source="warehouse",
    ) for row in rows]


def is_frozen(folder: Path, recorded: list[Submitted]) -> bool:
    return (folder / SUBMITTED_MARKER).exists() or any(
        submitted.folder_path == folder.absolute() for submitted in recorded)


def plan_target(out: Path, warehouse: Path, school: str, year: int, term: int, *, con=None) -> Target:
    """The folder the next export writes: the base, a draft to rewrite, or the next re-submission (the
    warehouse read on `con` when given)."""
    recorded = recorded_submissions(warehouse, school, year, term, con=con)
    submitted: dict[int, Submitted] = {}
    for record in recorded:
        submitted.setdefault(record.revision, record)
    for revision, folder in export_folders(out, school, year, term).items():
        marker = read_marker(folder)
        if marker is not None and revision not in submitted:
            submitted[revision] = _from_marker(folder, marker)
    if not submitted:
        return Target(school_folder(out, school) / folder_name(year, term), 0, None, None)
    latest = submitted[max(submitted)]
    revision = latest.revision + 1
    return Target(school_folder(out, school) / folder_name(year, term, revision), revision, latest.folder, latest)


# ---------------------------------------------------------------- submit

@dataclass(frozen=True)
class SubmitResult:
    submission: Submitted | None  # None: a unit submitted its 名冊, others' are still to come (`waiting`)
    rows: int
    items_without_student: int
    unit: str | None = None
    rosters: tuple[str, ...] = ()  # the 名冊 the unit submitted now
    waiting: dict[str, tuple[str, ...]] = field(default_factory=dict)  # unit → its 名冊 not yet submitted
    submission_units: str | None = None  # the units recorded on the frozen submission (None: whole folder at once)


def _unit_rosters(folder: Path, year: int, term: int, hashes: dict[str, str], unit: str,
                  asked: tuple[str, ...]) -> dict[str, str]:
    """名冊 → file name of what `unit` submits now: the 名冊 asked for (each must be the unit's), else every
    one of the unit's 名冊 in the folder. Raises SubmissionError for a 名冊 of another unit."""
    owners = roster_units()
    if unit not in set(owners.values()):
        raise SubmissionError(f"未知的處室 {unit!r}；提交名冊的處室：{'、'.join(sorted(set(owners.values())))}")
    in_folder = {workbook.name: workbook.file_name(year, term) for workbook in workbooks_for(term)
                 if workbook.file_name(year, term) in hashes}
    unknown = [roster for roster in asked if roster not in in_folder]
    if unknown:
        raise SubmissionError(f"{folder}：沒有 {'、'.join(unknown)}（此資料夾的名冊：{'、'.join(in_folder)}）")
    others = [roster for roster in asked if owners.get(roster) != unit]
    if others:
        raise SubmissionError("；".join(f"{roster} 由{owners.get(roster) or '未指定的處室'}提交，{unit}不能提交"
                                       for roster in others))
    chosen = asked or tuple(roster for roster in in_folder if owners.get(roster) == unit)
    if not chosen:
        raise SubmissionError(f"{folder}：沒有{unit}負責的名冊")
    return {roster: in_folder[roster] for roster in chosen}


def _record_unit_submission(warehouse: Path, school: str, year: int, term: int, revision: int, folder: Path,
                            unit: str, files: dict[str, str], hashes: dict[str, str], who: str,
                            at: dt.datetime) -> dict[str, tuple[str, ...]]:
    """Record the unit's 名冊; return what other units still owe (unit → 名冊), judged on the files as they
    are now: a 名冊 submitted before its file was exported again counts as not submitted."""
    from pipelines.export.store import append, create_submissions_schema, records
    from pipelines.warehouse import connect

    owners = roster_units()
    with connect(warehouse) as con:
        create_submissions_schema(con)
        append(con, "unit_submissions", [{
            "school_code": school, "academic_year": year, "term": term, "revision": revision, "folder": folder.name,
            "unit": unit, "roster_name": roster, "file_name": file_name, "sha256": hashes[file_name],
            "submitted_at": at.replace(tzinfo=None), "submitted_by": who,
        } for roster, file_name in files.items()])
        done = records(con, """
            select file_name, sha256 from submissions.unit_submissions
            where school_code = ? and academic_year = ? and term = ? and revision = ?
        """, [school, year, term, revision])
    current = {(row["file_name"], row["sha256"]) for row in done}
    waiting: dict[str, list[str]] = {}
    for workbook in workbooks_for(term):
        file_name = workbook.file_name(year, term)
        if file_name in hashes and (file_name, hashes[file_name]) not in current:
            waiting.setdefault(owners.get(workbook.name) or "未指定的處室", []).append(workbook.name)
    return {owner: tuple(rosters) for owner, rosters in waiting.items()}


def unit_submitters(warehouse: Path, school: str, year: int, term: int, revision: int) -> tuple[str, str]:
    """(units, people) that submitted the folder's 名冊 unit by unit, each joined with 、."""
    from pipelines.export.store import records
    from pipelines.warehouse import connect

    with connect(warehouse, read_only=True) as con:
        rows = records(con, """
            select unit, submitted_by from submissions.unit_submissions
            where school_code = ? and academic_year = ? and term = ? and revision = ? order by submitted_at
        """, [school, year, term, revision])
    units = list(dict.fromkeys(row["unit"] for row in rows))
    people = list(dict.fromkeys(row["submitted_by"] for row in rows if row["submitted_by"]))
    return "、".join(units), "、".join(people)


def student_index(warehouse: Path, school: str, year: int, term: int) -> dict[str, dict[str, Any]]:
    """身分證號 digest → the student (學號, class, seat, name, masked ID) in that term or the year's last term."""
    from pipelines.warehouse import connect

    term_filter = "" if term == WHOLE_YEAR else " and term = ?"
    parameters: list[Any] = [school, year] + ([] if term == WHOLE_YEAR else [term])
    with connect(warehouse, read_only=True) as con:
        rows = con.execute(f"""
            select national_id, student_number, class_code, seat_number, student_name, national_id_masked
            from marts.fct_student_terms
            where school_code = ? and academic_year = ?{term_filter} and national_id is not null
            qualify row_number() over (partition by national_id order by term desc, is_enrolled desc, student_number) = 1
        """, parameters).fetchall()
    return {national_id_digest(national_id): {
        "student_number": student_number, "class_code": class_code,
        "seat_number": None if seat_number is None else int(seat_number), "student_name": name, "national_id_masked": masked,
    } for national_id, student_number, class_code, seat_number, name, masked in rows}


def _default_actor() -> str:
    try:
        from pipelines.ops.audit import default_actor

        return default_actor()
    except ImportError:
        return os.environ.get("PORTFOLIO_ACTOR") or getpass.getuser()


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SubmissionError(f"{folder}：沒有 {MANIFEST}，不是完整的匯出資料夾") from None
    except ValueError as error:
        raise SubmissionError(f"{path}：無法解析（{error}）") from None


def _check_against_manifest(folder: Path, manifest: dict[str, Any]) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for entry in manifest.get("files", []):
        path = folder / entry["name"]
        if not path.is_file():
            raise SubmissionError(f"{path}：清單列出的檔案不存在，請重新匯出")
        found = sha256_of(path)
        if found != entry.get("sha256"):
            raise SubmissionError(f"{path}：內容與 manifest.json 的 sha256 不符（匯出後被修改過），請重新匯出後再提交")
        hashes[entry["name"]] = found
    return hashes


def submitted_items(folder: Path, manifest: dict[str, Any], students: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per data row of the folder's workbooks, with its 項目鍵 and student (no whole ID)."""
    items = []
    year, term = manifest["academic_year"], manifest["term"]
    for workbook in workbooks_for(term):
        path = folder / workbook.file_name(year, term)
        try:
            rows = list(read_rows(path, workbook))
        except WorkbookMismatch as error:
            raise SubmissionError(str(error)) from None
        for row in rows:
            sheet = workbook.sheet(row.sheet)
            national_id = row.national_id
            key = sheet.item_key(row.values)
            student = students.get(national_id_digest(national_id), {})
            items.append({
                "workbook": workbook.name, "sheet": row.sheet, "sheet_row": row.row,
                "national_id_digest": national_id_digest(national_id), "national_id_masked": mask_national_id(national_id),
                "item_key_digest": national_id_digest(key), "item_key_shown": shown_key(sheet.key_headers, key),
                # what the row says, so a re-submission shows whether a disputed item was corrected
                "row_digest": national_id_digest(json.dumps(row.values, ensure_ascii=False, sort_keys=True, default=str)),
                "student_number": student.get("student_number"), "class_code": student.get("class_code"),
                "seat_number": student.get("seat_number"),
            })
    return items


def shown_key(key_headers: tuple[str, ...], key: str | None) -> str | None:
    """A 項目鍵 safe to show: the 身分證號 (學生資料's key) masked, and any ID typed into another key."""
    if key is None:
        return None
    return mask_national_id(key) if key_headers == ("身分證號",) else mask_national_ids_in_text(key)


def _set_read_only(paths: list[Path], read_only: bool) -> None:
    for path in paths:
        if path.exists():
            mode = path.stat().st_mode
            path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) if read_only else mode | stat.S_IWUSR)


def submit(settings, out: Path, school: str, year: int, term: int, *, by: str | None = None,
           at: dt.datetime | None = None, unit: str | None = None, rosters: tuple[str, ...] = ()) -> SubmitResult:
    """Mark the newest export folder of a school, year and term as submitted (frozen), at `at` (default now).

    With `unit` (a 處室 of seeds/xwalk_roster_owner_units.csv), the unit submits its own 名冊 of the folder
    (`rosters`, or all of them) and a 名冊 of another unit is refused; the folder is frozen by the
    submission that leaves no 名冊 of it unsubmitted. Without, the whole folder is submitted at once."""
    from pipelines.export.store import create_submissions_schema, append
    from pipelines.warehouse import connect

    warehouse = settings.warehouse
    folders = export_folders(out, school, year, term)
    if not folders:
        raise SubmissionError(f"{school_folder(out, school) / folder_name(year, term)}：沒有匯出資料夾，"
                              "請先執行 portfolio export")
    revision = max(folders)
    folder = folders[revision]
    recorded = recorded_submissions(warehouse, school, year, term)
    if is_frozen(folder, recorded):
        raise SubmissionError(f"{folder}：已經提交過了，不會再變更；更正請重新匯出（會產生下一個重新提交資料夾）")
    clash = [record for record in recorded if record.revision >= revision]
    if clash:
        raise SubmissionError(f"{folder}：倉儲已記錄第 {clash[-1].revision} 版提交（{clash[-1].folder_path}），"
                              "此資料夾版本較舊；請重新匯出")
    manifest = read_manifest(folder)
    if (manifest.get("school"), manifest.get("academic_year"), manifest.get("term"), manifest.get("revision", 0)) != \
            (school, year, term, revision):
        raise SubmissionError(f"{folder / MANIFEST}：學校、學年度、學期或版本與資料夾不符")
    hashes = _check_against_manifest(folder, manifest)
    submitted_at = now_taipei(at)
    who = by or _default_actor()
    units = None
    if unit is not None:
        # the files stay writable until the folder is frozen: an export may still rewrite the draft, and a
        # 名冊 whose file changed after its unit submitted it then counts as not submitted
        files = _unit_rosters(folder, year, term, hashes, unit, tuple(rosters))
        rosters = tuple(files)
        waiting = _record_unit_submission(warehouse, school, year, term, revision, folder, unit, files, hashes, who,
                                          submitted_at)
        audit(settings, "submit_unit", school=school, year=year, term=term, actor=who, details={
            "unit": unit, "folder": str(folder.absolute()), "rosters": list(files), "waiting": waiting})
        if waiting:
            return SubmitResult(None, 0, 0, unit=unit, rosters=tuple(files), waiting=waiting)
        units, who = unit_submitters(warehouse, school, year, term, revision)
    elif rosters:
        raise SubmissionError("指定名冊提交時必須指定處室（--unit）")
    items = submitted_items(folder, manifest, student_index(warehouse, school, year, term))

    submission_id = uuid.uuid4().hex[:12]
    manifest_sha256 = sha256_of(folder / MANIFEST)
    marker = {
        "submission_id": submission_id, "school": school, "academic_year": year, "term": term, "revision": revision,
        "replaces": manifest.get("replaces"), "submitted_at": submitted_at.isoformat(), "submitted_by": who,
        "files": hashes, "manifest_sha256": manifest_sha256,
    }
    marker_path = folder / SUBMITTED_MARKER
    temporary = folder / (SUBMITTED_MARKER + ".tmp")
    temporary.write_text(json.dumps(marker, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    temporary.replace(marker_path)
    frozen_files = [folder / name for name in hashes] + [folder / MANIFEST, marker_path]
    _set_read_only(frozen_files, True)

    key = {"submission_id": submission_id, "school_code": school, "academic_year": year, "term": term, "revision": revision}
    rows_by_file = {entry["name"]: sum(entry.get("sheets", {}).values()) for entry in manifest.get("files", [])}
    try:
        with connect(warehouse) as con:
            create_submissions_schema(con)
            con.execute("begin transaction")
            append(con, "submissions", [{
                **key, "folder": folder.name, "folder_path": str(folder.absolute()), "replaces": manifest.get("replaces"),
                "submitted_at": submitted_at.replace(tzinfo=None), "submitted_by": who, "manifest_sha256": manifest_sha256,
                "generated_at": manifest.get("generated_at"), "is_partial": bool(manifest.get("partial")),
                "gate_passed": bool(manifest.get("gate", {}).get("passed")),
                "excluded_entries": len(manifest.get("excluded", [])), "rows_submitted": len(items),
                "submitting_units": units,
            }])
            append(con, "files", [{
                **key, "file_name": entry["name"], "sha256": entry["sha256"], "bytes": (folder / entry["name"]).stat().st_size,
                "sheets": json.dumps(entry.get("sheets", {}), ensure_ascii=False), "rows_submitted": rows_by_file[entry["name"]],
            } for entry in manifest.get("files", [])])
            append(con, "items", [{**key, **item} for item in items])
            con.execute("commit")
    except Exception:
        _set_read_only(frozen_files, False)
        marker_path.unlink(missing_ok=True)
        raise
    submission = Submitted(school=school, year=year, term=term, revision=revision, folder_path=folder.absolute(),
                           submission_id=submission_id, submitted_at=submitted_at.isoformat(), submitted_by=who,
                           files=hashes, manifest_sha256=manifest_sha256, source="warehouse")
    audit(settings, "submit", school=school, year=year, term=term, actor=who, details={
        "submission_id": submission_id, "folder": str(folder.absolute()), "revision": revision,
        "replaces": manifest.get("replaces"), "files": hashes, "rows": len(items),
    })
    return SubmitResult(submission, len(items), sum(item["student_number"] is None for item in items), unit=unit,
                        rosters=tuple(rosters), submission_units=units)


# ---------------------------------------------------------------- verify

@dataclass(frozen=True)
class Finding:
    status: str  # changed, missing, extra, marker_missing, marker_differs, folder_missing, unrecorded
    file_name: str | None
    expected_sha256: str | None = None
    found_sha256: str | None = None

    @property
    def message(self) -> str:
        return {
            "changed": f"{self.file_name} 內容已被修改（sha256 與提交時不符）",
            "missing": f"{self.file_name} 已不存在",
            "extra": f"{self.file_name} 是提交後才出現的檔案",
            "marker_missing": f"{SUBMITTED_MARKER} 標記檔已被刪除",
            "marker_differs": f"{SUBMITTED_MARKER} 標記檔與倉儲紀錄不符",
            "folder_missing": "提交資料夾已不存在",
            "unrecorded": "資料夾標記為已提交，但倉儲沒有這筆提交紀錄（以標記檔核對）",
        }[self.status]


@dataclass
class Verification:
    submission: Submitted
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not [finding for finding in self.findings if finding.status != "unrecorded"]


def verify_folder(submission: Submitted) -> Verification:
    """Recompute every checksum of a frozen folder and compare with what was recorded at submission."""
    result = Verification(submission)
    folder = submission.folder_path
    if not folder.is_dir():
        result.findings.append(Finding("folder_missing", None))
        return result
    expected = dict(submission.files)
    if submission.manifest_sha256:
        expected[MANIFEST] = submission.manifest_sha256
    for name, sha256 in sorted(expected.items()):
        path = folder / name
        if not path.is_file():
            result.findings.append(Finding("missing", name, sha256))
            continue
        found = sha256_of(path)
        if found != sha256:
            result.findings.append(Finding("changed", name, sha256, found))
    marker = read_marker(folder)
    if marker is None:
        result.findings.append(Finding("marker_missing", SUBMITTED_MARKER))
    elif submission.source == "warehouse" and not marker_matches(marker, submission):
        result.findings.append(Finding("marker_differs", SUBMITTED_MARKER))
    elif submission.source == "marker":
        result.findings.append(Finding("unrecorded", None))
    for path in sorted(folder.iterdir()):
        if path.name not in expected and path.name != SUBMITTED_MARKER:
            result.findings.append(Finding("extra", path.name))
    return result


MARKER_KEYS = frozenset({"submission_id", "school", "academic_year", "term", "revision", "replaces", "submitted_at",
                         "submitted_by", "files", "manifest_sha256"})


def marker_matches(marker: dict[str, Any], submission: Submitted) -> bool:
    """The marker says, field by field, what the warehouse recorded at submission (and nothing else)."""
    if set(marker) != MARKER_KEYS:
        return False
    try:
        submitted_at = dt.datetime.fromisoformat(str(marker["submitted_at"])).replace(tzinfo=None)
    except ValueError:
        return False
    recorded_at = dt.datetime.fromisoformat(submission.submitted_at) if submission.submitted_at else None
    return (marker["submission_id"], marker["school"], marker["academic_year"], marker["term"], marker["revision"],
            marker["submitted_by"], submitted_at, marker["files"], marker["manifest_sha256"]) == (
        submission.submission_id, submission.school, submission.year, submission.term, submission.revision,
        submission.submitted_by, recorded_at, submission.files, submission.manifest_sha256)


def verify(warehouse: Path, out: Path | None = None, *, school: str | None = None, year: int | None = None,
           term: int | None = None) -> list[Verification]:
    """Check every frozen folder: those the warehouse records, and those under --out with a marker."""
    recorded = recorded_submissions(warehouse, school, year, term)
    submissions = list(recorded)
    known = {record.folder_path for record in recorded}
    if out is not None and out.is_dir():
        for school_dir in sorted(path for path in out.iterdir() if path.is_dir()):
            if school is not None and school_dir.name != school:
                continue
            for folder in sorted(school_dir.iterdir()):
                parsed = parse_folder_name(folder.name) if folder.is_dir() else None
                if not parsed or (year is not None and parsed[0] != year) or (term is not None and parsed[1] != term):
                    continue
                marker = read_marker(folder)
                if marker is not None and folder.absolute() not in known:
                    submissions.append(_from_marker(folder, marker))
    return [verify_folder(submission) for submission in submissions]


def store_verifications(warehouse: Path, verifications: list[Verification]) -> None:
    from pipelines.export.store import append, create_submissions_schema
    from pipelines.warehouse import connect

    checked_at = now_taipei().replace(tzinfo=None)
    rows = []
    for verification in verifications:
        submission = verification.submission
        base = {"checked_at": checked_at, "submission_id": submission.submission_id, "school_code": submission.school,
                "academic_year": submission.year, "term": submission.term, "revision": submission.revision,
                "folder_path": str(submission.folder_path)}
        if not verification.findings:
            rows.append({**base, "status": "ok"})
        rows.extend({**base, "file_name": finding.file_name, "status": finding.status,
                     "expected_sha256": finding.expected_sha256, "found_sha256": finding.found_sha256}
                    for finding in verification.findings)
    with connect(warehouse) as con:
        create_submissions_schema(con)
        append(con, "verifications", rows)

