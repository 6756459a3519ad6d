"""Reminder lists: the right people, for the deadlines each school's policy sets, N days ahead."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines.ops.reminders import collect_reminders, store_reminders
from tests.ops.schools_fixture import AS_OF_CERTIFICATION, AS_OF_SELECTION, AS_OF_UPLOAD, SCHOOL_A, SCHOOL_B


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


def test_selection_lists_name_students_who_can_still_select(ops_sample):
    reminders = collect_reminders(ops_sample.warehouse, AS_OF_SELECTION, days=7)
    listed = {row["student_number"]: row["detail"] for row in rows(reminders, SCHOOL_A, "selection")}
    assert set(listed) == {"A04", "A08"}
    assert "課程學習成果已勾選 0 件（已認證 1 件" in listed["A08"]
    assert "多元表現已勾選 0 件（已登錄 1 件" in listed["A04"]
    assert [d["days_left"] for d in reminders.deadlines if d["school_code"] == SCHOOL_B] == [0]  # the day itself


def test_stored_lists_replace_the_schools_earlier_ones(ops_copy):
    reminders = collect_reminders(ops_copy.warehouse, AS_OF_UPLOAD, days=7)
    with duckdb.connect(str(ops_copy.warehouse)) as con:
        store_reminders(con, reminders)
        store_reminders(con, reminders)
        stored = con.execute("select count(*) from ops.reminders").fetchall()[0][0]
    assert stored == len(reminders.rows) > 0
