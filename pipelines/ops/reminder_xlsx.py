"""Reminder lists as workbooks ready to print (A4 landscape, one class or teacher per sheet).

Per school, in ``<out>/<學校代碼>/<as_of>/``:

- ``班級提醒_<as_of>.xlsx``: a 總覽 sheet, then one sheet per class for its homeroom teacher (導師);
- ``教師提醒_<as_of>.xlsx``: a 總覽 sheet, then one sheet per certifying teacher (or proxy);
- ``代理認證_<as_of>.xlsx``: every outcome waiting on a teacher who has left, the proxy and the chain;
- ``名冊提交與申訴_<as_of>.xlsx`` for the registrar: a 總覽 per unit, the 名冊 due soon (the unit's date and
  the ministry's) and every open dispute by 名冊 and owning unit with its due date.

A workbook is written only when it has rows. Students appear by class, seat, student number and name,
items by course and title, teachers by name with the code after it (pipelines/names.py); dates as ROC dates.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from pipelines.names import named
from pipelines.ops.reminders import Reminders
from pipelines.safe_cells import new_workbook, write_cell
from pipelines.roc import roc_date

CLASS_COLUMNS = (("截止事項", "deadline_label", 22), ("截止日期", "deadline_date", 14), ("剩餘天數", "days_left", 8),
                 ("座號", "seat_number", 6), ("學號", "student_number", 12), ("姓名", "student_name", 10),
                 ("提醒內容", "detail", 70))
TEACHER_COLUMNS = (("截止日期", "deadline_date", 14), ("班級", "class_code", 8), ("座號", "seat_number", 6),
                   ("學號", "student_number", 12), ("姓名", "student_name", 10), ("成果", "item_label", 40),
                   ("成果編號", "outcome_id", 14), ("已等待天數", "pending_days", 9), ("逾期", "is_overdue", 6),
                   ("原認證教師", "original_teacher", 16), ("代理依據", "proxy_chain", 60))
PROXY_LIST_COLUMNS = (("原認證教師", "original_teacher", 16), ("離職日期", "original_left_date", 14),
                      ("代理教師", "proxy", 16), ("依據", "proxy_step", 14), ("代理順序檢查", "proxy_chain", 70),
                      ("學年度", "academic_year", 7), ("學期", "term", 5), ("班級", "class_code", 8),
                      ("座號", "seat_number", 6), ("學號", "student_number", 12), ("姓名", "student_name", 10),
                      ("成果", "item_label", 40), ("成果編號", "outcome_id", 14), ("送審日期", "submitted_date", 14))
SUBMISSION_LIST_COLUMNS = (("承辦單位", "owner_unit", 10), ("名冊", "workbook", 22), ("學年度", "academic_year", 7),
                           ("學期", "term_label", 8), ("校內截止", "internal_due_date", 14),
                           ("教育部截止", "due_date", 14), ("距校內截止天數", "days_left", 10),
                           ("距教育部截止天數", "ministry_days_left", 10), ("提交狀態", "submitted", 30))
DISPUTE_LIST_COLUMNS = (("承辦單位", "owner_unit", 10), ("名冊", "workbook", 22), ("案號", "case_id", 6),
                        ("學年度", "academic_year", 7), ("學期", "term_label", 8), ("班級", "class_code", 8),
                        ("座號", "seat_number", 6), ("學號", "student_number", 12), ("姓名", "student_name", 10),
                        ("項目", "item", 24), ("回覆有誤日期", "replied_date", 14), ("確認人", "confirmed_by", 8),
                        ("處理期限", "due_date", 14), ("剩餘天數", "days_left", 8), ("逾期", "is_overdue", 6))

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(text: str, used: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub("_", text).strip("'")[:31] or "工作表"
    name, counter = base, 2
    while name.lower() in used:
        suffix = f"({counter})"
        name, counter = base[: 31 - len(suffix)] + suffix, counter + 1
    used.add(name.lower())
    return name


def _who(code, name) -> str:
    return named(name, code) or "（未指定）"


def _value(row: dict, key: str):
    if key == "original_teacher":
        return _who(row.get("original_teacher_code"), row.get("original_teacher_name"))
    if key == "proxy":
        return _who(row.get("proxy_code"), row.get("proxy_name")) if row.get("proxy_code") else "無人可代理"
    if key == "is_overdue":
        return "是" if row.get("is_overdue") else ""
    if key == "term_label":
        return f"第 {row['term']} 學期" if row.get("term") else "全學年"
    if key == "submitted":
        if row.get("submitted_date") is None:
            return "尚未提交"
        return f"已提交（{roc_date(row['submitted_date'], era=True)}{'，' + row['submitted_unit'] if row.get('submitted_unit') else ''}）"
    value = row.get(key)
    return roc_date(value, era=True) if hasattr(value, "isoformat") else value


class _Book:
    def __init__(self, path: Path, school: str, as_of: str):  # school: its name (code), as_of: a ROC date
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.school, self.as_of = path, school, as_of
        self.workbook = new_workbook(path)
        self.title = self.workbook.add_format({"bold": True, "font_size": 14})
        self.subtitle = self.workbook.add_format({"font_size": 11})
        self.header = self.workbook.add_format({"bold": True, "bg_color": "#DDDDDD", "border": 1, "text_wrap": True,
                                                "valign": "vcenter"})
        self.cell = self.workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        self.used: set[str] = set()

    def sheet(self, name: str, title: str, subtitle: str, columns, rows: list[dict]) -> None:
        sheet = self.workbook.add_worksheet(_sheet_name(name, self.used))
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        sheet.repeat_rows(3)
        sheet.set_footer(f"&L學校 {self.school}　基準日 {self.as_of}&R第 &P 頁，共 &N 頁")
        write_cell(sheet, 0, 0, title, self.title)
        write_cell(sheet, 1, 0, subtitle, self.subtitle)
        for index, (label, _, width) in enumerate(columns):
            sheet.set_column(index, index, width)
            write_cell(sheet, 3, index, label, self.header)
        for row_index, row in enumerate(rows, start=4):
            for index, (label, key, _) in enumerate(columns):
                value = _value(row, key)
                write_cell(sheet, row_index, index, "" if value is None else value, self.cell, header=label)
        if rows:
            sheet.autofilter(3, 0, 3 + len(rows), len(columns) - 1)

    def close(self) -> Path:
        self.workbook.close()
        return self.path


def write_reminder_workbooks(reminders: Reminders, out: Path) -> list[Path]:
    """Write each school's workbooks under `out`; the files written."""
    written = []
    as_of = reminders.as_of.isoformat()  # file and folder names sort by it
    shown = roc_date(reminders.as_of, era=True)
    for school in reminders.schools:
        mine = reminders.for_school(school)
        label = mine.school_label(school)
        folder = out / school / as_of
        class_rows = [row for row in mine.rows if row["audience"] == "class"]
        teacher_rows = [row for row in mine.rows if row["audience"] == "teacher"]
        if class_rows:
            written.append(_class_book(folder / f"班級提醒_{as_of}.xlsx", label, shown, class_rows))
        if teacher_rows:
            written.append(_teacher_book(folder / f"教師提醒_{as_of}.xlsx", label, shown, teacher_rows))
        if mine.proxies:
            book = _Book(folder / f"代理認證_{as_of}.xlsx", label, shown)
            book.sheet("代理認證", "課程學習成果代理認證名單",
                       f"原認證教師已離職、仍待認證的成果：共 {len(mine.proxies)} 件；依本校補充規定之代理順序選定代理教師。",
                       PROXY_LIST_COLUMNS, mine.proxies)
            written.append(book.close())
        if mine.submissions or mine.disputes:
            written.append(_registrar_book(folder / f"名冊提交與申訴_{as_of}.xlsx", label, shown, mine))
    return written


def _deadline_text(rows: list[dict]) -> str:
    deadlines = sorted({(row["deadline_date"], row["deadline_label"], row["academic_year"], row["term"]) for row in rows},
                       key=lambda item: (item[0], item[1]))
    parts = []
    for day, label, year, term in deadlines:
        when = f"{year} 學年度第 {term} 學期" if term else f"{year} 學年度"
        parts.append(f"{when}{label} {roc_date(day, era=True)}")
    return "；".join(parts)


def _class_book(path: Path, school: str, as_of: str, rows: list[dict]) -> Path:
    by_class: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_class[row["class_code"] or "未編班"].append(row)
    book = _Book(path, school, as_of)
    overview = [{"class": code, "teacher": _who(items[0]["recipient_code"], items[0]["recipient_name"]),
                 "students": len({item["student_number"] for item in items}), "deadlines": _deadline_text(items)}
                for code, items in sorted(by_class.items())]
    book.sheet("總覽", "學習歷程檔案 截止前提醒（導師）", f"{school}　基準日 {as_of}；共 {len(by_class)} 班",
               (("班級", "class", 10), ("導師", "teacher", 16), ("需提醒學生數", "students", 12), ("截止事項", "deadlines", 80)),
               overview)
    for code, items in sorted(by_class.items()):
        items.sort(key=lambda item: (item["deadline_date"], item["seat_number"] if item["seat_number"] is not None else 9999,
                                     item["student_number"] or ""))
        name = next((item["class_name"] for item in items if item.get("class_name")), None)
        book.sheet(f"{code} {name or ''}".strip(), f"班級 {code} {name or ''}　導師 {_who(items[0]['recipient_code'], items[0]['recipient_name'])}",
                   _deadline_text(items), CLASS_COLUMNS, items)
    return book.close()


def _teacher_book(path: Path, school: str, as_of: str, rows: list[dict]) -> Path:
    by_teacher: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_teacher[row["recipient_code"] or "（無人可代理）"].append(row)
    book = _Book(path, school, as_of)
    overview = [{"teacher": _who(code, items[0]["recipient_name"]), "role": "、".join(sorted({i["recipient_role"] for i in items})),
                 "pending": len(items), "overdue": sum(1 for i in items if i["is_overdue"]), "deadlines": _deadline_text(items)}
                for code, items in sorted(by_teacher.items())]
    book.sheet("總覽", "學習歷程檔案 認證截止前提醒（教師）", f"{school}　基準日 {as_of}；共 {len(by_teacher)} 位教師",
               (("教師", "teacher", 16), ("身分", "role", 16), ("待認證件數", "pending", 10), ("逾期件數", "overdue", 9),
                ("截止事項", "deadlines", 70)), overview)
    for code, items in sorted(by_teacher.items()):
        items.sort(key=lambda item: (item["deadline_date"], item["class_code"] or "", item["seat_number"] or 0, item["outcome_id"] or ""))
        who = _who(code if items[0]["recipient_code"] else None, items[0]["recipient_name"])
        book.sheet(who, f"教師 {who}　待認證 {len(items)} 件", _deadline_text(items), TEACHER_COLUMNS, items)
    return book.close()


def _registrar_book(path: Path, school: str, as_of: str, reminders: Reminders) -> Path:
    """The units' 名冊 due soon and the open disputes, by 名冊 and owning unit (註冊組, 訓育組)."""
    book = _Book(path, school, as_of)
    units = sorted({row["owner_unit"] or "（未指定）" for row in (*reminders.submissions, *reminders.disputes)})
    overview = [{
        "unit": unit,
        "rosters": len([row for row in reminders.submissions if (row["owner_unit"] or "（未指定）") == unit]),
        "unsubmitted": len([row for row in reminders.submissions
                            if (row["owner_unit"] or "（未指定）") == unit and row["submitted_date"] is None]),
        "cases": len([row for row in reminders.disputes if (row["owner_unit"] or "（未指定）") == unit]),
        "overdue": len([row for row in reminders.disputes if (row["owner_unit"] or "（未指定）") == unit and row["is_overdue"]]),
        "next": min((row["due_date"] for row in reminders.disputes if (row["owner_unit"] or "（未指定）") == unit), default=None),
    } for unit in units]
    book.sheet("總覽", "名冊提交與收訖申訴（註冊組）",
               f"{school}　基準日 {as_of}；{reminders.days} 天內到期的名冊 {len(reminders.submissions)} 份、"
               f"處理中的申訴 {len(reminders.disputes)} 件",
               (("承辦單位", "unit", 10), ("到期名冊", "rosters", 9), ("尚未提交", "unsubmitted", 9),
                ("處理中申訴", "cases", 10), ("已逾期申訴", "overdue", 10), ("最早處理期限", "next", 14)), overview)
    if reminders.submissions:
        rows = sorted(reminders.submissions, key=lambda row: (row["internal_due_date"], row["owner_unit"] or "", row["workbook"]))
        book.sheet("名冊提交期限", "名冊提交期限",
                   "校內截止為教育部截止日前兩週（本校補充規定 submission_deadlines）", SUBMISSION_LIST_COLUMNS, rows)
    if reminders.disputes:
        rows = sorted(reminders.disputes, key=lambda row: (row["workbook"], row["owner_unit"] or "", row["due_date"],
                                                           row["class_code"] or "", row["seat_number"] or 0))
        book.sheet("收訖申訴", "收訖申訴案件（處理中）",
                   "學生或家長回覆有誤的項目：請承辦單位於處理期限前更正重新提交，或以理由回覆（portfolio receipts answer）",
                   DISPUTE_LIST_COLUMNS, rows)
    return book.close()
