"""The paper's Table I (registration input validation), rows 1-9, over SOAP with zeep."""
import pytest

from tests.e2e.members import (PASSWORD, SELLER_NIK, as_member, form, login, register_and_activate,
                               seller_form)
from tests.e2e.soap import client, fault_code, fault_of, field_errors


@pytest.fixture(scope="module")
def member(server):
    return client(server, "Member").service


def test_row1_choosing_a_province_gives_its_cities(member):
    provinces = member.listProvinces()
    assert len(provinces) == 38
    assert {"code": "31", "name": "Daerah Khusus Ibukota Jakarta"} in [
        {"code": p.code, "name": p.name} for p in provinces]
    cities = member.listCities(provinceCode="31")
    assert len(cities) == 6 and "31.74" in [c.code for c in cities]
    assert all(c.provinceCode == "31" for c in cities)


def test_row1_an_unknown_province_has_no_cities(member):
    fault = fault_of(member.listCities, provinceCode="99")
    assert fault_code(fault) == "Client.NotFound"


@pytest.mark.parametrize("field, message", [
    ("province", "Kolom Propinsi wajib diisi"),  # row 1
    ("city", "Kolom Kota wajib diisi"),  # row 2
    ("address", "Kolom Alamat wajib diisi"),  # row 3
    ("phone", "Kolom Telepon wajib diisi"),  # row 4
    ("name", "Kolom Nama wajib diisi"),  # row 5
    ("username", "Kolom Username wajib diisi"),  # row 6
    ("password", "Kolom Password wajib diisi"),  # row 7
    ("email", "Kolom Email wajib diisi"),  # row 8
])
def test_rows1_to_8_an_empty_field_is_refused_and_nothing_is_written(member, field, message):
    values = form(**{field: ""})
    fault = fault_of(member.register, form=values)
    assert fault_code(fault) == "Client.Validation"
    errors = field_errors(fault)
    assert errors[field] == ("REQUIRED", message)
    if field not in ("username", "email"):
        # nothing was written: the same username and email register fine afterwards
        complete = form(username=values["username"], email=values["email"])
        assert member.register(form=complete).status == "PENDING"


def test_every_empty_field_is_reported_at_once(member):
    fault = fault_of(member.register, form={})
    assert set(field_errors(fault)) == {"province", "city", "address", "phone", "name", "username",
                                         "password", "email"}
    assert all(code == "REQUIRED" for code, _ in field_errors(fault).values())


def test_over_long_fields_are_reported_with_the_others(member):
    values = form(username="a" * 150, password="rahasia1" * 26, province="")
    fault = fault_of(member.register, form=values)
    assert fault_code(fault) == "Client.Validation"
    assert field_errors(fault) == {
        "province": ("REQUIRED", "Kolom Propinsi wajib diisi"),
        "username": ("USERNAME_PATTERN", "Username harus 3-32 karakter, diawali huruf, dan hanya berisi "
                                         "huruf, angka, garis bawah (_) atau titik (.)"),
        "password": ("TOO_LONG", "Kolom Password maksimal 128 karakter")}
    # nothing was written: the same email registers fine afterwards
    assert member.register(form=form(email=values["email"])).status == "PENDING"


def test_row2_the_chosen_city_is_kept(server, mailbox, member):
    values = register_and_activate(server, mailbox, form(city="31.71"))
    service, auth = as_member(server, "Member", login(server, values["username"]))
    profile = service.getProfile(**auth)
    assert (profile.provinceCode, profile.cityCode) == ("31", "31.71")


def test_a_city_outside_the_province_is_refused(member):
    errors = field_errors(fault_of(member.register, form=form(province="32", city="31.74")))
    assert errors["city"][0] == "CITY_NOT_IN_PROVINCE"


def test_invalid_values_each_get_their_code(member):
    errors = field_errors(fault_of(member.register, form=form(
        phone="12345", username="9lives", password="short", email="not-an-email")))
    assert {f: code for f, (code, _) in errors.items()} == {
        "phone": "INVALID_PHONE", "username": "USERNAME_PATTERN", "password": "TOO_SHORT",
        "email": "INVALID_EMAIL"}


def test_faults_in_english_on_request(server):
    english = client(server, "Member")
    english.transport.session.headers["Accept-Language"] = "en"
    errors = field_errors(fault_of(english.service.register, form=form(province="")))
    assert errors["province"][1] == "The Province field is required"


def test_row9_an_identity_number_makes_a_seller(member):
    assert member.register(form=seller_form()).role == "SELLER"


def test_row9_a_business_licence_makes_a_seller(member):
    values = form(nib="1234567890123", bankCode="BRI", accountNumber="123456789012345",
                  accountHolder="CV Batik Laweyan")
    assert member.register(form=values).role == "SELLER"


def test_row9_no_identity_makes_a_buyer(member):
    result = member.register(form=form())
    assert (result.role, result.status) == ("BUYER", "PENDING")


def test_a_seller_needs_a_payout_account_of_the_right_length(member):
    errors = field_errors(fault_of(member.register, form=form(nik=SELLER_NIK, bankCode="BCA",
                                                               accountNumber="123")))
    assert errors["accountNumber"][0] == "ACCOUNT_NUMBER_FORMAT"
    assert errors["accountHolder"][0] == "REQUIRED"


@pytest.mark.parametrize("nik, code", [
    ("31740115019", "NIK_FORMAT"),
    ("3174013102900001", "NIK_BIRTH_DATE"),  # 31 February
    ("3174011501900000", "NIK_SERIAL"),
    ("3200011501900001", "NIK_REGION"),
    ("3274011501900001", "NIK_PROVINCE_MISMATCH"),  # a Jawa Barat NIK, Jakarta chosen
])
def test_a_nik_is_checked_structurally(member, nik, code):
    errors = field_errors(fault_of(member.register, form=seller_form(nik=nik)))
    assert errors["nik"][0] == code


def test_an_unknown_district_in_a_nik_is_only_a_warning(member):
    result = member.register(form=seller_form(nik="3174991501900001"))
    assert result.role == "SELLER"
    assert [w.code for w in result.warnings.Notice] == ["NIK_UNKNOWN_DISTRICT"]


def test_a_seller_without_a_birth_date_is_registered_with_the_warning_that_the_nik_cannot_be_verified(member):
    result = member.register(form=seller_form(birthDate=None))
    assert (result.role, [w.code for w in result.warnings.Notice]) == ("SELLER", ["BIRTH_DATE_MISSING"])
    errors = field_errors(fault_of(member.register, form=seller_form(birthDate="1990-01-16")))
    assert errors["birthDate"][0] == "BIRTH_DATE_NOT_NIK"


def test_username_and_email_are_unique_case_insensitively(member):
    first = form()
    member.register(form=first)
    errors = field_errors(fault_of(member.register, form=form(username=first["username"].upper(),
                                                               email=first["email"].upper())))
    assert errors["username"][0] == "USERNAME_TAKEN" and errors["email"][0] == "EMAIL_TAKEN"


def test_personal_numbers_never_come_back_in_full(server, mailbox):
    values = register_and_activate(server, mailbox, seller_form())
    service, auth = as_member(server, "Member", login(server, values["username"]))
    profile = service.getProfile(**auth)
    assert profile.nikMasked == "3174********0001"
    assert profile.accountNumberMasked == "******7890"
    assert SELLER_NIK not in str(profile)
    assert "5550007890" not in str(profile)
    assert PASSWORD not in str(profile)


@pytest.mark.parametrize("typed", ["BCA", "bca", " Bca "])
def test_a_bank_code_typed_in_any_case_is_the_lower_case_code_in_the_profile(server, mailbox, typed):
    """Issue 22: one spelling per code; a person typing BCA in SoapUI is not refused."""
    values = register_and_activate(server, mailbox, seller_form(bankCode=typed))
    service, auth = as_member(server, "Member", login(server, values["username"]))
    assert service.getProfile(**auth).bankCode == "bca"


def test_an_account_number_of_the_wrong_length_names_the_bank(member):
    errors = field_errors(fault_of(member.register, form=seller_form(bankCode="BCA", accountNumber="123")))
    assert errors["accountNumber"] == ("ACCOUNT_NUMBER_FORMAT",
                                       "Nomor rekening Bank Central Asia harus terdiri dari 10 digit angka")
