"""The Streamlit app through AppTest: sign-in, every page for every role that may open it, filters,
scoping, empty states and masked IDs."""

import re

import duckdb
import pytest

from dashboards.roles import PAGE_ROLES, Role, pages_for
from tests.dashboards.conftest import DATA_STATES, PASSWORD, rendered_text

PAGE_FILES = {
    "overview": ("views/overview.py", "全國總覽"),
    "school": ("views/school.py", "學校"),
    "classroom": ("views/classroom.py", "班級"),
    "my_queue": ("views/my_queue.py", "我的認證"),
    "teachers": ("views/teachers.py", "教師認證"),
    "gate": ("views/gate.py", "檢核結果"),
    "submissions": ("views/submissions.py", "提交與收訖"),
    "accounts": ("views/accounts.py", "帳號管理"),
}
WHOLE_ID = re.compile(r"\b[A-Z][1289A-D]\d{8}\b")


def open_page(app, role, page, state="sample"):
    test = app(role, state)
    test.switch_page(PAGE_FILES[page][0]).run()
    assert not test.exception, [exception.message for exception in test.exception]
    return test


def sort_key(days_left_label: str) -> int:
    """'已逾 3 天' → -3, '今天截止' → 0, '剩 5 天' → 5 (formatting.days_left backwards)."""
    number = int(re.sub(r"\D", "", days_left_label) or 0)
    return -number if days_left_label.startswith("已逾") else number


def metric(test, label):
    return next(m.value for m in test.metric if m.label == label)


@pytest.mark.parametrize("state", DATA_STATES)
@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.name)
def test_every_page_renders_for_every_role_that_may_open_it_on_every_state_of_the_data(app, role, state):
    test = app(role, state)  # opens the role's first page; one session then visits the others (AppTest runs are dear)
    for number, page in enumerate(pages_for(role)):
        if number:
            test.switch_page(PAGE_FILES[page][0]).run()
        where = f"{page} ({role.value}, {state})"
        assert not test.exception, (where, [exception.message for exception in test.exception])
        assert test.title[0].value == PAGE_FILES[page][1], where
        assert not test.error, (where, [error.value for error in test.error])
        if state == "sample" and page not in ("submissions", "accounts"):  # no submissions in the sample; accounts: a list
            assert test.metric, f"{where}: every page answers with headline numbers first"
        elif not test.metric and page != "accounts":  # the accounts page reads the users file, not the data
            assert test.info or test.warning or test.success, f"{where}: missing data is said in words"
        assert not WHOLE_ID.search(rendered_text(test)), f"{where}: a whole national ID reached the page"


def test_every_page_is_some_role_s_and_every_role_has_a_page():
    assert set(PAGE_ROLES) == set(PAGE_FILES)
    assert all(pages_for(role) for role in Role)


def test_sign_in_with_a_wrong_password_is_refused(app):
    test = app(None)
    test.text_input[0].input("admin")
    test.text_input[1].input("wrong password")
    test.button[0].click().run()

    assert [error.value for error in test.error] == ["帳號或密碼錯誤"]
    assert "portfolio_user" not in test.session_state


def test_repeated_wrong_passwords_lock_the_account_name(app):
    from dashboards.users import MAX_FAILED_SIGN_INS

    test = app(None)
    for _ in range(MAX_FAILED_SIGN_INS + 1):
        test.text_input[0].input("guessed-name")
        test.text_input[1].input("wrong password")
        test.button[0].click().run()

    assert [error.value for error in test.error] == ["此帳號登入失敗次數過多，已暫停登入；請於 15 分鐘後再試，或洽系統管理者"]
    assert "portfolio_user" not in test.session_state


def test_sign_in_opens_the_role_s_first_page(app):
    test = app(None)
    test.text_input[0].input("authority")
    test.text_input[1].input(PASSWORD)
    test.button[0].click().run()

    assert test.title[0].value == "全國總覽"
    assert any("教育主管機關" in caption.value for caption in test.caption)


def test_a_role_cannot_open_pages_outside_its_list(app):
    test = app(Role.HOMEROOM_TEACHER)

    assert pages_for(Role.HOMEROOM_TEACHER) == ["classroom", "gate"]
    assert test.title[0].value == "班級"
    with pytest.raises(ValueError):
        test.switch_page(PAGE_FILES["overview"][0])


def test_overview_headline_matches_the_warehouse(app, published, sample):
    test = open_page(app, Role.AUTHORITY, "overview")

    con = duckdb.connect(str(published), read_only=True)
    enrolled, schools = con.execute("""
        select count(*), count(distinct school_code) from marts.fct_student_completion where academic_year = ? and term = ?
    """, [sample.year, sample.term]).fetchall()[0]
    con.close()
    assert metric(test, "在學學生") == f"{enrolled:,}"
    assert metric(test, "學校數") == str(schools)
    assert not any("學號" in frame.value.columns for frame in test.dataframe)
    assert {"各縣市完成率", "各縣市學生數"} <= {header.value for header in test.subheader}, "county as rates and as counts"


def test_class_page_shows_masked_ids_and_offers_downloads(app, sample):
    test = open_page(app, Role.HOMEROOM_TEACHER, "classroom")

    table = test.dataframe[-1].value
    assert {"座號", "學號", "姓名", "身分證號", "認證通過", "待認證", "未通過", "自傳"} <= set(table.columns)
    assert table["身分證號"].dropna().str.fullmatch(r"[A-Z][0-9A-Z]\d\*{4}\d{3}").all()
    todo = next(frame.value for frame in test.dataframe if "待辦事項" in frame.value.columns)
    assert len(todo) and todo["待辦事項"].str.len().gt(0).all(), "the printable to-do list names what each student lacks"
    labels = [button.proto.label for button in test.get("download_button")]
    assert labels == ["下載 Excel (.xlsx)", "下載 CSV"] * 2, "the to-do list and the whole class"


def test_changing_the_class_filter_redraws_the_class(app, published, sample):
    test = open_page(app, Role.SCHOOL_ADMIN, "classroom")
    test.sidebar.selectbox(key="filter_class").select(sample.other_class).run()

    con = duckdb.connect(str(published), read_only=True)
    enrolled = con.execute("""
        select count(*) from marts.fct_student_completion
        where school_code = ? and academic_year = ? and term = ? and class_code = ?
    """, [sample.school, sample.year, sample.term, sample.other_class]).fetchall()[0][0]
    con.close()
    assert f"（{sample.other_class}）" in test.caption[0].value
    assert metric(test, "在學學生") == str(enrolled)
    assert len(test.dataframe[-1].value) == enrolled


def test_changing_the_term_filter_changes_the_numbers(app, published, sample):
    other = 1 if sample.term == 2 else 2
    test = open_page(app, Role.AUTHORITY, "overview")
    test.sidebar.selectbox(key="filter_term").select(other).run()

    con = duckdb.connect(str(published), read_only=True)
    enrolled = con.execute("select count(*) from marts.fct_student_completion where academic_year = ? and term = ?",
                           [sample.year, other]).fetchall()[0][0]
    con.close()
    assert f"{sample.year} 學年度第 {other} 學期" in test.caption[0].value
    assert metric(test, "在學學生") == f"{enrolled:,}"


def test_homeroom_teacher_sees_the_own_class_only_in_the_filter(app, sample):
    test = open_page(app, Role.HOMEROOM_TEACHER, "classroom")

    options = test.sidebar.selectbox(key="filter_class").options
    assert len(options) == 1 and options[0].startswith(sample.class_code)


def test_subject_teacher_has_an_own_page_with_the_own_queue_most_urgent_first(app, published, sample):
    test = app(Role.SUBJECT_TEACHER)

    assert pages_for(Role.SUBJECT_TEACHER) == ["my_queue"] and test.title[0].value == "我的認證"
    [items] = [frame.value for frame in test.dataframe]
    assert {"課程", "成果名稱", "簡述（節錄）", "班級", "座號", "學號", "學生", "上傳日", "認證期限", "剩餘天數"} <= set(items.columns)
    con = duckdb.connect(str(published), read_only=True)
    own = con.execute("""
        select count(*) from marts.fct_course_outcomes
        where school_code = ? and academic_year = ? and term = ? and certification_state = '待認證'
          and certifying_teacher_code = ?
    """, [sample.school, sample.year, sample.term, sample.teacher]).fetchall()[0][0]
    con.close()
    assert (items["身分"] == "本人").sum() == own, "every own pending item, and only proxy items besides"
    assert items.loc[items["身分"] != "本人", "身分"].str.startswith("代理 ").all()
    assert not items["學生"].isna().all() and items["上傳日"].str.fullmatch(r"\d{3}/\d{2}/\d{2}|—").all()
    days = items["剩餘天數"].tolist()
    assert days and days == sorted(days, key=lambda label: sort_key(label)), "most urgent first"
    labels = [button.proto.label for button in test.get("download_button")]
    assert labels == ["下載 Excel (.xlsx)", "下載 CSV"]


def test_gate_page_drills_down_for_the_school_but_not_for_the_authority(app):
    school = open_page(app, Role.SCHOOL_ADMIN, "gate")
    authority = open_page(app, Role.AUTHORITY, "gate")

    assert "違規資料" in [header.value for header in school.subheader]
    rule = school.selectbox(key="gate_rule")
    assert rule.options and "學號" not in str(authority.dataframe)
    assert "違規資料" not in [header.value for header in authority.subheader]
    assert "學校 × 規則" in [header.value for header in authority.subheader]


def test_registrar_page_shows_each_roster_s_deadlines_and_what_blocks_submission(app, sample):
    test = open_page(app, Role.REGISTRAR, "school")

    headers = [header.value for header in test.subheader]
    assert "名冊提交期限" in headers and "阻擋提交的錯誤" in headers
    rosters = next(frame.value for frame in test.dataframe if "處室期限" in frame.value.columns)
    assert set(rosters["負責處室"]) == {"註冊組", "訓育組"} and (rosters["狀態"] != "已提交").all()
    assert any(element.value.startswith("**註冊組**尚未提交 7 份名冊") for element in test.markdown), "the own unit's first"
    assert rosters["國教署期限"].str.fullmatch(r"\d{3}/\d{2}/\d{2}").all()
    blocking = next(frame.value for frame in test.dataframe if {"folder", "rule_id"} <= set(frame.value.columns))
    assert len(blocking) and blocking["violations"].gt(0).all() and blocking["rosters"].str.contains("名冊").all()
    downloads = [button.proto.id for button in test.get("download_button")]  # the id ends with the key: xlsx_<file>
    assert any("阻擋提交" in name for name in downloads) and any("名冊提交期限" in name for name in downloads)


def test_submissions_page_has_an_empty_state(app):
    test = open_page(app, Role.SCHOOL_ADMIN, "submissions")

    assert [info.value for info in test.info] == ["尚無提交紀錄"]


def test_a_missing_published_copy_is_a_message_not_a_crash(app):
    test = open_page(app, Role.SCHOOL_ADMIN, "school", "no_copy")

    assert "找不到已發布的資料" in test.warning[0].value


def test_a_new_session_with_the_session_cookie_is_signed_in_until_it_signs_out(app, sample, users_file, monkeypatch):
    from dashboards import session
    from dashboards.tokens import issue
    from tests.dashboards.conftest import users_for

    token = issue(users_file, users_for(sample)[Role.SCHOOL_ADMIN])
    monkeypatch.setattr(session, "session_cookie", lambda: token)
    test = app(None)
    assert test.title[0].value == "學校"

    test.sidebar.button(key="sign_out").click().run()
    assert test.title[0].value == "學習歷程檔案完成度", "the cookie the session started with no longer signs it in"
    assert "portfolio_user" not in test.session_state

    monkeypatch.setattr(session, "session_cookie", lambda: token[:-2] + "00")
    assert app(None).title[0].value == "學習歷程檔案完成度"


def test_a_link_with_a_class_opens_that_class(app, sample):
    from streamlit.testing.v1 import AppTest

    from tests.dashboards.conftest import APP, users_for

    test = AppTest.from_file(str(APP), default_timeout=60)
    test.session_state["portfolio_user"] = users_for(sample)[Role.SCHOOL_ADMIN]
    test.query_params["class"] = sample.other_class
    test.switch_page(PAGE_FILES["classroom"][0]).run()

    assert f"（{sample.other_class}）" in test.caption[0].value


def test_the_reference_day_is_inside_the_latest_term_says_why_and_may_be_typed_in_roc(app, monkeypatch):
    monkeypatch.delenv("PORTFOLIO_AS_OF")
    test = open_page(app, Role.SCHOOL_ADMIN, "teachers")

    why = next(caption.value for caption in test.sidebar.caption if "改以學期中的" in caption.value)
    day = re.search(r"\d{3}/\d{2}/\d{2}", why).group()
    assert day.startswith("114/0") and f"基準日 {day}" in test.caption[0].value, "a day inside 113-2, said on the page"
    test.sidebar.text_input(key="filter_as_of_text").input("114/06/01").run()
    assert "基準日 114/06/01" in test.caption[0].value
    test.sidebar.text_input(key="filter_as_of_text").input("June 1st").run()
    assert "看不懂日期" in test.sidebar.warning[0].value


def test_the_authority_narrows_to_a_county_and_drills_to_its_schools(app, published):
    test = open_page(app, Role.AUTHORITY, "overview")
    county = test.sidebar.multiselect(key="filter_counties").options[0]
    test.sidebar.multiselect(key="filter_counties").select(county).run()

    con = duckdb.connect(str(published), read_only=True)
    schools = con.execute("""
        select count(distinct school_code) from marts.fct_student_completion
        where school_code in (select school_code from marts.dim_schools where county_name = ?)
          and (academic_year, term) = (select (max(academic_year), arg_max(term, academic_year * 10 + term))
                                       from marts.fct_student_completion)
    """, [county]).fetchall()[0][0]
    con.close()
    assert metric(test, "學校數") == str(schools) and county in test.caption[0].value
    links = next(frame.value for frame in test.dataframe if "link" in frame.value.columns)["link"]
    assert len(links) == schools and links.str.startswith("/school?school=").all()
    assert "學號" not in rendered_text(test)


def test_the_administrator_adds_and_disables_an_account_of_the_school(app, sample, users_file):
    from dashboards.users import authenticate, list_users

    def field(test, label):
        return next(element for element in test.text_input if element.label == label)

    def press(test, label):
        next(button for button in test.button if button.label == label).click().run()

    test = open_page(app, Role.SCHOOL_ADMIN, "accounts")
    field(test, "帳號").input("new-homeroom")
    field(test, "班級代碼（導師）").input("no-such-class")
    press(test, "新增")
    assert "班級代碼 no-such-class 不是學校" in test.error[0].value

    field(test, "帳號").input("new-homeroom")
    field(test, "班級代碼（導師）").input(sample.other_class)
    press(test, "新增")
    password = re.search(r"`(\S+)`", test.success[0].value).group(1)
    assert authenticate(users_file, "new-homeroom", password).class_code == sample.other_class

    test.run()  # the list is read before the form adds to it: the next run shows the new account
    options = test.selectbox(key="account_pick").options
    test.selectbox(key="account_pick").select_index(
        next(index for index, label in enumerate(options) if label.startswith("new-homeroom"))).run()
    next(box for box in test.checkbox if box.label == "停用").check()
    press(test, "儲存")
    assert authenticate(users_file, "new-homeroom", password) is None
    assert next(user for user in list_users(users_file) if user.username == "new-homeroom").disabled
    test.selectbox(key="account_role").select(Role.ACTIVITIES)  # the roster submitters are granted alike
    field(test, "帳號").input("new-activities")
    press(test, "新增")
    assert test.success, [element.value for element in (*test.error, *test.warning, *test.info)]
    password = re.search(r"`(\S+)`", test.success[0].value).group(1)
    granted = authenticate(users_file, "new-activities", password)
    assert (granted.role, granted.school_code, granted.role.unit) == (Role.ACTIVITIES, sample.school, "訓育組")


def test_the_registrar_sees_each_receipts_confirmations_and_the_open_cases_by_roster_and_class(app):
    test = open_page(app, Role.SCHOOL_ADMIN, "submissions", "partial")

    assert metric(test, "已確認") == "1／4 人" and metric(test, "未結申訴") == "2 件"
    progress = next(frame.value for frame in test.dataframe if "late_replies" in frame.value.columns)
    assert progress[["students", "confirmed", "disputed", "unconfirmed", "late_replies", "guardian_replies"]].values.tolist() \
        == [[4, 1, 2, 1, 2, 1]] and progress["window_label"].tolist() == ["114/06/25"]
    assert "未結申訴案件（2 件）" in [header.value for header in test.subheader]
    by_roster = next(frame.value for frame in test.dataframe if "owner_unit" in frame.value.columns)
    assert set(zip(by_roster["workbook"], by_roster["owner_unit"], by_roster["open_cases"])) == {
        ("校內幹部經歷名冊", "訓育組", 1), ("學生成績名冊", "註冊組", 1)}
    by_class = next(frame.value for frame in test.dataframe if "open_cases" in frame.value.columns
                    and "class_code" in frame.value.columns)
    assert len(by_class) == 2
    cases = next(frame.value for frame in test.dataframe if "案號" in frame.value.columns)
    assert cases["案號"].tolist() == [1, 3], "the closed case is not listed"
    assert "項目鍵" not in cases.columns and cases["項目"].iloc[1] == "班聯會+會長"  # named items: DataAccess's test
    assert cases["處理期限"].tolist() == ["114/07/03"] * 2 and cases["剩餘天數"].tolist() == ["剩 3 天"] * 2
    assert cases["回覆人"].tolist() == ["學生", "家長"] and cases["回覆時間"].iloc[1].endswith("（逾期）")
    labels = [button.proto.label for button in test.get("download_button")]
    assert labels == ["下載 Excel (.xlsx)", "下載 CSV"]


def test_the_authority_sees_confirmation_counts_only(app):
    test = open_page(app, Role.AUTHORITY, "submissions", "partial")

    assert metric(test, "未結申訴") == "2 件"
    assert not any("未結申訴案件" in header.value for header in test.subheader)
    assert "學號" not in rendered_text(test) and not test.get("download_button")


def test_the_homeroom_teacher_sees_who_has_not_confirmed_or_has_an_open_dispute(app, sample):
    test = open_page(app, Role.HOMEROOM_TEACHER, "classroom", "partial")

    assert "收訖明細確認（確認期限 114/06/25）" in [header.value for header in test.subheader]
    waiting = next(frame.value for frame in test.dataframe if "確認狀態" in frame.value.columns)
    assert waiting["確認狀態"].tolist() == ["未確認", "有誤"] and waiting["未結申訴"].tolist() == [0, 1]
    assert set(waiting["班級"]) == {sample.class_code} and waiting["姓名"].notna().all()
    assert waiting["身分證號"].str.fullmatch(r"[A-Z][0-9A-Z]\d\*{4}\d{3}").all()
