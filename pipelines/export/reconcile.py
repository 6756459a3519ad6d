"""Closing the loop: the ministry's receipt (收訖明細, inputs.md) against what was submitted.

The receipt `<source>/<學校代碼>/receipts/收訖明細_<學年度>_<學期>.csv` (UTF-8, UTF-8 with BOM or Big5,
decoded by pipelines.ingest.decoding) lists 名冊, 工作表, 身分證號, 項目鍵, 收訖狀態 (收訖 or 退件) and
退件原因. It is compared with the latest submission of that school, year and term as the warehouse
recorded it (submissions.items: every submitted row's sheet, 身分證號 digest and 項目鍵 digest). Each
row ends in one of four outcomes:

- received   收訖: submitted, and the receipt says 收訖;
- rejected   退件: submitted, and the receipt says 退件 (with the ministry's reason);
- missing    submitted but absent from the receipt;
- unexpected in the receipt but never submitted (or listed more often than submitted).

Rows match on (名冊, 工作表, 身分證號, 項目鍵), the key made of the sheet's own columns (layout.py); a key
that occurs several times (two rows a school delivered alike, which the gate reports) is paired off one
by one. Receipt lines that cannot be read (a missing key, an unknown 收訖狀態) are reported with file,
line and field and left out of the comparison.
Results go to the warehouse (submissions.reconciliations, submissions.reconciliation_items) and to one
CSV per class under the reports folder, for students to confirm: no whole 身分證號 anywhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.export.layout import (
    RECEIPT_HEADERS, RECEIVED, REJECTED, WORKBOOKS_BY_NAME, folder_name, receipt_path, workbook_name_of,
)
from pipelines.identity import mask_national_id, mask_national_ids_in_text, national_id_digest
from pipelines.safe_cells import csv_rows

OUTCOMES = ("received", "rejected", "missing", "unexpected")
OUTCOME_LABELS = {"received": "收訖", "rejected": "退件", "missing": "未列於收訖明細", "unexpected": "非本次提交"}
_REQUIRED = ("名冊", "工作表", "身分證號", "項目鍵", "收訖狀態")
_TRIMMED = " \t\r\n\f\v\u3000\u00a0\ufeff"


class ReconcileError(Exception):
    """Nothing to reconcile (no submission, no receipt, a receipt that cannot be read at all)."""


@dataclass(frozen=True)
class ReceiptRow:
    line: int
    workbook: str
    sheet: str
    national_id: str
    item_key: str
    status: str
    reason: str | None


@dataclass
class Receipt:
    path: Path
    encoding: str
    sha256: str
    rows: list[ReceiptRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # unreadable lines: file, line, field, value


def read_receipt(path: Path) -> Receipt:
    """Decode and check a receipt; bad lines become problems, a bad file a ReconcileError."""
    from pipelines.ingest.decoding import FileRejected, decode_text
    from pipelines.ingest.normalize import _FOLD_TABLE, normalise_header

    try:
        data = path.read_bytes()
    except OSError as error:
        raise ReconcileError(f"{path}：無法讀取（{error.strerror}）") from None
    try:
        text, encoding = decode_text(data, path.name)
    except FileRejected as error:
        raise ReconcileError(error.message) from None
    receipt = Receipt(path, encoding, hashlib.sha256(data).hexdigest())
    reader = csv.reader(io.StringIO(text.decode("utf-8"), newline=""))
    header = [normalise_header(cell) for cell in next(reader, [])]
    missing = [name for name in _REQUIRED if name not in header]
    if missing:
        raise ReconcileError(f"{path.name} 第 1 行：缺少欄位 {'、'.join(missing)}（應有 {'、'.join(RECEIPT_HEADERS)}）")
    position = {name: header.index(name) for name in RECEIPT_HEADERS if name in header}
    for cells in reader:
        line_number = reader.line_num  # the physical line the record ends on (header = 1)
        if not any(cell.strip(_TRIMMED) for cell in cells):
            continue

        def cell(name: str) -> str:
            index = position.get(name)
            return cells[index].strip(_TRIMMED) if index is not None and index < len(cells) else ""

        national_id = cell("身分證號").translate(_FOLD_TABLE).upper()
        status = cell("收訖狀態")
        problem = None
        for name, value in (("名冊", cell("名冊")), ("工作表", cell("工作表")), ("身分證號", national_id), ("項目鍵", cell("項目鍵"))):
            if not value:
                problem = f"{name} 空白"
                break
        if problem is None and status not in (RECEIVED, REJECTED):
            problem = f"收訖狀態「{status}」不是 {RECEIVED} 或 {REJECTED}"
        if problem:
            receipt.problems.append(f"{path.name} 第 {line_number} 行：{problem}，此列未納入核對")
            continue
        receipt.rows.append(ReceiptRow(line_number, workbook_name_of(cell("名冊")), cell("工作表"), national_id,
                                       cell("項目鍵"), status, mask_national_ids_in_text(cell("退件原因")) or None))
    return receipt


@dataclass
class ReconcileResult:
    school: str
    academic_year: int
    term: int
    revision: int
    submission_id: str
    receipt: Receipt
    items: list[dict[str, Any]]
    reconciliation_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    class_lists: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(item["outcome"] == outcome for item in self.items)

    @property
    def rejection_reasons(self) -> dict[str, int]:
        reasons: dict[str, int] = defaultdict(int)
        for item in self.items:
            if item["outcome"] == "rejected":
                reasons[item["reason"] or "（未註明）"] += 1
        return dict(sorted(reasons.items(), key=lambda pair: -pair[1]))


def match(submitted: list[dict[str, Any]], receipt_rows: list[ReceiptRow]) -> list[dict[str, Any]]:
    """Pair receipt rows with submitted rows; every submitted row and every receipt row ends in one outcome."""
    from pipelines.export.submission import shown_key

    waiting: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for item in sorted(submitted, key=lambda item: (item["workbook"], item["sheet"], item["sheet_row"])):
        key = (item["workbook"], item["sheet"], item["national_id_digest"], item["item_key_digest"])
        waiting[key].append(item)
    results = []
    for row in receipt_rows:
        key = (row.workbook, row.sheet, national_id_digest(row.national_id), national_id_digest(row.item_key))
        if waiting.get(key):
            item = waiting[key].pop(0)
            outcome = "received" if row.status == RECEIVED else "rejected"
            results.append({**_item_fields(item), "outcome": outcome, "reason": row.reason if outcome == "rejected" else None,
                            "receipt_line": row.line})
        else:
            workbook = WORKBOOKS_BY_NAME.get(row.workbook)
            sheet = next((sheet for sheet in workbook.sheets if sheet.name == row.sheet), None) if workbook else None
            results.append({
                "workbook": row.workbook, "sheet": row.sheet, "sheet_row": None,
                "national_id_digest": national_id_digest(row.national_id), "national_id_masked": mask_national_id(row.national_id),
                "item_key_shown": shown_key(sheet.key_headers if sheet else (), row.item_key),
                "student_number": None, "class_code": None, "seat_number": None,
                "outcome": "unexpected", "reason": row.reason, "receipt_line": row.line,
            })
    for items in waiting.values():
        results.extend({**_item_fields(item), "outcome": "missing", "reason": None, "receipt_line": None} for item in items)
    return results


def _item_fields(item: dict[str, Any]) -> dict[str, Any]:
    return {name: item.get(name) for name in ("workbook", "sheet", "sheet_row", "national_id_digest", "national_id_masked",
                                              "item_key_shown", "student_number", "class_code", "seat_number")}


def latest_submission(warehouse: Path, school: str, year: int, term: int):
    from pipelines.export.submission import recorded_submissions

    recorded = recorded_submissions(warehouse, school, year, term)
    if not recorded:
        raise ReconcileError(f"{school} {folder_name(year, term)}：倉儲沒有提交紀錄，請先 portfolio export 與 portfolio submit")
    return recorded[-1]


def already_reconciled(warehouse: Path, submission_id: str, receipt: Path) -> bool:
    """This receipt file (same bytes) was already reconciled against this submission."""
    from pipelines.export.store import SCHEMA
    from pipelines.warehouse import connect, table_exists

    digest = hashlib.sha256(receipt.read_bytes()).hexdigest()
    with connect(warehouse, read_only=True) as con:
        if not table_exists(con, SCHEMA, "reconciliations"):
            return False
        found = con.execute(f"select count(*) from {SCHEMA}.reconciliations where submission_id = ? and receipt_sha256 = ?",
                            [submission_id, digest]).fetchall()
    return found[0][0] > 0


def reconcile(settings, school: str, year: int, term: int, *, receipt_file: Path | None = None,
              reports: Path | None = None, store: bool = True, at: dt.datetime | None = None) -> ReconcileResult:
    """Compare the receipt with the latest submission; store the outcome (reconciled `at`, default now: the
    students' confirmation window opens then) and write the per-class lists.

    The receipt is `receipt_file`, else the one under settings.source (inputs.md's place for it).
    """
    from pipelines.export.store import SCHEMA, records
    from pipelines.export.submission import audit, student_index, verify_folder
    from pipelines.warehouse import connect

    warehouse, source = settings.warehouse, settings.source
    submission = latest_submission(warehouse, school, year, term)
    path = receipt_file or receipt_path(source, school, year, term)
    if not path.is_file():
        raise ReconcileError(f"找不到收訖明細 {path}")
    receipt = read_receipt(path)
    with connect(warehouse, read_only=True) as con:
        submitted = records(con, f"select * from {SCHEMA}.items where submission_id = ?", [submission.submission_id])
    items = match(submitted, receipt.rows)
    students = student_index(warehouse, school, year, term)
    by_number = {student["student_number"]: student for student in students.values()}
    for item in items:
        student = students.get(item["national_id_digest"]) if item["student_number"] is None else by_number.get(item["student_number"])
        if student and item["student_number"] is None:
            item.update(student_number=student["student_number"], class_code=student["class_code"],
                        seat_number=student["seat_number"])
        item["student_name"] = (student or {}).get("student_name")
    _name_items(warehouse, school, items)
    result = ReconcileResult(school, year, term, submission.revision, submission.submission_id, receipt, items)
    check = verify_folder(submission)
    if not check.intact:
        result.warnings.append(f"已提交的 {submission.folder_path} 遭到變更："
                               + "；".join(finding.message for finding in check.findings))
    result.class_lists = write_class_lists(result, (reports or settings.receipt_reports_dir) / school / folder_name(year, term, submission.revision))
    if store:
        store_result(warehouse, result, at)
        from pipelines.export.confirmations import evaluate

        evaluate(warehouse, school, year, term)  # the students' confirmation window opens: everyone unconfirmed yet
    audit(settings, "reconcile", school=school, year=year, term=term, details={
        "submission_id": submission.submission_id, "revision": submission.revision, "receipt": str(path),
        "receipt_sha256": receipt.sha256, **{outcome: result.count(outcome) for outcome in OUTCOMES},
        "unreadable_lines": len(receipt.problems),
    })
    return result


CLASS_LIST_HEADERS = ("班級", "座號", "姓名", "學號", "名冊", "工作表", "項目", "結果", "退件原因")


def _name_items(warehouse: Path, school: str, items: list[dict[str, Any]]) -> None:
    """Each item's `item_label`: its 項目鍵 named by the course or item it keys (pipelines/names.py)."""
    from pipelines.names import key_names

    book = key_names(warehouse, school, [item["item_key_shown"] for item in items])
    for item in items:
        item["item_label"] = book.item_key(item["item_key_shown"])


def write_class_lists(result: ReconcileResult, folder: Path) -> list[Path]:
    """One CSV per class (UTF-8 with BOM, opens in Excel) with every item of its students and its outcome."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("收訖核對_*.csv"):
        old.unlink()
    by_class: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in result.items:
        by_class[item["class_code"] or "未分班"].append(item)
    order = {outcome: index for index, outcome in enumerate(("rejected", "missing", "unexpected", "received"))}
    written = []
    for class_code, items in sorted(by_class.items()):
        path = folder / f"收訖核對_{class_code}.csv"
        items.sort(key=lambda item: (item["seat_number"] if item["seat_number"] is not None else 10**6,
                                     item["student_number"] or "", order[item["outcome"]], item["workbook"], item["sheet"]))
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CLASS_LIST_HEADERS)
            writer.writerows(csv_rows((
                [class_code, item["seat_number"] or "", item.get("student_name") or "", item["student_number"] or "",
                 item["workbook"], item["sheet"], item.get("item_label") or item["item_key_shown"] or "",
                 OUTCOME_LABELS[item["outcome"]],
                 item["reason"] or ""]
                for item in items
            ), name=path.name, headers=CLASS_LIST_HEADERS))
        written.append(path)
    return written


def store_result(warehouse: Path, result: ReconcileResult, at: dt.datetime | None = None) -> None:
    from pipelines.export.store import append, create_submissions_schema
    from pipelines.export.submission import now_taipei
    from pipelines.warehouse import connect

    key = {"reconciliation_id": result.reconciliation_id, "submission_id": result.submission_id,
           "school_code": result.school, "academic_year": result.academic_year, "term": result.term}
    with connect(warehouse) as con:
        create_submissions_schema(con)
        con.execute("begin transaction")
        append(con, "reconciliations", [{
            **key, "revision": result.revision, "receipt_file": str(result.receipt.path),
            "receipt_sha256": result.receipt.sha256, "receipt_encoding": result.receipt.encoding,
            "reconciled_at": now_taipei(at).replace(tzinfo=None),
            **{outcome: result.count(outcome) for outcome in OUTCOMES},
            "unreadable_lines": len(result.receipt.problems),
        }])
        append(con, "reconciliation_items", [{
            **key, **{name: item[name] for name in ("workbook", "sheet", "national_id_masked", "item_key_shown",
                                                     "student_number", "class_code", "seat_number", "outcome",
                                                     "reason", "sheet_row", "receipt_line")},
        } for item in result.items])
        con.execute("commit")
