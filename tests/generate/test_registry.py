"""Contract v2's additions to the generated admin files (pipelines/generate/registry.py)."""

import polars as pl
import pytest

from pipelines.contract import seed_codes
from pipelines.generate.plan import plan_school
from pipelines.generate.school import build_frames

SEEDED = {  # generated column → (seed, code column)
    ("students", "special_identity_code"): ("xwalk_special_identities", "special_identity_code"),
    ("students", "indigenous_people_code"): ("xwalk_indigenous_peoples", "indigenous_people_code"),
    ("students", "indigenous_status_code"): ("xwalk_indigenous_statuses", "indigenous_status_code"),
    ("students", "admission_method_code"): ("xwalk_admission_methods", "admission_method_code"),
    ("students", "class_type"): ("xwalk_class_types", "class_type_code"),
    ("students", "cluster_code"): ("xwalk_clusters", "cluster_code"),
    ("students", "program_code"): ("xwalk_programs", "program_code"),
    ("students", "division_code"): ("xwalk_divisions", "division_code"),
    ("course_records", "credit_counted_code"): ("xwalk_credit_counted_codes", "export_code"),
    ("course_records", "make_up_method_code"): ("xwalk_make_up_methods", "make_up_method_code"),
    ("course_records", "retake_method_code"): ("xwalk_retake_methods", "retake_method_code"),
    ("course_records", "transfer_identity_code"): ("xwalk_transfer_identities", "transfer_identity_code"),
    ("visiting_studies", "host_cluster_code"): ("xwalk_clusters", "cluster_code"),
    ("visiting_studies", "host_program_code"): ("xwalk_programs", "program_code"),
}


def frames_of(index: int, students: int = 400) -> tuple:
    plan = plan_school(index, f"01330{index}", students, (112, 113), 5, 0.0, False)
    return plan, build_frames(plan)


@pytest.fixture(scope="module")
def current():
    plan, frames = frames_of(0)
    assert not plan.legacy_layout
    return frames


def test_every_generated_code_is_in_its_seed(current):
    for (kind, column), (seed, code_column) in SEEDED.items():
        values = set(current[kind][column].drop_nulls().cast(pl.String).to_list())
        assert values, (kind, column)
        assert values <= set(seed_codes(seed, code_column)), (kind, column, values)


def test_each_kind_carries_its_own_fields_and_the_term_it_stands_for(current):
    records = current["course_records"]
    for kind, own in (("補修", "make_up_method_code"), ("重修", "retake_method_code"), ("轉學轉科", "transfer_identity_code")):
        rows = records.filter(pl.col("record_kind") == kind)
        assert rows.height and rows[own].null_count() == 0, kind
        assert records.filter(pl.col("record_kind") != kind)[own].null_count() == records.height - rows.height
    retakes = records.filter(pl.col("record_kind") == "重修")
    assert (retakes["origin_academic_year"] == retakes["academic_year"] - 1).all()
    assert (retakes["origin_term"] == retakes["term"]).all()
    make_ups = records.filter(pl.col("record_kind") == "補修")
    assert (make_ups["origin_term"] != make_ups["term"]).all()
    assert records.filter(pl.col("record_kind") == "學期")["origin_academic_year"].null_count() == \
        records.filter(pl.col("record_kind") == "學期").height


def test_visiting_students_are_attending_students_of_that_term(current):
    visiting = current["visiting_studies"]
    assert visiting.height
    students = current["students"].select("academic_year", "term", "student_number")
    assert visiting.join(students, on=["academic_year", "term", "student_number"], how="anti").height == 0
    assert (visiting["application_start_date"] < visiting["application_end_date"]).all()


def test_a_school_in_the_old_layout_delivers_flags_and_no_v2_values():
    plan, frames = frames_of(2)
    assert plan.legacy_layout
    assert set(frames["course_records"]["credit_counted_code"].unique().to_list()) <= {"0", "1"}
    assert "origin_academic_year" not in frames["course_records"].columns
    assert "admission_method_code" not in frames["students"].columns
    assert frames["visiting_studies"].height == 0
