"""The exchange package: a zip holding manifest.json and one JSON file per section.

    manifest.json        format, version, sending school, student key (身分證號 + 出生日期), created_at
                         (Asia/Taipei), and for every section file its sha256 and record count
    student.json         basic data: the sending school's registry rows of the student, every term
    course_outcomes.json outcomes with certification state and the submitted folders each was in
    certification_events.json  every outcome's certification history (送審, 認證通過, ...)
    diverse_performances.json
    cadres.json
    files.json           every file name the records mention, with size and sha256 where known

The platform's files themselves are not in the warehouse (deliveries list names and sizes only), so a
package lists them and carries none; files.json's sha256 is null until a platform delivers digests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.identity import is_valid_national_id, mask_national_id
from pipelines.roc import TAIPEI

FORMAT = "portfolio-exchange"
VERSION = 1
MANIFEST = "manifest.json"
# One definition of each section's fields and their warehouse types: the export reads these columns, the
# import creates raw.exchange_<section> with them (JSON: a nested list, kept as JSON text). No section has
# a student_number: the sending school's 學號 is in the manifest, the rows carry the receiving school's.
SECTION_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "student": (("academic_year", "INTEGER"), ("term", "INTEGER"),
                ("student_name", "VARCHAR"), ("gender_code", "INTEGER"),
                ("birth_date", "DATE"), ("grade", "INTEGER"), ("class_code", "VARCHAR"), ("class_name", "VARCHAR"),
                ("seat_number", "INTEGER"), ("enrolment_status", "VARCHAR"), ("status_changed_date", "DATE")),
    "course_outcomes": (("outcome_id", "VARCHAR"), ("academic_year", "INTEGER"), ("term", "INTEGER"),
                        ("course_code", "VARCHAR"), ("record_kind", "VARCHAR"), ("subject_name", "VARCHAR"),
                        ("credits", "DOUBLE"), ("title", "VARCHAR"), ("summary", "VARCHAR"),
                        ("document_file_name", "VARCHAR"), ("document_bytes", "BIGINT"),
                        ("video_file_name", "VARCHAR"), ("video_bytes", "BIGINT"), ("uploaded_at", "TIMESTAMP"),
                        ("certification_state", "VARCHAR"), ("requested_teacher_code", "VARCHAR"),
                        ("certifying_teacher_code", "VARCHAR"), ("submitted_in", "JSON")),
    "certification_events": (("outcome_id", "VARCHAR"), ("event_sequence", "INTEGER"), ("action", "VARCHAR"),
                             ("teacher_code", "VARCHAR"), ("event_at", "TIMESTAMP"), ("reason", "VARCHAR")),
    "diverse_performances": (("performance_id", "VARCHAR"), ("academic_year", "INTEGER"), ("category", "VARCHAR"),
                             ("title", "VARCHAR"), ("organiser", "VARCHAR"), ("start_date", "DATE"),
                             ("end_date", "DATE"), ("hours", "DOUBLE"), ("level_or_award", "VARCHAR"),
                             ("summary", "VARCHAR"), ("document_file_name", "VARCHAR"), ("document_bytes", "BIGINT"),
                             ("video_file_name", "VARCHAR"), ("video_bytes", "BIGINT"), ("external_url", "VARCHAR"),
                             ("entry_source", "VARCHAR"), ("uploaded_at", "TIMESTAMP"), ("submitted_in", "JSON")),
    "cadres": (("academic_year", "INTEGER"), ("term", "INTEGER"), ("unit_name", "VARCHAR"), ("position", "VARCHAR"),
               ("cadre_level", "INTEGER"), ("start_date", "DATE"), ("end_date", "DATE")),
    "files": (("section", "VARCHAR"), ("record_id", "VARCHAR"), ("file_name", "VARCHAR"), ("bytes", "BIGINT"),
              ("sha256", "VARCHAR")),
}
SECTIONS = tuple(SECTION_COLUMNS)
MAX_MEMBER_BYTES = 50 * 1024 * 1024  # a zip bomb stops here; a real student's history is far smaller


class PackageError(ValueError):
    """The package cannot be used; the message is Traditional Chinese and shows no whole ID."""


@dataclass(frozen=True)
class Package:
    sending_school: str
    student_number: str
    national_id: str
    birth_date: str  # ISO yyyy-mm-dd
    sections: dict[str, list[dict]]
    created_at: str = field(default_factory=lambda: dt.datetime.now(TAIPEI).isoformat(timespec="seconds"))

    @property
    def package_id(self) -> str:
        """Stable for one student's package from one school: re-importing it replaces, never duplicates."""
        key = f"{self.sending_school}|{self.national_id}|{self.birth_date}"
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]

    @property
    def masked_id(self) -> str:
        return mask_national_id(self.national_id)


def _dump(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str).encode("utf-8")


def write_package(package: Package, path: Path) -> Path:
    members = {f"{name}.json": _dump(package.sections.get(name, [])) for name in SECTIONS}
    manifest = {
        "format": FORMAT, "version": VERSION, "package_id": package.package_id,
        "sending_school": package.sending_school, "student_number": package.student_number,
        "student_key": {"national_id": package.national_id, "birth_date": package.birth_date},
        "created_at": package.created_at,
        "sections": {name: {"file": f"{name}.json", "records": len(package.sections.get(name, [])),
                            "sha256": hashlib.sha256(members[f"{name}.json"]).hexdigest()} for name in SECTIONS},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, _dump(manifest))
        for name, data in members.items():
            archive.writestr(name, data)
    partial.replace(path)  # a reader never sees half a package
    return path


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise PackageError(f"交換包缺少 {name}") from None
    if info.file_size > MAX_MEMBER_BYTES:
        raise PackageError(f"交換包的 {name} 過大（{info.file_size:,} 位元組）")
    return archive.read(name)


def _json(data: bytes, name: str):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PackageError(f"交換包的 {name} 不是 UTF-8 JSON") from None


def read_package(path: Path) -> Package:
    """The package at `path`, or PackageError: not a zip, wrong format or version, a section changed."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise PackageError(f"無法讀取交換包 {path.name}：不是 zip 檔") from None
    with archive:
        manifest = _json(_member(archive, MANIFEST), MANIFEST)
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise PackageError("交換包格式不符：manifest.json 不是學習歷程交換包")
        if manifest.get("version") != VERSION:
            raise PackageError(f"交換包版本 {manifest.get('version')!r} 不支援（支援 {VERSION}）")
        key = manifest.get("student_key") or {}
        national_id, birth_date = str(key.get("national_id") or ""), str(key.get("birth_date") or "")
        if not is_valid_national_id(national_id) or not _is_iso_date(birth_date):
            raise PackageError("交換包的學生鍵（身分證號、出生日期）缺漏或格式錯誤")
        sections = {}
        for name in SECTIONS:
            entry = (manifest.get("sections") or {}).get(name) or {}
            data = _member(archive, f"{name}.json")
            if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
                raise PackageError(f"交換包的 {name}.json 檢查碼不符：檔案在傳送後被更改或損壞")
            records = _json(data, f"{name}.json")
            if not isinstance(records, list) or len(records) != entry.get("records"):
                raise PackageError(f"交換包的 {name}.json 筆數與 manifest 不符")
            sections[name] = records
    return Package(sending_school=str(manifest.get("sending_school") or ""),
                   student_number=str(manifest.get("student_number") or ""), national_id=national_id,
                   birth_date=birth_date, sections=sections, created_at=str(manifest.get("created_at") or ""))


def _is_iso_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True

