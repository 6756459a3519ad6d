"""The loop after submission on generated data (the session's built sample, not a hand-made warehouse): the
demo's simulation on the data's reference day against the generator's truth, then a corrected re-submission
and the school's answers that close every dispute."""

from __future__ import annotations

import datetime as dt
import json


from pipelines.export.confirmations import evaluate
from pipelines.warehouse import connect
from tests.export.conftest import REFERENCE

CORRECTED_AT = dt.datetime(2025, 7, 1, 9, 0)  # after every reply, late ones included


def test_the_demo_opens_the_window_on_the_reference_day_and_agrees_with_the_truth(confirmed_sample):
    _, run, lines = confirmed_sample
    state, truth = run.state, run.truth
    day = REFERENCE[0]

    assert REFERENCE[1] in lines[0], "the demo says which reference day it uses"
    assert state.window_opens == dt.datetime.combine(day, dt.time(10, 0))
    assert state.window_closes == truth.window_closes == day + dt.timedelta(days=3)
    assert state.summary() == {"students": truth.students, "confirmed": truth.confirmed, "disputed": truth.disputed,
                               "unconfirmed": truth.unconfirmed, "open_disputes": truth.disputed_items,
                               "window_closes": truth.window_closes.isoformat()}
    assert (state.late_replies, state.guardian_replies, state.unmatched_replies) == (truth.late_replies,
                                                                                     truth.guardian_replies, 0)
    assert min(truth.disputed, truth.unconfirmed, truth.late_replies, truth.guardian_replies) >= 1
    assert all(case.due_date > day for case in state.cases), "due dates follow the replies, after the reference day"
    assert f"逾期回覆 {truth.late_replies} 項、家長 {truth.guardian_replies} 項" in lines[1]
    assert f"逾期 {truth.late_replies} 項、家長 {truth.guardian_replies} 項" in lines[1]
    assert "確認期間 民國 114/06/16–114/06/19" in lines[1] and "確認期限 114/06/19" in lines[1]


def test_a_corrected_resubmission_closes_its_cases_and_answers_close_the_rest(confirmed_sample, school_year, passing_gate,
                                                                               tmp_path):
    from pipelines.cli import main
    from pipelines.export.core import export_school
    from pipelines.export.submission import submit

    settings, run, _ = confirmed_sample
    school, year = school_year
    grade_cases = [case for case in run.state.cases if case.workbook == "學生成績名冊"]
    corrected = grade_cases[: max(1, len(grade_cases) // 2)]
    assert corrected and len(corrected) < len(run.state.cases), "some cases to correct, some to answer"
    with connect(settings.warehouse) as con:  # the registrar corrects the disputed scores in the data
        for case in corrected:
            con.execute("""update exports.export_central__course_records
                           set score = case when score >= 100 then score - 1 else score + 1 end
                           where school_code = ? and academic_year = ? and term = 1 and student_number = ?
                             and item_key = ?""", [school, year, case.student_number, case.item_key_shown])
    outcome = export_school(settings, settings.exports_dir, school, year, 1, gate_result=passing_gate)
    assert (outcome.status, outcome.revision) == ("written", 1)
    submit(settings, settings.exports_dir, school, year, 1, at=CORRECTED_AT)

    state = evaluate(settings.warehouse, school, year, 1)
    ended = {case.case_id: case.end for case in state.cases}
    assert {ended[case.case_id] for case in corrected} == {"更正提交 第 1 版"}
    still_open = [case for case in state.cases if case.is_open]
    assert {case.case_id for case in still_open} == {case.case_id for case in run.state.cases} - {case.case_id for case in corrected}

    for case in still_open:
        assert main(["receipts", "answer", "--case", str(case.case_id), "--reason", "經查資料無誤",
                     "--warehouse", str(settings.warehouse)]) == 0
    with connect(settings.warehouse, read_only=True) as con:  # each answer refreshed what the dashboards read
        assert con.execute("select count(*) filter (where is_open), count(*) from submissions.confirmation_cases "
                           "where school_code = ? and academic_year = ? and term = 1", [school, year]).fetchall() == [
            (0, len(run.state.cases))]
    target = ["--school", school, "--year", str(year), "--term", "1", "--warehouse", str(settings.warehouse)]
    assert main(["receipts", "status", *target, "--json", str(tmp_path / "status.json")]) == 1  # some never replied
    status = json.loads((tmp_path / "status.json").read_text(encoding="utf-8"))
    assert status["open_disputes"] == 0
    assert status["students"] == status["confirmed"] + status["disputed"] + status["unconfirmed"] == run.truth.students
