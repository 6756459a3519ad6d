"""The gate's lists as a workbook (optional): 摘要, 依班級 and 教師待認證, filterable in Excel.

Named as gate.html names things (pipelines/names.py): the school, students, items and teachers by name
first, their codes in a column after for matching."""

from __future__ import annotations

import json
from pathlib import Path

from expectations.rules import RULES_BY_ID, SEVERITY_LABELS
from pipelines.gate.core import GateResult
from pipelines.gate.html import CHECK_LABELS, proxy_name, shown_values, teacher_name
from pipelines.gate.report import BACKLOG_RULES
from pipelines.names import person_label
from pipelines.safe_cells import new_workbook, write_row


def _cell(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, list) else "、".join(map(str, value))


def write_xlsx(result: GateResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = new_workbook(path)
    header = workbook.add_format({"bold": True, "bg_color": "#F0F4F8", "border": 1})

    def sheet(name: str, columns: list[str], rows: list[list]) -> None:
        worksheet = workbook.add_worksheet(name)
        write_row(worksheet, 0, 0, columns, header)
        for number, row in enumerate(rows, start=1):
            write_row(worksheet, number, 0, [_cell(value) for value in row], headers=columns)
        worksheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
        worksheet.freeze_panes(1, 0)
        worksheet.set_column(0, len(columns) - 1, 14)

    names = result.name_book
    school = names.school_label or result.school
    sheet("摘要", ["學校", "學校代碼", "學年度", "規則", "等級", "檢核內容", "違規筆數", "負責處理"], [
        [school, result.school, result.academic_year, rule_result.id, SEVERITY_LABELS[rule_result.severity],
         rule_result.rule.title, rule_result.violations, rule_result.rule.fixer]
        for rule_result in result.results
    ])
    by_class = [
        row for rule_result in result.results if rule_result.id not in BACKLOG_RULES for row in rule_result.rows
    ]
    by_class.sort(key=lambda row: (row.class_code or "\uffff", row.seat_number or 0, row.rule_id))
    sheet("依班級", ["班級", "座號", "學號", "姓名", "規則", "問題", "檢核項", "項目", "項目代碼", "值", "上限／規定",
                  "負責處理"], [
        [row.class_code, row.seat_number, row.student_number, names.student_name(row.student_number), row.rule_id,
         RULES_BY_ID[row.rule_id].title, CHECK_LABELS.get(row.check, row.check), names.item(row.key), row.key,
         *shown_values(row, names), RULES_BY_ID[row.rule_id].fixer]
        for row in by_class
    ])
    backlog = [row for rule_id in BACKLOG_RULES for row in result.result(rule_id).rows]
    backlog.sort(key=lambda row: (row.teacher_code or "\uffff", row.rule_id, row.class_code or "", row.seat_number or 0))
    sheet("教師待認證", ["教師", "教師代碼", "規則", "問題", "班級", "座號", "學號", "姓名", "成果", "成果編號", "值",
                    "上限／規定", "代理教師", "代理教師代碼", "代理依據"], [
        [person_label(teacher_name(row, names), row.teacher_code), row.teacher_code, row.rule_id,
         CHECK_LABELS.get(row.check, row.check), row.class_code, row.seat_number, row.student_number,
         names.student_name(row.student_number), names.item(row.key), row.key, *shown_values(row, names),
         person_label(proxy_name(row, names), row.proxy_code), row.proxy_code, row.proxy_step]
        for row in backlog
    ])
    workbook.close()
    return path
