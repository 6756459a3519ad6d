"""The JSON exactly as rules.md shows it, and the HTML report people act on (and the optional xlsx)."""

from __future__ import annotations

import json
import re

from expectations.rules import RULES
from pipelines.gate.html import render_html, write_html
from pipelines.gate.report import gate_json, write_json
from pipelines.gate.xlsx import write_xlsx
from pipelines.names import SUMMARY_EXCERPT_CHARS
from tests.gate import warehouse_fixture as fx

WHOLE_IDS = [row["national_id"] for row in fx.STUDENTS]


def test_json_shape(gate_result, tmp_path):
    document = json.loads(write_json(gate_result, tmp_path / "gate.json").read_text(encoding="utf-8"))
    assert list(document) == ["school", "academic_year", "term", "as_of", "passed", "rules"]
    assert (document["school"], document["academic_year"], document["passed"]) == (fx.SCHOOL, fx.YEAR, False)
    assert [rule["id"] for rule in document["rules"]] == [rule.id for rule in RULES]
    for rule in document["rules"]:
        assert list(rule) == ["id", "severity", "violations", "rows"]
        assert rule["violations"] == len(rule["rows"])
    r02 = next(rule for rule in document["rules"] if rule["id"] == "R02")
    assert r02 == {"id": "R02", "severity": "error", "violations": 1, "rows": [
        {"學號": "1130001", "班級": "101", "座號": 1, "key": "CO-101", "value": 101, "limit": 100}]}
    r18 = next(rule for rule in document["rules"] if rule["id"] == "R18")
    assert r18["rows"][0]["教師"] == "T002" and r18["rows"][0]["代理教師"] == "T003"


def test_json_lists_every_rule_with_zero_when_it_holds(gate_warehouse):
    from pipelines.gate.core import run_gate

    document = gate_json(run_gate(gate_warehouse, fx.CLEAN_SCHOOL, fx.YEAR, None, fx.AS_OF))
    assert document["passed"] is True
    assert [(rule["id"], rule["violations"], rule["rows"]) for rule in document["rules"]] == [
        (rule.id, 0, []) for rule in RULES]


def test_no_whole_national_id_anywhere(gate_result, tmp_path):
    texts = [write_json(gate_result, tmp_path / "gate.json").read_text(encoding="utf-8"), render_html(gate_result)]
    for text in texts:
        for national_id in WHOLE_IDS:
            assert national_id not in text
    assert "A12****788" in texts[0] and "A12****788" in texts[1]


def test_html_is_chinese_grouped_by_class_and_teacher_and_offline(gate_result, tmp_path):
    page = write_html(gate_result, tmp_path / "gate.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hant">' in page
    for heading in ("學習歷程檔案提交前檢核報告", "規則摘要", "依班級", "教師待認證", "不可提交"):
        assert heading in page
    # a homeroom teacher finds his or her class, with the class's rows only
    assert "101 班　一年一班　導師：國文甲（T001）" in page
    assert "102 班　一年二班　導師：數學丙（T003）" in page
    class_101 = page[page.index("101 班"):page.index("102 班")]
    assert "CO-101" in class_101 and "CO-104" not in class_101
    # the backlog of a departed teacher names the proxy chosen by the policy's proxy_order
    teachers = page[page.index('id="teachers"'):]
    assert "數學乙（T002）（離職或留職停薪，需代理認證）" in teachers and "數學丙（T003）" in teachers
    assert "同科目同年級教師" in teachers
    # people read ROC dates and Taipei time
    assert f"檢核基準日 民國 {gate_result.as_of.year - 1911}/" in page and "（臺北時間）" in page
    assert gate_result.as_of.isoformat() not in page
    # renders offline: inline CSS, no script, nothing fetched
    assert "<style>" in page and "<script" not in page and "<link" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_html_names_students_items_and_teachers_before_their_codes(gate_result):
    page = render_html(gate_result)
    names = gate_result.name_book
    item = names.item("CO-101")
    # the course (the fixture's subject is 課), the title and the summary's first characters
    assert item == f"課 — 成果CO-101：{'學' * SUMMARY_EXCERPT_CHARS}…"
    # the item's name, then its code for matching; never the code where the name belongs
    assert f"<td>{item}</td><td class=\"muted\">CO-101</td>" in page
    assert not re.search(r"<td>(CO|P)-\d+</td>", page)
    # students by 學號 and name; teachers (and the proxy) by name, the code after it
    assert "<td>1130001</td><td>學生1</td>" in page
    assert not re.search(r"<h3>T\d+|應由代理認證：<strong>T\d+|<td>T\d+", page)  # R18's value and limit too
    # an R24 finding: its limit is the code list it must be in, in words, not the seed's name alone
    assert "須為幹部等級代碼表的代碼（共 3 個，xwalk_cadre_levels）" in page and "<td>xwalk_cadre_levels</td>" not in page
    # the school by its directory name: a school missing from the directory keeps its code
    assert names.school_label == fx.SCHOOL


def test_html_names_the_school_from_the_directory(gate_result):
    import dataclasses

    from pipelines.names import NameBook, school_directory

    code, row = next(iter(school_directory().items()))
    page = render_html(dataclasses.replace(gate_result, school=code, names=NameBook(code)))
    assert f"{row['school_name']}（{code}）・{fx.YEAR} 學年度" in page and f"學校代碼 {code}" not in page


def test_html_of_a_passing_school(gate_warehouse):
    from pipelines.gate.core import run_gate

    page = render_html(run_gate(gate_warehouse, fx.CLEAN_SCHOOL, fx.YEAR, None, fx.AS_OF))
    assert "可以提交" in page and "沒有需要學生或註冊組處理的項目" in page


def test_xlsx_has_the_same_lists(gate_result, tmp_path):
    import openpyxl

    workbook = openpyxl.load_workbook(write_xlsx(gate_result, tmp_path / "gate.xlsx"))
    assert workbook.sheetnames == ["摘要", "依班級", "教師待認證"]
    assert workbook["摘要"].max_row == 1 + len(RULES)
    sheets = {name: list(workbook[name].iter_rows(values_only=True)) for name in workbook.sheetnames}
    backlog = [dict(zip(sheets["教師待認證"][0], row)) for row in sheets["教師待認證"][1:]]
    assert {(row["教師"], row["教師代碼"], row["規則"], row["代理教師"], row["代理教師代碼"]) for row in backlog} == {
        ("數學乙", "T002", "R17", "數學丙", "T003"), ("數學乙", "T002", "R18", "數學丙", "T003"),
        ("數學丁", "T004", "R18", "數學丙", "T003")}
    # names where people read, codes in the columns after them
    by_class = [dict(zip(sheets["依班級"][0], row)) for row in sheets["依班級"][1:]]
    item = next(row for row in by_class if row["項目代碼"] == "CO-101")
    assert (item["項目"], item["學號"], item["姓名"]) == (gate_result.name_book.item("CO-101"), "1130001", "學生1")
    for row in by_class + backlog:
        for column in ("項目", "成果", "教師", "代理教師", "值", "上限／規定"):
            assert not re.fullmatch(r"(CO|P|T)-?\d+", str(row.get(column) or "")), (column, row)
