"""學籍異動: one person per national ID across schools, each counted once per term (fct_national_student_terms).

Built by dbt from the two schools of schools_fixture (tests/ops/conftest.py): one test per status change.
"""

from __future__ import annotations

import pytest

from tests.ops.schools_fixture import IDS, SCHOOL_A, SCHOOL_B

COLUMNS = "school_code, student_number, enrolment_status, is_counted, has_enrolment_conflict, previous_school_code, has_changed_school"


@pytest.fixture(scope="module")
def national(ops_sample):
    def terms(person: str) -> dict[tuple[int, int], tuple]:
        rows = ops_sample.query(f"select academic_year, term, {COLUMNS} from marts.fct_national_student_terms "
                                "where person_key = ? order by 1, 2", [IDS[person] or f"school:{SCHOOL_A}:A08"])
        return {(year, term): rest for year, term, *rest in rows}
    return terms


def test_transfer_the_new_school_holds_and_the_old_keeps_its_terms(national):
    terms = national("S02")
    assert terms[(113, 1)] == [SCHOOL_A, "A02", "在學", True, False, None, False]
    assert terms[(113, 2)] == [SCHOOL_B, "B0002", "轉入", True, False, SCHOOL_A, True]


def test_transfer_not_yet_registered_at_the_old_school_counts_once_and_is_flagged(national):
    assert national("S07")[(113, 2)][:5] == [SCHOOL_B, "B0007", "轉入", True, True]


def test_suspension_then_reenrolment_counts_only_the_term_back(national):
    terms = national("S03")
    assert [terms[(113, 1)][2:4], terms[(113, 2)][2:4]] == [["休學", False], ["復學", True]]


def test_repeat_year_counts_both_years_and_keeps_the_earlier_one(national):
    terms = national("S04")
    assert sorted(terms) == [(112, 2), (113, 1), (113, 2)]
    assert all(row[0] == SCHOOL_A and row[3] for row in terms.values())
    assert terms[(113, 1)][2] == "重讀"


def test_graduation_and_withdrawal_are_not_counted(national):
    assert national("S05")[(111, 2)][2:4] == ["畢業", False]
    assert national("S06")[(113, 1)][2:4] == ["退學", False]


def test_a_row_without_national_id_is_its_own_person(ops_sample):
    assert ops_sample.query("select has_national_id, is_counted from marts.fct_national_student_terms "
                            "where person_key = ?", [f"school:{SCHOOL_A}:A08"]) == [(False, True)]


def test_the_ministry_count_has_each_person_once_per_term(ops_sample):
    # 113-2: S01, S02 (B), S03, S04, S07 (B; A too), S08 → 6 people, though the schools list 7 enrolments
    assert ops_sample.query("select students_enrolled, school_enrolments, enrolment_conflicts "
                            "from marts.fct_national_term_counts where academic_year = 113 and term = 2") == [(6, 7, 1)]
