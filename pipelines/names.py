"""What people act on, named as they know it: the one definition the dashboards and the reports share.

An item is named by its course and title with the start of its summary (a 多元表現 by its category and
title, a course record by its subject), a teacher or a student by name, a school by its name in the school directory
(seeds/xwalk_school_directory.csv). The code stays beside the name, after it, for matching; it stands
alone only when no name is known (a teacher missing from the roster, a school missing from the directory).

`NameBook` looks the names up in a built warehouse for one school (gate.html and gate.xlsx, the reminder
lists); the dashboards read the same names from the published copy and label them with the same functions.
The published copy keeps no course records and only the start of each summary: there a course code is named
by the course outcomes that carry it (a course without any outcome keeps its code alone).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

SUMMARY_EXCERPT_CHARS = 30  # enough of a summary to recognise the item (the published copy keeps no more)

# How the names are read: a query (with ? parameters) and its rows. A DuckDB connection gives it
# (`connection_rows`); the dashboards give theirs, over their cached, scoped queries of the published copy.
Rows = Callable[[str, Sequence[object]], list[tuple]]


def connection_rows(con) -> Rows:
    """The Rows of a DuckDB connection."""
    return lambda sql, params: con.execute(sql, list(params)).fetchall()


def _has_table(rows: Rows, table: str, column: str | None = None) -> bool:
    """Whether marts.`table` (with `column`, when given) exists."""
    found = rows("select count(*) from information_schema.columns where table_schema = 'marts' and table_name = ? "
                 "and (? is null or column_name = ?)", [table, column, column])
    return found[0][0] > 0


def _text(value) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        try:
            if value != value:  # NaN, pandas' NA
                return None
        except TypeError:  # pandas.NA refuses comparisons
            return None
    return str(value)


def summary_excerpt(summary) -> str | None:
    """The first SUMMARY_EXCERPT_CHARS characters of a summary."""
    summary = _text(summary)
    return summary[:SUMMARY_EXCERPT_CHARS] if summary else None


def item_label(subject, title, excerpt, key) -> str | None:
    """'數學 — 函數圖形報告：以描點法…' ; the item key (CO-0001622, 112-2) when the item is no course outcome."""
    subject, title, excerpt, key = _text(subject), _text(title), _text(excerpt), _text(key)
    if not (subject or title):
        return key
    label = " — ".join(part for part in (subject, title) if part)
    return f"{label}：{excerpt}…" if excerpt else label


def person_label(name, code) -> str | None:
    """The name, else the code (a teacher or student missing from the roster)."""
    return _text(name) or _text(code)


def named(name, code) -> str | None:
    """The name first and the code after it for matching: '王國文（T01）'; the code alone without a name."""
    name, code = _text(name), _text(code)
    if name and code:
        return f"{name}（{code}）"
    return name or code


_LABEL_SUFFIXES = ("_label", "_name")


@functools.cache
def code_list(seed: str) -> dict[str, str]:
    """code → label of a code list (seeds/<seed>.csv, the one definition the gate and the exports read): the
    codes are the column the gate's R24 registry (pipelines/gate/exported.py CODE_LISTS) names, the label
    the seed's `label` or first `*_label` / `*_name` column; a list of words (學籍狀態, 多元表現類別) is its
    own label."""
    from pipelines.contract import seed_rows
    from pipelines.gate.exported import CODE_LISTS

    code_column = next(code_list.seed_column for code_list in CODE_LISTS if code_list.seed == seed)
    rows = seed_rows(seed)
    columns = list(rows[0]) if rows else []
    label = next((column for column in columns if column == "label" or (column.endswith(_LABEL_SUFFIXES)
                                                                        and not column.endswith("sheet_name"))), code_column)
    labels: dict[str, str] = {}
    for row in rows:  # a code listed twice (是否採計學分's legacy 0 → 2) keeps its first label
        labels.setdefault(row[code_column], row[label])
    return labels


def is_code_list(seed) -> bool:
    """Whether `seed` names a code list of the gate's R24 registry (an R24 finding's limit is one)."""
    from pipelines.gate.exported import CODE_LISTS

    return isinstance(seed, str) and any(code_list.seed == seed for code_list in CODE_LISTS)


def code_label(seed: str, code) -> str | None:
    """'01 阿美族' for a code in its list, the code alone when the list is words (在學), '99（代碼表無此代碼）'."""
    code = _text(code)
    if code is None:
        return None
    labels = code_list(seed)
    if code not in labels:
        return f"{code}（代碼表無此代碼）"
    return code if labels[code] == code else f"{code} {labels[code]}"


def code_list_name(item_key) -> str:
    """The code list an R24 finding names, from its key '群別代碼：…' (the roster column's header): '群別代碼表'."""
    header = (_text(item_key) or "").partition("：")[0]
    return (header.removesuffix("代碼") or "代碼") + "代碼表"


def code_list_requirement(seed: str, item_key) -> str:
    """An R24 finding's limit in words: '須為群別代碼表的代碼（共 16 個，xwalk_clusters）'."""
    return f"須為{code_list_name(item_key)}的代碼（共 {len(code_list(seed))} 個，{seed}）"


@functools.cache
def school_directory() -> dict[str, dict[str, str]]:
    """School code → its row of the school directory seed (name, county, type, public or private)."""
    from pipelines.contract import seed_rows

    return {row["school_code"]: row for row in seed_rows("xwalk_school_directory")}


def school_name(code) -> str | None:
    row = school_directory().get(_text(code) or "")
    return row["school_name"] if row else None


def school_label(code) -> str | None:
    """'國立新北仁愛高級中學（010675）'; the code alone for a school missing from the directory."""
    return named(school_name(code), code)


@dataclass(frozen=True)
class Student:
    student_number: str
    name: str | None = None
    class_code: str | None = None
    seat_number: int | None = None


@dataclass
class NameBook:
    """One school's names as a built warehouse knows them."""

    school: str
    students: dict[str, Student] = field(default_factory=dict)
    teachers: dict[str, str] = field(default_factory=dict)  # code → name
    items: dict[str, str] = field(default_factory=dict)  # outcome or performance id → label

    @property
    def school_label(self) -> str | None:
        return school_label(self.school)

    def student_name(self, number) -> str | None:
        student = self.students.get(_text(number) or "")
        return student.name if student else None

    def teacher(self, code) -> str | None:
        """'王國文（T01）'."""
        return named(self.teachers.get(_text(code) or ""), code)

    def teacher_name(self, code) -> str | None:
        return self.teachers.get(_text(code) or "")

    def item(self, key) -> str | None:
        """The item's label; the key itself when it names no outcome or performance (a term, a course code)."""
        return self.items.get(_text(key) or "") or _text(key)

    def item_key(self, key) -> str | None:
        """A 名冊 row's 項目鍵 (as shown: IDs masked) named by the course or item one of its parts names,
        the key after it: '數學（1130010000A+報告.pdf+）'; the key alone when no part names anything (a
        幹部 key is words already)."""
        key = _text(key)
        name = next((self.items[part] for part in item_key_parts(key) if part in self.items), None)
        return named(name, key)


def item_key_parts(key) -> list[str]:
    """The parts of a 項目鍵 (its columns joined with pipelines/export/layout.py KEY_JOINER) that may name
    a course or an item."""
    from pipelines.export.layout import KEY_JOINER

    key = _text(key)
    return [part for part in key.split(KEY_JOINER) if part] if key else []


def read_key_names(rows: Rows, keys: dict[str, Iterable[str | None]]) -> dict[str, NameBook]:
    """Per school of `keys` (school → 項目鍵 as shown), the NameBook whose `item_key` names them: read_names
    asked for the keys' parts only."""
    return read_names(rows, {school: ((), {part for key in school_keys for part in item_key_parts(key)})
                             for school, school_keys in keys.items()})


def key_names(warehouse, school: str, keys: Iterable[str | None]) -> NameBook:
    """read_key_names for one school of a built warehouse file (opened read-only for the read)."""
    from pipelines.warehouse import connect

    with connect(warehouse, read_only=True) as con:
        return read_key_names(connection_rows(con), {school: keys})[school]


def read_names(rows: Rows, wanted: dict[str, tuple[Iterable[str], Iterable[str]]]) -> dict[str, NameBook]:
    """Per school of `wanted` (school → (student numbers, item keys)): those students (name, class and seat of
    their latest term), every teacher, and those items, from the marts of a built warehouse. Only what is
    asked for is read, so a national gate names its offending rows without loading the nation's students.
    A mart the warehouse lacks leaves the codes standing. `rows`: connection_rows(con), or the dashboards'."""
    books = {school: NameBook(school) for school in wanted}
    if not books:
        return books

    def pairs(position: int) -> tuple[list[str], list[str]]:
        found = sorted({(school, key) for school, asked in wanted.items() for key in asked[position]
                        if isinstance(key, str) and key})
        return [school for school, _ in found], [key for _, key in found]

    asked = "(select unnest(?::varchar[]) as school_code, unnest(?::varchar[]) as asked_key) as asked"
    students = pairs(0)
    if students[0] and _has_table(rows, "fct_student_terms"):
        for school, number, name, class_code, seat in rows(f"""
                select terms.school_code, terms.student_number, terms.student_name, terms.class_code, terms.seat_number
                from marts.fct_student_terms as terms
                inner join {asked} on asked.school_code = terms.school_code and asked.asked_key = terms.student_number
                qualify row_number() over (partition by terms.school_code, terms.student_number
                                           order by terms.academic_year desc, terms.term desc) = 1""",
                students):
            books[school].students[number] = Student(number, _text(name), _text(class_code), seat)
    if _has_table(rows, "dim_teachers"):
        for school, code, name in rows("""
                select school_code, teacher_code, teacher_name from marts.dim_teachers
                where school_code in (select unnest(?::varchar[])) and teacher_name is not null""",
                [sorted(books)]):
            books[school].teachers[code] = name
    items = pairs(1)
    for table, key, first in (("fct_course_outcomes", "outcome_id", "subject_name"),
                              ("fct_diverse_performances", "performance_id", "category")):
        if not items[0] or not _has_table(rows, table):
            continue
        summary_column = "summary" if _has_table(rows, table, "summary") else "summary_excerpt"
        for school, item_key, subject, title, summary in rows(f"""
                select items.school_code, items.{key}, any_value(items.{first}), any_value(items.title),
                       any_value(items.{summary_column})
                from marts.{table} as items
                inner join {asked} on asked.school_code = items.school_code and asked.asked_key = items.{key}
                group by all""", items):
            books[school].items.setdefault(item_key, item_label(subject, title, summary_excerpt(summary), item_key))
    # a course record's key is its course code; the published copy has no course records, its outcomes name courses
    courses = next((table for table in ("fct_course_records", "fct_course_outcomes") if _has_table(rows, table)), None)
    if items[0] and courses:
        for school, course_code, subject in rows(f"""
                select courses.school_code, courses.course_code, any_value(courses.subject_name)
                from marts.{courses} as courses
                inner join {asked} on asked.school_code = courses.school_code and asked.asked_key = courses.course_code
                group by all""", items):
            books[school].items.setdefault(course_code, item_label(subject, None, None, course_code))
    return books
