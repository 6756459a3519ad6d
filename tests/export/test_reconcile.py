"""Receipt reconciliation: reading 收訖明細, the four outcomes, and the loop on a real submission."""

from __future__ import annotations

import csv
import re
from types import SimpleNamespace

import duckdb
import pytest

from pipelines.export.core import export_school
from pipelines.export.layout import receipt_path
from pipelines.export.reconcile import OUTCOME_LABELS, ReconcileError, match, read_receipt, reconcile, write_class_lists
from pipelines.export.submission import submit
from pipelines.generate.receipts import simulate_receipt
from pipelines.identity import national_id_digest
from pipelines.safe_cells import CellTooLong
from tests.hostile_cells import FORMULA_LIKE, TOO_LONG, inert_in_csv

WHOLE_ID = re.compile(r"(?<![0-9A-Za-z])[A-Z][12ABCD89]\d{8}(?![0-9A-Za-z])")
HEADER = "名冊,工作表,身分證號,項目鍵,收訖狀態,退件原因\n"


def test_a_big5_receipt_is_read_and_bad_lines_are_named_not_fatal(tmp_path):
    path = tmp_path / "收訖明細_113_1.csv"
    path.write_bytes((HEADER
                      + "113_1_學生成績名冊.xlsx,學期成績,Ａ123456789,CODE1,收訖,\n"
                      + "學生成績名冊,學期成績,A123456789,CODE2,已收,\n"
                      + "學生成績名冊,學期成績,,CODE3,退件,查無此人\n").encode("cp950"))
    receipt = read_receipt(path)
    assert receipt.encoding == "cp950"
    [row] = receipt.rows
    assert (row.line, row.workbook, row.national_id, row.item_key) == (2, "學生成績名冊", "A123456789", "CODE1")
    assert receipt.problems == [
        "收訖明細_113_1.csv 第 3 行：收訖狀態「已收」不是 收訖 或 退件，此列未納入核對",
        "收訖明細_113_1.csv 第 4 行：身分證號 空白，此列未納入核對",
    ]


def test_a_receipt_without_a_required_column_is_refused_with_its_name(tmp_path):
    path = tmp_path / "收訖明細_113_1.csv"
    path.write_text("名冊,工作表,身分證號,收訖狀態\n", encoding="utf-8")
    with pytest.raises(ReconcileError, match="缺少欄位 項目鍵"):
        read_receipt(path)


def _submitted(national_id, key, row):
    return {"workbook": "學生成績名冊", "sheet": "學期成績", "sheet_row": row, "national_id_digest": national_id_digest(national_id),
            "national_id_masked": "A12****789", "item_key_digest": national_id_digest(key), "item_key_shown": key,
            "student_number": "S1", "class_code": "101", "seat_number": 1}


def test_every_row_ends_received_rejected_missing_or_unexpected_and_repeated_keys_pair_off(tmp_path):
    submitted = [_submitted("A123456789", key, row) for row, key in enumerate(["C1", "C2", "C3", "DUP", "DUP"], start=2)]
    path = tmp_path / "receipt.csv"
    path.write_text(HEADER + "".join(f"學生成績名冊,學期成績,A123456789,{key},{status},{reason}\n" for key, status, reason in (
        ("C1", "收訖", ""), ("C2", "退件", "課程代碼不存在"), ("DUP", "收訖", ""), ("DUP", "收訖", ""), ("DUP", "收訖", ""),
        ("C9", "收訖", ""))), encoding="utf-8")
    outcomes = [(item["item_key_shown"], item["outcome"], item["reason"]) for item in match(submitted, read_receipt(path).rows)]
    assert sorted(outcomes) == sorted([
        ("C1", "received", None), ("C2", "rejected", "課程代碼不存在"), ("DUP", "received", None), ("DUP", "received", None),
        ("DUP", "unexpected", None), ("C9", "unexpected", None), ("C3", "missing", None),
    ])


def test_the_loop_closes_on_a_submission_and_its_simulated_receipt(workspace, school_year, passing_gate):
    school, year = school_year
    out = workspace.warehouse.parent / "out"
    folder = export_school(workspace, out, school, year, 1, gate_result=passing_gate).folder
    submit(workspace, out, school, year, 1)
    simulation = simulate_receipt(folder, receipt_path(workspace.source, school, year, 1), seed=3, encoding="big5")
    reports = workspace.warehouse.parent / "reports"

    result = reconcile(workspace, school, year, 1, reports=reports)

    assert result.receipt.encoding == "cp950"
    assert [result.count(outcome) for outcome in ("received", "rejected", "missing", "unexpected")] == [
        simulation.received, simulation.rejected, simulation.missing, simulation.unexpected]
    assert min(simulation.rejected, simulation.missing, simulation.unexpected) >= 1
    assert all(item["reason"] for item in result.items if item["outcome"] == "rejected")
    con = duckdb.connect(str(workspace.warehouse), read_only=True)
    try:
        stored = dict(con.execute("select outcome, count(*) from submissions.latest_reconciliation_items group by 1").fetchall())
    finally:
        con.close()
    assert stored == {outcome: result.count(outcome) for outcome in ("received", "rejected", "missing", "unexpected")}
    listed = named = 0
    for path in result.class_lists:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        text = path.read_text(encoding="utf-8-sig")
        assert not WHOLE_ID.search(text), f"{path.name} shows a whole national ID"
        assert {row["班級"] for row in rows} == {path.stem.removeprefix("收訖核對_")}
        received_grades = [row for row in rows if row["工作表"] == "學期成績" and row["結果"] == OUTCOME_LABELS["received"]]
        assert all(row["姓名"] for row in received_grades), "students are named, not only numbered"
        unnamed = [row["項目"] for row in received_grades if not re.fullmatch(r".+（[0-9A-Za-z]+）", row["項目"])]
        assert not unnamed, f"a course record's item is its course name, its code after it: {unnamed[:5]}"
        named += len(received_grades)
        listed += len(rows)
    assert named > 0
    assert listed == len(result.items)


def test_reconcile_without_a_submission_says_so(workspace, school_year):
    with pytest.raises(ReconcileError, match="沒有提交紀錄"):
        reconcile(workspace, *school_year, 1)


def _class_list_items(reasons):
    return SimpleNamespace(items=[{**_submitted("A123456789", f"C{number}", number), "outcome": "rejected", "reason": reason}
                                  for number, reason in enumerate(reasons, start=2)])


def test_class_lists_keep_formula_like_text_inert(tmp_path):
    [path] = write_class_lists(_class_list_items(FORMULA_LIKE), tmp_path)
    assert inert_in_csv(path.read_bytes().decode("utf-8-sig"))


def test_a_class_list_value_over_a_cell_is_refused_naming_where(tmp_path):
    with pytest.raises(CellTooLong, match="「收訖核對_101.csv」第 2 列「退件原因」欄"):
        write_class_lists(_class_list_items([TOO_LONG]), tmp_path)


def test_an_id_in_a_rejection_reason_or_an_unknown_sheets_key_is_masked(tmp_path):
    path = tmp_path / "receipt.csv"
    path.write_text(HEADER + "學生成績名冊,學期成績,A123456789,C1,退件,A123456789 查無此人\n"
                    + "學生成績名冊,不存在,A123456789,A123456789,收訖,\n", encoding="utf-8")
    items = match([_submitted("A123456789", "C1", 2)], read_receipt(path).rows)
    assert not WHOLE_ID.search(repr(items))
