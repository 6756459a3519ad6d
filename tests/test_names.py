"""Items, teachers, students and schools named as people know them; codes only when no name is known."""

from __future__ import annotations

import duckdb

from pipelines.names import (
    SUMMARY_EXCERPT_CHARS,
    NameBook,
    code_label,
    connection_rows,
    item_label,
    named,
    read_key_names,
    read_names,
    school_directory,
    school_label,
    summary_excerpt,
)


def test_a_course_outcome_is_its_course_title_and_the_start_of_its_summary():
    assert item_label("數學", "函數圖形報告", "以描點法畫出", "CO-0001622") == "數學 — 函數圖形報告：以描點法畫出…"
    assert item_label("數學", "函數圖形報告", None, "CO-0001622") == "數學 — 函數圖形報告"
    assert item_label(None, None, None, "112-2") == "112-2"
    assert summary_excerpt("學" * (SUMMARY_EXCERPT_CHARS + 5)) == "學" * SUMMARY_EXCERPT_CHARS
    assert summary_excerpt(float("nan")) is None


def test_a_code_shows_its_label_from_the_seed_and_a_code_outside_its_list_says_so():
    assert code_label("xwalk_indigenous_peoples", "01") == "01 阿美族"
    assert code_label("xwalk_credit_counted_codes", "2") == "2 不採計學分"  # the legacy 0's row does not relabel it
    assert code_label("xwalk_enrolment_statuses", "休學") == "休學"  # a list of words is its own label
    assert code_label("xwalk_clusters", "99") == "99（代碼表無此代碼）"
    assert code_label("xwalk_clusters", None) is None


def test_the_name_comes_first_and_the_code_after_it():
    assert named("王婷馨", "T0024") == "王婷馨（T0024）"
    assert named(None, "T0024") == "T0024" and named("", None) is None


def test_a_school_is_named_from_the_directory_and_keeps_its_code_when_missing_from_it():
    code, row = next(iter(school_directory().items()))
    assert school_label(code) == f"{row['school_name']}（{code}）"
    assert school_label("999999") == "999999"


def test_names_are_read_only_for_what_is_asked_and_codes_stand_where_no_name_is_known():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("""create table marts.fct_student_terms as select * from (values
        ('S1', 'A01', '王小明', '101', 3, 113, 1), ('S1', 'A01', '王小明', '201', 4, 114, 1),
        ('S1', 'A02', '李小華', '101', 5, 113, 1), ('S2', 'A01', '別校生', '301', 1, 113, 1))
        as t(school_code, student_number, student_name, class_code, seat_number, academic_year, term)""")
    con.execute("""create table marts.dim_teachers as select * from (values ('S1', 'T01', '陳老師'), ('S2', 'T01', '林老師'))
        as t(school_code, teacher_code, teacher_name)""")
    con.execute("""create table marts.fct_course_outcomes as select * from (values
        ('S1', 'CO-1', '數學', '函數圖形報告', '以描點法畫出函數圖形'))
        as t(school_code, outcome_id, subject_name, title, summary)""")
    con.execute("""create table marts.fct_course_records as select * from (values ('S1', '113S1H301MAT1010101XXXX', '數學'))
        as t(school_code, course_code, subject_name)""")
    books = read_names(connection_rows(con), {"S1": ({"A01", "A09"}, {"CO-1", "113-1", "113S1H301MAT1010101XXXX"})})
    book = books["S1"]
    assert (book.student_name("A01"), book.students["A01"].class_code) == ("王小明", "201")  # the latest term
    assert "A02" not in book.students and book.student_name("A09") is None
    assert (book.teacher("T01"), book.teacher("T99")) == ("陳老師（T01）", "T99")
    assert (book.item("CO-1"), book.item("113-1")) == ("數學 — 函數圖形報告：以描點法畫出函數圖形…", "113-1")
    assert book.item("113S1H301MAT1010101XXXX") == "數學"  # a course record by its subject


def test_a_roster_items_key_is_named_by_the_course_one_of_its_parts_names_the_key_after_it():
    book = NameBook("S1", items={"113S1H301MAT1010101XXXX": "數學"})
    assert book.item_key("2+113S1H301MAT1010101XXXX+報告.pdf+") == "數學（2+113S1H301MAT1010101XXXX+報告.pdf+）"
    assert book.item_key("113S1H301MAT1010101XXXX") == "數學（113S1H301MAT1010101XXXX）"
    assert book.item_key("班聯會+班長+1130901") == "班聯會+班長+1130901"  # words already: the key alone
    assert book.item_key(None) is None


def test_on_the_published_copy_a_keys_course_is_named_by_the_course_outcomes_that_carry_it():
    con = duckdb.connect()  # the dashboards' copy: no course records, summaries cut to their excerpt
    con.execute("create schema marts")
    con.execute("""create table marts.fct_course_outcomes as select * from (values
        ('S1', 'CO-1', '113S1H301MAT1010101XXXX', '數學', '函數圖形報告', '以描點法'))
        as t(school_code, outcome_id, course_code, subject_name, title, summary_excerpt)""")
    book = read_key_names(connection_rows(con), {"S1": ["2+113S1H301MAT1010101XXXX+報告.pdf+", "113S1H301ENG1010101XXXX", None]})["S1"]
    assert book.item_key("2+113S1H301MAT1010101XXXX+報告.pdf+") == "數學（2+113S1H301MAT1010101XXXX+報告.pdf+）"
    assert book.item_key("113S1H301ENG1010101XXXX") == "113S1H301ENG1010101XXXX"  # no outcome names it
    assert read_names(connection_rows(con), {"S1": ((), {"CO-1"})})["S1"].item("CO-1") == "數學 — 函數圖形報告：以描點法…"
