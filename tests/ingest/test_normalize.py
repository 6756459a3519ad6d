import polars as pl
import pytest

from pipelines.ingest.normalize import clean_value, normalise_header, with_full_width


def _clean(text: str, *, fold: bool):
    return pl.select(clean_value(pl.lit(text, dtype=pl.String), fold=fold)).item()


def test_clean_value_trims_ascii_and_full_width_spaces_and_bom():
    assert _clean("\ufeff\u3000 S001\t \u3000", fold=False) == "S001"


def test_clean_value_folds_full_width_ascii_only_when_asked():
    assert _clean("Ａ１２３４５６７８９－ｘ", fold=True) == "A123456789-x"
    assert _clean("Ａ１２３", fold=False) == "Ａ１２３"  # free text keeps the writer's characters


@pytest.mark.parametrize("text", ["", "   ", "-1", " -1 ", "NULL", "\u3000NULL\u3000"])
def test_clean_value_turns_missing_sentinels_into_null(text):
    assert _clean(text, fold=False) is None


@pytest.mark.parametrize("text", ["null", "-10", "-1.5", "N/A"])
def test_clean_value_keeps_values_that_only_resemble_sentinels(text):
    assert _clean(text, fold=False) == text


def test_full_width_minus_one_is_a_sentinel_once_folded():
    assert _clean("－１", fold=True) is None


def test_normalise_header_trims_and_folds():
    assert normalise_header("\ufeff 學年度\u3000") == "學年度"
    assert normalise_header("ＵＲＬ") == "URL"
    assert normalise_header(None) == ""


def test_with_full_width_names_only_columns_that_need_folding():
    cells = pl.DataFrame({"a": ["1", "２"], "b": ["1", "2"], "c": [None, "x\u3000"]})
    assert with_full_width(cells, ["a", "b", "c"]) == {"a", "c"}
