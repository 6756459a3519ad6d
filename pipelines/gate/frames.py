"""What the gate adds to dbt's narrow frames before GX sees them.

- "Now": R17 and R18 depend on the day the gate runs. It is `as_of` (the CLI's --as-of, default today),
  never the clock, so a result can be reproduced: days pending, days past the certification deadline,
  whether the certifying teacher needs a proxy by then (a status in the school's proxy_needed_for), and
  the proxy who should act instead.
- R28: whether an outcome certified by another teacher was certified by the proxy the school's order
  named on the day of the 認證通過 (pipelines/gate/proxy.py is_proxy_certifier).
- National IDs: validity by the one checksum definition (pipelines/identity.py) and a digest to find
  duplicates; the whole ID is dropped from the frame before validation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from expectations.runner import GateFrames
from pipelines.gate.proxy import Teacher, choose_proxy, is_proxy_certifier, teachers_from_records
from pipelines.identity import is_valid_national_id, national_id_digest

PENDING = "待認證"


def prepare_frames(gate_frames: GateFrames, policy, as_of: dt.date) -> dict[str, pd.DataFrame]:
    frames = dict(gate_frames.frames)
    teachers = teachers_from_records(gate_frames.teachers.to_dict("records")) if len(gate_frames.teachers) else {}
    if "fct_gate_course_outcomes" in frames:
        frames["fct_gate_course_outcomes"] = add_as_of_facts(frames["fct_gate_course_outcomes"], teachers, policy, as_of)
    for name in ("fct_gate_students", "fct_gate_identities"):
        if name in frames:
            frames[name] = add_identity_facts(frames[name])
    return frames


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, errors="coerce").dt.normalize()


def add_as_of_facts(outcomes: pd.DataFrame, teachers: Mapping[str, Teacher], policy, as_of: dt.date) -> pd.DataFrame:
    outcomes = outcomes.copy()
    today = pd.Timestamp(as_of)
    pending = outcomes["certification_state"] == PENDING
    outcomes["as_of_date"] = as_of.isoformat()
    outcomes["pending_days"] = ((today - _dates(outcomes["submitted_at"])).dt.days).where(pending)
    outcomes["days_past_certification_deadline"] = (today - _dates(outcomes["certification_deadline_date"])).dt.days

    needs_proxy, proxy_code, proxy_name, proxy_step = [], [], [], []
    for teacher_code, grade in zip(outcomes["certifying_teacher_code"], outcomes["item_grade"]):
        teacher = teachers.get(teacher_code) if isinstance(teacher_code, str) else None
        needed = teacher is not None and teacher.needs_proxy(as_of, policy.proxy_needed_for)
        choice = choose_proxy(teacher, teachers, policy.proxy_order, grade=_grade(grade), as_of=as_of) if needed else None
        needs_proxy.append(needed)
        proxy_code.append(choice.teacher.code if choice else None)
        proxy_name.append(choice.teacher.name if choice else None)
        proxy_step.append(choice.step_label if choice else None)
    outcomes["needs_proxy"] = pd.Series(needs_proxy, index=outcomes.index, dtype=bool)
    outcomes["proxy_code"] = pd.Series(proxy_code, index=outcomes.index, dtype=object)
    outcomes["proxy_name"] = pd.Series(proxy_name, index=outcomes.index, dtype=object)
    outcomes["proxy_step"] = pd.Series(proxy_step, index=outcomes.index, dtype=object)
    outcomes["is_certifier_accepted"] = pd.Series(
        [certifier_accepted(row, teachers, policy) for row in outcomes.to_dict("records")], index=outcomes.index, dtype=bool)
    return outcomes


def certifier_accepted(outcome: Mapping, teachers: Mapping[str, Teacher], policy) -> bool:
    """R28's certifier check of one outcome row (the assigned teacher always is; another only as the proxy)."""
    if not outcome["is_certified_by_other_teacher"]:
        return True
    code = outcome["certifying_teacher_code"]
    certified = outcome["certified_date"]
    return is_proxy_certifier(
        outcome["certified_by_teacher_code"], teachers.get(code) if isinstance(code, str) else None, teachers, policy,
        grade=_grade(outcome["item_grade"]), on=None if pd.isna(certified) else pd.Timestamp(certified).date())


def _grade(grade) -> int | None:
    return None if pd.isna(grade) else int(grade)


def add_identity_facts(students: pd.DataFrame) -> pd.DataFrame:
    students = students.copy()
    ids = [value if isinstance(value, str) else None for value in students["national_id"]]
    students["is_national_id_valid"] = pd.Series([is_valid_national_id(value) for value in ids],
                                                 index=students.index, dtype=bool)
    students["national_id_digest"] = pd.Series([national_id_digest(value) for value in ids],
                                               index=students.index, dtype=object)
    return students.drop(columns=["national_id"])
