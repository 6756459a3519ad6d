import logging
import sys

import duckdb
import polars as pl
import pytest

from pipelines.identity import (
    install_masking, is_valid_national_id, mask_national_id, mask_national_id_sql, mask_national_ids_expr, mask_national_ids_in_text,
    national_id_digest, national_id_kind,
)


@pytest.mark.parametrize("value", [
    "A123456789",  # citizen, the textbook example
    "F231247086",
    "A800000014",  # new-format resident certificate (second character 8/9) with a correct checksum
    "A900000007",
    "AC01234567",  # old-format resident certificate: C counts as 2 (units digit of 12)
])
def test_valid_ids(value):
    assert is_valid_national_id(value)


@pytest.mark.parametrize("value", [
    "A123456788",  # bad checksum
    "A800000015",  # new resident certificate, bad checksum
    "A323456789",  # second character neither 1/2, 8/9 nor A-D
    "a123456789",  # lower case
    "A12345678",  # too short
    "A1234567890",
    "Ａ123456789",  # full-width letter
    "A12345678９",  # full-width digit
    "",
    None,
])
def test_invalid_ids(value):
    assert not is_valid_national_id(value)


def test_kinds():
    assert national_id_kind("A123456789") == "national_id"
    assert national_id_kind("A800000014") == "new_resident_certificate"
    assert national_id_kind("AC01234567") == "old_resident_certificate"
    assert national_id_kind("A3") is None


def test_digest_compares_without_showing_the_id():
    assert national_id_digest("A123456789") == national_id_digest("A123456789") != national_id_digest("A123456780")
    assert "A123456789" not in national_id_digest("A123456789")
    assert national_id_digest(None) is None


def test_a_masked_id_shows_three_characters_at_each_end():
    assert mask_national_id("A123456789") == "A12****789"
    assert mask_national_id(None) is None


TEXT = "身分證號A123456789,b223456788 與 AC01234567 重複；課程 XA123456789、A1234567890 不是身分證號"
MASKED = "身分證號A12****789,b22****788 與 AC0****567 重複；課程 XA123456789、A1234567890 不是身分證號"


def test_every_id_shaped_token_in_text_is_masked_and_longer_codes_are_not():
    assert mask_national_ids_in_text(TEXT) == MASKED


def test_polars_and_duckdb_mask_as_python_does():
    frame = pl.DataFrame({"text": [TEXT, None], "national_id": ["A123456789", None]})
    masked = frame.select(mask_national_ids_expr(pl.col("text")))["text"].to_list()
    assert masked == [MASKED, None]
    sql = duckdb.sql(f"select {mask_national_id_sql('national_id')} from frame").fetchall()
    assert sql == [(mask_national_id("A123456789"),), (None,)]


def test_logs_and_uncaught_errors_show_ids_masked(caplog, capsys):
    install_masking()
    logging.getLogger("dagster.test").warning("duplicate key %s in %s", "A123456789", "students.csv")
    assert caplog.messages == ["duplicate key A12****789 in students.csv"]
    try:
        raise ValueError("Constraint Error: duplicate key 'A123456789'")
    except ValueError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    err = capsys.readouterr().err
    assert "A12****789" in err and "A123456789" not in err


def test_what_a_command_prints_itself_shows_ids_masked_and_the_streams_come_back(capsys):
    from pipelines.identity import masked_output

    before = sys.stdout, sys.stderr
    with masked_output():
        print("無法讀取 A123456789 的資料")
        print("錯誤：a123456789", file=sys.stderr)
    assert (sys.stdout, sys.stderr) == before
    out, err = capsys.readouterr()
    assert "A123456789" not in out and "A12****789" in out
    assert "a123456789" not in err.lower() and "****" in err
