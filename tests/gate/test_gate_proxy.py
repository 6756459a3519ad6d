import datetime as dt

from pipelines.gate.proxy import Teacher, choose_proxy, teachers_from_records
from pipelines.policy import PROXY_STEPS

AS_OF = dt.date(2025, 8, 31)
LEFT = dict(is_left=True, left_date=dt.date(2025, 1, 31))


def pool(*teachers: Teacher) -> dict[str, Teacher]:
    return {teacher.code: teacher for teacher in teachers}


DEPARTED = Teacher("T1", subject="數學", domain="數學", designated_proxy_code="T2", **LEFT)


def test_designated_proxy_first():
    teachers = pool(DEPARTED, Teacher("T2", subject="英語文"), Teacher("T3", subject="數學", grades_taught=(1,)))
    choice = choose_proxy(DEPARTED, teachers, PROXY_STEPS, grade=1, as_of=AS_OF)
    assert (choice.teacher.code, choice.step) == ("T2", "designated_proxy")


def test_unavailable_designated_proxy_falls_through_to_same_subject_and_grade():
    teachers = pool(DEPARTED, Teacher("T2", is_on_leave=True), Teacher("T4", subject="數學", grades_taught=(2,)),
                    Teacher("T3", subject="數學", grades_taught=(1, 2)), Teacher("T5", subject="數學", grades_taught=(1,)))
    choice = choose_proxy(DEPARTED, teachers, PROXY_STEPS, grade=1, as_of=AS_OF)
    assert (choice.teacher.code, choice.step) == ("T3", "same_subject_same_grade")  # lowest code among T3, T5


def test_same_subject_then_domain_convener_then_teaching_section_chief():
    math_other_grade = Teacher("T4", subject="數學", grades_taught=(3,))
    convener = Teacher("T6", subject="物理", domain="數學", is_domain_convener=True)
    chief = Teacher("T9", subject="國語文", is_teaching_section_chief=True)
    assert choose_proxy(DEPARTED, pool(DEPARTED, math_other_grade, convener, chief), PROXY_STEPS,
                        grade=1, as_of=AS_OF).step == "same_subject"
    assert choose_proxy(DEPARTED, pool(DEPARTED, convener, chief), PROXY_STEPS, grade=1, as_of=AS_OF).step == "domain_convener"
    assert choose_proxy(DEPARTED, pool(DEPARTED, chief), PROXY_STEPS, grade=1, as_of=AS_OF).teacher.code == "T9"


def test_the_schools_order_decides():
    teachers = pool(DEPARTED, Teacher("T2"), Teacher("T9", is_teaching_section_chief=True))
    choice = choose_proxy(DEPARTED, teachers, ("teaching_section_chief", "designated_proxy"), grade=1, as_of=AS_OF)
    assert choice.teacher.code == "T9"


def test_teachers_who_left_are_never_chosen_and_nobody_fits_is_none():
    teachers = pool(DEPARTED, Teacher("T2", **LEFT), Teacher("T3", subject="數學", **LEFT))
    assert choose_proxy(DEPARTED, teachers, PROXY_STEPS, grade=1, as_of=AS_OF) is None


def test_leaving_counts_from_the_as_of_day():
    leaving_later = Teacher("T1", is_left=True, left_date=dt.date(2025, 9, 30))
    assert not leaving_later.has_left(AS_OF)
    assert leaving_later.has_left(dt.date(2025, 9, 30))
    assert Teacher("T1", is_left=True).has_left(AS_OF)  # 離職 without a date


def test_teachers_from_dim_teachers_records():
    teachers = teachers_from_records([{
        "teacher_code": "T1", "teacher_name": "甲", "subject": "數學", "grades_taught_list": [1, 2], "domain": "數學",
        "is_left": True, "left_date": None, "is_on_leave": False, "designated_proxy_code": "",
        "is_domain_convener": False, "is_teaching_section_chief": True,
    }])
    assert teachers["T1"].grades_taught == (1, 2)
    assert teachers["T1"].designated_proxy_code is None and teachers["T1"].is_teaching_section_chief


def test_a_teacher_needs_a_proxy_in_any_status_the_school_lists():
    on_leave = Teacher("T1", is_on_leave=True, employment_status="留職停薪")
    leaving = Teacher("T2", employment_status="離職", is_left=True, left_date=dt.date(2025, 9, 30))
    assert on_leave.needs_proxy(AS_OF, ("離職", "留職停薪"))
    assert not on_leave.needs_proxy(AS_OF, ("離職",))
    assert not leaving.needs_proxy(AS_OF, ("離職", "留職停薪"))  # not yet gone
    assert leaving.needs_proxy(dt.date(2025, 9, 30), ("離職",))
    assert not Teacher("T3", employment_status="在職").needs_proxy(AS_OF, ("離職", "留職停薪"))


def test_r28_accepts_only_the_proxy_the_order_names_on_the_day():
    from pipelines.gate.proxy import is_proxy_certifier
    from pipelines.policy import DEFAULT_POLICY

    assigned = Teacher("T1", subject="數學", is_on_leave=True, employment_status="留職停薪")
    teachers = pool(assigned, Teacher("T3", subject="數學", grades_taught=(1,)), Teacher("T5", subject="數學"))
    assert is_proxy_certifier("T3", assigned, teachers, DEFAULT_POLICY, grade=1, on=AS_OF)
    assert not is_proxy_certifier("T5", assigned, teachers, DEFAULT_POLICY, grade=1, on=AS_OF)  # not the order's choice
    at_work = Teacher("T1", subject="數學", employment_status="在職")
    assert not is_proxy_certifier("T3", at_work, pool(at_work, *list(teachers.values())[1:]), DEFAULT_POLICY,
                                  grade=1, on=AS_OF)  # the teacher needed no proxy
