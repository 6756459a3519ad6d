"""A realistic ministry receipt (收訖明細, inputs.md) for a submitted export folder.

``simulate_receipt(folder, path, seed=…)`` reads the folder's workbooks and writes the CSV the central
database would send back: most rows 收訖, some 退件 with a reason the ministry gives for that kind of
row, a few rows left out (missing) and a few rows the school never sent (unexpected: a 項目鍵 as an
older submission had it). Same folder and seed, same bytes. Each outcome occurs at least once when the
folder has enough rows, so that a demo and a test always see all four.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from dataclasses import dataclass
from pathlib import Path

from pipelines.export.layout import (
    KEY_JOINER, MANIFEST, RECEIPT_HEADERS, RECEIVED, REJECTED, workbooks_for,
)
from pipelines.export.workbook import read_rows

REJECTION_REASONS: dict[str, tuple[str, ...]] = {
    "學生資料名冊": ("身分證號與戶政資料不符", "出生日期與戶政資料不符", "學籍狀態與異動資料不一致"),
    "學生成績名冊": ("課程代碼不存在於課程計畫平臺", "修課學分與課程計畫不符", "學期學業成績超出範圍"),
    "校內幹部經歷名冊": ("幹部起訖日期不在該學期內", "單位名稱空白或無法辨識"),
    "缺勤紀錄名冊": ("缺勤種類代碼不在代碼表", "缺勤起訖日期不在該學期內", "缺勤節數超出該學期上課節數"),
    "學生課程學習成果名冊": ("成果檔案無法開啟", "成果檔案格式不符規定", "課程代碼不存在於課程計畫平臺"),
    "學生自填多元表現名冊": ("證明文件無法開啟", "外部連結無法連線", "起訖日期不合理", "代碼不在中央代碼表"),
}
COMMON_REASONS = ("該生學籍資料不存在於中央資料庫",)
ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "big5": "cp950", "cp950": "cp950"}


@dataclass(frozen=True)
class ReceiptSimulation:
    path: Path
    received: int
    rejected: int
    missing: int
    unexpected: int


def _older_key(key: str, rng: random.Random) -> str:
    """A 項目鍵 as an earlier submission might have had it: its course code one digit off (wherever the sheet's
    key has it: 課程代碼, 實際修課學期+課程代碼+…), or a renamed item."""
    parts = key.split(KEY_JOINER)
    for index, part in enumerate(parts):
        if len(part) == 23 and part[-1].isdigit():
            parts[index] = part[:-1] + str((int(part[-1]) + rng.randint(1, 9)) % 10)
            return KEY_JOINER.join(parts)
    return key + "（舊）"


def simulate_receipt(folder: Path, path: Path, *, seed: int = 0, reject_rate: float = 0.04, missing_rate: float = 0.02,
                     unexpected: int = 2, encoding: str = "utf-8") -> ReceiptSimulation:
    """Write the receipt for the export folder `folder` to `path`; deterministic for a folder and seed."""
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {sorted(ENCODINGS)}")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    school, year, term = manifest["school"], manifest["academic_year"], manifest["term"]
    rng = random.Random(f"receipt:{seed}:{school}:{year}:{term}:{manifest.get('revision', 0)}")
    rows = []
    for workbook in workbooks_for(term):
        for row in read_rows(folder / workbook.file_name(year, term), workbook):
            sheet = workbook.sheet(row.sheet)
            rows.append((workbook.name, row.sheet, row.national_id or "", sheet.item_key(row.values)))

    fates = []
    for _ in rows:
        draw = rng.random()
        fates.append("missing" if draw < missing_rate else "rejected" if draw < missing_rate + reject_rate else "received")
    if len(rows) >= 3:  # every outcome at least once: pick distinct rows for the ones that did not occur
        spare = [index for index, fate in enumerate(fates) if fate == "received"]
        rng.shuffle(spare)
        for fate in ("rejected", "missing"):
            if fate not in fates and len(spare) > 1:
                fates[spare.pop()] = fate

    lines = []
    for (workbook, sheet, national_id, key), fate in zip(rows, fates):
        if fate == "missing":
            continue
        if fate == "rejected":
            reason = rng.choice(REJECTION_REASONS.get(workbook, ()) + COMMON_REASONS)
            lines.append((workbook, sheet, national_id, key, REJECTED, reason))
        else:
            lines.append((workbook, sheet, national_id, key, RECEIVED, ""))
    extra = 0
    sent = set(rows)
    # a 學生資料 row's key is the 身分證號 itself: an "older key" there would be a different student
    candidates = [row for row in rows if row[3] != row[2]] or rows
    for _ in range(unexpected if rows else 0):
        workbook, sheet, national_id, key = rng.choice(candidates)
        older = _older_key(key, rng)
        if (workbook, sheet, national_id, older) in sent:  # one digit off hit a course the student really took
            older = key + "（舊）"
        lines.insert(rng.randint(0, len(lines)), (workbook, sheet, national_id, older, RECEIVED, ""))
        extra += 1

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(RECEIPT_HEADERS)
    writer.writerows(lines)
    try:
        data = buffer.getvalue().encode(ENCODINGS[encoding])
    except UnicodeEncodeError as error:
        raise ValueError(f"收訖明細含有 {encoding} 無法表示的字「{error.object[error.start:error.end]}」") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return ReceiptSimulation(path, received=fates.count("received"), rejected=fates.count("rejected"),
                             missing=fates.count("missing"), unexpected=extra)



@dataclass(frozen=True)
class ReplySimulation:
    """The students' replies written to platform/收訖確認.csv, with the state they must produce (the truth)."""

    path: Path
    students: int
    confirmed: int
    disputed: int
    unconfirmed: int
    disputed_items: int  # 有誤 replies: one dispute case each
    late_replies: int
    guardian_replies: int
    window_closes: dt.date  # the window's last day (Asia/Taipei) the replies were timed against


def simulate_replies(folder: Path, receipt: Path, path: Path, student_numbers: dict[str, str], *, opens_at: dt.datetime,
                     window_days: int, seed: int = 0, silent_rate: float = 0.1, dispute_rate: float = 0.3,
                     late_rate: float = 0.1, guardian_rate: float = 0.15) -> ReplySimulation:
    """Replies to every item the receipt answered for a submitted row: some students silent, some disputing
    one item (有誤), some replying after the window, some through a guardian. `student_numbers` maps a
    身分證號 digest to the 學號 the platform knows. Deterministic for a folder, receipt and seed."""
    from pipelines.contract import FILES_BY_KIND
    from pipelines.export.reconcile import read_receipt
    from pipelines.identity import national_id_digest

    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    year, term = manifest["academic_year"], manifest["term"]
    sent = set()
    for workbook in workbooks_for(term):
        for row in read_rows(folder / workbook.file_name(year, term), workbook):
            sent.add((workbook.name, row.national_id or "", workbook.sheet(row.sheet).item_key(row.values)))
    asked: dict[str, list[str]] = {}
    workbooks: dict[str, list[str]] = {}
    for row in read_receipt(receipt).rows:
        number = student_numbers.get(national_id_digest(row.national_id))
        if number and (row.workbook, row.national_id, row.item_key) in sent:
            asked.setdefault(number, []).append(row.item_key)
            workbooks.setdefault(number, []).append(row.workbook)
    rng = random.Random(f"replies:{seed}:{receipt.name}:{manifest.get('revision', 0)}")
    closes = dt.datetime.combine(opens_at.date() + dt.timedelta(days=window_days), dt.time(23, 0))
    numbers = sorted(asked)
    fates = {number: ("silent" if rng.random() < silent_rate else "dispute" if rng.random() < dispute_rate else "confirm")
             for number in numbers}
    for fate, number in zip(("silent", "dispute"), numbers[:2] if len(numbers) >= 3 else ()):
        if fate not in fates.values():  # each state at least once when there are students enough
            fates[number] = fate
    repliers = [number for number in numbers if fates[number] != "silent"]
    lines, late, guardian, disputed_items = [], 0, 0, 0
    for number in repliers:
        # the first replier answers through a guardian and the last one late, so both always occur
        is_late = rng.random() < late_rate or number == repliers[-1]
        by = "家長" if rng.random() < guardian_rate or number == repliers[0] else ""
        wrong = rng.randrange(len(asked[number])) if fates[number] == "dispute" else None
        for index, (key, workbook) in enumerate(zip(asked[number], workbooks[number])):
            if is_late:
                when = closes + dt.timedelta(hours=2 + index)
            else:
                when = min(closes, opens_at + dt.timedelta(hours=1 + rng.random() * (24 * window_days - 2), minutes=index))
            result, note = ("有誤", "資料與本人紀錄不符") if index == wrong else ("正確", "")
            # the platform names the roster as its file is named, which carries the term
            lines.append((number, f"{year}_{term}_{workbook}", key, result, note, when.strftime("%Y-%m-%d %H:%M:%S"), by))
            late += is_late
            guardian += by == "家長"
            disputed_items += index == wrong
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FILES_BY_KIND["receipt_confirmations"].headers)
    writer.writerows(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    counts = [fates[number] for number in numbers]
    return ReplySimulation(path, len(numbers), counts.count("confirm"), counts.count("dispute"), counts.count("silent"),
                           disputed_items, late, guardian, closes.date())
