import csv
import io

import openpyxl
import pytest

from pipelines.safe_cells import CellTooLong, csv_rows, inert_csv_text, new_workbook, write_row
from tests.hostile_cells import FORMULA_LIKE, TOO_LONG, inert_in_csv, inert_in_xlsx


@pytest.mark.parametrize("value", FORMULA_LIKE)
def test_text_a_spreadsheet_would_run_gets_a_leading_quote_in_csv(value):
    assert inert_csv_text(value) == "'" + value


def test_other_text_and_numbers_stay_as_they_are():
    assert inert_csv_text("班長") == "班長"
    assert inert_csv_text("1-2") == "1-2"
    assert list(csv_rows([[-1, 2.5, None, "A=B"]], name="x.csv", headers=["a", "b", "c", "d"])) == [[-1, 2.5, None, "A=B"]]


def test_csv_rows_make_every_text_inert():
    buffer = io.StringIO()
    csv.writer(buffer).writerows(csv_rows([[value] for value in FORMULA_LIKE], name="x.csv", headers=["值"]))
    assert inert_in_csv(buffer.getvalue())


def test_a_csv_text_over_a_cell_is_refused_naming_file_row_and_column():
    with pytest.raises(CellTooLong, match="「x.csv」第 3 列「值」欄有 40,000 個字元"):
        list(csv_rows([["短"], [TOO_LONG]], name="x.csv", headers=["值"]))


def test_xlsx_text_is_a_string_cell_never_a_formula_and_negative_numbers_stay_numbers():
    buffer = io.BytesIO()
    book = new_workbook(buffer)
    sheet = book.add_worksheet("清單")
    write_row(sheet, 0, 0, [*FORMULA_LIKE, -1])
    book.close()
    assert inert_in_xlsx(buffer.getvalue())
    assert openpyxl.load_workbook(buffer)["清單"].cell(1, len(FORMULA_LIKE) + 1).value == -1


def test_an_xlsx_text_over_a_cell_is_refused_naming_sheet_row_and_column():
    book = new_workbook(io.BytesIO())
    sheet = book.add_worksheet("清單")
    with pytest.raises(CellTooLong, match="「清單」第 5 列「簡述」欄"):
        write_row(sheet, 4, 0, ["短", TOO_LONG], headers=["名稱", "簡述"])
