"""Reminder lists: the right people, for the deadlines each school's policy sets, N days ahead."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines.ops.reminders import collect_reminders, store_reminders
from tests.ops.schools_fixture import (
    AS_OF_CERTIFICATION,
    AS_OF_SELECTION,
    AS_OF_UPLOAD,
    SCHOOL_A,
    SCHOOL_B,
    write_receipt,
)


def rows(reminders, school, kind):
    return [row for row in reminders.rows if row["school_code"] == school and row["deadline_kind"] == kind]


@pytest.fixture(scope="module")
def before_upload(ops_sample):
    return collect_reminders(ops_sample.warehouse, AS_OF_UPLOAD, days=7)


def test_the_deadlines_come_from_each_schools_policy(before_upload):
    assert sorted((d["school_code"], d["deadline_kind"], d["deadline_date"], d["days_left"]) for d in before_upload.deadlines) == [
        (SCHOOL_A, "upload", dt.date(2025, 7, 14), 6), (SCHOOL_B, "upload", dt.date(2025, 7, 10), 2)]


def test_deadlines_further_than_n_days_are_not_reminded(ops_sample):
    assert collect_reminders(ops_sample.warehouse, AS_OF_UPLOAD, days=1).deadlines == []


def test_upload_lists_go_to_each_students_homeroom_teacher(before_upload):
    listed = {(row["student_number"], row["class_code"], row["recipient_code"], row["recipient_role"]): row["detail"]
              for row in rows(before_upload, SCHOOL_A, "upload")}
    assert listed == {
        ("A01", "101", "T01", "導師"): "本學期尚未上傳任何課程學習成果",
        ("A03", "102", "T02", "導師"): "1 件已上傳但未送出認證",
        ("A07", "101", "T01", "導師"): "本學期尚未上傳任何課程學習成果",
    }  # A02 transferred out and A06 withdrew: not the school's to remind; A04, A08 sent theirs


def test_certification_lists_go_to_the_teacher_or_the_proxy_with_the_chain(ops_sample):
    reminders = collect_reminders(ops_sample.warehouse, AS_OF_CERTIFICATION, days=7)
    by_outcome = {row["outcome_id"]: row for row in rows(reminders, SCHOOL_A, "certification")}
    assert set(by_outcome) == {"CO-A2", "CO-A3"}

    waiting = by_outcome["CO-A3"]
    assert (waiting["recipient_code"], waiting["recipient_role"], waiting["pending_days"], waiting["is_overdue"]) == \
        ("T01", "認證教師", 25, True)

    proxied = by_outcome["CO-A2"]
    assert (proxied["recipient_code"], proxied["recipient_role"], proxied["original_teacher_code"]) == ("T02", "代理認證教師", "T03")
    assert proxied["proxy_chain"] == "指定代理教師：林已離（T09） 已離職 → 同科目同年級教師：李數學（T02）（選定）"
    assert [p["outcome_id"] for p in reminders.proxies] == ["CO-A2"]


def test_lists_name_students_items_and_teachers_not_only_their_codes(ops_sample):
    reminders = collect_reminders(ops_sample.warehouse, AS_OF_CERTIFICATION, days=7)
    by_outcome = {row["outcome_id"]: row for row in rows(reminders, SCHOOL_A, "certification")}
    assert (by_outcome["CO-A3"]["student_name"], by_outcome["CO-A3"]["item_label"]) == ("學生S08", "成果CO-A3：一段簡述…")
    assert "原認證教師 張離職（T03） 離職，由您代理認證" in by_outcome["CO-A2"]["detail"]
    [proxied] = reminders.proxies
    assert (proxied["student_name"], proxied["item_label"]) == ("學生S04", "成果CO-A2：一段簡述…")


def test_selection_lists_name_students_who_can_still_select(ops_sample):
    reminders = collect_reminders(ops_sample.warehouse, AS_OF_SELECTION, days=7)
    listed = {row["student_number"]: row["detail"] for row in rows(reminders, SCHOOL_A, "selection")}
    assert set(listed) == {"A04", "A08"}
    assert "課程學習成果已勾選 0 件（已認證 1 件" in listed["A08"]
    assert "多元表現已勾選 0 件（已登錄 1 件" in listed["A04"]
    assert [d["days_left"] for d in reminders.deadlines if d["school_code"] == SCHOOL_B] == [0]  # the day itself


def test_entry_lists_name_students_enrolled_who_have_entered_no_diverse_performance(ops_sample):
    reminders = collect_reminders(ops_sample.warehouse, AS_OF_SELECTION, days=7)
    listed = [(row["student_number"], row["student_name"], row["recipient_name"], row["deadline_date"])
              for row in rows(reminders, SCHOOL_A, "diverse_entry")]
    # A04 entered one; A02 transferred out and A06 withdrew: not the school's to remind
    assert listed == [("A01", "學生S01", "王國文", dt.date(2025, 8, 12)), ("A07", "學生S07", "王國文", dt.date(2025, 8, 12)),
                      ("A03", "學生S03", "李數學", dt.date(2025, 8, 12)), ("A08", "學生S08", "李數學", dt.date(2025, 8, 12))]


def test_stored_lists_replace_the_schools_earlier_ones(ops_copy):
    reminders = collect_reminders(ops_copy.warehouse, AS_OF_UPLOAD, days=7)
    with duckdb.connect(str(ops_copy.warehouse)) as con:
        store_reminders(con, reminders)
        store_reminders(con, reminders)
        stored = con.execute("select count(*) from ops.reminders").fetchall()[0][0]
    assert stored == len(reminders.rows) > 0


# --- after the submission: the receipt's confirmations, its disputes, the 名冊 deadlines ----------------

@pytest.fixture()
def after_receipt(ops_copy):
    write_receipt(ops_copy.warehouse)
    return collect_reminders(ops_copy.warehouse, AS_OF_UPLOAD, days=7)


def test_homeroom_lists_name_who_has_not_confirmed_and_whose_dispute_is_open(after_receipt):
    unconfirmed = rows(after_receipt, SCHOOL_A, "receipt_confirmation")
    assert [(row["student_number"], row["student_name"], row["class_code"], row["recipient_name"], row["deadline_date"])
            for row in unconfirmed] == [("A07", "學生S07", "101", "王國文", dt.date(2025, 7, 10))]
    assert unconfirmed[0]["detail"].startswith("收訖明細尚有 1 項未確認")
    [disputed] = rows(after_receipt, SCHOOL_A, "dispute")
    assert (disputed["student_number"], disputed["class_code"], disputed["recipient_name"], disputed["deadline_date"]) == \
        ("A08", "102", "李數學", dt.date(2025, 7, 11))
    assert "第 1 號申訴（校內幹部經歷名冊" in disputed["detail"] and "承辦 訓育組" in disputed["detail"]
    assert "處理期限 民國 114/07/11" in disputed["detail"]
    assert ("receipt_confirmation", dt.date(2025, 7, 10)) in {(d["deadline_kind"], d["deadline_date"])
                                                              for d in after_receipt.deadlines}


def test_the_registrar_gets_open_disputes_by_roster_and_unit_and_the_rosters_due(after_receipt):
    [case] = after_receipt.disputes
    assert (case["workbook"], case["owner_unit"], case["student_number"], case["student_name"], case["due_date"],
            case["is_overdue"]) == ("校內幹部經歷名冊", "訓育組", "A08", "學生S08", dt.date(2025, 7, 11), False)
    assert [(row["workbook"], row["term"], row["owner_unit"], row["internal_due_date"], row["days_left"],
             row["ministry_days_left"], row["submitted_date"]) for row in after_receipt.submissions] == [
        ("學生成績名冊", 2, "註冊組", dt.date(2025, 7, 6), -2, 12, dt.date(2025, 7, 1)),
        ("學生資料名冊", 2, "註冊組", dt.date(2025, 7, 8), 0, 14, None)]


def test_an_answered_dispute_leaves_the_lists(ops_copy):
    from pipelines.export.confirmations import answer_case

    write_receipt(ops_copy.warehouse)
    collect_reminders(ops_copy.warehouse, AS_OF_UPLOAD, days=7)  # opens case 1
    answer_case(ops_copy.warehouse, 1, "幹部經歷經查無誤", "訓育組")
    reminders = collect_reminders(ops_copy.warehouse, AS_OF_UPLOAD, days=7)
    assert reminders.disputes == [] and rows(reminders, SCHOOL_A, "dispute") == []
