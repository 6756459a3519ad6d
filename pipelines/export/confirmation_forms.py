"""歷程確認單: per class, a print-ready workbook for the 導師 with one sheet per student (and, with
`receipts forms --pdf`, the same as a PDF printed by headless Chromium with the Noto CJK fonts).

``<folder>/歷程確認單_<班級>.xlsx``: a 總覽 sheet (every student, their confirmation state, whether the form
goes by post because the student has left: 學籍 not enrolled, seeds/xwalk_enrolment_statuses), then one sheet
per student listing every item the ministry received or rejected, the newest reply, and lines to sign.
Cells go through pipelines.safe_cells; the 身分證號 appears only masked (the item keys as stored).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from pipelines.export.confirmations import ConfirmationState
from pipelines.export.reconcile import OUTCOME_LABELS
from pipelines.identity import mask_national_ids_in_text
from pipelines.names import NameBook, connection_rows, named, read_key_names, school_label
from pipelines.safe_cells import new_workbook, write_row

STATE_LABELS = {"confirmed": "已確認", "disputed": "有誤", "unconfirmed": "未確認"}
OVERVIEW_HEADERS = ("座號", "姓名", "學號", "確認狀態", "寄送方式")
ITEM_HEADERS = ("名冊", "工作表", "項目", "收訖結果", "退件原因", "確認結果", "確認人", "說明")
SIGNATURES = ("學生簽名：", "", "家長簽名：", "", "導師簽名：")
CHROMIUM = Path("/usr/bin/chromium")  # Debian's; the PDF forms print through it (as the browser test drives it)
PDF_FONTS = '"Noto Sans CJK TC", "Noto Serif CJK TC", "Noto Sans CJK", sans-serif'  # Debian's fonts-noto-cjk


def _students(warehouse: Path, state: ConfirmationState) -> tuple[dict[str, dict[str, Any]], NameBook]:
    """學號 → name and whether the student is still enrolled, from the term's student rows; and the names of
    the courses and items the term's 項目鍵 name (pipelines/names.py)."""
    from pipelines.export.store import records
    from pipelines.warehouse import connect

    with connect(warehouse, read_only=True) as con:
        rows = records(con, """
            select student_number, student_name, is_enrolled from marts.fct_student_terms
            where school_code = ? and academic_year = ? and term = ?""", [state.school, state.academic_year, state.term])
        keys = {state.school: [item["item_key_shown"] for item in state.items]}
        book = read_key_names(connection_rows(con), keys)[state.school]
    return {row["student_number"]: row for row in rows}, book


@dataclass(frozen=True)
class StudentForm:
    title: str
    rows: list[list[Any]]  # ITEM_HEADERS


@dataclass(frozen=True)
class ClassForms:
    class_code: str
    title: str
    overview: list[list[Any]]  # OVERVIEW_HEADERS
    students: list[StudentForm]


def class_forms(warehouse: Path, state: ConfirmationState) -> list[ClassForms]:
    """What each class's 歷程確認單 says, whatever it is printed on (xlsx, PDF)."""
    from pipelines.roc import roc_date

    people, book = _students(warehouse, state)
    by_class: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for item in state.items:
        by_class[item["class_code"] or "未分班"][item["student_number"]].append(item)
    closes = roc_date(state.window_closes, era=True)
    forms = []
    for class_code, students in sorted(by_class.items()):
        order = sorted(students, key=lambda number: (students[number][0]["seat_number"] or 10**6, number))
        overview, pages = [], []
        for number in order:
            person, seat = people.get(number, {}), students[number][0]["seat_number"]
            overview.append([seat, person.get("student_name"), number, STATE_LABELS[state.students[number]],
                             "郵寄" if person.get("is_enrolled") is False else "班級發放"])
            rows = []
            for item in sorted(students[number], key=lambda item: (item["workbook"], item["sheet"])):
                reply = state.newest.get((number, item["workbook"], item["item_key_digest"])) or {}
                rows.append([item["workbook"], item["sheet"], book.item_key(item["item_key_shown"]), OUTCOME_LABELS[item["outcome"]],
                             item["reason"], reply.get("result"), reply.get("confirmed_by") or ("學生" if reply else None),
                             mask_national_ids_in_text(reply.get("note") or "")])
            pages.append(StudentForm(f"歷程確認單　{named(person.get('student_name'), number)}　{class_code} 班 "
                                     f"{seat or ''} 號　請於 {closes} 前確認", rows))
        forms.append(ClassForms(class_code, f"{school_label(state.school)} {state.academic_year} 學年度第 {state.term} 學期 "
                                f"{class_code} 班 歷程確認單（確認期限 {closes}）", overview, pages))
    return forms


def write_confirmation_forms(warehouse: Path, state: ConfirmationState, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("歷程確認單_*.xlsx"):
        old.unlink()
    written = []
    for form in class_forms(warehouse, state):
        path = folder / f"歷程確認單_{form.class_code}.xlsx"
        workbook = new_workbook(path)
        bold = workbook.add_format({"bold": True, "font_size": 13})
        overview = workbook.add_worksheet("總覽")
        overview.set_paper(9)
        write_row(overview, 0, 0, [form.title], bold)
        write_row(overview, 2, 0, OVERVIEW_HEADERS, headers=OVERVIEW_HEADERS)
        for row, values in enumerate(form.overview, start=3):
            write_row(overview, row, 0, values, headers=OVERVIEW_HEADERS)
        for values, page in zip(form.overview, form.students):
            sheet = workbook.add_worksheet(values[2][:31])  # the 學號: unique, where a name may not be
            sheet.set_paper(9)
            sheet.set_landscape()
            sheet.fit_to_pages(1, 0)
            write_row(sheet, 0, 0, [page.title], bold)
            write_row(sheet, 2, 0, ITEM_HEADERS, headers=ITEM_HEADERS)
            for row, item in enumerate(page.rows, start=3):
                write_row(sheet, row, 0, item, headers=ITEM_HEADERS)
            write_row(sheet, len(page.rows) + 4, 0, list(SIGNATURES))
        workbook.close()
        written.append(path)
    return written


def forms_html(form: ClassForms) -> str:
    """One class's forms as a print-ready HTML page (A4 landscape, one student per page, CJK font), every
    value escaped."""
    def table(headers, rows) -> str:
        head = "".join(f"<th>{escape(str(header))}</th>" for header in headers)
        body = "".join("<tr>" + "".join(f"<td>{'' if value is None else escape(str(value))}</td>" for value in row) + "</tr>"
                       for row in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    signatures = "".join(f"<span>{escape(label)}＿＿＿＿＿＿＿＿</span>" for label in SIGNATURES if label)
    pages = "".join(f'<section><h2>{escape(page.title)}</h2>{table(ITEM_HEADERS, page.rows)}'
                    f'<p class="sign">{signatures}</p></section>' for page in form.students)
    return f"""<!doctype html><html lang="zh-Hant"><head><meta charset="utf-8"><title>{escape(form.title)}</title>
<style>
@page {{ size: A4 landscape; margin: 12mm; }}
body {{ font-family: {PDF_FONTS}; font-size: 10.5pt; }}
section {{ break-before: page; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #555; padding: 3px 5px; text-align: left; vertical-align: top; }}
thead {{ display: table-header-group; }}
.sign span {{ display: inline-block; margin: 14mm 12mm 0 0; }}
</style></head><body><h1>{escape(form.title)}</h1>{table(OVERVIEW_HEADERS, form.overview)}{pages}</body></html>"""


def write_confirmation_pdfs(warehouse: Path, state: ConfirmationState, folder: Path, *,
                            classes: list[str] | None = None, chromium: Path = CHROMIUM) -> list[Path]:
    """The same forms as PDF (歷程確認單_<班級>.pdf), printed by headless Chromium from forms_html; a
    ConfirmationError when Chromium is not installed."""
    import subprocess
    import tempfile

    from pipelines.export.confirmations import ConfirmationError

    if not chromium.is_file():
        raise ConfirmationError(f"無法產生 PDF：找不到 {chromium}（Debian 套件 chromium 與 fonts-noto-cjk）；xlsx 確認單不受影響")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        for form in class_forms(warehouse, state):
            if classes is not None and form.class_code not in classes:
                continue
            page = Path(scratch) / f"{form.class_code}.html"
            page.write_text(forms_html(form), encoding="utf-8")
            path = folder / f"歷程確認單_{form.class_code}.pdf"
            subprocess.run([str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                            f"--user-data-dir={scratch}/profile", "--no-pdf-header-footer", f"--print-to-pdf={path}",
                            page.as_uri()], check=True, capture_output=True, timeout=180)
            written.append(path)
    return written
