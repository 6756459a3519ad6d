"""`portfolio exchange export`: one student's history at the sending school, as an exchange package.

Read from the built marts (the states and histories the school's own gate and exports use) and the
submissions record. Course records (grades) are not carried: the receiving school registers credits it
recognises as 轉學轉科 course records in its own admin system, as the input contract already allows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from pipelines.exchange.package import SECTION_COLUMNS, Package
from pipelines.warehouse import table_exists

# (section, id column, file-name column, size column): every file a record names
FILE_COLUMNS = (("course_outcomes", "outcome_id", "document_file_name", "document_bytes"),
                ("course_outcomes", "outcome_id", "video_file_name", "video_bytes"),
                ("diverse_performances", "performance_id", "document_file_name", "document_bytes"),
                ("diverse_performances", "performance_id", "video_file_name", "video_bytes"))
OUTCOME_WORKBOOK = "學生課程學習成果名冊"
PERFORMANCE_WORKBOOK = "學生自填多元表現名冊"


class ExchangeError(ValueError):
    """The request cannot be done; the message is Traditional Chinese and shows no whole ID."""


def _rows(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...], where: str,
          parameters: list) -> list[dict]:
    cursor = con.execute(f"select {', '.join(columns)} from {table} where {where}", parameters)
    return [dict(zip(columns, (_plain(value) for value in row))) for row in cursor.fetchall()]


def _names(section: str) -> tuple[str, ...]:
    """The section's columns as read from the marts (the nested lists are added after)."""
    return tuple(name for name, kind in SECTION_COLUMNS[section] if kind != "JSON")


def _plain(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def _submitted_items(con: duckdb.DuckDBPyConnection, school: str, student_number: str) -> list[dict]:
    if not table_exists(con, "submissions", "items"):
        return []
    return _rows(con, "submissions.items", ("academic_year", "term", "revision", "workbook", "sheet", "item_key_shown"),
                 "school_code = ? and student_number = ?", [school, student_number])


def _submitted_in(items: list[dict], workbook: str, year, key_part: str | None) -> list[dict]:
    """The submitted folders whose rows for this student in `workbook` name the item (by its key's part)."""
    return [{"academic_year": item["academic_year"], "term": item["term"], "revision": item["revision"],
             "sheet": item["sheet"]}
            for item in items
            if item["workbook"].endswith(workbook) and item["academic_year"] == year
            and key_part and key_part in (item["item_key_shown"] or "")]


def _files(sections: dict[str, list[dict]]) -> list[dict]:
    return [{"section": section, "record_id": record[id_column], "file_name": record[name_column],
             "bytes": record[size_column], "sha256": None}
            for section, id_column, name_column, size_column in FILE_COLUMNS
            for record in sections[section] if record.get(name_column)]


def collect_package(con: duckdb.DuckDBPyConnection, school: str, student_number: str) -> Package:
    """The package of `student_number` at `school`, read from a built warehouse."""
    student_rows = _rows(con, "marts.fct_student_terms", (*_names("student"), "national_id"),
                         "school_code = ? and student_number = ? order by academic_year, term", [school, student_number])
    if not student_rows:
        raise ExchangeError(f"學校 {school} 沒有學號 {student_number} 的學籍資料")
    latest = student_rows[-1]
    if not latest["national_id"] or not latest["birth_date"]:
        raise ExchangeError(f"學號 {student_number} 缺少身分證號或出生日期，無法建立交換包（接收學校無法比對學生）")
    national_id, birth_date = latest["national_id"], latest["birth_date"]
    for row in student_rows:
        del row["national_id"]  # once, in the manifest's student key

    owner = "school_code = ? and student_number = ?"
    # the school's own items: one it imported itself (an earlier transfer) goes with the package that brought it
    own = f"{owner} and origin_school_code is null"
    outcomes = _rows(con, "marts.fct_course_outcomes", _names("course_outcomes"), f"{own} order by outcome_id",
                     [school, student_number])
    events = _rows(con, "marts.fct_certification_events", _names("certification_events"),
                   f"{owner} order by outcome_id, event_sequence", [school, student_number])
    performances = _rows(con, "marts.fct_diverse_performances", _names("diverse_performances"),
                         f"{own} order by performance_id", [school, student_number])
    cadres = _rows(con, "marts.fct_cadres", _names("cadres"), f"{owner} order by academic_year, term, start_date",
                   [school, student_number])
    submitted = _submitted_items(con, school, student_number)
    sections = {"student": student_rows, "course_outcomes": outcomes, "certification_events": events,
                "diverse_performances": performances, "cadres": cadres}
    for outcome in outcomes:
        outcome["submitted_in"] = _submitted_in(submitted, OUTCOME_WORKBOOK, outcome["academic_year"],
                                                outcome["course_code"])
    for performance in performances:
        performance["submitted_in"] = _submitted_in(submitted, PERFORMANCE_WORKBOOK, performance["academic_year"],
                                                    performance["title"])
    sections["files"] = _files(sections)
    return Package(sending_school=school, student_number=student_number, national_id=national_id,
                   birth_date=birth_date, sections=sections)


def package_path(out_dir: Path, package: Package) -> Path:
    """<school>/<school>_<學號>_歷程交換.zip: the file name carries no national ID; the school's folder is
    where purge looks for a leaver's files."""
    return out_dir / package.sending_school / f"{package.sending_school}_{package.student_number}_歷程交換.zip"
