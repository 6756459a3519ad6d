"""The gate for many schools and years at once: the same suites and verdicts, validated on narrow
pre-aggregated frames instead of one pandas frame per school, year and suite.

Run one school-year at a time, the gate pays Great Expectations' fixed cost (context, suite, batch,
metric graph, result serialisation: about 0.1 s) for each of its 11 suites: ~1.2 s per school-year,
~20 minutes for the nation's 1,000, while the data itself is small. Here each suite runs once per
*distinct build of it* (schools whose policies give it the same arguments share one run), on a frame
that holds each distinct combination of the columns its expectations read (checked columns and row
condition columns), counted in DuckDB, instead of one row per item:

- a column-map expectation (in set, between, regex, with or without a row condition) judges a row by
  those columns alone, so judging each distinct combination once is the same verdict for every row
  that has it;
- a compound-uniqueness expectation (R14) is judged per school: school_code joins its column list and
  the combination, and a combination that occurs more than once is given to GX twice, so GX sees it.

The combinations GX marks unexpected are joined back, in DuckDB, to the rows that have them, and only
those rows (about 1% of the items) come into pandas to become `Violation`s, exactly as
``expectations.runner`` makes them: same rule meta, same value and limit columns, one violation per
(item term, 學號, item key) per rule, the first failing check in suite order kept, rows in table order.

The facts the gate adds at run time (pipelines/gate/frames.py) are computed here for all schools at
once: the "as of" day arithmetic and whether the certifying teacher has left by then in SQL (the same
expressions), the national-ID checksum and digest in Python over the distinct IDs (pipelines/identity.py
stays the one definition), the proxy only for offending rows (pipelines/gate/proxy.py), and R28's
certifier verdict in Python for the few outcomes certified by another teacher (frames.certifier_accepted).
It is the only gate: ``run_gate`` (one school-year) and ``run_gates`` (many) both come here;
tests/gate/test_gate_batch.py holds it to the suites validated on one school-year's whole frames, row for row.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from expectations.rules import RULES
from expectations.runner import GATE_SCHEMA, GateError, RuleResult, Violation, _sorted, _violation, violation_columns
from expectations.suites import SUITES, SuiteSpec
from pipelines.gate.exported import FRAMES as EXPORTED_FRAMES, create_exported_views, frame_relation

COMBO_ID = "_combo_id"
# Columns that the gate replaces before validation (frames.add_identity_facts): never selected whole.
_NATIONAL_ID = "national_id"
_IDENTITY_FRAMES = ("fct_gate_students", "fct_gate_identities")
_AS_OF_FRAME = "fct_gate_course_outcomes"


@dataclass(frozen=True)
class _SuiteRun:
    """One suite as built from one policy, and the schools whose policy builds it identically."""

    spec: SuiteSpec
    suite: Any  # gx.ExpectationSuite
    schools: list[str]

    @property
    def compound(self) -> bool:
        return any(expectation.configuration.kwargs.get("column_list") for expectation in self.suite.expectations)

    @property
    def value_classes(self) -> dict[str, list[float]]:
        """The columns the suite only holds to constant bounds (ExpectColumnValuesToBeBetween), each with
        its bounds in order. A value's verdicts depend only on where it falls among them: below, on or
        above each (`value_class_sql`), so GX need not see every file size and count of days the nation has."""
        bounds: dict[str, set] = {}
        other: set[str] = set()
        for expectation in self.suite.expectations:
            kwargs = expectation.configuration.kwargs
            other.update(_condition_columns(kwargs.get("row_condition")))
            limits = [kwargs.get("min_value"), kwargs.get("max_value")]
            if type(expectation).__name__ == "ExpectColumnValuesToBeBetween" and kwargs.get("column") and \
                    all(limit is None or (isinstance(limit, (int, float)) and not isinstance(limit, bool))
                        for limit in limits):
                bounds.setdefault(kwargs["column"], set()).update(limit for limit in limits if limit is not None)
            else:
                other.update(kwargs.get("column_list") or [kwargs.get("column")])
        return {column: sorted(limits) for column, limits in bounds.items() if column not in other and limits}

    @property
    def columns(self) -> list[str]:
        """Every column the suite's expectations read (checked columns and row-condition columns)."""
        columns = ["school_code"] if self.compound else []
        for expectation in self.suite.expectations:
            kwargs = expectation.configuration.kwargs
            for name in [*(kwargs.get("column_list") or [kwargs.get("column")]), *_condition_columns(kwargs.get("row_condition"))]:
                if name and name not in columns:
                    columns.append(name)
        return columns


def _condition_columns(condition: Any) -> list[str]:
    """Column names a GX row condition (as serialised in an expectation's kwargs) refers to."""
    if not condition:
        return []
    if isinstance(condition, str):
        raise GateError(f"string row conditions are not supported by the batch gate: {condition!r}")
    if hasattr(condition, "dict"):
        condition = condition.dict()
    names = []
    column = condition.get("column")
    if isinstance(column, dict) and column.get("name"):
        names.append(column["name"])
    for inner in condition.get("conditions") or []:
        names += _condition_columns(inner)
    return names


def _suite_key(suite) -> str:
    return json.dumps([[type(expectation).__name__, expectation.configuration.kwargs, expectation.configuration.meta]
                       for expectation in suite.expectations], sort_keys=True, default=str)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _is_view(con, frame: str) -> bool:
    return con.execute("select count(*) from duckdb_views() where schema_name = ? and view_name = ?",
                       [GATE_SCHEMA, frame]).fetchall()[0][0] > 0


def _frame_sql(con, frame: str, term: int | None, as_of: dt.date, targets: str) -> str:
    """The gate frame as GX would see it (frames.prepare_frames' facts added), for the school-years in `targets`."""
    relation = frame_relation(frame, GATE_SCHEMA)
    columns = [row[0] for row in con.execute(f"describe {relation}").fetchall()]
    select = [f"f.{_quote(name)}" for name in columns if name != _NATIONAL_ID]
    joins = [f"join {targets} t on f.school_code = t.school_code and f.academic_year = t.academic_year"]
    if frame in _IDENTITY_FRAMES:
        select += ["coalesce(ids.is_national_id_valid, false) as is_national_id_valid", "ids.national_id_digest"]
        joins.append("left join gate_national_ids ids on f.national_id = ids.national_id")
    if frame == _AS_OF_FRAME:
        day = f"date '{as_of.isoformat()}'"
        select += [
            f"'{as_of.isoformat()}' as as_of_date",
            f"case when f.certification_state = '待認證' then date_diff('day', cast(f.submitted_at as date), {day}) end"
            " as pending_days",
            f"date_diff('day', cast(f.certification_deadline_date as date), {day}) as days_past_certification_deadline",
            # Teacher.needs_proxy(as_of, proxy_needed_for): a listed status; a 離職 from its date on
            "coalesce(proxy_statuses.employment_status is not null and (not teachers.is_left "
            f"or teachers.left_date is null or teachers.left_date <= {day}), false) as needs_proxy",
            "coalesce(certifiers.is_certifier_accepted, true) as is_certifier_accepted",
        ]
        joins.append(f"left join {GATE_SCHEMA}.dim_teachers teachers on f.school_code = teachers.school_code "
                     "and f.certifying_teacher_code = teachers.teacher_code")
        joins.append("left join gate_proxy_statuses proxy_statuses on f.school_code = proxy_statuses.school_code "
                     "and teachers.employment_status = proxy_statuses.employment_status")
        joins.append("left join gate_certifiers certifiers on f.school_code = certifiers.school_code "
                     "and f.outcome_id = certifiers.outcome_id")
    where = f"where f.term = {int(term)}" if term is not None and "term" in columns else ""
    # a view (fct_gate_exported_codes, fct_gate_course_records) has no rowid, and numbering its rows would hold
    # every row of it, with every column, in memory (the nation's 50 M code rows: gigabytes): the rows of a
    # view, and of R25's frame made beside it, are ordered by a hash of their values, the same each run (the
    # report sorts them by class and seat anyway)
    rowid = f"hash({', '.join(select)})" if frame in EXPORTED_FRAMES or _is_view(con, frame) else "f.rowid"
    return f"select {rowid} as _rowid, {', '.join(select)} from {relation} f {' '.join(joins)} {where}"


def _national_id_facts(con) -> pd.DataFrame:
    """is_national_id_valid and national_id_digest of every distinct ID the identity frames hold."""
    from pipelines.identity import is_valid_national_id, national_id_digest

    ids: set[str] = set()
    for frame in _IDENTITY_FRAMES:
        rows = con.execute(
            f"select distinct f.national_id from {GATE_SCHEMA}.{frame} f join gate_targets t "
            "on f.school_code = t.school_code and f.academic_year = t.academic_year where f.national_id is not null"
        ).fetchall()
        ids.update(row[0] for row in rows)
    ordered = sorted(ids)
    return pd.DataFrame({
        "national_id": pd.Series(ordered, dtype=object),
        "is_national_id_valid": pd.Series([is_valid_national_id(value) for value in ordered], dtype=bool),
        "national_id_digest": pd.Series([national_id_digest(value) for value in ordered], dtype=object),
    })


def _as_of_facts(con, policies: dict, teachers: dict) -> None:
    """The per-school facts the as-of frame joins: each school's proxy_needed_for statuses, and R28's
    verdict on the outcomes certified by another teacher (few), by frames.certifier_accepted."""
    from pipelines.gate.frames import certifier_accepted

    statuses = pd.DataFrame([(school, status) for school, (policy, _) in policies.items()  # noqa: F841
                             for status in policy.proxy_needed_for], columns=["school_code", "employment_status"],
                            dtype=object)
    con.execute("create or replace temp table gate_proxy_statuses as select * from statuses")
    candidates = con.execute(
        f"select f.school_code, f.outcome_id, f.certifying_teacher_code, f.certified_by_teacher_code, f.certified_date, "
        f"f.item_grade, f.is_certified_by_other_teacher from {GATE_SCHEMA}.{_AS_OF_FRAME} f join gate_targets t "
        "on f.school_code = t.school_code and f.academic_year = t.academic_year where f.is_certified_by_other_teacher"
    ).df()
    verdicts = pd.DataFrame({  # noqa: F841
        "school_code": candidates["school_code"].astype(object), "outcome_id": candidates["outcome_id"].astype(object),
        "is_certifier_accepted": pd.Series(
            [certifier_accepted(row, teachers.get(row["school_code"], {}), policies[row["school_code"]][0])
             for row in candidates.to_dict("records")], index=candidates.index, dtype=bool),
    })
    con.execute("create or replace temp table gate_certifiers as select * from verdicts")


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


class _Validator:
    """One GX context for the whole run; each validation gets its own suite, and a batch of its frame from
    the one dataframe asset. (An asset and a batch definition per validation cost more than a small
    validation: GX writes its whole project configuration out as YAML for each one it adds.)"""

    def __init__(self):
        self.context = _context()
        self.batches = self.context.data_sources.add_pandas("gate_batch").add_dataframe_asset(
            "frames").add_batch_definition_whole_dataframe("whole")
        self.count = 0

    def unexpected(self, run: _SuiteRun, frame: pd.DataFrame) -> list[list[int]]:
        """Per expectation of the suite (in order): the positions of the frame's rows GX finds unexpected.

        `frame` has the default index (0, 1, …), and GX then reports the index labels of the unexpected
        rows as they are. Asked for an index column instead, GX looks each unexpected row's value up one
        by one: a third of the national gate's time."""
        import great_expectations as gx

        self.count += 1
        label = f"{run.spec.name}-{self.count}"
        expectations = [_for_schools(expectation, run.compound) for expectation in run.suite.expectations]
        suite = self.context.suites.add(gx.ExpectationSuite(name=label, expectations=expectations))
        batch = self.batches.get_batch(batch_parameters={"dataframe": frame})
        # Batch.validate, not a ValidationDefinition: the results are not serialised into the context's
        # store, which costs more than the validation itself when hundreds of thousands of rows fail
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
        positions = {expectation.id: position for position, expectation in enumerate(suite.expectations)}
        found: list[list[int]] = [[] for _ in expectations]
        for outcome in result.results:
            meta = outcome.expectation_config.meta
            if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                raise GateError(f"{run.spec.name} {meta.get('rule')} {meta.get('check')}: "
                                f"{outcome.exception_info.get('exception_message')}")
            if outcome.success:
                continue
            position = positions[outcome.expectation_config.id]
            found[position] = [int(index) for index in outcome.result.get("unexpected_index_list") or []]
        return found


def _for_schools(expectation, compound: bool):
    """The expectation as it applies within each school of a multi-school frame."""
    if not compound or not expectation.configuration.kwargs.get("column_list"):
        return expectation.copy()
    return expectation.copy(update={"column_list": ["school_code", *expectation.column_list]})


def value_class_sql(column: str, bounds: Sequence[float]) -> str:
    """`column`'s value replaced by one that falls the same way among `bounds` (ascending): below the
    first, on a bound, strictly between two (their midpoint), above the last; null stays null."""
    cases = [f"when {column} < {bounds[0]} then {bounds[0] - 1}"]
    for low, high in zip(bounds, [*bounds[1:], None]):
        cases.append(f"when {column} = {low} then {low}")
        cases.append(f"when {column} < {high} then {(low + high) / 2}" if high is not None else f"else {low + 1}")
    return f"case when {column} is null then null {' '.join(cases)} end"


def _offending_rows(con, validator: _Validator, run: _SuiteRun, frame_sql: str) -> list[pd.DataFrame]:
    """Per expectation of the suite: the frame rows (every column) whose combination GX finds unexpected."""
    columns, classes = run.columns, run.value_classes

    def value(name: str, prefix: str = "") -> str:
        return value_class_sql(prefix + _quote(name), classes[name]) if name in classes else prefix + _quote(name)

    listed = ", ".join(_quote(name) for name in columns)
    grouped = ", ".join(f"{value(name)} as {_quote(name)}" for name in columns)
    con.execute(f"create or replace temp table gate_combos as select row_number() over () as {COMBO_ID}, * from ("
                f"select {grouped}, count(*) as _rows from ({frame_sql}) group by all)")
    combos = con.execute(f"select {COMBO_ID}, {listed}, _rows from gate_combos order by {COMBO_ID}").df()
    empty = [combos.iloc[0:0] for _ in run.suite.expectations]
    if combos.empty:
        return empty
    # a combination found more than once is shown twice: uniqueness needs to see the duplicate, a map
    # expectation gives both copies the same verdict
    shown = combos.loc[combos.index.repeat(combos["_rows"].clip(upper=2).astype(int))].reset_index(drop=True)
    shown = shown.drop(columns=["_rows"])
    per_expectation = validator.unexpected(run, shown)
    pairs = [(int(combo), position) for position, rows in enumerate(per_expectation)
             for combo in set(shown[COMBO_ID].iloc[rows].astype(int))] if any(per_expectation) else []
    if not pairs:
        return empty
    offending = pd.DataFrame(pairs, columns=[COMBO_ID, "_position"])  # noqa: F841  (DuckDB reads it by name)
    same = " and ".join(f"{value(name, 'frame.')} is not distinct from gate_combos.{_quote(name)}" for name in columns)
    rows = con.execute(
        f"select frame.*, offending._position from ({frame_sql}) frame join gate_combos on {same} "
        f"join offending on offending.{COMBO_ID} = gate_combos.{COMBO_ID} order by offending._position, frame._rowid"
    ).df()
    return [rows[rows["_position"] == position].drop(columns=["_position"]) for position in range(len(per_expectation))]


def _with_proxies(rows: pd.DataFrame, teachers: dict, policies: dict, as_of: dt.date) -> pd.DataFrame:
    """proxy_code / proxy_name / proxy_step of course-outcome rows whose certifying teacher needs a proxy."""
    from pipelines.gate.proxy import choose_proxy

    codes, names, steps = [], [], []
    for school, teacher_code, grade, needs_proxy in zip(rows["school_code"], rows["certifying_teacher_code"],
                                                        rows["item_grade"], rows["needs_proxy"]):
        choice = None
        school_teachers = teachers.get(school, {})
        teacher = school_teachers.get(teacher_code) if isinstance(teacher_code, str) else None
        if bool(needs_proxy) and teacher is not None:
            choice = choose_proxy(teacher, school_teachers, policies[school][0].proxy_order,
                                  grade=None if pd.isna(grade) else int(grade), as_of=as_of)
        codes.append(choice.teacher.code if choice else None)
        names.append(choice.teacher.name if choice else None)
        steps.append(choice.step_label if choice else None)
    rows = rows.copy()
    rows["proxy_code"] = pd.Series(codes, index=rows.index, dtype=object)
    rows["proxy_name"] = pd.Series(names, index=rows.index, dtype=object)
    rows["proxy_step"] = pd.Series(steps, index=rows.index, dtype=object)
    return rows


def validate_school_years(con, targets: Sequence[tuple[str, int]], policies: dict, teachers: dict,
                          term: int | None, as_of: dt.date,
                          suites: Iterable[SuiteSpec] = SUITES) -> dict[tuple[str, int], list[RuleResult]]:
    """Every rule's result for each (school, year) in `targets`: what validate_frames gives per school-year.

    `con`: a connection to the warehouse (read-only is enough: only temp tables are created).
    `policies`: school → (Policy, policy_error); `teachers`: school → {code: Teacher} (for proxies).
    """
    suites = list(suites)
    targets = list(dict.fromkeys((school, int(year)) for school, year in targets))
    con.execute("create or replace temp table gate_targets (school_code varchar, academic_year integer)")
    con.execute("create or replace temp table gate_group (school_code varchar, academic_year integer)")
    if targets:
        con.executemany("insert into gate_targets values (?, ?)", [list(target) for target in targets])
    if any(spec.frame in _IDENTITY_FRAMES for spec in suites):
        national_ids = _national_id_facts(con)  # noqa: F841  (DuckDB reads it by name)
        con.execute("create or replace temp table gate_national_ids as select * from national_ids")
    if any(spec.frame in EXPORTED_FRAMES for spec in suites):
        create_exported_views(con, "gate_targets")
    if any(spec.frame == _AS_OF_FRAME for spec in suites):
        _as_of_facts(con, {school: policies[school] for school, _ in targets}, teachers)
    years: dict[str, list[int]] = {}
    for school, year in targets:
        years.setdefault(school, []).append(year)

    validator = _Validator()
    found: dict[tuple[str, int], dict[str, dict[tuple, Violation]]] = {target: {} for target in targets}
    checked: set[str] = set()
    frames_sql: dict[str, str] = {}
    for spec in suites:
        if spec.frame not in frames_sql:  # several suites read one frame: describe it once
            frames_sql[spec.frame] = _frame_sql(con, spec.frame, term, as_of, "gate_group")
        frame_sql = frames_sql[spec.frame]
        runs: dict[str, _SuiteRun] = {}
        for school in years:
            suite = spec.build(policies[school][0])
            runs.setdefault(_suite_key(suite), _SuiteRun(spec, suite, [])).schools.append(school)
        for run in runs.values():
            checked.update(expectation.configuration.meta["rule"] for expectation in run.suite.expectations)
            con.execute("delete from gate_group")
            con.executemany("insert into gate_group values (?, ?)",
                            [[school, year] for school in run.schools for year in years[school]])
            for expectation, rows in zip(run.suite.expectations, _offending_rows(con, validator, run, frame_sql)):
                if rows.empty:
                    continue
                if spec.frame == _AS_OF_FRAME:
                    rows = _with_proxies(rows, teachers, policies, as_of)
                meta = expectation.configuration.meta
                # only the columns a violation is made of: turning every column of ~10^6 rows into Python
                # objects was a quarter of the national gate
                wanted = [name for name in ("school_code", "academic_year", *violation_columns(meta))
                          if name in rows.columns]
                for row in rows[wanted].to_dict("records"):
                    violation = _violation(meta["rule"], meta, row)
                    # one violation per item per rule: the first check in suite order, as validate_frames keeps
                    found[(row["school_code"], int(row["academic_year"]))].setdefault(meta["rule"], {}).setdefault(
                        (violation.term, violation.student_number, violation.key), violation)
    con.execute("drop table if exists gate_combos")
    return {
        target: [RuleResult(rule, tuple(_sorted(found[target].get(rule.id, {}).values())))
                 for rule in RULES if rule.id in checked]
        for target in targets
    }
