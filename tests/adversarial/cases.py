"""The bad deliveries: name → what the school delivered → what must happen to it.

Each case is delivered by school 013399 beside two clean schools (test_bad_deliveries.py). ``target``
is the source_file (raw.deliveries, raw.quarantine) the outcome is about; ``quarantined`` lists its
quarantine rows as (line, field, reason), a whole-file row having no line. ``says`` must appear in the
delivery's message or one of those quarantine messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.adversarial.deliveries import (
    HEADER, ROWS, csv_bytes, mixed, noise, students, with_row, xlsx,
)

BAD = "013399"
CSV = f"{BAD}/admin/學生資料.csv"
XLSX = f"{BAD}/admin/學生資料.xlsx"
POLICY = f"{BAD}/policy.yaml"
CLEAN = students()


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, bytes]  # path under the source root → bytes
    target: str | None
    status: str  # loaded | rejected | refused | unknown | missing
    loaded: int = 0
    quarantined: tuple[tuple[int | None, str | None, str], ...] = ()
    says: str = ""
    kind: str = "students"
    policy_problems: int = 0  # invalid_policy rows of the bad school
    links: dict[str, str] = field(default_factory=dict)  # path under the root → file or folder outside it


def _header(*extra: str) -> list[str]:
    return [*HEADER, *extra]


WIDE = _header(*(f"欄{i}" for i in range(5_000 - len(HEADER))))
BROKEN_POLICY = (b"course_outcome_cap_per_term: 3\n"  # unknown key
                 b"summary_max_chars: 500\n"  # above the national 100
                 b"retention_years: forever\n")  # not a number

CASES = [
    # -- empty and header-only ---------------------------------------------------------------
    Case("empty_file", {CSV: b""}, CSV, "rejected", quarantined=((None, None, "empty_file"),), says="檔案是空的"),
    Case("blank_lines_only", {CSV: b"\r\n\n  \n"}, CSV, "rejected", quarantined=((None, None, "empty_file"),), says="空的"),
    Case("bom_only", {CSV: b"\xef\xbb\xbf"}, CSV, "rejected", quarantined=((None, None, "empty_file"),), says="空的"),
    Case("header_only", {CSV: csv_bytes(HEADER)}, CSV, "loaded", loaded=0, says="交付 0 列"),
    Case("blank_lines_between_rows", {CSV: csv_bytes(HEADER, ROWS[0], "", ",,,,,,", ROWS[1], "   ", ROWS[2])},
         CSV, "loaded", loaded=3),
    # -- columns ------------------------------------------------------------------------------
    Case("missing_required_column", {CSV: csv_bytes([h for h in HEADER if h != "學號"], *[r[:2] + r[3:] for r in ROWS])},
         CSV, "rejected", quarantined=((None, "學號", "missing_column"),), says="缺少必要欄位「學號」"),
    Case("missing_optional_column", {CSV: csv_bytes(HEADER[:4] + HEADER[5:], *[r[:4] + r[5:] for r in ROWS])},
         CSV, "loaded", loaded=3),
    Case("duplicate_column", {CSV: csv_bytes(_header("學號"), *[[*r, r[2]] for r in ROWS])},
         CSV, "rejected", quarantined=((None, "學號", "unreadable"),), says="出現兩次"),
    Case("extra_columns", {CSV: csv_bytes(_header("備註", "導師"), *[[*r, "x", "y"] for r in ROWS])}, CSV, "loaded", loaded=3),
    Case("five_thousand_columns", {CSV: csv_bytes(WIDE, *[r + [""] * (len(WIDE) - len(r)) for r in ROWS])},
         CSV, "loaded", loaded=3),
    Case("header_with_trailing_comma", {CSV: csv_bytes(",".join(HEADER) + ",", *ROWS)}, CSV, "loaded", loaded=3),
    Case("header_with_zero_width_space", {CSV: csv_bytes(["\u200b學號" if h == "學號" else h for h in HEADER], *ROWS)},
         CSV, "loaded", loaded=3),
    Case("header_with_full_width_spaces", {CSV: csv_bytes(["\u3000學年度 ", *HEADER[1:]], *ROWS)}, CSV, "loaded", loaded=3),
    # -- delimiters and line endings ----------------------------------------------------------
    Case("semicolon_delimiter", {CSV: csv_bytes(";".join(HEADER), *(";".join(r) for r in ROWS))},
         CSV, "rejected", quarantined=((None, "學年度", "missing_column"),), says="分號"),
    Case("tab_delimiter", {CSV: csv_bytes("\t".join(HEADER), *("\t".join(r) for r in ROWS))},
         CSV, "rejected", quarantined=((None, "學年度", "missing_column"),), says="Tab"),
    Case("crlf_line_endings", {CSV: csv_bytes(HEADER, *ROWS, newline="\r\n")}, CSV, "loaded", loaded=3),
    Case("cr_only_line_endings", {CSV: csv_bytes(HEADER, *ROWS, newline="\r")}, CSV, "loaded", loaded=3),
    Case("mixed_line_endings", {CSV: (",".join(HEADER) + "\r\n" + ",".join(ROWS[0]) + "\n" + ",".join(ROWS[1]) + "\r"
                                      + ",".join(ROWS[2]) + "\r\n").encode()}, CSV, "loaded", loaded=3),
    Case("cr_only_with_a_bad_row", {CSV: csv_bytes(HEADER, ROWS[0], ROWS[1][:6], ROWS[2], newline="\r")},
         CSV, "loaded", loaded=2, quarantined=((3, None, "ragged_row"),), says="第 3 行：欄位數 6，應為 7"),
    # -- ragged rows: never truncated, padded or shifted ---------------------------------------
    Case("row_with_too_few_fields", {CSV: with_row(3, ",".join(ROWS[1][:4] + ROWS[1][5:]))},
         CSV, "loaded", loaded=2, quarantined=((3, None, "ragged_row"),), says="欄位數 6，應為 7"),
    Case("row_with_too_many_fields", {CSV: with_row(3, ",".join(ROWS[1][:4] + ["陳", "美麗"] + ROWS[1][5:]))},
         CSV, "loaded", loaded=2, quarantined=((3, None, "ragged_row"),), says="欄位數 8，應為 7"),
    Case("short_row_with_a_quoted_comma", {CSV: with_row(3, ",".join(ROWS[1][:4]) + ',"陳,美麗",在學')},
         CSV, "loaded", loaded=2, quarantined=((3, None, "ragged_row"),), says="欄位數 6，應為 7"),
    Case("row_with_trailing_empty_fields", {CSV: with_row(3, ",".join(ROWS[1]) + ",,")}, CSV, "loaded", loaded=3),
    Case("every_row_ragged", {CSV: csv_bytes(HEADER, *(r[:5] for r in ROWS))},
         CSV, "loaded", loaded=0, quarantined=tuple((line, None, "ragged_row") for line in (2, 3, 4))),
    # -- quotes ---------------------------------------------------------------------------------
    Case("quoted_comma_and_line_break", {CSV: with_row(3, ",".join(ROWS[1][:4]) + ',"陳,美\n麗",' + ",".join(ROWS[1][5:]))},
         CSV, "loaded", loaded=3),
    Case("unclosed_quote_keeps_later_rows", {CSV: with_row(3, ",".join(ROWS[1][:4]) + ',"陳美麗,' + ",".join(ROWS[1][5:]))},
         CSV, "loaded", loaded=2, quarantined=((3, None, "bad_quotes"),), says="引號未閉合"),
    Case("text_after_closing_quote", {CSV: with_row(3, ",".join(ROWS[1][:4]) + ',"陳"美麗,' + ",".join(ROWS[1][5:]))},
         CSV, "loaded", loaded=2, quarantined=((3, None, "bad_quotes"),), says="引號"),
    Case("unclosed_quote_in_the_header", {CSV: csv_bytes('學年度,"學期,學號,身分證號,姓名,出生日期,學籍狀態', *ROWS)},
         CSV, "rejected", quarantined=((None, None, "unreadable"),), says="第 1 行（欄位名稱列）引號未閉合"),
    Case("quote_inside_unquoted_value", {CSV: students(S002_姓名='陳"美麗')}, CSV, "loaded", loaded=3),
    # -- bytes and encodings ----------------------------------------------------------------------
    Case("nul_byte_in_a_value", {CSV: students(S002_姓名="陳\x00美麗")},
         CSV, "loaded", loaded=2, quarantined=((3, "姓名", "control_character"),), says="控制字元"),
    Case("big5", {CSV: csv_bytes(HEADER, *ROWS, encoding="cp950")}, CSV, "loaded", loaded=3),
    Case("utf8_with_bom", {CSV: b"\xef\xbb\xbf" + CLEAN}, CSV, "loaded", loaded=3),
    Case("utf16_with_bom", {CSV: csv_bytes(HEADER, *ROWS, encoding="utf-16")},
         CSV, "rejected", quarantined=((None, None, "undecodable"),), says="UTF-16"),
    Case("utf16_without_bom", {CSV: csv_bytes(HEADER, *ROWS, encoding="utf-16-le")},
         CSV, "rejected", quarantined=((None, None, "undecodable"),), says="UTF-16"),
    Case("big5_line_in_utf8_file", {CSV: mixed(["utf-8", "utf-8", "utf-8", "cp950"])},
         CSV, "loaded", loaded=2, quarantined=((4, None, "undecodable"),), says="此行為 Big5 編碼"),
    Case("utf8_line_in_big5_file", {CSV: mixed(["cp950", "cp950", "utf-8", "cp950"])},
         CSV, "loaded", loaded=2, quarantined=((3, None, "undecodable"),), says="此行為 UTF-8 編碼"),
    Case("half_utf8_half_big5", {CSV: mixed(["utf-8", "utf-8", "cp950", "cp950"])},
         CSV, "rejected", quarantined=((None, None, "undecodable"),), says="同一檔案混用 UTF-8（2 行）與 Big5（2 行）"),
    Case("hkscs_character", {CSV: with_row(4, ",".join(ROWS[2][:4]) + ",林嘅豪," + ",".join(ROWS[2][5:]),
                                           encoding="big5hkscs")},
         CSV, "loaded", loaded=2, quarantined=((4, None, "undecodable"),), says="HKSCS"),
    Case("binary_noise", {CSV: noise(4096)}, CSV, "rejected", quarantined=((None, None, "undecodable"),), says="整個檔案不載入"),
    # -- values -----------------------------------------------------------------------------------
    Case("two_digit_roc_year", {CSV: students(S002_出生日期="13/9/1")},
         CSV, "loaded", loaded=2, quarantined=((3, "出生日期", "out_of_range"),), says="西元 1924 年"),
    Case("roc_year_far_in_the_future", {CSV: students(S002_出生日期="999/01/01")},
         CSV, "loaded", loaded=2, quarantined=((3, "出生日期", "out_of_range"),), says="民國 999 年"),
    Case("impossible_date", {CSV: students(S002_出生日期="113/02/30")},
         CSV, "loaded", loaded=2, quarantined=((3, "出生日期", "bad_date"),), says="日期無法解析"),
    Case("one_megabyte_field", {CSV: students(S002_姓名="長" * 350_000)},
         CSV, "loaded", loaded=2, quarantined=((3, "姓名", "too_long"),), says="上限 32,767 字"),
    Case("one_megabyte_key", {CSV: students(S002_學號="S" * 1_000_000)},
         CSV, "loaded", loaded=2, quarantined=((3, "學號", "too_long"),), says="（共 1000000 字）"),
    Case("full_width_codes", {CSV: students(S002_學號="Ｓ００２", S002_學年度="１１３")}, CSV, "loaded", loaded=3),
    Case("missing_key_value", {CSV: students(S002_學號="")},
         CSV, "loaded", loaded=2, quarantined=((3, "學號", "missing_key"),), says="必填欄位空白"),
    # -- workbooks ---------------------------------------------------------------------------------
    Case("xlsx_with_several_sheets", {XLSX: xlsx(("名冊", [HEADER, *ROWS]), ("說明", [["填表說明"]]))},
         XLSX, "loaded", loaded=3, says="另有工作表「說明」未讀取"),
    Case("xlsx_with_merged_title_row", {XLSX: xlsx(("名冊", [HEADER, *ROWS]), merged_title="113學年度學生資料")},
         XLSX, "rejected", quarantined=((None, "學年度", "missing_column"),), says="欄位名稱似乎在第 2 列"),
    Case("empty_xlsx", {XLSX: b""}, XLSX, "rejected", quarantined=((None, None, "empty_file"),), says="檔案是空的"),
    Case("xlsx_with_the_data_on_the_second_sheet", {XLSX: xlsx(("封面", [["113學年度"]]), ("名冊", [HEADER, *ROWS]))},
         XLSX, "rejected", quarantined=((None, "學年度", "missing_column"),), says="另有工作表「名冊」未讀取"),
    Case("four_digit_year_zero_padded_roc", {CSV: students(S002_出生日期="0095/07/15")},
         CSV, "loaded", loaded=2, quarantined=((3, "出生日期", "out_of_range"),), says="讀作西元 95 年"),
    Case("xlsx_with_an_empty_first_row", {XLSX: xlsx(("名冊", [[""] * len(HEADER), HEADER, *ROWS]))},
         XLSX, "rejected", quarantined=((None, "學年度", "missing_column"),), says="欄位名稱似乎在第 2 列"),
    Case("xlsx_that_is_not_a_workbook", {XLSX: b"PK\x03\x04" + noise(500)},
         XLSX, "rejected", quarantined=((None, None, "unreadable"),), says="Excel 檔無法讀取"),
    Case("csv_and_xlsx_of_one_file", {CSV: CLEAN, XLSX: xlsx(("名冊", [HEADER, *ROWS]))},
         f"{CSV} + {XLSX}", "rejected", quarantined=((None, None, "unreadable"),), says="無法判斷以哪一個為準"),
    # -- files and folders the contract does not know ---------------------------------------------
    Case("copy_suffix_in_file_name", {CSV: CLEAN, f"{BAD}/platform/課程學習成果(1).csv": b"x"},
         f"{BAD}/platform/課程學習成果(1).csv", "unknown", kind="unknown", says="檔名不是合約的「課程學習成果.csv」"),
    Case("txt_file", {CSV: CLEAN, f"{BAD}/platform/多元表現.txt": b"x"},
         f"{BAD}/platform/多元表現.txt", "unknown", kind="unknown", says="只收 .csv 或 .xlsx"),
    Case("file_in_the_wrong_folder", {CSV: CLEAN, f"{BAD}/admin/多元表現.csv": b"x"},
         f"{BAD}/admin/多元表現.csv", "unknown", kind="unknown", says="應放在 platform/"),
    Case("unknown_file_in_school_folder", {CSV: CLEAN, f"{BAD}/說明.docx": b"x"},
         f"{BAD}/說明.docx", "unknown", kind="unknown", says="不是合約中的檔案"),
    Case("lower_case_school_folder", {"abc399/admin/學生資料.csv": CLEAN},
         "abc399/", "unknown", kind="unknown", says="請更名為「ABC399」"),
    Case("full_width_school_folder", {"０１３３９８/admin/學生資料.csv": CLEAN},
         "０１３３９８/", "unknown", kind="unknown", says="請更名為「013398」"),
    Case("national_id_in_a_file_name", {CSV: CLEAN, f"{BAD}/admin/學生資料_A123456789.csv": CLEAN},
         f"{BAD}/admin/學生資料_A123456789.csv", "unknown", kind="unknown", says="學生資料_A12****789.csv"),
    Case("national_id_in_policy_yaml", {CSV: CLEAN, POLICY: b"retention_years: A123456789\n"}, CSV, "refused",
         quarantined=((None, None, "school_refused"),), policy_problems=1, says="有 1 項錯誤"),
    Case("file_at_the_source_root", {"學生資料.csv": CLEAN}, "學生資料.csv", "unknown", kind="unknown", says="不屬於任何學校"),
    Case("symlinked_file_out_of_the_root", {}, CSV, "refused", kind="unknown", says="來源資料夾以外",
         links={CSV: "outside/學生資料.csv"}),
    Case("symlinked_school_out_of_the_root", {}, "013398", "refused", kind="unknown", says="拒絕讀取",
         links={"013398": "outside/school"}),
    Case("symlinked_policy_out_of_the_root", {CSV: CLEAN}, CSV, "refused", quarantined=((None, None, "school_refused"),),
         policy_problems=1, says="有 1 項錯誤", links={POLICY: "outside/policy.yaml"}),
    Case("required_file_not_delivered", {f"{BAD}/admin/班級.csv": csv_bytes(["學年度", "學期", "班級代碼"], ["113", "1", "101"])},
         None, "missing", quarantined=((None, None, "missing_file"),), says="必要檔案"),
    # -- policy.yaml ---------------------------------------------------------------------------------
    Case("broken_policy_refuses_the_school", {CSV: CLEAN, POLICY: BROKEN_POLICY}, CSV, "refused",
         quarantined=((None, None, "school_refused"),), policy_problems=3, says="有 3 項錯誤"),
    Case("policy_that_is_not_yaml", {CSV: CLEAN, POLICY: b"terms: [\n"}, CSV, "refused",
         quarantined=((None, None, "school_refused"),), policy_problems=1, says="有 1 項錯誤"),
]
