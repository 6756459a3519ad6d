"""One school, end to end: build the frames, inject violations, compute its truth, write its folder.

Runs in a worker process for big generations; everything it needs is in ``SchoolJob`` and
everything it returns is small (truth rows and counters), so schools are independent and the
output does not depend on how many processes ran them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.contract import FILES
from pipelines.generate import inject
from pipelines.generate.admin import build_admin
from pipelines.generate.plan import SchoolPlan, plan_school, rng_for
from pipelines.generate.platform import (
    OUTCOME_COLUMNS, assign_scenarios, attach_teachers, build_events, build_outcomes, build_performances,
    build_selections,
)
from pipelines.generate.register import keep_on_register
from pipelines.generate.registry import add_course_record_fields, add_student_attributes, build_visiting_studies
from pipelines.generate.render import render, undecodable_bytes
from pipelines.generate.transfer import (
    Leaver, Transfer, describe_leaver, drop_leavers_selections, imported_selections, keep_identity, transfer_truth,
)
from pipelines.generate.truth import compute_truth, outcome_states

QUARANTINE_SCHEMA = {"school_code": pl.String, "source_file": pl.String, "source_line": pl.Int64,
                     "field": pl.String, "reason": pl.String}


@dataclass(frozen=True)
class SchoolJob:
    index: int
    code: str
    out: Path
    students: int
    years: tuple[int, int]
    seed: int
    error_rate: float
    as_of: date
    undecodable: bool
    transfer: Transfer | None = None  # this school's end of the cross-school transfer (transfer.py)


@dataclass
class SchoolResult:
    code: str
    plan_summary: dict
    files_written: int
    rows_written: int
    counts: pl.DataFrame
    violations: pl.DataFrame
    quarantine: pl.DataFrame
    seconds: float
    leaver: Leaver | None = None  # the sending school's: who moved and what he left (the receiving job's input)
    transfers: pl.DataFrame | None = None  # the receiving school's: _truth/transfers.csv rows


def build_frames(plan: SchoolPlan, transfer: Transfer | None = None) -> dict[str, pl.DataFrame]:
    """Every file's rows as typed frames (contract English names, plus ``_`` bookkeeping columns); with a
    transfer, also ``_persons`` (who moved: transfer.py), which is no file."""
    rngs = [rng_for(plan.seed, plan.index, 10 + i) for i in range(24)]
    admin = build_admin(plan, rngs[:11], transfer)
    # a leaver's items stop at the 學籍異動日期 (R22); a school with errors keeps one performance entered after it
    outcomes = keep_on_register(build_outcomes(plan, rngs[11], admin.course_records), admin.students, "uploaded_at",
                                per_term=True)
    outcomes = attach_teachers(outcomes, admin.teachers)
    outcomes = inject.outcome_defects(plan, rngs[12], outcomes)
    outcomes = assign_scenarios(plan, rngs[13], outcomes, admin.teachers)
    events = build_events(plan, rngs[14], outcomes, admin.teachers)
    events = inject.event_defects(plan, rngs[15], events)
    performances = keep_on_register(build_performances(plan, rngs[16], admin.students, admin.cadres), admin.students,
                                    "uploaded_at", per_term=False, spare=int(plan.error_rate > 0))
    performances = inject.performance_defects(plan, rngs[17], performances)
    selections = keep_on_register(build_selections(plan, rngs[18], outcomes, outcome_states(events), performances),
                                  admin.students, "selected_at", per_term=False)
    if transfer is not None and transfer.role == "out":
        selections = drop_leavers_selections(selections, admin.persons, plan.terms[-1].academic_year)
    elif transfer is not None:
        selections = imported_selections(plan, rng_for(plan.seed, plan.index, 54), selections, admin.persons,
                                         transfer.leaver)
    # contract v2's additions, on streams of their own (rng_for stages 50-52): the rows above stay the same
    course_records = add_course_record_fields(plan, rng_for(plan.seed, plan.index, 50), admin.course_records)
    records = inject.course_record_defects(plan, rngs[19], course_records, outcomes)
    records, outcomes = inject.credit_defects(plan, rngs[21], records, outcomes)
    registered = add_student_attributes(plan, rng_for(plan.seed, plan.index, 51), admin.students)
    students = inject.student_defects(plan, rngs[20], registered)
    students = inject.code_defects(plan, rng_for(plan.seed, plan.index, 53), students)
    if transfer is not None:
        students = keep_identity(students, admin.persons)
    visiting = build_visiting_studies(plan, rng_for(plan.seed, plan.index, 52), admin.students)
    frames = {
        "students": students,
        "classes": admin.classes,
        "teachers": admin.teachers,
        "course_records": records,
        "cadres": admin.cadres,
        "counselling_sessions": admin.counselling_sessions,
        "absences": inject.absence_defects(plan, rng_for(plan.seed, plan.index, 54), admin.absences),
        "course_outcomes": outcomes.select(*OUTCOME_COLUMNS, "_ti", "_pid", "_scenario"),
        "certification_events": events,
        "diverse_performances": performances,
        "selections": selections,
        "autobiographies": admin.autobiographies,
        "visiting_studies": visiting,
    }
    if transfer is not None:
        frames["_persons"] = admin.persons
    return frames


def generate_school(job: SchoolJob) -> SchoolResult:
    started = time.perf_counter()
    plan = plan_school(job.index, job.code, job.students, job.years, job.seed, job.error_rate, job.undecodable)
    frames = build_frames(plan, job.transfer)
    if plan.undecodable_kind is not None:  # that file is rejected whole: none of its rows count
        frames[plan.undecodable_kind] = frames[plan.undecodable_kind].clear()
    counts, violations = compute_truth(plan, frames, job.as_of)

    root = job.out / plan.code
    files = rows = 0
    quarantine: list[tuple] = []
    if plan.policy_yaml is not None:
        root.mkdir(parents=True, exist_ok=True)
        (root / "policy.yaml").write_text(plan.policy_yaml, encoding="utf-8")
        files += 1
    formats: dict[str, str] = {}
    for position, spec in enumerate(spec for spec in FILES if not spec.after_submission):
        folder = root / spec.folder
        folder.mkdir(parents=True, exist_ok=True)
        rng = rng_for(plan.seed, plan.index, 100 + position)
        if spec.kind == plan.undecodable_kind:
            path = folder / f"{spec.label}.csv"
            path.write_bytes(undecodable_bytes(rng))
            quarantine.append((plan.code, _relative(job.out, path), None, None, "undecodable"))
            formats[spec.label] = "csv/undecodable"
            files += 1
            continue
        fmt = plan.formats[spec.kind]
        rendered = render(spec, frames[spec.kind], fmt, rng, plan.error_rate)
        path = folder / f"{spec.label}.{rendered.extension}"
        path.write_bytes(rendered.data)
        files += 1
        rows += rendered.rows
        formats[spec.label] = f"{rendered.extension}/{fmt.encoding}" if fmt.encoding else rendered.extension
        relative = _relative(job.out, path)
        quarantine.extend((plan.code, relative, line, field, reason) for line, field, reason in rendered.quarantine)

    summary = {
        "school_code": plan.code,
        "policy_yaml": plan.has_policy,
        "course_outcome_upload_cap_per_term": plan.limits.course_outcome_upload_cap_per_term,
        "certification_days_after_upload": plan.limits.certification_days_after_upload,
        "students_first_term": int(frames["students"].filter(pl.col("_ti") == 0).height),
        "teachers_departed": frames["teachers"].filter(pl.col("_leaver"))["teacher_code"].to_list(),
        "files": formats,
    }
    leaver = transfers = None
    if job.transfer is not None and job.transfer.role == "out":
        leaver = describe_leaver(plan, frames["_persons"], frames)
    elif job.transfer is not None:
        transfers = transfer_truth(job.transfer.leaver, plan.code, frames, frames["_persons"])
    return SchoolResult(
        code=plan.code, plan_summary=summary, files_written=files, rows_written=rows, counts=counts,
        violations=violations, quarantine=pl.DataFrame(quarantine, schema=QUARANTINE_SCHEMA, orient="row"),
        seconds=time.perf_counter() - started, leaver=leaver, transfers=transfers,
    )


def _relative(out: Path, path: Path) -> str:
    return path.relative_to(out).as_posix()
