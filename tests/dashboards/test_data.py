"""The data-access layer: numbers that match the warehouse, and each role's scope enforced on every query."""

import re

import duckdb
import pytest

from dashboards.data import DataAccess, PublishedCopyMissing
from dashboards.roles import AccessDenied, Role, Scope
from tests.dashboards.conftest import AS_OF, first_course

MASKED = re.compile(r"^[A-Z][0-9A-Z]\d\*{4}\d{3}$")


def scalar(published, sql, *params):
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture
def access(published):
    return lambda scope: DataAccess(published, scope, cached=False)


def test_national_overview_adds_up_to_the_warehouse_and_holds_no_student_rows(access, published, sample):
    view = access(Scope(Role.AUTHORITY)).national_overview(sample.year, sample.term)

    enrolled = scalar(published, "select count(*) from marts.fct_student_completion where academic_year = ? and term = ?",
                      sample.year, sample.term)
    certified = scalar(published, "select count(*) from marts.fct_student_completion where academic_year = ? and term = ? "
                       "and outcomes_certified > 0", sample.year, sample.term)
    assert view.totals["students_enrolled"] == enrolled
    assert view.totals["completion_rate"] == pytest.approx(certified / enrolled)
    assert view.counties["students_enrolled"].sum() == enrolled
    assert view.totals["schools"] == len(view.schools) == scalar(published, "select count(*) from marts.dim_schools")
    assert (view.schools["county_name"] != "未對應").all() and (view.schools["school_type_name"] != "未對應").all()
    for frame in (view.schools, view.counties, view.school_types, view.trend, view.behind):
        assert not {"student_number", "student_name", "national_id_masked"} & set(frame.columns)


def test_authority_sees_every_school_but_no_student_level_data(access, sample):
    authority = access(Scope(Role.AUTHORITY))

    assert len(authority.schools()) >= 2
    assert authority.school_overview(sample.other_school, sample.year, sample.term, AS_OF).totals["students_enrolled"] > 0
    with pytest.raises(AccessDenied):
        authority.class_students(sample.school, sample.year, sample.term, sample.class_code, AS_OF)
    with pytest.raises(AccessDenied):
        authority.teacher_queues(sample.school, sample.year, sample.term, AS_OF)
    with pytest.raises(AccessDenied):
        authority.gate_rows(sample.school, sample.year, "R17")
    assert not authority.gate_overview(sample.year).row_level


def test_school_admin_sees_the_own_school_only(access, sample):
    admin = access(Scope(Role.SCHOOL_ADMIN, sample.school))

    assert admin.schools()["school_code"].tolist() == [sample.school]
    assert set(admin.gate_overview(sample.year).runs["school_code"]) == {sample.school}
    for other in (
        lambda: admin.school_overview(sample.other_school, sample.year, sample.term, AS_OF),
        lambda: admin.class_students(sample.other_school, sample.year, sample.term, sample.class_code, AS_OF),
        lambda: admin.teacher_queues(sample.other_school, sample.year, sample.term, AS_OF),
        lambda: admin.gate_rows(sample.other_school, sample.year, "R17"),
        lambda: admin.national_overview(sample.year, sample.term),
    ):
        with pytest.raises(AccessDenied):
            other()


def test_class_view_lists_every_enrolled_student_with_masked_ids(access, published, sample):
    view = access(Scope(Role.SCHOOL_ADMIN, sample.school)).class_students(
        sample.school, sample.year, sample.term, sample.class_code, AS_OF)

    enrolled = scalar(published, "select count(*) from marts.fct_student_completion where school_code = ? and "
                      "academic_year = ? and term = ? and class_code = ?", sample.school, sample.year, sample.term, sample.class_code)
    assert len(view.students) == view.totals["students"] == enrolled
    assert view.students["national_id_masked"].dropna().map(lambda value: bool(MASKED.match(value))).all()
    assert "national_id" not in view.students.columns
    at_risk = view.students[view.students["is_at_risk"]]
    assert (at_risk["outcomes_certified"] == 0).all() and (at_risk["risk_reason"] != "").all()
    assert view.totals["at_risk"] == len(at_risk)


def test_homeroom_teacher_sees_the_own_class_only(access, sample):
    homeroom = access(Scope(Role.HOMEROOM_TEACHER, sample.school, class_code=sample.class_code))

    assert homeroom.classes(sample.school, sample.year, sample.term)["class_code"].tolist() == [sample.class_code]
    assert len(homeroom.class_students(sample.school, sample.year, sample.term, sample.class_code, AS_OF).students) > 0
    with pytest.raises(AccessDenied):
        homeroom.class_students(sample.school, sample.year, sample.term, sample.other_class, AS_OF)
    with pytest.raises(AccessDenied):
        homeroom.school_overview(sample.school, sample.year, sample.term, AS_OF)
    with pytest.raises(AccessDenied):
        homeroom.teacher_queues(sample.school, sample.year, sample.term, AS_OF)


def test_homeroom_teacher_is_also_scoped_by_the_classes_he_or_she_leads(access, sample):
    homeroom = access(Scope(Role.HOMEROOM_TEACHER, sample.school, teacher_code=sample.homeroom_teacher))

    assert sample.class_code in homeroom.classes(sample.school, sample.year, sample.term)["class_code"].tolist()
    assert sample.other_class not in homeroom.classes(sample.school, sample.year, sample.term)["class_code"].tolist()


def test_homeroom_teacher_gate_rows_are_the_own_class_s(access, sample):
    homeroom = access(Scope(Role.HOMEROOM_TEACHER, sample.school, class_code=sample.class_code))
    admin = access(Scope(Role.SCHOOL_ADMIN, sample.school))

    overview = homeroom.gate_overview(sample.year)
    school_rules = admin.gate_overview(sample.year).rules.set_index("rule_id")["violations"]
    class_rules = overview.rules.set_index("rule_id")["violations"]
    assert overview.class_scoped and (class_rules <= school_rules).all() and class_rules.sum() < school_rules.sum()
    for rule in class_rules[class_rules > 0].index:
        rows = homeroom.gate_rows(sample.school, sample.year, rule)
        assert set(rows["class_code"]) <= set(homeroom._own_classes(sample.school, sample.year))
        assert len(rows) == class_rules[rule]


def test_subject_teacher_sees_the_own_queue_and_nothing_else(access, published, sample):
    teacher = access(Scope(Role.SUBJECT_TEACHER, sample.school, teacher_code=sample.teacher))

    view = teacher.teacher_queues(sample.school, sample.year, sample.term, AS_OF)
    pending = scalar(published, "select count(*) from marts.fct_course_outcomes where school_code = ? and academic_year = ? "
                     "and term = ? and certification_state = '待認證' and certifying_teacher_code = ?",
                     sample.school, sample.year, sample.term, sample.teacher)
    own = view.items["teacher_code"] == sample.teacher
    assert own.sum() == pending
    assert ((view.items["teacher_code"] == sample.teacher) | (view.items["proxy_code"] == sample.teacher)).all()
    assert set(view.teachers["teacher_code"]) <= {sample.teacher} | set(view.items["teacher_code"])
    for forbidden in (
        lambda: teacher.class_students(sample.school, sample.year, sample.term, sample.class_code, AS_OF),
        lambda: teacher.school_overview(sample.school, sample.year, sample.term, AS_OF),
        lambda: teacher.gate_overview(sample.year),
        lambda: teacher.submissions(sample.year),
    ):
        with pytest.raises(AccessDenied):
            forbidden()
    assert teacher.classes(sample.school, sample.year, sample.term).empty


def test_teacher_queue_counts_waiting_days_from_the_reference_day(access, sample):
    view = access(Scope(Role.SCHOOL_ADMIN, sample.school)).teacher_queues(sample.school, sample.year, sample.term, AS_OF)

    assert view.totals["pending"] == len(view.items) == view.teachers["pending"].sum()
    waited = view.items.dropna(subset=["submitted_date"])
    assert all(days == max((AS_OF - sent).days, 0) for days, sent in zip(waited["days_waiting"], waited["submitted_date"]))
    allowed = view.certification_days
    late = waited[waited["days_waiting"] > allowed]
    assert late["is_overdue"].all()


def test_departed_teachers_items_name_the_proxy_the_policy_chooses(access, sample):
    from pipelines.gate.proxy import choose_proxy, teachers_from_records

    admin = access(Scope(Role.SCHOOL_ADMIN, sample.school))
    year_terms = [(sample.year, term) for term in (1, 2)]
    items = [admin.teacher_queues(sample.school, year, term, AS_OF).items for year, term in year_terms]
    with_proxy = [frame[frame["proxy_code"].notna()] for frame in items]
    with_proxy = next((frame for frame in with_proxy if len(frame)), None)
    if with_proxy is None:
        pytest.skip("the sample has no pending item of a departed teacher")
    row = with_proxy.iloc[0]
    teachers = teachers_from_records(admin._frame("select * from marts.dim_teachers where school_code = ?",
                                                  sample.school).to_dict("records"))
    order = tuple(admin._frame("select proxy_order from marts.dim_schools where school_code = ?", sample.school)
                  ["proxy_order"].iloc[0])
    choice = choose_proxy(teachers[row["teacher_code"]], teachers, order, grade=int(row["course_grade"]), as_of=AS_OF)
    assert row["proxy_code"] == choice.teacher.code


def test_open_cases_and_receipt_discrepancies_name_their_item_by_its_course_the_key_after(published_states, sample):
    registrar = DataAccess(published_states["partial"], Scope(Role.SCHOOL_ADMIN, sample.school), cached=False)
    con = duckdb.connect(str(published_states["partial"]), read_only=True)
    try:
        course, subject = first_course(con, sample.school)
    finally:
        con.close()

    cases = registrar.confirmations(sample.year, AS_OF).cases
    assert dict(zip(cases["case_id"], cases["item"])) == {1: f"{subject}（{course}）", 3: "班聯會+會長"}  # words stand alone
    discrepancies = registrar.submissions(sample.year).discrepancies
    assert dict(zip(discrepancies["outcome"], discrepancies["item"])) == {
        "rejected": f"{subject}（1+{course}+報告.pdf+）", "missing": "1+未開課代碼+作品.pdf+"}


def test_submissions_without_records_is_an_empty_state(access, sample):
    assert not access(Scope(Role.SCHOOL_ADMIN, sample.school)).submissions(sample.year).available


def test_a_missing_published_copy_says_so(tmp_path):
    with pytest.raises(PublishedCopyMissing):
        DataAccess(tmp_path / "absent.duckdb", Scope(Role.AUTHORITY), cached=False).terms()


def test_school_page_shows_the_gate_run_and_the_deadlines_with_days_left(access, sample):
    view = access(Scope(Role.SCHOOL_ADMIN, sample.school)).school_overview(sample.school, sample.year, sample.term, AS_OF)

    assert view.gate is not None and view.gate["school_code"] == sample.school
    assert set(view.deadlines["deadline"]) >= {"上傳截止", "認證截止"}
    for row in view.deadlines.itertuples():
        assert row.days_left == (row.date - AS_OF).days
    assert view.classes["students_enrolled"].sum() == view.totals["students_enrolled"]


def test_a_republished_copy_is_read_by_the_next_query(built_sample, tmp_path):
    from pipelines.publish import DASHBOARD_TABLES, publish_warehouse

    empty = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(empty))
    con.execute("create schema marts")
    for table in DASHBOARD_TABLES:
        con.execute(f"create table marts.{table} (school_code varchar)")
    con.close()
    target = publish_warehouse(empty, tmp_path / "published.duckdb").path
    access = DataAccess(target, Scope(Role.AUTHORITY), cached=False)
    count = "select count(*) as schools from marts.dim_schools"
    assert access._frame(count)["schools"].iloc[0] == 0

    publish_warehouse(built_sample.warehouse, target)

    assert access._frame(count)["schools"].iloc[0] > 0


def test_each_student_s_missing_things_are_listed_in_words():
    import pandas as pd

    from dashboards.data import _with_missing

    counts = ["outcomes_uploaded", "outcomes_certified", "outcomes_pending", "outcomes_failed", "outcomes_selected",
              "performances_entered", "performances_selected"]
    students = pd.DataFrame([["S1", 3, 2, 0, 0, 2, 4, 2], ["S2", 0, 0, 0, 0, 0, 0, 0], ["S3", 3, 1, 1, 1, 0, 2, 0]],
                            columns=["student_number", *counts])
    receipts = pd.DataFrame({"student_number": ["S1"], "not_received": [2]})

    listed = _with_missing(students, receipts).set_index("student_number")["missing"]
    assert listed["S1"] == "收訖明細有 2 件未收訖，請確認"
    assert listed["S2"] == "尚未上傳課程學習成果；尚未登錄多元表現"
    assert listed["S3"] == "1 件認證未通過，待修正；1 件待教師認證；尚未勾選課程學習成果；尚未勾選多元表現"
    assert _with_missing(students.iloc[:1], receipts.iloc[:0])["missing"].tolist() == [""]


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.ACTIVITIES, Role.VIEWER])
def test_school_staff_read_the_whole_own_school_and_nothing_of_another(access, sample, role):
    staff = access(Scope(role, sample.school))

    assert len(staff.classes(sample.school, sample.year, sample.term)) > 1
    assert not staff.class_students(sample.school, sample.year, sample.term, sample.other_class, AS_OF).students.empty
    with pytest.raises(AccessDenied):
        staff.school_overview(sample.other_school, sample.year, sample.term, AS_OF)
    with pytest.raises(AccessDenied):
        staff.national_overview(sample.year, sample.term)


def test_counsellor_sees_the_own_advisees_only(access, published, sample):
    counsellor = access(Scope(Role.COUNSELLOR, sample.school, teacher_code=sample.counsellor))
    con = duckdb.connect(str(published), read_only=True)
    advisees = {row[0] for row in con.execute("""
        select distinct sessions.student_number from marts.fct_counselling_sessions as sessions
        inner join marts.fct_student_completion as students
            on students.school_code = sessions.school_code and students.student_number = sessions.student_number
            and students.academic_year = sessions.academic_year and students.term = ?
        where sessions.school_code = ? and sessions.academic_year = ? and sessions.counsellor_code = ?
    """, [sample.term, sample.school, sample.year, sample.counsellor]).fetchall()}
    enrolled = scalar(published, "select count(*) from marts.fct_student_completion where school_code = ? "
                      "and academic_year = ? and term = ?", sample.school, sample.year, sample.term)
    con.close()

    seen = set()
    for class_code in counsellor.classes(sample.school, sample.year, sample.term)["class_code"]:
        students = counsellor.class_students(sample.school, sample.year, sample.term, class_code, AS_OF).students
        seen |= set(students["student_number"])
    assert seen == advisees and 0 < len(seen) < enrolled, "the own advisees, not the whole school"
    with pytest.raises(AccessDenied):
        counsellor.teacher_queues(sample.school, sample.year, sample.term, AS_OF)
    with pytest.raises(AccessDenied):
        counsellor.gate_overview(sample.year)
    nobody = access(Scope(Role.COUNSELLOR, sample.school, teacher_code="T9999"))
    assert nobody.classes(sample.school, sample.year, sample.term).empty
    with pytest.raises(AccessDenied, match="課程諮詢教師"):
        nobody.class_students(sample.school, sample.year, sample.term, sample.class_code, AS_OF)


def test_a_counsellor_of_a_class_sees_the_whole_class(access, sample):
    counsellor = access(Scope(Role.COUNSELLOR, sample.school, class_code=sample.class_code))
    admin = access(Scope(Role.SCHOOL_ADMIN, sample.school))

    assert counsellor.classes(sample.school, sample.year, sample.term)["class_code"].tolist() == [sample.class_code]
    mine = counsellor.class_students(sample.school, sample.year, sample.term, sample.class_code, AS_OF).students
    everyone = admin.class_students(sample.school, sample.year, sample.term, sample.class_code, AS_OF).students
    assert mine["student_number"].tolist() == everyone["student_number"].tolist()


def test_roster_deadlines_give_each_unit_its_own_deadline_two_weeks_before_the_ministry_s(access, sample):
    import datetime as dt

    deadlines = access(Scope(Role.ACTIVITIES, sample.school)).roster_deadlines(sample.school, AS_OF)

    assert len(deadlines) and set(deadlines["school_code"]) == {sample.school}
    assert {(row.roster_name, row.owner_unit) for row in deadlines.itertuples()} >= {
        ("校內幹部經歷名冊", "訓育組"), ("學生成績名冊", "註冊組")}
    for row in deadlines.itertuples():
        assert row.due_date - row.internal_due_date == dt.timedelta(days=14)
        assert (row.days_left, row.internal_days_left) == ((row.due_date - AS_OF).days, (row.internal_due_date - AS_OF).days)
        assert row.state == ("已逾期" if row.days_left < 0 else "已逾處室期限" if row.internal_days_left < 0 else "未提交")
    with pytest.raises(AccessDenied):
        access(Scope(Role.ACTIVITIES, sample.school)).roster_deadlines(sample.other_school, AS_OF)


def test_a_roster_in_a_submitted_folder_or_submitted_by_its_unit_counts_as_submitted(published, sample, tmp_path):
    import datetime as dt
    import shutil

    from pipelines.export.store import append, create_submissions_schema

    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(published, copy)
    key = {"submission_id": "s1", "school_code": sample.school, "academic_year": sample.year, "term": sample.term,
           "revision": 0}
    con = duckdb.connect(str(copy))
    create_submissions_schema(con)
    append(con, "submissions", [{**key, "submitted_at": dt.datetime(2025, 6, 20, 9, 30), "submitted_by": "王組長",
                                 "submitting_units": "註冊組、訓育組"}])
    append(con, "files", [{**key, "file_name": f"{sample.year}_{sample.term}_學生資料名冊.xlsx"}])
    append(con, "unit_submissions", [{"school_code": sample.school, "academic_year": sample.year, "term": 0, "revision": 0,
                                      "unit": "訓育組", "roster_name": "學生自填多元表現名冊", "submitted_by": "李組長",
                                      "submitted_at": dt.datetime(2025, 6, 21, 8, 0)}])
    con.close()
    deadlines = DataAccess(copy, Scope(Role.VIEWER, sample.school), cached=False).roster_deadlines(sample.school, AS_OF)

    submitted = deadlines[deadlines["state"] == "已提交"].set_index("roster_name")
    assert sorted(submitted.index) == ["學生自填多元表現名冊", "學生資料名冊"]
    assert submitted.loc["學生資料名冊", "submitted_unit"] == "註冊組、訓育組"
    assert submitted.loc["學生自填多元表現名冊", "submitted_by"] == "李組長"


def test_blocking_findings_are_the_error_rules_that_block_each_folder(access, published, sample):
    from pipelines.export.gating import rules_for

    admin = access(Scope(Role.SCHOOL_ADMIN, sample.school))
    found = admin.blocking_findings(sample.school, sample.year, sample.term)

    assert found.checked
    for folder, term in (("全學年名冊", 0), (f"第 {sample.term} 學期名冊", sample.term)):
        rules = found.summary[found.summary["folder"] == folder]
        assert set(rules["rule_id"]) <= set(rules_for(term)[0])
        assert rules["violations"].sum() == (found.rows["folder"] == folder).sum() if len(found.rows) else True
    run = admin._latest_gate_run(sample.school, sample.year)
    whole_year = scalar(published, "select count(*) from gate.rule_violations where run_id = ? and severity = 'error' "
                        "and list_contains(?::varchar[], rule_id)", run["run_id"], list(rules_for(0)[0]))
    assert found.summary.loc[found.summary["folder"] == "全學年名冊", "violations"].sum() == whole_year > 0
    authority = access(Scope(Role.AUTHORITY)).blocking_findings(sample.school, sample.year, sample.term)
    assert authority.summary.equals(found.summary) and authority.rows.empty, "counts only for the authority"
