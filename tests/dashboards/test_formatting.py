import io

import openpyxl
import pandas as pd
import pytest

from dashboards import formatting as fmt
from pipelines.safe_cells import CellTooLong
from tests.hostile_cells import FORMULA_LIKE, TOO_LONG, inert_in_csv, inert_in_xlsx


@pytest.mark.parametrize("value,text", [(0.7345, "73.5%"), (1, "100.0%"), (None, "—"), (float("nan"), "—")])
def test_percent(value, text):
    assert fmt.percent(value) == text


def test_thousands_and_days_left():
    assert fmt.number(1234567) == "1,234,567"
    assert [fmt.days_left(days) for days in (5, 0, -3, None)] == ["剩 5 天", "今天截止", "已逾 3 天", "—"]


def test_downloads_keep_chinese_headers_for_excel():
    frame = pd.DataFrame({"學號": ["1130001"], "身分證號": ["A12****789"], "認證通過": [2]})

    workbook = openpyxl.load_workbook(io.BytesIO(fmt.to_xlsx_bytes(frame, "班級完成度")))
    sheet = workbook["班級完成度"]
    assert [cell.value for cell in sheet[1]] == ["學號", "身分證號", "認證通過"]
    assert sheet["A2"].value == "1130001"
    assert fmt.to_csv_bytes(frame).startswith("\ufeff學號".encode("utf-8"))


def test_downloads_keep_formula_like_text_inert_and_mask_ids():
    frame = pd.DataFrame({"學號": list(FORMULA_LIKE), "備註": ["A123456789 重複"] * len(FORMULA_LIKE)})
    assert inert_in_xlsx(fmt.to_xlsx_bytes(frame, "清單"))
    text = fmt.to_csv_bytes(frame).decode("utf-8-sig")
    assert inert_in_csv(text)
    assert "A123456789" not in text and "A12****789 重複" in text


def test_a_download_value_over_a_cell_is_refused_naming_where():
    frame = pd.DataFrame({"學號": ["1"], "備註": [TOO_LONG]})
    with pytest.raises(CellTooLong, match="「清單」第 2 列「備註」欄"):
        fmt.to_xlsx_bytes(frame, "清單")
    with pytest.raises(CellTooLong, match="第 2 列「備註」欄"):
        fmt.to_csv_bytes(frame)
