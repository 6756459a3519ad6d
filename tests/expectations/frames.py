"""Small clean gate frames, one or two rows each, as dbt's marts/gate models and the gate's preparation
leave them. A test breaks one value and checks that exactly the rule it belongs to fails."""

from __future__ import annotations

import copy
import datetime as dt

import pandas as pd

from pipelines.policy import DEFAULT_POLICY

POLICY = DEFAULT_POLICY
T = pd.Timestamp


def _outcome(outcome_id: str, **changes) -> dict:
    row = {
        "school_code": "999001", "academic_year": 113, "term": 1, "outcome_id": outcome_id, "item_key": outcome_id,
        "student_number": "1130001", "is_own_upload": True, "class_code": "101", "seat_number": 1, "item_grade": 1,
        "course_code": "113999001H301CHI1000101", "summary_chars": 100, "has_file": True,
        "document_file_type": "pdf", "document_bytes": POLICY.document_max_bytes,
        "video_file_type": None, "video_bytes": None, "has_course_record": True,
        "uploaded_at": T("2025-01-10 10:00"), "upload_deadline_date": T("2025-02-03"), "upload_days_late": -24,
        "certification_state": "認證通過", "is_awaiting_certification": False,
        "submitted_at": T("2025-01-10 10:00"), "certification_deadline_date": T("2025-02-10"),
        "certifying_teacher_code": "T001", "certifying_teacher_name": "國文甲",
        # added by the gate from --as-of
        "as_of_date": "2025-02-01", "pending_days": None, "days_past_certification_deadline": -9,
        "needs_proxy": False, "proxy_code": None, "proxy_name": None, "proxy_step": None,
        "carries_credits": True, "is_on_register": True,
        "certified_by_teacher_code": "T001", "certified_date": T("2025-01-12"), "is_certified_by_other_teacher": False,
        "is_certifier_accepted": True, "is_changed_after_certification": False,
    }
    row.update(changes)
    return row


CLEAN: dict[str, list[dict]] = {
    "fct_gate_course_outcomes": [
        _outcome("CO-1"),
        _outcome("CO-2", term=1, summary_chars=1, document_file_type=None, document_bytes=None,
                 video_file_type="mp4", video_bytes=POLICY.video_max_bytes, upload_days_late=0,
                 certification_state="待認證", is_awaiting_certification=True, pending_days=POLICY.certification_days_after_upload,
                 days_past_certification_deadline=0),
    ],
    "fct_gate_student_terms": [
        {"school_code": "999001", "academic_year": 113, "term": 1, "student_number": "1130001", "item_key": "113-1",
         "class_code": "101", "seat_number": 1, "course_outcome_uploads": POLICY.course_outcome_upload_cap_per_term},
    ],
    "fct_gate_failed_certifications": [
        {"school_code": "999001", "academic_year": 113, "term": 1, "outcome_id": "CO-1", "item_key": "CO-1",
         "student_number": "1130001", "class_code": "101", "seat_number": 1, "teacher_code": "T001",
         "reason_required_events": 1, "events_without_reason": 0, "last_event_without_reason_at": None,
         "has_reason": True},
    ],
    "fct_gate_selections": [
        {"school_code": "999001", "academic_year": 113, "student_number": "1130001", "item_type": "課程學習成果",
         "item_kind": "course_outcome", "item_id": "CO-1", "item_key": "CO-1", "class_code": "101", "seat_number": 1,
         "is_selected": True, "selected_at": T("2025-08-15 23:00"), "selection_deadline_date": T("2025-08-15"), "selection_days_late": 0,
         "certification_state": "認證通過", "is_student_entered": False, "is_on_register": True},
        {"school_code": "999001", "academic_year": 113, "student_number": "1130001", "item_type": "多元表現",
         "item_kind": "diverse_performance", "item_id": "DP-1", "item_key": "DP-1", "class_code": "101", "seat_number": 1,
         "is_selected": True, "selected_at": T("2025-08-01 10:00"), "selection_deadline_date": None, "selection_days_late": None,
         "certification_state": None, "is_student_entered": True, "is_on_register": True},
    ],
    "fct_gate_student_years": [
        {"school_code": "999001", "academic_year": 113, "student_number": "1130001", "item_key": "113",
         "class_code": "101", "seat_number": 1,
         "selected_course_outcomes": POLICY.course_outcome_selection_cap_per_year,
         "student_entered_performances": POLICY.diverse_upload_cap_per_year,
         "selected_student_entered_performances": POLICY.diverse_selection_cap_per_year},
    ],
    "fct_gate_diverse_performances": [
        {"school_code": "999001", "academic_year": 113, "performance_id": "DP-1", "item_key": "DP-1",
         "student_number": "1130001", "is_own_entry": True, "class_code": "101", "seat_number": 1, "entry_source": "學生自填",
         "is_student_entered": True, "summary_chars": POLICY.summary_max_chars, "document_file_type": "png",
         "document_bytes": 1000, "video_file_type": None, "video_bytes": None, "external_url": "https://example.org/a",
         "has_proof": True, "is_on_register": True, "uploaded_at": T("2025-07-31 23:00"),
         "diverse_entry_deadline_date": T("2025-07-31"), "entry_days_late": 0},
        {"school_code": "999001", "academic_year": 113, "performance_id": "DP-2", "item_key": "DP-2",
         "student_number": "1130001", "is_own_entry": True, "class_code": "101", "seat_number": 1, "entry_source": "學校登錄",
         "is_student_entered": False, "summary_chars": 1, "document_file_type": None,
         "document_bytes": None, "video_file_type": "mp3", "video_bytes": 5, "external_url": None,
         "has_proof": True, "is_on_register": True, "uploaded_at": T("2025-08-05 10:00"),
         "diverse_entry_deadline_date": T("2025-07-31"), "entry_days_late": 5},  # 學校登錄: no student window
    ],
    "fct_gate_students": [
        {"school_code": "999001", "academic_year": 113, "student_number": "1130001", "item_key": "1130001",
         "class_code": "101", "seat_number": 1, "national_id_masked": "A12****789", "is_national_id_valid": True,
         "grade": 1, "birth_date": T("2009-03-01"), "has_birth_date": True, "entry_age": 15},
    ],
    "fct_gate_identities": [
        {"school_code": "999001", "academic_year": 113, "term": 1, "student_number": sn, "item_key": sn,
         "class_code": "101", "seat_number": seat, "national_id_masked": masked, "enrolment_status": "在學",
         "is_national_id_valid": True, "national_id_digest": digest}
        for sn, seat, masked, digest in [("1130001", 1, "A12****789", "d1"), ("1130002", 2, "B22****782", "d2")]
    ],
    "fct_gate_course_records": [
        {"school_code": "999001", "academic_year": 113, "term": 1, "student_number": "1130001",
         "course_code": "113999001H301CHI1000101", "record_kind": "學期", "item_key": "113999001H301CHI1000101",
         "class_code": "101", "seat_number": 1, "is_course_code_valid": True, "score": 60.0, "is_passed": True},
        {"school_code": "999001", "academic_year": 113, "term": 1, "student_number": "1130001",
         "course_code": "113999001H301MAT1000101", "record_kind": "學期", "item_key": "113999001H301MAT1000101",
         "class_code": "101", "seat_number": 1, "is_course_code_valid": True, "score": 59.9, "is_passed": False},
    ],
    "fct_gate_exported_codes": [
        {"school_code": "999001", "academic_year": 113, "term": 1, "student_number": "1130001", "class_code": "101",
         "seat_number": 1, "item_key": "學籍狀態：A123456789", "code": "在學", "code_list": "xwalk_enrolment_statuses",
         "is_known_code": True},
    ],
    "fct_gate_exported_rows": [
        {"school_code": "999001", "academic_year": 113, "term": 1, "student_number": "1130001", "class_code": "101",
         "seat_number": 1, "sheet_name": "學生成績名冊/學期成績", "item_key": f"學生成績名冊/學期成績：{code}",
         "rows_sharing_key": 1}
        for code in ("113999001H301CHI1000101", "113999001H301MAT1000101")
    ],
}


def clean_frames() -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame(copy.deepcopy(rows)) for name, rows in CLEAN.items()}


def frames_with(frame: str, row: int, **changes) -> dict[str, pd.DataFrame]:
    """The clean frames with some values of one row changed."""
    rows = copy.deepcopy(CLEAN)
    rows[frame][row].update(changes)
    return {name: pd.DataFrame(values) for name, values in rows.items()}


def frames_plus(frame: str, *extra: dict) -> dict[str, pd.DataFrame]:
    """The clean frames with rows appended to one frame."""
    rows = copy.deepcopy(CLEAN)
    rows[frame].extend(extra)
    return {name: pd.DataFrame(values) for name, values in rows.items()}


AS_OF = dt.date(2025, 2, 1)
