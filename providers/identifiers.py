"""UK identifiers an organisation gives: postcode, registered charity number, Companies House
number and NHS ODS code.

Each ``normalise_*`` function takes what a person typed and returns the identifier in its one
written form (upper case, spaces where the issuer puts them, leading zeros restored), or raises
``ValidationError`` with a message that says what a real one looks like. Forms call them from
``clean_<field>`` so what is stored is always the normal form, and a search for "sc012345"
finds "SC012345". Empty input stays empty: every identifier is optional.

The formats checked are the issuers' published shapes, not their registers: a well-formed
number that was never issued passes. Checking against the registers would need their services
at every save.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

#: A UK postcode once spaces are removed: outward code (area, district) and inward code
#: (sector digit, unit letters). GIR 0AA is the one historic exception still in use.
_POSTCODE = re.compile(r"^(?:[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA)$")

#: Charity registers of the UK's three regulators.
#: - Charity Commission for England and Wales: 6 or 7 digits; a linked (subsidiary) charity
#:   adds a dash and its number, e.g. 1123456-1.
#: - OSCR (Scotland): SC and 6 digits, e.g. SC012345.
#: - Charity Commission for Northern Ireland: NIC and 6 digits, e.g. NIC100002; charities known
#:   before the register opened may still quote their HMRC reference, XN or XR and digits.
_CHARITY_ENGLAND_WALES = re.compile(r"^[0-9]{6,7}(?:-[0-9]{1,2})?$")
_CHARITY_SCOTLAND = re.compile(r"^SC[0-9]{6}$")
_CHARITY_NORTHERN_IRELAND = re.compile(r"^(?:NIC[0-9]{6}|X[NR][0-9]{4,6})$")

#: Companies House numbers are 8 characters: 8 digits (England and Wales companies), or a
#: two-letter prefix for the register and kind (SC Scotland, NI Northern Ireland, OC LLP, SO
#: Scottish LLP, NC Northern Irish LLP, FC overseas, LP limited partnership, CE/CS/RC…, R0 for
#: old Northern Irish companies) followed by 6 digits.
_COMPANY = re.compile(r"^(?:[0-9]{8}|[A-Z]{2}[0-9]{6}|R0[0-9]{6})$")

#: NHS Organisation Data Service codes are letters and digits: trusts have 3 (RTH), GP
#: practices 6 (A12345), branch surgeries up to 9 (K81003001).
_ODS = re.compile(r"^[A-Z0-9]{3,9}$")

POSTCODE_MESSAGE = "Enter a real postcode, like LS1 4AP"
CHARITY_MESSAGE = (
    "Enter a registered charity number in the correct format: 6 or 7 digits in England and "
    "Wales, like 1123456; SC and 6 digits in Scotland, like SC012345; NIC and 6 digits in "
    "Northern Ireland, like NIC100002"
)
COMPANY_MESSAGE = (
    "Enter a Companies House number of 8 characters, like 01234567 or SC123456; you can find "
    "it on the Companies House register"
)
ODS_MESSAGE = "Enter an NHS ODS code of 3 to 9 letters and numbers, like RTH or A12345"


def _squash(value: str) -> str:
    """Upper case with every space removed (people type identifiers with spaces anywhere)."""
    return re.sub(r"\s+", "", value or "").upper()


def normalise_postcode(value: str) -> str:
    """'ls14ap' → 'LS1 4AP': upper case with one space before the last three characters."""
    squashed = _squash(value)
    if not squashed:
        return ""
    if not _POSTCODE.match(squashed):
        raise ValidationError(POSTCODE_MESSAGE, code="invalid_postcode")
    return f"{squashed[:-3]} {squashed[-3:]}"


def normalise_charity_number(value: str) -> str:
    """A charity number of any of the three UK registers, in the register's own form."""
    squashed = _squash(value)
    if not squashed:
        return ""
    squashed = squashed.replace("–", "-").replace("—", "-")
    if (
        _CHARITY_ENGLAND_WALES.match(squashed)
        or _CHARITY_SCOTLAND.match(squashed)
        or _CHARITY_NORTHERN_IRELAND.match(squashed)
    ):
        return squashed
    raise ValidationError(CHARITY_MESSAGE, code="invalid_charity_number")


def normalise_company_number(value: str) -> str:
    """A Companies House number of 8 characters, leading zeros restored: '1234567' → '01234567',
    'sc12345' → 'SC012345' (people often drop the zeros)."""
    squashed = _squash(value)
    if not squashed:
        return ""
    if squashed.isdigit() and len(squashed) <= 8:
        squashed = squashed.zfill(8)
    elif re.match(r"^[A-Z]{2}[0-9]{1,6}$", squashed):
        squashed = squashed[:2] + squashed[2:].zfill(6)
    if not _COMPANY.match(squashed):
        raise ValidationError(COMPANY_MESSAGE, code="invalid_company_number")
    return squashed


def normalise_nhs_ods_code(value: str) -> str:
    """An NHS ODS code in upper case: 'rth' → 'RTH'."""
    squashed = _squash(value)
    if not squashed:
        return ""
    if not _ODS.match(squashed):
        raise ValidationError(ODS_MESSAGE, code="invalid_nhs_ods_code")
    return squashed


#: Form field name → its normaliser, for forms that ask for an organisation's identifiers.
NORMALISERS = {
    "postcode": normalise_postcode,
    "charity_number": normalise_charity_number,
    "company_number": normalise_company_number,
    "nhs_ods_code": normalise_nhs_ods_code,
}
