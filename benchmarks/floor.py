"""The floor: the least work that produces the pipeline's completion numbers and rule-violation counts.

A hand-written script, independent of the pipeline's code paths (no ingestion library, no dbt, no Great
Expectations): it reads the same delivered files once and answers, in plain DuckDB SQL,

- completion per school × academic year × term, as ``marts.fct_school_completion`` defines it;
- violations per school × academic year × rule R01–R20, as the gate counts them (one per item).

What it shares with the pipeline is the *contract* only: the file layout, the column list with types,
codes and ranges (``pipelines.contract``) from which the row checks are generated, and the schools'
policy.yaml read with ``pipelines.policy.load_policy`` (the contract's reader of that file). Everything
else, dedupe, certification states, selections and every rule, is written out below.

DuckDB cannot read Big5 or XLSX here (no ``encodings``/``excel`` extension), so the floor does the least
Python it must: a CSV that is valid UTF-8 (with or without BOM) is read in place; a cp950 one is
transcoded to UTF-8 in a temporary folder; an XLSX sheet is read with calamine and written as CSV. That
work runs in two processes and is counted in the floor's time. Files the rules do not need (缺勤, 課程諮詢,
校內幹部, 自傳學習計畫, 班級) are not read at all: the floor is the least work, not the same work.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.contract import FILES_BY_KIND, Column, FileSpec
from pipelines.processes import spawned_pool

# The files the counts depend on (teachers: R18; the rest: completion and the rules).
FLOOR_KINDS = ("students", "teachers", "course_records", "course_outcomes", "certification_events",
               "diverse_performances", "selections")
SCHOOL_CODE = re.compile(r"^[0-9A-Z]{6}$")
RULE_IDS = tuple(f"R{number:02d}" for number in range(1, 21))
COMPLETION_METRICS = (
    "students_enrolled", "students_with_upload", "outcomes_uploaded", "outcomes_certified", "outcomes_pending",
    "outcomes_failed", "outcomes_cancelled", "outcomes_not_submitted", "outcomes_selected", "performances_entered",
    "performances_selected",
)

_TRIM = " \t\r\n\f\v\u3000\u00a0\ufeff"
_FULL_WIDTH = "".join(chr(code) for code in range(0xFF01, 0xFF5F)) + "\u3000"
_HALF_WIDTH = "".join(chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)) + " "
_INT = r"^[+-]?\d+(\.0+)?$"
_FLOAT = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
# ISO, ROC with slashes, ROC compact, ISO compact; then an optional time, 上午/下午 or AM/PM.
_TIMESTAMP = (
    r"^(?:(\d{4})[-/](\d{1,2})[-/](\d{1,2})|(\d{2,3})/(\d{1,2})/(\d{1,2})|(\d{2,3})(\d{2})(\d{2})|(\d{4})(\d{2})(\d{2}))"
    r"(?:[ T]+(上午|下午)?\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*([AaPp][Mm]))?)?$"
)
_TIMESTAMP_GROUPS = ["iy", "im", "id", "ry", "rm", "rd", "cy", "cm", "cd", "jy", "jm", "jd", "mer", "hh", "mi", "ss", "ap"]
# R10: Python's \S (what GX's regex sees) excludes Unicode white space too, RE2's only ASCII.
_HTTP_URL = r"^https?://[^\s\p{Z}\x{1c}-\x{1f}\x{85}]+$"
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class FloorResult:
    completion: dict[tuple[str, int, int], dict[str, int]]  # (school, year, term) → metric → value
    violations: dict[tuple[str, int, str], int]  # (school, year, rule) → violations
    rows_read: int  # data rows DuckDB read from the files (quarantined ones included)
    seconds: float
    stage_seconds: dict[str, float]


# --- files ---------------------------------------------------------------------------------------

def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _readable_copy(job: tuple[str, str, list[str], str]) -> tuple[str, str, str | None]:
    """(school, kind, path of a UTF-8 CSV or None when the pipeline would reject the file)."""
    school, kind, files, workdir = job
    if len(files) != 1:
        return school, kind, None  # a .csv and an .xlsx of one kind: refused whole
    path = Path(files[0])
    target = Path(workdir) / school / f"{kind}.csv"
    if path.suffix.lower() == ".xlsx":
        import polars as pl

        try:
            sheet = pl.read_excel(path, engine="calamine", sheet_id=1, has_header=False,
                                  read_options={"header_row": None, "dtypes": "string"})
        except Exception:
            return school, kind, None
        target.parent.mkdir(parents=True, exist_ok=True)
        sheet.write_csv(target, include_header=False)
        return school, kind, str(target)
    data = path.read_bytes()
    try:
        (data[len(_UTF8_BOM):] if data.startswith(_UTF8_BOM) else data).decode("utf-8")
        return school, kind, str(path)
    except UnicodeDecodeError:
        if data.startswith(_UTF8_BOM):
            return school, kind, None
    try:
        text = data.decode("cp950")
    except UnicodeDecodeError:
        return school, kind, None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="")
    return school, kind, str(target)


def readable_files(source: Path, workdir: Path, workers: int = 2) -> dict[str, list[tuple[str, str]]]:
    """kind → [(school, UTF-8 CSV path)] for every school folder under `source`, in school order."""
    jobs = []
    schools = sorted(path.name for path in source.iterdir() if path.is_dir() and SCHOOL_CODE.match(path.name))
    for school in schools:
        for kind in FLOOR_KINDS:
            spec = FILES_BY_KIND[kind]
            folder = source / school / spec.folder
            files = [str(path) for path in sorted(folder.glob(f"{spec.label}.*"))
                     if path.suffix.lower() in (".csv", ".xlsx")] if folder.is_dir() else []
            if files:
                jobs.append((school, kind, files, str(workdir)))
    found: dict[str, list[tuple[str, str]]] = {kind: [] for kind in FLOOR_KINDS}
    if workers > 1:
        with spawned_pool(workers) as pool:
            results = list(pool.map(_readable_copy, jobs, chunksize=16))
    else:
        results = [_readable_copy(job) for job in jobs]
    for school, kind, path in results:
        if path is not None:
            found[kind].append((school, path))
    return found


# --- contract checks, generated from the column list -----------------------------------------------

def _clean(raw: str, column: Column) -> str:
    """Trimmed (full-width spaces too), full-width ASCII folded outside free text, '', -1 and NULL as null."""
    text = raw
    if column.type != "text":
        text = (f"(case when regexp_matches({raw}, '[\\x{{FF01}}-\\x{{FF5E}}\\x{{3000}}]') "
                f"then translate({raw}, {_sql_string(_FULL_WIDTH)}, {_sql_string(_HALF_WIDTH)}) else {raw} end)")
    return f"nullif(nullif(nullif(trim({text}, {_sql_string(_TRIM)}), ''), '-1'), 'NULL')"


def _timestamp_groups(value: str) -> str:
    return f"regexp_extract({value}, {_sql_string(_TIMESTAMP)}, {_TIMESTAMP_GROUPS})"


def _timestamp(groups: str) -> str:
    """TIMESTAMP from the regex groups of a cleaned text: the contract's date forms and optional time; else null."""
    part = lambda name: f"nullif({groups}.{name}, '')"  # noqa: E731
    year = f"coalesce({part('iy')}::int, {part('jy')}::int, {part('ry')}::int + 1911, {part('cy')}::int + 1911)"
    month = f"coalesce({part('im')}, {part('jm')}, {part('rm')}, {part('cm')})::int"
    day = f"coalesce({part('id')}, {part('jd')}, {part('rd')}, {part('cd')})::int"
    date = (f"try_strptime(lpad(({year})::varchar, 4, '0') || '-' || lpad(({month})::varchar, 2, '0') || '-' "
            f"|| lpad(({day})::varchar, 2, '0'), '%Y-%m-%d')")
    hour = f"{part('hh')}::int"
    meridiem = f"coalesce({part('mer')}, case upper({part('ap')}) when 'AM' then '上午' when 'PM' then '下午' end)"
    hour24 = (f"(case when {meridiem} is null then {hour} when {hour} > 12 then null "
              f"when {meridiem} = '上午' then {hour} % 12 else {hour} % 12 + 12 end)")
    minute, second = f"{part('mi')}::int", f"coalesce({part('ss')}::int, 0)"
    time_ok = f"({hour24} between 0 and 23 and {minute} between 0 and 59 and {second} between 0 and 59)"
    return (f"(case when {hour} is null then {date} when {time_ok} "
            f"then {date} + to_seconds({hour24} * 3600 + {minute} * 60 + {second}) end)")


def _typed(value: str, column: Column, groups: str) -> str:
    if column.type == "int":
        return (f"(case when regexp_matches({value}, {_sql_string(_INT)}) "
                f"then try_cast(regexp_replace({value}, '\\.0+$', '') as bigint) end)")
    if column.type == "float":
        return f"(case when regexp_matches({value}, {_sql_string(_FLOAT)}) then try_cast({value} as double) end)"
    if column.type == "timestamp":
        return _timestamp(groups)
    if column.type == "date":
        return f"cast({_timestamp(groups)} as date)"
    return value  # text, code; time columns are not among the floor's files


def _bad(value: str, typed: str, column: Column) -> str | None:
    checks = []
    if column.required:
        checks.append(f"{value} is null")
    if column.type in ("int", "float", "date", "timestamp"):
        checks.append(f"({value} is not null and {typed} is null)")
    if column.codes is not None:
        as_code = f"cast({typed} as varchar)" if column.type == "int" else typed
        checks.append(f"coalesce({as_code} not in ({', '.join(map(_sql_string, column.codes))}), false)")
    if column.min_value is not None:
        checks.append(f"coalesce({typed} < {column.min_value}, false)")
    if column.max_value is not None:
        checks.append(f"coalesce({typed} > {column.max_value}, false)")
    return " or ".join(checks) if checks else None


def _normalise_header(name: str) -> str:
    return name.translate(str.maketrans(_FULL_WIDTH, _HALF_WIDTH)).strip(_TRIM)


def load_kind(con: duckdb.DuckDBPyConnection, spec: FileSpec, files: list[tuple[str, str]]) -> int:
    """Table floor_<kind>: the rows that pass the contract's checks, typed, with school_code and line order.

    Returns the number of data rows read."""
    table = f"floor_{spec.kind}"
    if not files:
        columns = ", ".join(f'null::{column.duckdb_type} as "{column.name}"' for column in spec.columns)
        con.execute(f"create or replace table {table} as select null::varchar as school_code, null::bigint as line, "
                    f"{columns} limit 0")
        return 0
    paths = [path for _, path in files]
    con.execute("create or replace temp table file_schools (filename varchar, school_code varchar)")
    con.executemany("insert into file_schools values (?, ?)", [(path, school) for school, path in files])
    scan = (f"read_csv({[p for p in paths]}, header = true, all_varchar = true, union_by_name = true, filename = true, "
            "delim = ',', quote = '\"', escape = '\"', null_padding = true, strict_mode = false)")
    con.execute(f"create or replace temp view scan_{spec.kind} as select * from {scan}")
    present = [row[0] for row in con.execute(f"describe scan_{spec.kind}").fetchall()]
    variants: dict[str, list[str]] = {}
    for name in present:
        variants.setdefault(_normalise_header(name), []).append(name)
    raw = {}
    for column in spec.columns:
        names = variants.get(column.header, [])
        quoted = [f'"{name}"' for name in names]
        raw[column.name] = (quoted[0] if len(quoted) == 1 else f"coalesce({', '.join(quoted)})") if quoted else "null::varchar"
    def q(name: str) -> str:
        return '"' + name + '"'

    cleaned = ", ".join(f"{_clean(raw[column.name], column)} as {q(column.name)}" for column in spec.columns)
    dated = [column for column in spec.columns if column.type in ("date", "timestamp")]
    groups = ", ".join(f"{_timestamp_groups(q(column.name))} as {q('__g_' + column.name)}" for column in dated)
    typed = ", ".join(f"{_typed(q(column.name), column, q('__g_' + column.name))} as {q('__' + column.name)}"
                      for column in spec.columns)
    bad = [check for column in spec.columns
           if (check := _bad(f'"{column.name}"', f'"__{column.name}"', column)) is not None]
    any_value = " or ".join(f'"{column.name}" is not null' for column in spec.columns)
    out = ", ".join(f'"__{column.name}" as "{column.name}"' for column in spec.columns)
    # line order decides duplicates (the later line wins); numbering is single-threaded, so it is its own step
    con.execute(f"create or replace temp table lines as select row_number() over () as line, * from scan_{spec.kind}")
    con.execute(f"""
        create or replace table {table} as
        with cleaned as materialized (
            select file_schools.school_code, lines.line, {cleaned}
            from lines join file_schools using (filename)
        ),
        grouped as materialized (
            select *{', ' + groups if groups else ''} from cleaned where {any_value}
        ),
        typed as materialized (
            select *, {typed} from grouped
        )
        select school_code, line, {out} from typed
        where not ({' or '.join(f'({check})' for check in bad) or 'false'})
    """)
    return con.execute("select count(*) from lines").fetchall()[0][0]


# --- policies --------------------------------------------------------------------------------------

def load_policies(con: duckdb.DuckDBPyConnection, source: Path, schools: list[str]) -> None:
    from pipelines.policy import DEFAULT_POLICY, PolicyError, load_policy

    policies, terms, deadlines = [], [], []
    for school in schools:
        try:
            policy = load_policy(source / school / "policy.yaml")
        except PolicyError:
            policy = DEFAULT_POLICY
        policies.append((school, policy.course_outcome_upload_cap_per_term, policy.course_outcome_selection_cap_per_year,
                         policy.diverse_upload_cap_per_year, policy.diverse_selection_cap_per_year,
                         policy.summary_max_chars, list(policy.document_types), policy.document_max_bytes,
                         list(policy.video_types), policy.video_max_bytes, policy.certification_days_after_upload))
        # the grade-less windows: the generator writes no per-grade ones, and the floor does not model them
        terms += [(school, window.academic_year, window.term, window.upload_deadline, window.certification_deadline)
                  for window in policy.terms if window.grade is None]
        deadlines += [(school, year, deadline) for year, deadline in policy.selection_deadlines.items()]
    con.execute("""create or replace table floor_policies (school_code varchar, upload_cap int, selection_cap int,
        diverse_upload_cap int, diverse_selection_cap int, summary_max int, document_types varchar[],
        document_max bigint, video_types varchar[], video_max bigint, certification_days int)""")
    con.executemany("insert into floor_policies values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", policies)
    con.execute("create or replace table floor_terms (school_code varchar, academic_year int, term int, "
                "upload_deadline date, certification_deadline date)")
    if terms:
        con.executemany("insert into floor_terms values (?, ?, ?, ?, ?)", terms)
    con.execute("create or replace table floor_deadlines (school_code varchar, academic_year int, selection_deadline date)")
    if deadlines:
        con.executemany("insert into floor_deadlines values (?, ?, ?)", deadlines)


# --- the numbers -----------------------------------------------------------------------------------

# Keep one row per key: the later line of a school's file wins (snapshots and event logs alike).
_PREPARE = r"""
create or replace temp table students as
    select * from floor_students
    qualify row_number() over (partition by school_code, academic_year, term, student_number order by line desc) = 1;
create or replace temp table enrolled_rows as
    select * from floor_students where enrolment_status in ('在學', '復學', '轉入', '重讀');
create or replace temp table outcomes as
    select * from floor_course_outcomes
    qualify row_number() over (partition by school_code, outcome_id order by line desc) = 1;
create or replace temp table course_records as
    select * from floor_course_records
    qualify row_number() over (partition by school_code, academic_year, term, student_number, course_code, record_kind
                               order by line desc) = 1;
create or replace temp table performances as
    select *, entry_source = '學生自填' as is_student_entered,
        coalesce(length(summary), 0) as summary_chars
    from floor_diverse_performances
    qualify row_number() over (partition by school_code, performance_id order by line desc) = 1;
create or replace temp table teachers as
    select * from floor_teachers
    qualify row_number() over (partition by school_code, teacher_code order by line desc) = 1;
create or replace temp table events as
    select * from floor_certification_events
    qualify row_number() over (partition by school_code, outcome_id, action, teacher_code, event_at order by line desc) = 1;
create or replace temp table selection_actions as
    select * from floor_selections
    qualify row_number() over (partition by school_code, student_number, academic_year, item_type, item_id, action, selected_at
                               order by line desc) = 1;

-- an outcome's state: its latest state-changing event (ties: the later line), none: 未送審
create or replace temp table outcome_states as
    with ordered as (
        select *, row_number() over (partition by school_code, outcome_id order by event_at desc, line desc) as recency
        from events where action <> '更換認證教師'
    ),
    teacher_changes as (
        select school_code, outcome_id, teacher_code from events where action = '更換認證教師'
        qualify row_number() over (partition by school_code, outcome_id order by event_at desc, line desc) = 1
    ),
    submissions as (
        select school_code, outcome_id, max(event_at) as submitted_at from events where action = '送審' group by all
    )
    select
        outcomes.*,
        case ordered.action when '送審' then '待認證' when '認證通過' then '認證通過' when '認證未通過' then '認證未通過'
            when '取消認證' then '已取消' else '未送審' end as state,
        coalesce(teacher_changes.teacher_code, outcomes.certifying_teacher_code) as current_teacher_code,
        submissions.submitted_at,
    from outcomes
    left join ordered on ordered.school_code = outcomes.school_code and ordered.outcome_id = outcomes.outcome_id
        and ordered.recency = 1
    left join teacher_changes on teacher_changes.school_code = outcomes.school_code
        and teacher_changes.outcome_id = outcomes.outcome_id
    left join submissions on submissions.school_code = outcomes.school_code and submissions.outcome_id = outcomes.outcome_id;

-- an item is selected when its latest action is 勾選 (ties: the later line)
create or replace temp table selections as
    select
        school_code, student_number, academic_year, item_type, item_id,
        arg_max(action, (selected_at, line)) = '勾選' as is_selected,
        max(selected_at) filter (where action = '勾選') as last_selected_at,
    from selection_actions group by all;
"""

_COMPLETION = r"""
with
enrolled as (select * from students where enrolment_status in ('在學', '復學', '轉入', '重讀')),
term_uploads as (
    select school_code, academic_year, term, student_number,
        count(*) as uploaded,
        count(*) filter (where state = '認證通過') as certified,
        count(*) filter (where state = '待認證') as pending,
        count(*) filter (where state = '認證未通過') as failed,
        count(*) filter (where state = '已取消') as cancelled,
        count(*) filter (where state = '未送審') as not_submitted,
    from outcome_states group by all
),
year_selected as (
    select selections.school_code, selections.academic_year, selections.student_number,
        count(*) filter (where selections.item_type = '課程學習成果') as outcomes_selected,
        count(*) filter (where selections.item_type = '多元表現' and performances.is_student_entered) as performances_selected,
    from selections
    left join performances on selections.item_type = '多元表現' and performances.school_code = selections.school_code
        and performances.student_number = selections.student_number
        and performances.academic_year = selections.academic_year and performances.performance_id = selections.item_id
    where selections.is_selected
    group by all
),
year_entered as (
    select school_code, academic_year, student_number, count(*) as performances_entered
    from performances where is_student_entered group by all
),
per_student as (
    select enrolled.school_code, enrolled.academic_year, enrolled.term,
        coalesce(uploaded, 0) as uploaded, coalesce(certified, 0) as certified, coalesce(pending, 0) as pending,
        coalesce(failed, 0) as failed, coalesce(cancelled, 0) as cancelled, coalesce(not_submitted, 0) as not_submitted,
        coalesce(outcomes_selected, 0) as outcomes_selected, coalesce(performances_entered, 0) as performances_entered,
        coalesce(performances_selected, 0) as performances_selected,
    from enrolled
    left join term_uploads using (school_code, academic_year, term, student_number)
    left join year_selected using (school_code, academic_year, student_number)
    left join year_entered using (school_code, academic_year, student_number)
),
school_terms as (
    select school_code, academic_year, term from students
    union
    select school_code, academic_year, term from outcomes
)
select school_terms.school_code, school_terms.academic_year, school_terms.term,
    count(per_student.school_code) as students_enrolled,
    count(*) filter (where per_student.uploaded > 0) as students_with_upload,
    coalesce(sum(uploaded), 0), coalesce(sum(certified), 0), coalesce(sum(pending), 0), coalesce(sum(failed), 0),
    coalesce(sum(cancelled), 0), coalesce(sum(not_submitted), 0), coalesce(sum(outcomes_selected), 0),
    coalesce(sum(performances_entered), 0), coalesce(sum(performances_selected), 0),
from school_terms
left join per_student using (school_code, academic_year, term)
group by all
"""

# One row per (school, year, rule, term, student, item): the gate reports an item once per rule.
_VIOLATIONS = r"""
with
record_keys as (
    select distinct school_code, academic_year, term, student_number, course_code from course_records
),
departed as (
    -- R18: 離職 on or before the as-of day (a 離職 without a date counts as gone)
    select school_code, teacher_code from teachers
    where employment_status = '離職' and (left_date is null or left_date <= $as_of)
),
outcome_facts as (
    select outcome_states.*, policies.* exclude (school_code),
        coalesce(length(outcome_states.summary), 0) as summary_chars,
        coalesce(lower(regexp_extract(outcome_states.document_file_name, '\.([^./\\]+)$', 1)), '') as document_type,
        coalesce(lower(regexp_extract(outcome_states.video_file_name, '\.([^./\\]+)$', 1)), '') as video_type,
        terms.upload_deadline, terms.certification_deadline,
        record_keys.school_code is not null as has_course_record,
        departed.school_code is not null as has_teacher_left,
    from outcome_states
    join floor_policies as policies on policies.school_code = outcome_states.school_code
    left join floor_terms as terms on terms.school_code = outcome_states.school_code
        and terms.academic_year = outcome_states.academic_year and terms.term = outcome_states.term
    left join record_keys on record_keys.school_code = outcome_states.school_code
        and record_keys.academic_year = outcome_states.academic_year and record_keys.term = outcome_states.term
        and record_keys.student_number = outcome_states.student_number
        and record_keys.course_code = outcome_states.course_code
    left join departed on departed.school_code = outcome_states.school_code
        and departed.teacher_code = outcome_states.current_teacher_code
),
outcome_rules as (
    select school_code, academic_year, term, student_number, outcome_id as item, rule from outcome_facts,
    lateral (select unnest([
        case when summary_chars < 1 then 'R01' end,
        case when summary_chars > summary_max then 'R02' end,
        case when document_file_name is null and video_file_name is null then 'R03' end,
        case when (document_file_name is not null and (not list_contains(document_types, document_type)
                                                       or coalesce(document_bytes > document_max, false)))
               or (video_file_name is not null and (not list_contains(video_types, video_type)
                                                    or coalesce(video_bytes > video_max, false))) then 'R04' end,
        case when not has_course_record then 'R06' end,
        case when cast(uploaded_at as date) > upload_deadline then 'R16' end,
        case when state = '待認證' and (date_diff('day', cast(submitted_at as date), $as_of) > certification_days
                                       or $as_of > certification_deadline) then 'R17' end,
        case when state in ('未送審', '待認證', '認證未通過') and has_teacher_left then 'R18' end
    ]) as rule)
    where rule is not null
),
uploads_per_term as (
    select school_code, academic_year, term, student_number, null as item, 'R05' as rule
    from outcomes join floor_policies using (school_code)
    group by school_code, academic_year, term, student_number, upload_cap
    having count(*) > upload_cap
),
failed_without_reason as (
    select outcomes.school_code, outcomes.academic_year, outcomes.term, outcomes.student_number,
        outcomes.outcome_id as item, 'R09' as rule
    from events join outcomes using (school_code, outcome_id)
    where events.action = '認證未通過' and events.reason is null
),
selection_facts as (
    select selections.*, outcome_states.state as outcome_state, performances.is_student_entered,
        deadlines.selection_deadline, policies.selection_cap, policies.diverse_selection_cap,
    from selections
    left join outcome_states on selections.item_type = '課程學習成果' and outcome_states.school_code = selections.school_code
        and outcome_states.student_number = selections.student_number
        and outcome_states.academic_year = selections.academic_year and outcome_states.outcome_id = selections.item_id
    left join performances on selections.item_type = '多元表現' and performances.school_code = selections.school_code
        and performances.student_number = selections.student_number
        and performances.academic_year = selections.academic_year and performances.performance_id = selections.item_id
    left join floor_deadlines as deadlines on deadlines.school_code = selections.school_code
        and deadlines.academic_year = selections.academic_year
    join floor_policies as policies on policies.school_code = selections.school_code
),
selection_rules as (
    select school_code, academic_year, null as term, student_number, item_id as item, 'R08' as rule
    from selection_facts
    where is_selected and item_type = '課程學習成果' and coalesce(outcome_state, '') <> '認證通過'
    union all
    select school_code, academic_year, null, student_number, item_id, 'R20'
    from selection_facts where cast(last_selected_at as date) > selection_deadline
),
selection_caps as (
    select school_code, academic_year, null as term, student_number, null as item, rule
    from (
        select school_code, academic_year, student_number,
            count(*) filter (where item_type = '課程學習成果') > any_value(selection_cap) as over_outcomes,
            count(*) filter (where item_type = '多元表現' and is_student_entered) > any_value(diverse_selection_cap)
                as over_performances,
        from selection_facts where is_selected group by all
    ), lateral (select unnest([case when over_outcomes then 'R07' end, case when over_performances then 'R12' end]) as rule)
    where rule is not null
),
performance_rules as (
    select school_code, academic_year, null as term, student_number, performance_id as item, 'R10' as rule
    from (
        select performances.*, policies.* exclude (school_code),
            coalesce(lower(regexp_extract(document_file_name, '\.([^./\\]+)$', 1)), '') as document_type,
            coalesce(lower(regexp_extract(video_file_name, '\.([^./\\]+)$', 1)), '') as video_type,
        from performances join floor_policies as policies on policies.school_code = performances.school_code
    )
    where summary_chars < 1 or summary_chars > summary_max
        or (document_file_name is not null and (not list_contains(document_types, document_type)
                                               or coalesce(document_bytes > document_max, false)))
        or (video_file_name is not null and (not list_contains(video_types, video_type)
                                            or coalesce(video_bytes > video_max, false)))
        or (external_url is not null and not regexp_full_match(external_url, $url_pattern))
    union all
    select school_code, academic_year, null, student_number, null, 'R11'
    from performances join floor_policies using (school_code)
    where is_student_entered
    group by school_code, academic_year, student_number, diverse_upload_cap
    having count(*) > diverse_upload_cap
),
national_ids as (
    -- R13: a student whose rows carry an ID that is not a valid national ID or resident certificate
    select school_code, academic_year, null as term, student_number, null as item, 'R13' as rule
    from (select distinct school_code, academic_year, student_number, national_id from students)
    where not coalesce(
        regexp_full_match(national_id, '[A-Z]([12]|[89]|[A-D])[0-9]{8}')
        and (
            (strpos('ABCDEFGHJKLMNPQRSTUVXYWZIO', substr(national_id, 1, 1)) + 9) // 10
            + ((strpos('ABCDEFGHJKLMNPQRSTUVXYWZIO', substr(national_id, 1, 1)) + 9) % 10) * 9
            + (case when substr(national_id, 2, 1) between 'A' and 'D'
                    then (strpos('ABCDEFGHJKLMNPQRSTUVXYWZIO', substr(national_id, 2, 1)) + 9) % 10
                    else try_cast(substr(national_id, 2, 1) as int) end) * 8
            + try_cast(substr(national_id, 3, 1) as int) * 7 + try_cast(substr(national_id, 4, 1) as int) * 6
            + try_cast(substr(national_id, 5, 1) as int) * 5 + try_cast(substr(national_id, 6, 1) as int) * 4
            + try_cast(substr(national_id, 7, 1) as int) * 3 + try_cast(substr(national_id, 8, 1) as int) * 2
            + try_cast(substr(national_id, 9, 1) as int) + try_cast(substr(national_id, 10, 1) as int)
        ) % 10 = 0, false)
    group by all
),
duplicates as (
    -- R14: enrolled rows of a term sharing a 身分證號, or a 學號 on more than one row
    select school_code, academic_year, term, student_number, null as item, 'R14' as rule from enrolled_rows
    qualify (national_id is not null and count(*) over (partition by school_code, academic_year, term, national_id) > 1)
        or count(*) over (partition by school_code, academic_year, term, student_number) > 1
),
course_record_rules as (
    select school_code, academic_year, term, student_number, course_code as item, rule from course_records,
    lateral (select unnest([
        case when not coalesce(length(course_code) = 23
                               and substr(course_code, 17, 1) in ('1','2','3','4','5','6','7','8','9','A','B','C','D','E','F')
                               and substr(course_code, 19, 1) in ('0','1','2','3','4','5','6','A','B','C','D','E','F','G','H','I'),
                               false) then 'R15' end,
        case when score is not null and is_passed is not null and (score >= 60) <> (is_passed = 1) then 'R19' end
    ]) as rule)
    where rule is not null
),
every_violation as (
    select * from outcome_rules union all by name select * from uploads_per_term
    union all by name select * from failed_without_reason union all by name select * from selection_rules
    union all by name select * from selection_caps union all by name select * from performance_rules
    union all by name select * from national_ids union all by name select * from duplicates
    union all by name select * from course_record_rules
)
select school_code, academic_year, rule, count(distinct (term, student_number, item)) as violations
from every_violation
group by all
"""


def run_floor(source: Path, *, as_of: dt.date, workdir: Path, memory_limit: str = "4GB",
              workers: int = 2) -> FloorResult:
    """Read the deliveries under `source` once and compute completion and violation counts."""
    started = time.perf_counter()
    stages: dict[str, float] = {}
    workdir.mkdir(parents=True, exist_ok=True)
    files = readable_files(source, workdir / "utf8", workers=workers)
    stages["decode"] = time.perf_counter() - started
    con = duckdb.connect(config={"memory_limit": memory_limit, "temp_directory": str(workdir / "spill"),
                                 "preserve_insertion_order": True})
    try:
        mark = time.perf_counter()
        rows_read = 0
        for kind in FLOOR_KINDS:
            rows_read += load_kind(con, FILES_BY_KIND[kind], files[kind])
        con.execute("drop table if exists lines")
        schools = sorted({school for found in files.values() for school, _ in found})
        load_policies(con, source, schools)
        stages["load"] = time.perf_counter() - mark
        mark = time.perf_counter()
        for statement in _PREPARE.split(";"):
            if statement.strip():
                con.execute(statement)
        completion = {}
        for school, year, term, *values in con.execute(_COMPLETION).fetchall():
            completion[(school, int(year), int(term))] = dict(zip(COMPLETION_METRICS, map(int, values)))
        violations = {(school, int(year), rule): 0 for (school, year, _term) in completion for rule in RULE_IDS}
        sql = _VIOLATIONS.replace("$as_of", f"date '{as_of.isoformat()}'").replace("$url_pattern", _sql_string(_HTTP_URL))
        for school, year, rule, count in con.execute(sql).fetchall():
            violations[(school, int(year), rule)] = int(count)
        stages["sql"] = time.perf_counter() - mark
    finally:
        con.close()
    return FloorResult(completion, violations, rows_read, time.perf_counter() - started, stages)


def main() -> int:
    """python -m benchmarks.floor SOURCE [AS_OF]: print the floor's counts (a debugging aid)."""
    import tempfile

    source = Path(sys.argv[1])
    as_of = dt.date.fromisoformat(sys.argv[2]) if len(sys.argv) > 2 else dt.date.today()
    with tempfile.TemporaryDirectory(prefix="floor-") as tmp:
        result = run_floor(source, as_of=as_of, workdir=Path(tmp))
    print(f"floor {result.seconds:.1f}s {result.stage_seconds} rows {result.rows_read:,}")
    totals: dict[str, int] = {}
    for (_, _, rule), count in result.violations.items():
        totals[rule] = totals.get(rule, 0) + count
    print(" ".join(f"{rule}={count}" for rule, count in sorted(totals.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
