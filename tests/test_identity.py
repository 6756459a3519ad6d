import pytest

from pipelines.identity import is_valid_national_id, national_id_digest, national_id_kind


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
