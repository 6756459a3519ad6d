"""The gate's report for people: one self-contained HTML page per school and year (繁體中文).

A summary per rule, then the offending rows grouped by class (so a homeroom teacher prints his or her
own list), then the certification backlog (R17/R18) grouped by teacher with the proxy who should act.
Everything is named as people know it (pipelines/names.py): the school by its directory name, students by
學號, 座號 and name, items by course, title and summary excerpt, teachers by name; codes follow the names
for matching. Inline CSS, no script, no external resources: it renders offline. No national ID appears whole.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from expectations.rules import RULES_BY_ID, SEVERITY_LABELS
from expectations.runner import Violation
from pipelines.gate.core import GateResult
from pipelines.gate.report import BACKLOG_RULES
from pipelines.names import code_label, code_list_requirement, is_code_list, named
from pipelines.roc import roc_date, roc_datetime

CHECK_LABELS: dict[str, str] = {
    "summary_present": "簡述空白",
    "summary_length": "簡述字數",
    "has_file": "未附文件或影音",
    "document_type": "文件類型",
    "document_size": "文件大小",
    "video_type": "影音類型",
    "video_size": "影音大小",
    "upload_cap": "本學期上傳件數",
    "course_record": "查無該學期修課紀錄",
    "course_outcome_selection_cap": "勾選課程學習成果件數",
    "selected_certified": "認證狀態",
    "failure_reason": "認證未通過未填說明",
    "external_url": "外部連結",
    "diverse_upload_cap": "自填多元表現件數",
    "diverse_selection_cap": "勾選自填多元表現件數",
    "national_id": "身分證號",
    "unique_national_id": "身分證號重複",
    "unique_student_number": "學號重複",
    "course_code": "課程代碼",
    "upload_deadline": "上傳時間（截止日）",
    "certification_window": "待認證天數",
    "certification_deadline": "已過認證截止日",
    "teacher_left": "認證教師需代理（離職或留職停薪）",
    "passed_but_below": "註記及格但成績未達",
    "failed_but_above": "註記不及格但成績已達",
    "selection_deadline": "勾選時間（截止日）",
    "credits": "課程不採計學分",
    "on_register": "該學期不在籍",
    "birth_date_present": "出生日期空白或無法辨識",
    "birth_date_grade": "出生日期與年級不符（入學年齡）",
    "code_list": "代碼不在代碼表",
    "unique_item_key": "同一學生項目鍵重複",
    "late_upload_forfeit": "逾期上傳，視同放棄（不匯出）",
    "late_upload_warn": "逾期上傳（僅提醒）",
    "late_selection_forfeit": "逾期勾選，視同放棄（不匯出）",
    "late_selection_warn": "逾期勾選（僅提醒）",
    "entry_deadline": "多元表現登錄時間（截止日）",
    "proof": "未附證明文件或外部連結",
    "certifier": "認證者非授課或代理教師",
    "changed_after_certification": "認證後又重新上傳",
}

# checks whose measured value and limit are teacher codes (R18: the teacher and the proxy; R28: who certified
# and who should have): shown as the teachers' names, the code after each
TEACHER_VALUE_CHECKS = ("teacher_left", "certifier")

NO_CLASS = "（無班級資料）"

CSS = """
body{font-family:"Noto Sans CJK TC","Noto Sans TC","Microsoft JhengHei","PingFang TC",sans-serif;margin:0;
  color:#1f2933;background:#f7f8fa;line-height:1.5}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.25rem;margin:32px 0 8px;border-bottom:2px solid #d0d7de;padding-bottom:4px}
h3{font-size:1.05rem;margin:20px 0 6px}
.meta{color:#52606d;margin:0 0 12px}
.verdict{padding:12px 16px;border-radius:6px;font-weight:bold;font-size:1.1rem;margin:12px 0}
.verdict.pass{background:#e3f9e5;color:#05400a;border:1px solid #57ae5b}
.verdict.fail{background:#ffe3e3;color:#610404;border:1px solid #e66a6a}
.note{background:#fffbea;border:1px solid #f0b429;padding:8px 12px;border-radius:6px}
table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0 12px;font-size:.92rem}
th,td{border:1px solid #d9e2ec;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f4f8;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.ok td{color:#52606d}
.badge{display:inline-block;padding:0 6px;border-radius:4px;font-size:.8rem;font-weight:bold}
.badge.error{background:#e12d39;color:#fff}.badge.warning{background:#f0b429;color:#3d2a00}.badge.policy{background:#627d98;color:#fff}
.group{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:4px 12px;margin:12px 0;page-break-inside:avoid}
.muted{color:#7b8794}
nav a{margin-right:16px}
@media print{body{background:#fff}nav{display:none}.group{border:none}}
"""


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(_text(item) for item in value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    return str(value)


def _cell(value: Any, numeric: bool = False) -> str:
    css = ' class="num"' if numeric or isinstance(value, (int, float)) and not isinstance(value, bool) else ""
    return f"<td{css}>{escape(_text(value))}</td>"


@cache
def _rule_cells(rule_id: str) -> str:
    """規則 and 問題 of a class table's row: the same few strings for the nation's 674,000 rows."""
    rule = RULES_BY_ID[rule_id]
    return f"<td>{rule_id} {_badge(rule.severity)}</td><td>{escape(rule.title)}</td>"


@cache
def _check_cell(check: str) -> str:
    return f"<td>{escape(CHECK_LABELS.get(check, check))}</td>"


@cache
def _fixer_cell(rule_id: str) -> str:
    return f"<td>{escape(RULES_BY_ID[rule_id].fixer)}</td>"


def _code_cell(value: Any) -> str:
    """The code behind a name, for matching: quieter than the name before it."""
    return f'<td class="muted">{escape(_text(value))}</td>'


def shown_values(row: Violation, names) -> tuple[Any, Any]:
    """A row's value and limit as people read them: teachers by name when the check measures teachers; an
    R24 finding's code by its label and its limit (a code list's seed) as the list it must be in."""
    if row.check in TEACHER_VALUE_CHECKS:
        return tuple(names.teacher(value) if isinstance(value, str) else value for value in (row.value, row.limit))
    if is_code_list(row.limit):
        return code_label(row.limit, row.value), code_list_requirement(row.limit, row.key)
    return row.value, row.limit


def _value_cells(row: Violation, names) -> str:
    return "".join(_cell(value) for value in shown_values(row, names))


def teacher_name(row: Violation, names) -> str | None:
    """The backlog teacher's name: the gate's, else the warehouse's."""
    return row.teacher_name or names.teacher_name(row.teacher_code)


def proxy_name(row: Violation, names) -> str | None:
    return row.proxy_name or names.teacher_name(row.proxy_code)


def _badge(severity: str) -> str:
    label = SEVERITY_LABELS[severity]
    return f'<span class="badge {severity}">{label}</span>'


def _scope(result: GateResult) -> str:
    term = f"第 {result.term} 學期" if result.term else "全學年"
    return f"{escape(result.name_book.school_label or result.school)}・{result.academic_year} 學年度（{term}）"


def _summary(result: GateResult) -> str:
    rows = []
    for rule_result in result.results:
        rule = rule_result.rule
        css = "" if rule_result.violations else ' class="ok"'
        rows.append(
            f"<tr{css}><td>{rule.id}</td><td>{_badge(rule.severity)}</td><td>{escape(rule.title)}</td>"
            f'<td class="num">{rule_result.violations}</td><td>{escape(rule.fixer)}</td></tr>'
        )
    return ("<table><thead><tr><th>規則</th><th>等級</th><th>檢核內容</th><th>違規筆數</th><th>負責處理</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _class_heading(result: GateResult, class_code: str | None, rows: list[Violation]) -> str:
    errors = sum(1 for row in rows if RULES_BY_ID[row.rule_id].is_error)
    warnings = len(rows) - errors
    if class_code is None:
        title = NO_CLASS
    else:
        info = result.classes.get(class_code)
        title = f"{class_code} 班"
        if info and info.class_name:
            title += f"　{info.class_name}"
        if info and (info.homeroom_teacher_name or info.homeroom_teacher_code):
            title += f"　導師：{named(info.homeroom_teacher_name, info.homeroom_teacher_code)}"
    return f"<h3>{escape(title)}</h3><p class=\"meta\">錯誤 {errors} 筆・警告 {warnings} 筆</p>"


def _by_class(result: GateResult) -> str:
    groups: dict[str | None, list[Violation]] = defaultdict(list)
    for rule_result in result.results:
        if rule_result.id in BACKLOG_RULES:
            continue
        for row in rule_result.rows:
            groups[row.class_code].append(row)
    if not groups:
        return '<p class="muted">沒有需要學生或註冊組處理的項目。</p>'
    names = result.name_book
    parts = []
    for class_code in sorted(groups, key=lambda code: (code is None, code or "")):
        rows = sorted(groups[class_code], key=lambda row: (
            row.seat_number if row.seat_number is not None else 10**6, row.student_number or "", row.rule_id, row.key or ""))
        body = "".join(
            f"<tr>{_cell(row.seat_number)}{_cell(row.student_number)}{_cell(names.student_name(row.student_number))}"
            f"{_rule_cells(row.rule_id)}{_check_cell(row.check)}"
            f"{_cell(names.item(row.key))}{_code_cell(row.key)}{_value_cells(row, names)}{_fixer_cell(row.rule_id)}</tr>"
            for row in rows
        )
        parts.append(
            f'<div class="group">{_class_heading(result, class_code, rows)}'
            "<table><thead><tr><th>座號</th><th>學號</th><th>姓名</th><th>規則</th><th>問題</th><th>檢核項</th>"
            "<th>項目</th><th>項目代碼</th><th>值</th><th>上限／規定</th><th>負責處理</th></tr></thead>"
            f"<tbody>{body}</tbody></table></div>"
        )
    return "".join(parts)


def _by_teacher(result: GateResult) -> str:
    names = result.name_book
    groups: dict[str | None, list[Violation]] = defaultdict(list)
    for rule_id in BACKLOG_RULES:
        for row in result.result(rule_id).rows:
            groups[row.teacher_code].append(row)
    if not groups:
        return '<p class="muted">沒有逾期待認證或待代理認證的成果。</p>'
    parts = []
    for teacher_code in sorted(groups, key=lambda code: (code is None, code or "")):
        rows = groups[teacher_code]
        left = [row for row in rows if row.rule_id == "R18"]
        heading = named(teacher_name(rows[0], names), teacher_code) or "（未指定教師）"
        if left:
            heading += "（離職或留職停薪，需代理認證）"
        proxies = sorted({(row.proxy_code, proxy_name(row, names), row.proxy_step) for row in left},
                         key=lambda proxy: proxy[0] or "")
        proxy_text = "".join(
            f"<p>應由代理認證：<strong>{escape(named(name, code) or '（無可代理教師，請教學組指派）')}</strong>"
            f"{'（' + escape(step) + '）' if step else ''}</p>"
            for code, name, step in proxies
        )
        body = "".join(
            f"<tr>{_cell(row.class_code)}{_cell(row.seat_number)}{_cell(row.student_number)}"
            f"{_cell(names.student_name(row.student_number))}<td>{row.rule_id}</td>"
            f"{_check_cell(row.check)}{_cell(names.item(row.key))}{_code_cell(row.key)}"
            f"{_value_cells(row, names)}"
            f"{_cell(named(proxy_name(row, names), row.proxy_code) if row.rule_id == 'R18' else None)}</tr>"
            for row in sorted(rows, key=lambda row: (row.rule_id, row.class_code or "", row.seat_number or 0, row.key or ""))
        )
        parts.append(
            f'<div class="group"><h3>{escape(heading)}</h3><p class="meta">待處理 {len(rows)} 件</p>{proxy_text}'
            "<table><thead><tr><th>班級</th><th>座號</th><th>學號</th><th>姓名</th><th>規則</th><th>問題</th>"
            "<th>成果</th><th>成果編號</th><th>值</th><th>上限／規定</th><th>代理教師</th></tr></thead>"
            f"<tbody>{body}</tbody></table></div>"
        )
    return "".join(parts)


def render_html(result: GateResult) -> str:
    if result.passed:
        verdict = f'<div class="verdict pass">可以提交：錯誤規則全數通過（警告 {result.warnings} 筆，請參考處理）</div>'
    else:
        verdict = (f'<div class="verdict fail">不可提交：{len(result.failed_rules)} 項錯誤規則未通過'
                   f"（{'、'.join(result.failed_rules)}；共 {result.errors} 筆），警告 {result.warnings} 筆</div>")
    note = ""
    if result.policy_error:
        note = f'<p class="note">本校 policy.yaml 設定有誤，已改用全國預設值檢核：{escape(result.policy_error)}</p>'
    title = f"學習歷程檔案提交前檢核 — {result.name_book.school_label or result.school} {result.academic_year} 學年度"
    # checked_at is the machine's local clock (naive)
    checked_at = f"{roc_datetime(result.checked_at, naive_zone=None, era=True)}（臺北時間）"
    return f"""<!doctype html>
<html lang="zh-Hant">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<h1>學習歷程檔案提交前檢核報告</h1>
<p class="meta">{_scope(result)}・檢核基準日 {roc_date(result.as_of, era=True)}・產生時間 {checked_at}・批次 {escape(result.run_id)}</p>
{verdict}
{note}
<nav><a href="#summary">規則摘要</a><a href="#classes">依班級</a><a href="#teachers">教師待認證</a></nav>
<section id="summary"><h2>規則摘要</h2>{_summary(result)}</section>
<section id="classes"><h2>依班級（請導師協助學生修正）</h2>{_by_class(result)}</section>
<section id="teachers"><h2>教師待認證（R17 逾期待認證、R18 認證教師已離職）</h2>{_by_teacher(result)}</section>
<p class="muted">本報告以學號、班級、座號與姓名識別學生，不顯示完整身分證號。</p>
</main>
</body>
</html>
"""


def write_html(result: GateResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(render_html(result), encoding="utf-8")
    temporary.replace(path)
    return path
