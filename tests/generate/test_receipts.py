"""The simulated ministry receipt: realistic and reproducible (pipelines/generate/receipts.py)."""

import csv
import io

from pipelines.export.layout import WORKBOOKS_BY_NAME
from pipelines.export.workbook import write_workbook
from pipelines.generate.receipts import REJECTION_REASONS, simulate_receipt


def _folder(tmp_path, rows=40):
    import json

    folder = tmp_path / "113_1"
    folder.mkdir()
    workbook = WORKBOOKS_BY_NAME["校內幹部經歷名冊"]
    write_workbook(folder / workbook.file_name(113, 1), workbook, "023865", 113, 1, [
        {"national_id": f"A1{index:08d}", "unit_name": f"社團{index}", "position": "社長"} for index in range(rows)])
    for other in ("學生資料名冊", "學生成績名冊", "缺勤紀錄名冊"):
        write_workbook(folder / WORKBOOKS_BY_NAME[other].file_name(113, 1), WORKBOOKS_BY_NAME[other], "023865", 113, 1, [])
    (folder / "manifest.json").write_text(json.dumps({"school": "023865", "academic_year": 113, "term": 1}), encoding="utf-8")
    return folder


def test_same_folder_and_seed_same_receipt_with_every_outcome(tmp_path):
    folder = _folder(tmp_path)
    first = simulate_receipt(folder, tmp_path / "a.csv", seed=7)
    second = simulate_receipt(folder, tmp_path / "b.csv", seed=7)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert min(first.rejected, first.missing, first.unexpected) >= 1
    assert first.received + first.rejected + first.missing == 40
    rows = list(csv.DictReader(io.StringIO((tmp_path / "a.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 40 - first.missing + first.unexpected
    assert all(row["退件原因"] for row in rows if row["收訖狀態"] == "退件")
    assert second.received == first.received
    assert simulate_receipt(folder, tmp_path / "c.csv", seed=8).path.read_bytes() != (tmp_path / "a.csv").read_bytes()


def test_an_unexpected_outcome_row_has_the_sheets_key_with_its_course_code_one_digit_off(tmp_path):
    import json

    folder = tmp_path / "113_0"
    folder.mkdir()
    course = "112013301H11101A0000001"
    outcomes = WORKBOOKS_BY_NAME["學生課程學習成果名冊"]
    write_workbook(folder / outcomes.file_name(113, 0), outcomes, "023865", 113, 0, [
        {"sheet_name": "學期課程學習成果", "national_id": f"A1{index:08d}", "course_term": 1, "course_code": course,
         "document_file_name": f"{index}.pdf"} for index in range(20)])
    diverse = WORKBOOKS_BY_NAME["學生自填多元表現名冊"]
    write_workbook(folder / diverse.file_name(113, 0), diverse, "023865", 113, 0, [])
    (folder / "manifest.json").write_text(json.dumps({"school": "023865", "academic_year": 113, "term": 0}), encoding="utf-8")

    simulate_receipt(folder, tmp_path / "r.csv", seed=3, unexpected=3)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text(encoding="utf-8"))))
    sent = {f"1+{course}+{index}.pdf+" for index in range(20)}
    unexpected = [row["項目鍵"] for row in rows if row["項目鍵"] not in sent]
    assert len(unexpected) == 3
    for key in unexpected:
        term, code, document, video = key.split("+")
        assert (term, code[:-1], video) == ("1", course[:-1], "") and code != course and document.endswith(".pdf")

def test_absence_rows_are_quoted_by_their_code_and_first_day_with_an_absence_reason(tmp_path):
    folder = _folder(tmp_path, rows=0)
    absences = WORKBOOKS_BY_NAME["缺勤紀錄名冊"]
    write_workbook(folder / absences.file_name(113, 1), absences, "023865", 113, 1, [
        {"national_id": f"A1{index:08d}", "absence_type_code": "03", "periods": 2, "start_date_roc": f"113/10/{index + 1:02d}"}
        for index in range(30)])
    simulate_receipt(folder, tmp_path / "a.csv", seed=3, reject_rate=0.5)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "a.csv").read_text(encoding="utf-8"))))
    assert {row["工作表"] for row in rows} == {"缺勤紀錄"}
    assert {row["項目鍵"] for row in rows if not row["項目鍵"].endswith("（舊）")} <= {f"03+113/10/{day:02d}" for day in range(1, 31)}
    reasons = {row["退件原因"] for row in rows if row["收訖狀態"] == "退件"}
    assert reasons - {"該生學籍資料不存在於中央資料庫"}, "an absence-specific reason"
    assert reasons <= set(REJECTION_REASONS["缺勤紀錄名冊"]) | {"該生學籍資料不存在於中央資料庫"}
