from datetime import date

import pytest
from django.core.exceptions import ValidationError

from cases.validators import (
    rnokpp_birth_date,
    rnokpp_is_valid,
    validate_id_card,
    validate_katottg,
    validate_passport_booklet,
    validate_rnokpp,
    validate_rnokpp_matches_birth_date,
    validate_unzr,
)


@pytest.mark.parametrize("value", ["1759013776", "3652504575", "3068208400"])
def test_known_valid_rnokpp(value):
    assert rnokpp_is_valid(value)
    validate_rnokpp(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1759013777", "rnokpp_checksum"),
        ("3652504574", "rnokpp_checksum"),
        ("0000000001", "rnokpp_checksum"),
        ("175901377", "rnokpp_format"),
        ("17590137761", "rnokpp_format"),
        ("17590l3776", "rnokpp_format"),
        ("", "rnokpp_format"),
    ],
)
def test_invalid_rnokpp(value, code):
    assert not rnokpp_is_valid(value)
    with pytest.raises(ValidationError) as e:
        validate_rnokpp(value)
    assert e.value.code == code


def test_rnokpp_encodes_birth_date():
    assert rnokpp_birth_date("3652504575") == date(2000, 1, 1)
    assert rnokpp_birth_date("3068208400") == date(1984, 1, 2)
    validate_rnokpp_matches_birth_date("3068208400", date(1984, 1, 2))
    with pytest.raises(ValidationError) as e:
        validate_rnokpp_matches_birth_date("3068208400", date(1984, 1, 3))
    assert e.value.code == "rnokpp_birth_date"


@pytest.mark.parametrize("value", ["UA05020030000031743", "UA12345678901234567"])
def test_katottg_valid(value):
    validate_katottg(value)


@pytest.mark.parametrize(
    "value", ["UA0502003000003174", "ua05020030000031743", "UA0502003000003174X", "05020030000031743"]
)
def test_katottg_invalid(value):
    with pytest.raises(ValidationError):
        validate_katottg(value)


def test_passport_formats():
    validate_passport_booklet("АК123456")
    validate_passport_booklet("ЄІ000001")
    validate_id_card("001234567")
    for bad in ("AK123456", "АК12345", "ак123456", "АКК12345"):  # Latin letters, short, lower case
        with pytest.raises(ValidationError):
            validate_passport_booklet(bad)
    for bad in ("12345678", "1234567890", "12345678A"):
        with pytest.raises(ValidationError):
            validate_id_card(bad)


def test_unzr_format():
    validate_unzr("19840102-00015")
    for bad in ("1984010200015", "19841302-00015", "19840102-0001", "x9840102-00015"):
        with pytest.raises(ValidationError):
            validate_unzr(bad)
