import pytest

from pipelines.ingest.decoding import FileRejected, _has_utf8_lines, decode_text, read_csv_cells, read_xlsx_cells

from .conftest import FIXTURES, xlsx_bytes


@pytest.mark.parametrize(
    "fixture, encoding",
    [("students_utf8.csv", "utf-8"), ("students_utf8_bom.csv", "utf-8-sig"), ("students_big5.csv", "cp950")],
)
def test_csv_encodings_are_detected_and_decoded(fixture, encoding):
    table = read_csv_cells((FIXTURES / "valid" / fixture).read_bytes(), fixture)
    assert table.encoding == encoding
    assert table.cells.row(0)[0] == "學年度"  # no BOM left on the first header
    assert table.cells["c4"].to_list() == ["姓名", "王小明", "陳美麗", "林志豪"]


def test_undecodable_csv_is_rejected_with_the_file_and_a_likely_encoding():
    with pytest.raises(FileRejected) as rejected:
        decode_text((FIXTURES / "invalid" / "students_utf16.csv").read_bytes(), "013301/admin/學生資料.csv")
    assert rejected.value.reason == "undecodable"
    assert "013301/admin/學生資料.csv" in rejected.value.message
    assert "utf_16" in rejected.value.message


def test_csv_source_line_is_the_physical_line_a_record_starts_on():
    text = '學號,說明\nS1,"two\nlines"\n\nS2,"three\r\nphysical\r\nlines"\nS3,x\n'
    table = read_csv_cells(text.encode(), "x.csv")
    assert table.cells["c0"].to_list() == ["學號", "S1", "S2", "S3"]  # the blank line 4 has nothing to keep
    assert table.cells["source_line"].to_list() == [1, 2, 5, 8]


def test_xlsx_cells_are_text_and_lines_are_sheet_rows(tmp_path):
    data = xlsx_bytes(tmp_path, [["學年度", "出生日期", "修課學分"], [113, "113/09/01", 2.5], [114, None, 3]], blank_rows=(3,))
    table = read_xlsx_cells(data, "x.xlsx")
    assert table.encoding == "xlsx"
    assert table.cells.rows() == [
        ("學年度", "出生日期", "修課學分", 1),
        ("113", "113/09/01", "2.5", 2),
        (None, None, None, 3),
        ("114", None, "3", 4),
    ]


def test_broken_workbook_is_rejected_as_unreadable():
    with pytest.raises(FileRejected) as rejected:
        read_xlsx_cells(b"PK\x03\x04 not really a zip", "013301/admin/班級.xlsx")
    assert rejected.value.reason == "unreadable"
    assert rejected.value.message.startswith("013301/admin/班級.xlsx")


@pytest.mark.parametrize("line, is_utf8", [
    ("王小明,甲".encode(), True),
    ("王小明,甲".encode("cp950"), False),
    (b"S1,plain ascii\r", False),
    ("表情 😀".encode(), True),  # four-byte sequence
    (b"\xc0\xaf", False),  # overlong '/': Python's decoder refuses it
    (b"\xed\xa0\x80", False),  # a surrogate
    (b"\xf4\x90\x80\x80", False),  # past U+10FFFF
    ("王".encode() + b"\xe4\xb8", False),  # a sequence cut short
])
def test_a_utf8_line_is_found_in_a_big5_file_exactly_as_the_strict_decoder_reads_it(line, is_utf8):
    data = "學號,姓名\n".encode("cp950") + line + "\nS2,陳美麗\n".encode("cp950")
    assert _has_utf8_lines(data) is is_utf8
