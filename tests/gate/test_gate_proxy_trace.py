"""The proxy chain: every step of the school's proxy_order tried, with who was passed over and why."""

import datetime as dt

from pipelines.gate.proxy import Teacher, choose_proxy, trace_proxy
from pipelines.policy import PROXY_STEPS

AS_OF = dt.date(2025, 8, 31)
LEFT = dict(is_left=True, left_date=dt.date(2025, 1, 31))
DEPARTED = Teacher("T1", name="張老師", subject="數學", domain="數學", designated_proxy_code="T2", **LEFT)


def chain(*teachers: Teacher, grade: int = 1, order=PROXY_STEPS):
    trace = trace_proxy(DEPARTED, {t.code: t for t in (DEPARTED, *teachers)}, order, grade=grade, as_of=AS_OF)
    return [step.step for step in trace.steps], trace


def test_designated_proxy_available():
    steps, trace = chain(Teacher("T2", name="李老師"))
    assert steps == ["designated_proxy"]
    assert trace.describe(AS_OF) == "指定代理教師：李老師（T2）（選定）"


def test_designated_proxy_left_then_same_subject_same_grade():
    steps, trace = chain(Teacher("T2", name="李老師", **LEFT), Teacher("T5", subject="數學", grades_taught=(1,)))
    assert steps == ["designated_proxy", "same_subject_same_grade"]
    assert trace.describe(AS_OF) == "指定代理教師：李老師（T2） 已離職 → 同科目同年級教師：T5（選定）"


def test_same_subject_when_nobody_teaches_the_grade():
    steps, trace = chain(Teacher("T2", is_on_leave=True), Teacher("T4", subject="數學", grades_taught=(3,)))
    assert steps == ["designated_proxy", "same_subject_same_grade", "same_subject"]
    assert trace.describe(AS_OF).startswith("指定代理教師：T2 留職停薪 → 同科目同年級教師：無 → 同科目教師：T4")


def test_domain_convener_then_teaching_section_chief():
    convener = Teacher("T6", subject="物理", domain="數學", is_domain_convener=True)
    chief = Teacher("T9", is_teaching_section_chief=True)
    assert chain(convener, chief)[0][-1] == "domain_convener"
    steps, trace = chain(chief)
    assert steps == list(PROXY_STEPS)
    assert "指定代理教師：T2 不在教師名單" in trace.describe(AS_OF) and trace.choice.teacher.code == "T9"


def test_nobody_available_says_so_and_matches_choose_proxy():
    steps, trace = chain(Teacher("T9", is_teaching_section_chief=True, **LEFT))
    assert trace.choice is None and len(steps) == len(PROXY_STEPS)
    assert trace.describe(AS_OF).endswith("無人可代理，請工作小組指定")
    teachers = {t.code: t for t in (DEPARTED, Teacher("T3", subject="數學"))}
    assert choose_proxy(DEPARTED, teachers, PROXY_STEPS, grade=1, as_of=AS_OF) == \
        trace_proxy(DEPARTED, teachers, PROXY_STEPS, grade=1, as_of=AS_OF).choice
