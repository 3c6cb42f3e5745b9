"""UK identifiers: each normaliser accepts the issuer's formats as people type them, stores
one written form, and refuses anything else with a message that shows a real example."""

import pytest
from django.core.exceptions import ValidationError

from providers.identifiers import (
    CHARITY_MESSAGE,
    COMPANY_MESSAGE,
    ODS_MESSAGE,
    POSTCODE_MESSAGE,
    normalise_charity_number,
    normalise_company_number,
    normalise_nhs_ods_code,
    normalise_postcode,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("LS1 4AP", "LS1 4AP"),
        ("ls14ap", "LS1 4AP"),
        ("  ls1   4ap ", "LS1 4AP"),
        ("sw1a1aa", "SW1A 1AA"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("M1 1AE", "M1 1AE"),
        ("b338th", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("BT1 5GS", "BT1 5GS"),
        ("GIR 0AA", "GIR 0AA"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_postcode_is_stored_in_capitals_with_one_space(typed, stored):
    assert normalise_postcode(typed) == stored


@pytest.mark.parametrize("typed", ["LS1", "12345", "LS1 4A", "LS1 44P", "LSS1 4AP1", "1LS 4AP"])
def test_a_postcode_that_cannot_exist_is_refused_with_an_example(typed):
    with pytest.raises(ValidationError) as refused:
        normalise_postcode(typed)
    assert refused.value.messages == [POSTCODE_MESSAGE]
    assert "LS1 4AP" in POSTCODE_MESSAGE


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1123456", "1123456"),  # England and Wales, 7 digits
        ("202918", "202918"),  # England and Wales, older 6 digits
        ("1123456-1", "1123456-1"),  # a linked charity
        ("1123456 - 12", "1123456-12"),
        ("1123456–1", "1123456-1"),  # an en dash typed by a word processor
        ("sc012345", "SC012345"),  # Scotland
        ("SC 012345", "SC012345"),
        ("nic100002", "NIC100002"),  # Northern Ireland
        ("XN45678", "XN45678"),  # Northern Ireland, HMRC reference before the register
        ("xr12345", "XR12345"),
        ("", ""),
    ],
)
def test_charity_numbers_of_all_three_registers_are_accepted(typed, stored):
    assert normalise_charity_number(typed) == stored


@pytest.mark.parametrize(
    "typed", ["12345", "12345678", "SC12345", "NI100002", "NIC10000", "1123456-", "charity"]
)
def test_a_charity_number_in_no_register_format_is_refused(typed):
    with pytest.raises(ValidationError) as refused:
        normalise_charity_number(typed)
    assert refused.value.messages == [CHARITY_MESSAGE]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("01234567", "01234567"),
        ("1234567", "01234567"),  # leading zero dropped
        ("123", "00000123"),
        ("sc123456", "SC123456"),
        ("SC12345", "SC012345"),
        ("ni 012345", "NI012345"),
        ("OC301234", "OC301234"),
        ("SO300001", "SO300001"),
        ("NC001234", "NC001234"),
        ("R0001234", "R0001234"),
        ("", ""),
    ],
)
def test_companies_house_numbers_are_eight_characters(typed, stored):
    assert normalise_company_number(typed) == stored


@pytest.mark.parametrize("typed", ["123456789", "S1234567", "SC1234567", "ABC12345", "12-34"])
def test_a_company_number_of_the_wrong_shape_is_refused(typed):
    with pytest.raises(ValidationError) as refused:
        normalise_company_number(typed)
    assert refused.value.messages == [COMPANY_MESSAGE]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("RTH", "RTH"),
        ("rxx", "RXX"),
        ("a12345", "A12345"),
        ("8A3", "8A3"),
        ("K81003001", "K81003001"),
        ("", ""),
    ],
)
def test_nhs_ods_codes_are_upper_case(typed, stored):
    assert normalise_nhs_ods_code(typed) == stored


@pytest.mark.parametrize("typed", ["R1", "A1234567890", "RT-H", "A12 34$"])
def test_an_ods_code_of_the_wrong_shape_is_refused(typed):
    with pytest.raises(ValidationError) as refused:
        normalise_nhs_ods_code(typed)
    assert refused.value.messages == [ODS_MESSAGE]
