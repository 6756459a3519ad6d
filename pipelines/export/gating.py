"""What the gate's verdict means for one export: does it block, and which rows does a partial export leave out.

Which rules concern which files (the choice is ours; rules.md only says error rules block):

- Term folders (學生資料名冊, 學生成績名冊, 校內幹部經歷名冊, 缺勤紀錄名冊) carry the registry and the course records:
  they are blocked by R13 (a bad 身分證號: the key of every row), R14 (two enrolled students sharing a
  身分證號 or 學號 that term) and R15 (a malformed 課程代碼), counting only the violations of that term
  (R13 has no term: a student's bad ID concerns every file). Their warning is R19.
- The whole-year folder (學生課程學習成果名冊, 學生自填多元表現名冊) carries what students uploaded and
  selected: it is blocked by every rule about outcomes, certification, selections and diverse
  performances (R01–R12) and by R13/R14, since its rows are keyed by the same 身分證號. Its warnings are
  R16, R17, R18 and R20.

Contract v2: R23 (出生日期), R24 (codes) and R25 (項目鍵) block the folders whose rows they name (R23
every folder, as R13); R21, R22 and R27 block the whole-year folder; R28 is its warning. R26 is
neither: under the school's `late_items: forfeit` its late uploads and selections are always left
out of the whole-year folder (視同放棄) and listed in `excluded`; under `warn` it is only reported.

A partial export (--allow-partial) leaves out what the violations point at: a student (R13, R14: every
row of that student), an outcome (R01–R04, R06, R08, R09: the 成果編號), a performance (R10: the 表現編號),
a course record (R15: that 課程代碼 of that student that term), an export row (R24, R25: the rows of that
student and term whose 項目鍵 the violation names, as pipelines/gate/exported.py row_item_keys makes
them). The per-student caps (R05, R07, R11, R12)
are applied to every row from the export models' cap flags (from their ranks): the items selected (or
uploaded) last go. All of it runs on whole columns (polars joins), not row by row.
Every in-scope violation is listed in the manifest's `excluded` as {rule, key, 學號, rows}, `rows` being
the file rows it removed (0 when the item was not in the file anyway, e.g. an R08 outcome that is
selected but not certified). A cap rule is listed per item left out (key: its 成果編號 / 表現編號), or,
when none of the student's extra items was in the file, once under the gate's own key with rows 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pipelines.export.layout import WHOLE_YEAR

TERM_ERROR_RULES = ("R13", "R14", "R15", "R23", "R24", "R25")
TERM_WARNING_RULES = ("R19",)
YEAR_ERROR_RULES = ("R01", "R02", "R03", "R04", "R05", "R06", "R07", "R08", "R09", "R10", "R11", "R12", "R13", "R14",
                    "R21", "R22", "R23", "R24", "R25", "R27")
YEAR_WARNING_RULES = ("R16", "R17", "R18", "R20", "R28")
# R26 never blocks: under `late_items: forfeit` its items are left out of every whole-year export (視同放棄)
# and listed in the manifest's `excluded`; under `warn` it is reported only.
FORFEIT_RULE = "R26"
FORFEIT_SUFFIX = "_forfeit"  # the R26 checks of a school whose late_items is forfeit (expectations/suites.py)

STUDENT_RULES = ("R13", "R14", "R23")
# R22's key is the item's id: an outcome's or a performance's (ids of the two never meet)
OUTCOME_RULES = ("R01", "R02", "R03", "R04", "R06", "R08", "R09", "R21", "R22", FORFEIT_RULE)
PERFORMANCE_RULES = ("R10", "R22", "R27", FORFEIT_RULE)
COURSE_RECORD_RULES = ("R15",)
EXPORT_ROW_RULES = ("R24", "R25")  # keyed by the export row's 項目鍵 (pipelines/gate/exported.py)
EXPORT_ROW = "export_row"
# model → (rule, the model's flag that is false for a row beyond that rule's cap), checked in this order
CAP_FLAGS: dict[str, tuple[tuple[str, str], ...]] = {
    "export_central__course_outcomes": (("R07", "is_within_selection_cap"), ("R05", "is_within_upload_cap")),
    "export_central__diverse_performances": (("R12", "is_within_selection_cap"), ("R11", "is_within_upload_cap")),
}


def rules_for(term: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(error rules that block, warning rules reported) for a term folder or the whole-year folder."""
    if term == WHOLE_YEAR:
        return YEAR_ERROR_RULES, YEAR_WARNING_RULES
    return TERM_ERROR_RULES, TERM_WARNING_RULES


@dataclass(frozen=True)
class Offence:
    """One in-scope error violation: the rule and the item it names."""

    rule: str
    key: str | None
    student_number: str | None
    term: int | None


@dataclass(frozen=True)
class GateVerdict:
    passed: bool
    errors: int
    warnings: int
    rules: tuple[str, ...]  # the error rules that decide this export
    failed_rules: tuple[str, ...]
    offences: tuple[Offence, ...]
    run_id: str | None = None
    as_of: str | None = None
    checked_at: str | None = None
    violations_by_rule: dict[str, int] = field(default_factory=dict)
    forfeited: tuple[Offence, ...] = ()  # R26 items the school's policy forfeits: always left out

    def manifest_block(self) -> dict[str, Any]:
        return {
            "passed": self.passed, "errors": self.errors, "warnings": self.warnings,
            "rules": list(self.rules), "failed_rules": list(self.failed_rules),
            "run_id": self.run_id, "as_of": self.as_of, "checked_at": self.checked_at,
        }


def _in_scope(row_term: int | None, term: int) -> bool:
    return term == WHOLE_YEAR or row_term is None or row_term == term


def verdict_for(gate_result, term: int) -> GateVerdict:
    """The verdict of a pipelines.gate GateResult for the folder of `term` (0: whole year)."""
    error_rules, warning_rules = rules_for(term)
    offences: list[Offence] = []
    forfeited: list[Offence] = []
    warnings = 0
    counts: dict[str, int] = {}
    for rule_result in gate_result.results:
        rows = [row for row in rule_result.rows if _in_scope(row.term, term)]
        if rule_result.id == FORFEIT_RULE and term == WHOLE_YEAR:
            forfeited.extend(Offence(FORFEIT_RULE, _text(row.key), _text(row.student_number), row.term)
                             for row in rows if row.check.endswith(FORFEIT_SUFFIX))
        elif rule_result.id in error_rules:
            counts[rule_result.id] = len(rows)
            offences.extend(Offence(rule_result.id, _text(row.key), _text(row.student_number), row.term) for row in rows)
        elif rule_result.id in warning_rules:
            warnings += len(rows)
    failed = tuple(rule for rule in error_rules if counts.get(rule))
    return GateVerdict(
        passed=not failed, errors=len(offences), warnings=warnings, rules=error_rules, failed_rules=failed,
        offences=tuple(offences), run_id=gate_result.run_id, as_of=gate_result.as_of.isoformat(),
        checked_at=gate_result.checked_at.isoformat(), violations_by_rule={rule: counts[rule] for rule in failed},
        forfeited=tuple(forfeited),
    )


def _text(value) -> str | None:
    return None if value is None else str(value)


@dataclass
class Exclusions:
    """What a partial export left out, in the manifest's `excluded` shape."""

    entries: dict[tuple[str, str | None, str | None], int] = field(default_factory=dict)

    def add(self, rule: str, key: str | None, student_number: str | None, rows: int = 0) -> None:
        entry = (rule, key, student_number)
        self.entries[entry] = self.entries.get(entry, 0) + rows

    @property
    def rows_left_out(self) -> int:
        return sum(self.entries.values())

    def manifest_list(self) -> list[dict[str, Any]]:
        return [{"rule": rule, "key": key, "學號": student_number, "rows": rows}
                for (rule, key, student_number), rows in sorted(self.entries.items(), key=lambda item: (
                    item[0][0], item[0][2] or "", item[0][1] or ""))]


_REASON = ("_rule", "_key", "_student")  # why a row is left out: rule, key, 學號 (rule null: kept)
_Lookups = dict[str, tuple[tuple[str, ...], pl.DataFrame | None]]


def _lookups(offences: Iterable[Offence]) -> _Lookups:
    """Per kind of item, (the row columns that identify it, item → the first offence naming it, rule order)."""
    students: dict[tuple, Offence] = {}
    outcomes: dict[tuple, Offence] = {}
    performances: dict[tuple, Offence] = {}
    course_records: dict[tuple, Offence] = {}
    export_rows: dict[tuple, Offence] = {}
    for offence in sorted(offences, key=lambda offence: offence.rule):
        if offence.rule in STUDENT_RULES and offence.student_number:
            students.setdefault((offence.student_number,), offence)
        if offence.rule in OUTCOME_RULES and offence.key:
            outcomes.setdefault((offence.key,), offence)
        if offence.rule in PERFORMANCE_RULES and offence.key:
            performances.setdefault((offence.key,), offence)
        if offence.rule in COURSE_RECORD_RULES:
            course_records.setdefault((offence.student_number, offence.key, offence.term), offence)
        if offence.rule in EXPORT_ROW_RULES and offence.key:
            export_rows.setdefault((offence.student_number, offence.term, offence.key), offence)
    return {
        "student": (("student_number",), _offence_table(students)),
        "export_central__course_outcomes": (("item_id",), _offence_table(outcomes)),
        "export_central__diverse_performances": (("item_id",), _offence_table(performances)),
        "export_central__course_records": (("student_number", "course_code", "term"), _offence_table(course_records)),
        EXPORT_ROW: (("student_number", "term", "_export_key"), _offence_table(export_rows)),
    }


def _offence_table(found: dict[tuple, Offence]) -> pl.DataFrame | None:
    """item → offence as a frame to join rows with: the item's columns as text (_on0, _on1, …), then the
    offence's rule, key and 學號 (_REASON); None when no offence names such an item. Built once per export
    folder: each of its models and item columns joins the same one."""
    if not found:
        return None
    width = len(next(iter(found)))
    return pl.DataFrame(
        [pl.Series(f"_on{index}", [None if key[index] is None else str(key[index]) for key in found], dtype=pl.String)
         for index in range(width)]
        + [pl.Series(name, [getattr(offence, field) for offence in found.values()], dtype=pl.String)
           for name, field in zip(_REASON, ("rule", "key", "student_number"))])


def _as_text(frame: pl.DataFrame, name: str, alias: str) -> pl.Series:
    """A row column as text, to compare with the offences' keys (a term compares as "1" on both sides);
    all null when the rows lack it, as row.get gave None."""
    if name not in frame.columns:
        return pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias(alias)
    return frame.get_column(name).cast(pl.String).alias(alias)


def _reasons(frame: pl.DataFrame, model: str, lookups: _Lookups) -> pl.DataFrame:
    """One row per model row: the rule, key and 學號 that leave it out (rule null: the row is kept).

    An offence naming the row's student comes first, then one naming the row's own item, then the first
    cap whose flag is false (a null flag is not beyond the cap; the key is then the row's item_id).
    """
    rule = pl.repeat(None, frame.height, dtype=pl.String, eager=True)
    for cap_rule, flag in reversed(CAP_FLAGS.get(model, ())):
        if flag in frame.columns and frame.schema[flag] == pl.Boolean:  # `is False`: 0 or None is not
            rule = frame.select(pl.when(pl.col(flag).eq(False)).then(pl.lit(cap_rule)).otherwise(rule)).to_series()
    reasons = pl.DataFrame([rule.alias("_rule"), _as_text(frame, "item_id", "_key"),
                            _as_text(frame, "student_number", "_student")])
    columns, table = lookups.get(model, ((), None))
    reasons = _match(reasons, pl.DataFrame([_as_text(frame, column, column) for column in columns]), table)
    columns, table = lookups.get(EXPORT_ROW, ((), None))
    if table is not None:
        from pipelines.gate.exported import row_item_keys

        student, term = _as_text(frame, "student_number", "_s"), _as_text(frame, "term", "_t")
        for key in row_item_keys(frame, model):
            reasons = _match(reasons, pl.DataFrame([student, term, key.cast(pl.String)]), table)
    columns, table = lookups.get("student", ((), None))  # the student's offence is applied last: it wins
    return _match(reasons, pl.DataFrame([_as_text(frame, column, column) for column in columns]), table)


def _match(reasons: pl.DataFrame, keys: pl.DataFrame, table: pl.DataFrame | None) -> pl.DataFrame:
    """`reasons` with the offence whose item is the row's (its key columns in `keys`, in the lookup's
    order) put in where one is found in `table` (`_offence_table`)."""
    if table is None:
        return reasons
    on = [f"_on{index}" for index in range(keys.width)]
    match = keys.rename(dict(zip(keys.columns, on))).join(table, on=on, how="left", nulls_equal=True,
                                                            maintain_order="left")
    return match.select(pl.when(pl.col("_rule").is_not_null()).then(pl.col(name)).otherwise(previous)
                        for name, previous in zip(_REASON, reasons.get_columns()))


def _key_frame(rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """The columns exclusions read, from row dicts (as the tests build them)."""
    names = ("student_number", "item_id", "course_code", "term", *(flag for flags in CAP_FLAGS.values() for _, flag in flags),
             *(name for row in rows for name in row))  # the rest: the columns an export row's 項目鍵 is made of
    return pl.DataFrame({name: pl.Series(name, [row.get(name) for row in rows], strict=False)
                         for name in dict.fromkeys(names)}, height=len(rows))


def apply_exclusions(rows_by_model: Mapping[str, pl.DataFrame | Sequence[dict[str, Any]]], verdict: GateVerdict,
                     *, partial: bool) -> tuple[dict[str, Any], Exclusions]:
    """The rows to write per model (a frame for a frame, a list of the same dicts for a list), and what
    was left out.

    The caps always hold (when the gate passes no row is beyond one), and so does the school's forfeit of
    late items (R26, `late_items: forfeit`). Gate offences remove rows only in a partial export: an
    export that is not partial is only written when the gate passed. Vectorised: a
    national export reads ~30 million rows, and the common case (no offence, no row beyond a cap) keeps
    each frame as it is.
    """
    exclusions = Exclusions()
    lookups = _lookups([*(verdict.offences if partial else ()), *verdict.forfeited])
    cap_rules = {rule for flags in CAP_FLAGS.values() for rule, _ in flags}
    for offence in [*(verdict.offences if partial else ()), *verdict.forfeited]:
        if offence.rule not in cap_rules:
            exclusions.add(offence.rule, offence.key, offence.student_number)
    kept: dict[str, Any] = {}
    for model, rows in rows_by_model.items():
        frame = rows if isinstance(rows, pl.DataFrame) else _key_frame(rows)
        reasons = _reasons(frame, model, lookups)
        left_out = reasons.get_column("_rule").is_not_null()
        if not left_out.any():
            kept[model] = rows if isinstance(rows, pl.DataFrame) else list(rows)
            continue
        counted = reasons.filter(left_out).group_by(_REASON, maintain_order=True).len()
        for rule, key, student, count in counted.iter_rows():
            exclusions.add(rule, key, student, count)
        if isinstance(rows, pl.DataFrame):
            kept[model] = rows.filter(~left_out)
        else:
            kept[model] = [row for row, out in zip(rows, left_out.to_list()) if not out]
    if partial:
        # a cap violation whose extra items were not in the file anyway (e.g. uploads beyond the cap that
        # nobody selected) is still listed, under the gate's own key, so every violation is accounted for
        dropped = {(rule, student) for rule, _, student in exclusions.entries}
        for offence in verdict.offences:
            if offence.rule in cap_rules and (offence.rule, offence.student_number) not in dropped:
                exclusions.add(offence.rule, offence.key, offence.student_number)
    return kept, exclusions


def stored_gate_result(warehouse, school: str, year: int, *, con=None):
    """The latest whole-year gate run of a school and year as stored in the warehouse (gate.runs,
    gate.rule_violations), rebuilt as a GateResult; None when there is none. Read on `con` when given.

    Used where the gate has just run (the Dagster export asset sits downstream of it, the demo follows
    the build): the export then acts on exactly the verdict the gate recorded, without running it again.
    """
    from expectations.rules import RULES
    from expectations.runner import RuleResult, Violation
    from pipelines.gate.core import GateResult
    from pipelines.warehouse import connect, table_exists

    if con is None:
        with connect(warehouse, read_only=True) as own:
            return stored_gate_result(warehouse, school, year, con=own)
    if not (table_exists(con, "gate", "runs") and table_exists(con, "gate", "rule_violations")):
        return None
    runs = con.execute("""
        select run_id, as_of, checked_at from gate.runs
        where school_code = ? and academic_year = ? and term is null
        order by checked_at desc, run_id desc limit 1""", [school, year]).fetchall()
    if not runs:
        return None
    run_id, as_of, checked_at = runs[0]
    rows = con.execute("""
        select rule_id, check_name, student_number, class_code, seat_number, item_key, value, limit_value, item_term
        from gate.rule_violations where run_id = ?""", [run_id]).fetchall()
    by_rule: dict[str, list] = {}
    for rule_id, check, student, class_code, seat, key, value, limit, term in rows:
        by_rule.setdefault(rule_id, []).append(Violation(
            rule_id=rule_id, check=check, student_number=student, class_code=class_code, seat_number=seat, key=key,
            value=value, limit=limit, term=None if term is None else int(term)))
    return GateResult(school=school, academic_year=year, term=None, as_of=as_of,
                      results=tuple(RuleResult(rule, tuple(by_rule.get(rule.id, ()))) for rule in RULES),
                      run_id=run_id, checked_at=checked_at)
