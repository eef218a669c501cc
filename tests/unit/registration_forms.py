"""Registration forms of a buyer and a seller, the small region catalogue and the day they are checked
against, and the field errors validate_registration finds: what the member and text rule tests share."""
from dataclasses import replace
from datetime import date

import pytest

from emall_ws.domain.errors import FieldError, ValidationFailed
from emall_ws.domain.members import RegistrationForm, validate_registration
from emall_ws.domain.regions import City, Province, RegionCatalog

TODAY = date(2025, 6, 1)

REGIONS = RegionCatalog(
    provinces=[Province("31", "DKI Jakarta"), Province("32", "Jawa Barat")],
    cities=[City("31.74", "31", "Kota Jakarta Selatan"), City("32.73", "32", "Kota Bandung")],
    district_codes={"31.74.01", "31.74.02", "32.73.01"},
)

BUYER_FORM = RegistrationForm(
    province="31", city="31.74", address="Jl. Gatot Subroto Kav. 94", phone="0812-3456-7890",
    name="Budi Santoso", username="Budi.S", password="rahasia123", email="Budi@Example.co.id",
)
NIK_MALE = "3174011501900001"  # 15-01-1990
NIK_FEMALE = "3174015501900002"  # day 55 = 15 + 40
SELLER_FORM = replace(BUYER_FORM, nik=NIK_MALE, bank_code="bca", account_number="9876543210",
                      account_holder="Budi Santoso", birth_date="1990-01-15")


def validate(form, **kw):
    return validate_registration(form, REGIONS, TODAY, **kw)


def errors_of(form, **kw) -> dict[str, FieldError]:
    with pytest.raises(ValidationFailed) as caught:
        validate(form, **kw)
    found = {e.field: e for e in caught.value.errors}
    assert len(found) == len(caught.value.errors), "one error per field"
    return found


def error_of(form, field, **kw) -> FieldError:
    found = errors_of(form, **kw)
    assert set(found) == {field}, found
    return found[field]
