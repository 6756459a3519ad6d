"""歷程確認單: per class, a print-ready workbook for the 導師 with one sheet per student.

``<folder>/歷程確認單_<班級>.xlsx``: a 總覽 sheet (every student, their confirmation state, whether the form
goes by post because the student has left: 學籍 not enrolled, seeds/xwalk_enrolment_statuses), then one sheet
per student listing every item the ministry received or rejected, the newest reply, and lines to sign.
Cells go through pipelines.safe_cells; the 身分證號 appears only masked (the item keys as stored).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from pipelines.export.confirmations import ConfirmationState
from pipelines.export.reconcile import OUTCOME_LABELS
from pipelines.identity import mask_national_ids_in_text
from pipelines.safe_cells import new_workbook, write_row

STATE_LABELS = {"confirmed": "已確認", "disputed": "有誤", "unconfirmed": "未確認"}
OVERVIEW_HEADERS = ("座號", "學號", "姓名", "確認狀態", "寄送方式")
ITEM_HEADERS = ("名冊", "工作表", "項目", "收訖結果", "退件原因", "確認結果", "確認人", "說明")


def _students(warehouse: Path, state: ConfirmationState) -> dict[str, dict[str, Any]]:
    """學號 → name and whether the student is still enrolled, from the term's student rows."""
    from pipelines.export.store import records
    from pipelines.warehouse import connect

    with connect(warehouse, read_only=True) as con:
        rows = records(con, """
            select student_number, student_name, is_enrolled from marts.fct_student_terms
            where school_code = ? and academic_year = ? and term = ?""", [state.school, state.academic_year, state.term])
    return {row["student_number"]: row for row in rows}


def write_confirmation_forms(warehouse: Path, state: ConfirmationState, folder: Path) -> list[Path]:
    from pipelines.ingest.dates import roc_date

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("歷程確認單_*.xlsx"):
        old.unlink()
    people = _students(warehouse, state)
    by_class: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for item in state.items:
        by_class[item["class_code"] or "未分班"][item["student_number"]].append(item)
    closes = roc_date(state.window_closes)
    written = []
    for class_code, students in sorted(by_class.items()):
        path = folder / f"歷程確認單_{class_code}.xlsx"
        workbook = new_workbook(path)
        bold = workbook.add_format({"bold": True, "font_size": 13})
        order = sorted(students, key=lambda number: (students[number][0]["seat_number"] or 10**6, number))
        overview = workbook.add_worksheet("總覽")
        overview.set_paper(9)
        write_row(overview, 0, 0, [f"{state.school} {state.academic_year} 學年度第 {state.term} 學期 {class_code} 班 "
                                   f"歷程確認單（確認期限 {closes}）"], bold)
        write_row(overview, 2, 0, OVERVIEW_HEADERS, headers=OVERVIEW_HEADERS)
        for row, number in enumerate(order, start=3):
            person = people.get(number, {})
            write_row(overview, row, 0, [students[number][0]["seat_number"], number, person.get("student_name"),
                                         STATE_LABELS[state.students[number]],
                                         "郵寄" if person.get("is_enrolled") is False else "班級發放"],
                      headers=OVERVIEW_HEADERS)
        for number in order:
            person = people.get(number, {})
            sheet = workbook.add_worksheet(number[:31])
            sheet.set_paper(9)
            sheet.set_landscape()
            sheet.fit_to_pages(1, 0)
            write_row(sheet, 0, 0, [f"歷程確認單　{class_code} 班 {students[number][0]['seat_number'] or ''} 號 "
                                    f"{number} {person.get('student_name') or ''}　請於 {closes} 前確認"], bold)
            write_row(sheet, 2, 0, ITEM_HEADERS, headers=ITEM_HEADERS)
            for row, item in enumerate(sorted(students[number], key=lambda item: (item["workbook"], item["sheet"])), start=3):
                reply = state.newest.get((number, item["workbook"], item["item_key_digest"])) or {}
                write_row(sheet, row, 0, [item["workbook"], item["sheet"], item["item_key_shown"],
                                          OUTCOME_LABELS[item["outcome"]], item["reason"], reply.get("result"),
                                          reply.get("confirmed_by") or ("學生" if reply else None),
                                          mask_national_ids_in_text(reply.get("note") or "")],
                          headers=ITEM_HEADERS)
            last = len(students[number]) + 4
            write_row(sheet, last, 0, ["學生簽名：", "", "家長簽名：", "", "導師簽名："])
        workbook.close()
        written.append(path)
    return written
