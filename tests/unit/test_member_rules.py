"""Registration rules of Member.register (Table I rows 1-9), NIK checks and personal-data masks."""
from dataclasses import replace
from datetime import date

import pytest

from emall_ws.domain import members as m
from emall_ws.domain.errors import FieldError
from emall_ws.domain.partners import BANKS
from emall_ws.domain.members import (
    BUYER, SELLER, Registration, RegistrationForm, mask_account, mask_identity, nik_birth_date,
)
from emall_ws.messages import MESSAGES, field_message
from emall_ws.notify.outbox import takes_sms
from tests.unit.registration_forms import (BUYER_FORM, NIK_FEMALE, NIK_MALE, SELLER_FORM, TODAY, error_of, errors_of,
                                           validate)


# --- the happy paths --------------------------------------------------------------------------

def test_a_complete_buyer_form_is_normalised():
    form = replace(BUYER_FORM, address="  Jl. Gatot Subroto Kav. 94 \n", name=" Budi Santoso ")
    reg = validate(form)
    assert isinstance(reg, Registration)
    assert (reg.province_code, reg.city_code) == ("31", "31.74")
    assert reg.address == "Jl. Gatot Subroto Kav. 94"
    assert reg.name == "Budi Santoso"
    assert reg.phone == "+6281234567890" and takes_sms(reg.phone)
    assert (reg.username, reg.username_key) == ("Budi.S", "budi.s")
    assert (reg.email, reg.email_key) == ("Budi@example.co.id", "budi@example.co.id")
    assert reg.password == "rahasia123"
    assert reg.role == BUYER
    assert reg.nik is reg.nib is reg.bank_code is reg.account_number is reg.account_holder is None
    assert reg.warnings == ()


def test_personal_data_stays_out_of_repr():
    text = repr(validate(SELLER_FORM)) + repr(SELLER_FORM)
    for secret in ("rahasia123", NIK_MALE, "9876543210"):
        assert secret not in text


# --- Table I rows 1-8: required fields, all reported at once ------------------------------------

REQUIRED_FIELDS = ["province", "city", "address", "phone", "name", "username", "password", "email"]


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_all_eight_required_fields_missing_give_eight_errors_at_once(blank):
    form = RegistrationForm(**{f: blank for f in REQUIRED_FIELDS})
    found = errors_of(form)
    assert list(found) == REQUIRED_FIELDS  # in the form's order
    assert {e.code for e in found.values()} == {m.REQUIRED}


@pytest.mark.parametrize("field", REQUIRED_FIELDS)
def test_each_required_field_alone(field):
    assert error_of(replace(BUYER_FORM, **{field: " "}), field).code == m.REQUIRED


@pytest.mark.parametrize("field, indonesian, english", [
    ("province", "Kolom Propinsi wajib diisi", "The Province field is required"),
    ("city", "Kolom Kota wajib diisi", "The City field is required"),
    ("address", "Kolom Alamat wajib diisi", "The Address field is required"),
    ("phone", "Kolom Telepon wajib diisi", "The Phone field is required"),
    ("name", "Kolom Nama wajib diisi", "The Name field is required"),
    ("username", "Kolom Username wajib diisi", "The Username field is required"),
    ("password", "Kolom Password wajib diisi", "The Password field is required"),
    ("email", "Kolom Email wajib diisi", "The Email field is required"),
])
def test_table_i_required_messages(field, indonesian, english):
    error = errors_of(RegistrationForm())[field]
    assert field_message(error.code, error.field, **error.params) == indonesian
    assert field_message(error.code, error.field, "en", **error.params) == english


def test_field_message_fills_params_and_falls_back_to_the_field_name():
    assert field_message(m.TOO_LONG, "name", "id", max=100) == "Kolom Nama maksimal 100 karakter"
    assert field_message(m.REQUIRED, "somethingElse", "en") == "The somethingElse field is required"


def test_every_code_has_both_languages():
    for code in m.ERROR_CODES + m.WARNING_CODES:
        assert set(MESSAGES[code]) == {"id", "en"}, code


# --- province and city --------------------------------------------------------------------------

def test_unknown_province():
    found = errors_of(replace(BUYER_FORM, province="99"))
    assert found["province"].code == m.UNKNOWN_PROVINCE
    assert "city" not in found  # the city is fine; the province error says what to fix


def test_unknown_city():
    assert error_of(replace(BUYER_FORM, city="31.99"), "city").code == m.UNKNOWN_CITY


def test_city_must_belong_to_the_province():
    assert error_of(replace(BUYER_FORM, city="32.73"), "city").code == m.CITY_NOT_IN_PROVINCE


def test_city_of_another_province_passes_when_that_province_is_chosen():
    reg = validate(replace(BUYER_FORM, province="32", city=" 32.73 "))
    assert (reg.province_code, reg.city_code) == ("32", "32.73")


# --- address and name ---------------------------------------------------------------------------

def test_address_length():
    assert validate(replace(BUYER_FORM, address="Jl. A")).address == "Jl. A"
    short = error_of(replace(BUYER_FORM, address="Jl."), "address")
    assert (short.code, short.params) == (m.TOO_SHORT, {"min": 5})
    assert validate(replace(BUYER_FORM, address="x" * 500)).address == "x" * 500
    long = error_of(replace(BUYER_FORM, address="x" * 501), "address")
    assert (long.code, long.params) == (m.TOO_LONG, {"max": 500})


def test_name_length():
    assert validate(replace(BUYER_FORM, name="n" * 100)).name == "n" * 100
    error = error_of(replace(BUYER_FORM, name="n" * 101), "name")
    assert (error.code, error.params) == (m.TOO_LONG, {"max": 100})


# --- phone --------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["081234567890", "+6281234567890", "6281234567890",
                                   "+62 812-3456-7890", " 0812 3456 7890 "])
def test_phone_forms_are_normalised_to_e164(typed):
    reg = validate(replace(BUYER_FORM, phone=typed))
    assert reg.phone == "+6281234567890" and takes_sms(reg.phone)


def test_a_landline_is_valid_but_not_mobile():
    reg = validate(replace(BUYER_FORM, phone="(021) 5551234"))
    assert reg.phone == "+62215551234" and not takes_sms(reg.phone)  # a landline: email only


@pytest.mark.parametrize("typed", ["12345", "08123", "0812345678901234", "+14155552671",
                                   "0800-FLOWERS", "0812abc34567", "081234567890 ext 12"])
def test_invalid_phones(typed):
    assert error_of(replace(BUYER_FORM, phone=typed), "phone").code == m.INVALID_PHONE


# --- username -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["abc", "Budi_Santoso.99", "a" * 32, "x.y"])
def test_good_usernames(name):
    reg = validate(replace(BUYER_FORM, username=name))
    assert (reg.username, reg.username_key) == (name, name.lower())


@pytest.mark.parametrize("name", ["ab", "a" * 33, "1budi", "_budi", ".budi", "budi santoso",
                                  "budi-s", "búdi", "budi@x"])
def test_bad_usernames(name):
    error = error_of(replace(BUYER_FORM, username=name), "username")
    assert (error.code, error.params) == (m.USERNAME_PATTERN, {"min": 3, "max": 32})
    assert field_message(error.code, error.field, **error.params) == (
        "Username harus 3-32 karakter, diawali huruf, dan hanya berisi "
        "huruf, angka, garis bawah (_) atau titik (.)")


def test_username_surrounding_whitespace_is_stripped():
    assert validate(replace(BUYER_FORM, username=" budi\n")).username == "budi"


# --- password -----------------------------------------------------------------------------------

def test_password_is_kept_as_typed():
    assert validate(replace(BUYER_FORM, password=" rahasia 123 ")).password == " rahasia 123 "


@pytest.mark.parametrize("password, code", [
    ("rahas12", m.TOO_SHORT),
    ("a1" * 64 + "x", m.TOO_LONG),
    ("rahasiasekali", m.PASSWORD_NEEDS_LETTER_AND_DIGIT),
    ("1234567890", m.PASSWORD_NEEDS_LETTER_AND_DIGIT),
    ("budi.s", m.TOO_SHORT),
])
def test_weak_passwords(password, code):
    assert error_of(replace(BUYER_FORM, password=password), "password").code == code


def test_password_must_not_be_the_username_or_the_email():
    form = replace(BUYER_FORM, username="budi2025x", password="BUDI2025X")
    assert error_of(form, "password").code == m.PASSWORD_SAME_AS_USERNAME
    form = replace(BUYER_FORM, email="budi1990@example.co.id", password="Budi1990@Example.co.id")
    assert error_of(form, "password").code == m.PASSWORD_SAME_AS_EMAIL


def test_password_length_limits_pass():
    validate(replace(BUYER_FORM, password="abcdef12"))
    validate(replace(BUYER_FORM, password="a1" * 64))


# --- email --------------------------------------------------------------------------------------

@pytest.mark.parametrize("email", ["budi", "budi@", "@example.com", "budi@@example.com",
                                   "budi@localhost", "budi@example", "bu di@example.com",
                                   "budi@example..com"])
def test_invalid_emails(email):
    assert error_of(replace(BUYER_FORM, email=email), "email").code == m.INVALID_EMAIL


def test_email_too_long():
    email = "a" * 60 + "@" + ".".join(["d" * 60] * 3) + ".com"  # 250 chars: fine
    assert len(email) <= 254
    validate(replace(BUYER_FORM, email=email))
    error = error_of(replace(BUYER_FORM, email="a" * 250 + "@example.com"), "email")
    assert (error.code, error.params) == (m.TOO_LONG, {"max": 254})


# --- NIK ----------------------------------------------------------------------------------------

def test_nik_of_a_man_makes_a_seller():
    reg = validate(SELLER_FORM)
    assert reg.role == SELLER and reg.nik == NIK_MALE and reg.warnings == ()
    assert nik_birth_date(NIK_MALE, TODAY) == date(1990, 1, 15)


def test_nik_of_a_woman_has_day_plus_40():
    reg = validate(replace(SELLER_FORM, nik=NIK_FEMALE))
    assert reg.nik == NIK_FEMALE and reg.warnings == ()
    assert nik_birth_date(NIK_FEMALE, TODAY) == date(1990, 1, 15)


def test_nik_two_digit_year_takes_the_century_that_is_not_in_the_future():
    assert nik_birth_date("3174011501050001", TODAY) == date(2005, 1, 15)
    assert nik_birth_date("3174010106250001", TODAY) == date(2025, 6, 1)  # today itself
    assert nik_birth_date("3174010206250001", TODAY) == date(1925, 6, 2)  # tomorrow -> 1925
    assert nik_birth_date("3174016902000001", TODAY) == date(2000, 2, 29)  # woman, leap day


@pytest.mark.parametrize("nik, code", [
    ("317401150190001", m.NIK_FORMAT),  # 15 digits
    ("31740115019000011", m.NIK_FORMAT),
    ("3174O11501900001", m.NIK_FORMAT),  # letter O
    ("3174 0115 0190 0001", m.NIK_FORMAT),
    ("9974011501900001", m.NIK_PROVINCE),  # no province 99
    ("3100011501900001", m.NIK_REGION),
    ("3174001501900001", m.NIK_REGION),
    ("3174013102990001", m.NIK_BIRTH_DATE),  # 31-02-99
    ("3174010013900001", m.NIK_BIRTH_DATE),  # day 00, month 13
    ("3174013201900001", m.NIK_BIRTH_DATE),  # day 32 is neither a man's nor a woman's
    ("3174017201900001", m.NIK_BIRTH_DATE),  # day 72 = 32 + 40
    ("3174012902010001", m.NIK_BIRTH_DATE),  # 29-02-2001 and 1901: no leap day
    ("3174011501900000", m.NIK_SERIAL),
])
def test_bad_niks(nik, code):
    assert error_of(replace(SELLER_FORM, nik=nik), "nik").code == code


def test_nik_of_another_province_is_a_warning_by_default():
    nik = "3273011501900001"  # Bandung, while the address is in Jakarta
    reg = validate(replace(SELLER_FORM, nik=nik))
    assert reg.warnings == (FieldError("nik", m.NIK_PROVINCE_MISMATCH,
                                       {"nikProvince": "32", "province": "31"}),)
    error = error_of(replace(SELLER_FORM, nik=nik), "nik", nik_province_must_match=True)
    assert error.code == m.NIK_PROVINCE_MISMATCH
    assert field_message(error.code, error.field, **error.params) == (
        "Kode propinsi pada NIK (32) berbeda dengan propinsi yang dipilih (31)")


def test_nik_with_unknown_district_is_only_a_warning():
    reg = validate(replace(SELLER_FORM, nik="3174991501900001"))
    assert reg.role == SELLER
    assert reg.warnings == (FieldError("nik", m.NIK_UNKNOWN_DISTRICT, {"region": "31.74.99"}),)
    assert field_message(m.NIK_UNKNOWN_DISTRICT, "nik", **reg.warnings[0].params) == (
        "Kode kecamatan 31.74.99 pada NIK tidak ada dalam data wilayah")


def test_nik_with_unknown_regency_is_only_a_warning():
    reg = validate(replace(SELLER_FORM, nik="3175011501900001"))
    assert reg.warnings == (FieldError("nik", m.NIK_UNKNOWN_REGENCY, {"region": "31.75"}),)


def test_a_birth_date_left_out_registers_the_seller_with_a_warning_that_the_nik_cannot_be_verified():
    reg = validate(replace(SELLER_FORM, birth_date=None))
    assert reg.role == SELLER and reg.birth_date is None
    assert reg.warnings == (FieldError("birthDate", m.BIRTH_DATE_MISSING),)
    assert validate(SELLER_FORM).birth_date == date(1990, 1, 15)


@pytest.mark.parametrize("born, code", [
    ("15-01-1990", m.BIRTH_DATE_FORMAT), ("1990-02-30", m.BIRTH_DATE_FORMAT), ("2090-01-15", m.BIRTH_DATE_FORMAT),
    ("1990-01-16", m.BIRTH_DATE_NOT_NIK), ("1991-01-15", m.BIRTH_DATE_NOT_NIK)])
def test_a_birth_date_must_be_a_past_date_and_the_niks(born, code):
    assert error_of(replace(SELLER_FORM, birth_date=born), "birthDate").code == code


def test_the_birth_date_gives_the_century_the_niks_two_digits_leave_open():
    assert validate(replace(SELLER_FORM, birth_date="1890-01-15")).birth_date == date(1890, 1, 15)
    assert validate(replace(SELLER_FORM, nik=NIK_FEMALE)).birth_date == date(1990, 1, 15)  # day 55: a woman


def test_a_birth_date_is_not_asked_of_a_buyer_or_a_seller_by_nib_alone():
    assert validate(replace(BUYER_FORM, birth_date="nonsense")).birth_date is None
    reg = validate(replace(SELLER_FORM, nik=None, nib="9120001234567", birth_date=None))
    assert (reg.role, reg.birth_date, reg.warnings) == (SELLER, None, ())


# --- NIB and role (Table I row 9) ---------------------------------------------------------------

def test_no_identity_and_no_licence_makes_a_buyer():
    assert validate(replace(BUYER_FORM, nik="  ", nib="")).role == BUYER


def test_nib_alone_makes_a_seller():
    reg = validate(replace(SELLER_FORM, nik=None, nib=" 1234567890123 "))
    assert reg.role == SELLER and reg.nib == "1234567890123" and reg.nik is None


@pytest.mark.parametrize("nib", ["123456789012", "12345678901234", "12345678901X3"])
def test_bad_nib(nib):
    assert error_of(replace(SELLER_FORM, nik=None, nib=nib), "nib").code == m.NIB_FORMAT


def test_a_bad_nik_still_counts_as_a_seller_registration():
    found = errors_of(replace(SELLER_FORM, nik="123", bank_code=None))
    assert found["nik"].code == m.NIK_FORMAT
    assert found["bankCode"].code == m.REQUIRED  # the seller's bank rules applied


# --- the seller's payout account ----------------------------------------------------------------

@pytest.mark.parametrize("bank, number", [("BCA", "1234567890"), ("mandiri", "1234567890123"),
                                          ("Bni", "0123456789"), ("bri", "123456789012345")])
def test_account_number_lengths_per_bank(bank, number):
    reg = validate(replace(SELLER_FORM, bank_code=f" {bank} ", account_number=number))
    assert (reg.bank_code, reg.account_number) == (bank.lower(), number)
    assert reg.account_holder == "Budi Santoso"


@pytest.mark.parametrize("typed", ["BCA", "bca", " Bca "])
def test_a_bank_code_in_any_case_is_kept_in_its_one_spelling_lower_case(typed):
    """Issue 22: every code keeps one spelling everywhere; a person typing BCA in SoapUI is not refused."""
    assert validate(replace(SELLER_FORM, bank_code=typed, account_number="1234567890")).bank_code == "bca"
    assert set(m.BANK_ACCOUNT_LENGTHS) == set(m.BANKS) == set(BANKS)  # one table of banks, its codes


@pytest.mark.parametrize("bank, name, number, length", [
    ("BCA", "Bank Central Asia", "123456789", 10), ("mandiri", "Bank Mandiri", "1234567890", 13),
    ("BNI", "Bank Negara Indonesia", "12345678901", 10), ("bri", "Bank Rakyat Indonesia", "1234567890123", 15),
    ("bca", "Bank Central Asia", "123-456-789", 10),
])
def test_wrong_account_number_for_the_bank(bank, name, number, length):
    """The text a person reads names the bank (domain.partners.BANKS), never an upper-cased code."""
    error = error_of(replace(SELLER_FORM, bank_code=bank, account_number=number), "accountNumber")
    assert (error.code, error.params) == (m.ACCOUNT_NUMBER_FORMAT, {"bank": name, "length": length})
    assert field_message(error.code, error.field, **error.params) == (
        f"Nomor rekening {name} harus terdiri dari {length} digit angka")


def test_unknown_bank():
    found = errors_of(replace(SELLER_FORM, bank_code="BSI", account_number="12ab"))
    assert (found["bankCode"].code, found["bankCode"].params) == (
        m.UNKNOWN_BANK, {"banks": "bca, mandiri, bni, bri"})
    assert found["accountNumber"].code == m.DIGITS_ONLY
    # with an unknown bank, the length of a number of digits cannot be checked: only bankCode fails
    assert error_of(replace(SELLER_FORM, bank_code="BSI", account_number="123"), "bankCode")


def test_seller_bank_fields_are_required():
    form = replace(SELLER_FORM, bank_code=None, account_number=" ", account_holder="")
    found = errors_of(form)
    assert sorted(found) == ["accountHolder", "accountNumber", "bankCode"]
    assert {e.code for e in found.values()} == {m.REQUIRED}
    assert field_message(m.REQUIRED, "accountNumber") == "Kolom Nomor Rekening wajib diisi"


def test_account_holder_length():
    error = error_of(replace(SELLER_FORM, account_holder="h" * 101), "accountHolder")
    assert (error.code, error.params) == (m.TOO_LONG, {"max": 100})


def test_a_buyers_bank_fields_are_ignored():
    reg = validate(replace(BUYER_FORM, bank_code="XYZ", account_number="abc", account_holder="x"))
    assert reg.role == BUYER
    assert reg.bank_code is reg.account_number is reg.account_holder is None


# --- everything at once -------------------------------------------------------------------------

def test_every_failing_field_is_reported_at_once():
    form = RegistrationForm(province="99", city="32.73", address="x", phone="123", name="n" * 101,
                            username="1x", password="short", email="nope", nik="3174011501900000",
                            nib="1", bank_code="BSI", account_number="1", account_holder=None)
    found = errors_of(form)
    assert {f: e.code for f, e in found.items()} == {
        "province": m.UNKNOWN_PROVINCE, "address": m.TOO_SHORT, "phone": m.INVALID_PHONE,
        "name": m.TOO_LONG, "username": m.USERNAME_PATTERN, "password": m.TOO_SHORT,
        "email": m.INVALID_EMAIL, "nik": m.NIK_SERIAL, "nib": m.NIB_FORMAT,
        "bankCode": m.UNKNOWN_BANK, "accountHolder": m.REQUIRED,
    }


# --- masks (UU PDP 2022) ------------------------------------------------------------------------

def test_masks():
    assert mask_identity("3174011501900001") == "3174********0001"
    assert mask_identity("1234567890123") == "1234*****0123"
    assert mask_account("1234567890") == "******7890"
    assert mask_account("123456789012345") == "***********2345"


def test_masks_of_short_values_hide_everything():
    assert mask_identity("12345678") == "********"
    assert mask_account("1234") == "****"
    assert mask_account("") == ""
