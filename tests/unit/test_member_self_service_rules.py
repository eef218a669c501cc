"""The rules of a member's own changes (Member.updateProfile, changePayoutAccount): the registration's,
field by field, every failing field in one fault; and the emails that tell of a change."""
from datetime import datetime

import pytest

from emall_ws.data.regions import load_regions
from emall_ws.domain.errors import FieldError, ValidationFailed
from emall_ws.domain.members import (PayoutAccount, ProfileChange, mask_account, validate_payout_account,
                                     validate_profile)
from emall_ws.messages import MESSAGES, field_message
from emall_ws.notify import templates
from emall_ws.notify.templates import render

REGIONS = load_regions()


def failures(call, *args) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as raised:
        call(*args)
    return [(e.field, e.code) for e in raised.value.errors]


def test_a_valid_profile_is_normalised_as_at_registration():
    change = validate_profile(" 32 ", "32.73", "  Jl. Asia Afrika No. 8 ", " Siti Aminah ", REGIONS)
    assert change == ProfileChange("32", "32.73", "Jl. Asia Afrika No. 8", "Siti Aminah")


def test_every_failing_profile_field_is_named_in_one_fault_as_in_the_register_form():
    assert failures(validate_profile, "99", " ", "Jl.", "x" * 101, REGIONS) == [
        ("province", "UNKNOWN_PROVINCE"), ("city", "REQUIRED"), ("address", "TOO_SHORT"), ("name", "TOO_LONG")]


def test_a_city_must_lie_in_the_province_it_will_stand_with():
    assert failures(validate_profile, "32", "31.74", "Jl. Asia Afrika No. 8", "Siti", REGIONS) == [
        ("city", "CITY_NOT_IN_PROVINCE")]


def test_a_line_break_or_hidden_character_is_refused_in_name_and_address():
    assert failures(validate_profile, "31", "31.74", "Jl. Satu\u202eNo. 2", "Siti\nAminah", REGIONS) == [
        ("address", "UNSAFE_CHARACTER"), ("name", "UNSAFE_CHARACTER")]


@pytest.mark.parametrize("bank, number", [("bca", "1234567890"), ("MANDIRI", "1234567890123"),
                                          (" Bni ", "0987654321"), ("bri", "123456789012345")])
def test_a_valid_payout_account_has_its_bank_code_in_its_one_spelling(bank, number):
    account = validate_payout_account(bank, number, " Toko Kopi Gayo ")
    assert account == PayoutAccount(bank.strip().lower(), number, "Toko Kopi Gayo")
    assert number not in repr(account)  # an account number stays out of logs


def test_every_failing_payout_field_is_named_in_one_fault():
    assert failures(validate_payout_account, "bsi", "12ab", "") == [
        ("bankCode", "UNKNOWN_BANK"), ("accountNumber", "DIGITS_ONLY"), ("accountHolder", "REQUIRED")]


def test_the_account_number_length_is_the_banks():
    with pytest.raises(ValidationFailed) as raised:
        validate_payout_account("bca", "123456789", "Toko")
    assert raised.value.errors == [FieldError("accountNumber", "ACCOUNT_NUMBER_FORMAT",
                                              {"bank": "Bank Central Asia", "length": 10})]
    assert failures(validate_payout_account, None, None, "x" * 101) == [
        ("bankCode", "REQUIRED"), ("accountNumber", "REQUIRED"), ("accountHolder", "TOO_LONG")]


def test_the_new_codes_and_labels_have_both_languages():
    assert set(MESSAGES["LOGIN_REQUIRED"]) == {"id", "en"}
    assert field_message("REQUIRED", "currentPassword", "en") != field_message("REQUIRED", "currentPassword", "id")


def test_the_password_changed_email_says_when_and_what_to_do_if_unasked():
    assert not templates.exists("password_changed", "SMS")
    email = render("password_changed", dict(name="Budi", username="budi", changed_at=datetime(2026, 3, 5, 7, 30)))
    assert "kata sandi" in email.subject.lower()
    for body in (email.text, email.html):
        assert "5 Maret 2026 pukul 14.30 WIB" in body and "budi" in body
        assert "kunci API Anda tidak berubah" in body and "Jika bukan Anda" in body


def test_the_payout_email_names_the_old_and_the_new_account_masked_only():
    data = dict(name="Toko Kopi", username="kopi_gayo", old_bank="Bank Central Asia",
                old_account=mask_account("1234567890"), old_holder="Toko Kopi",
                new_bank="Bank Mandiri", new_account=mask_account("1234567890123"), new_holder="Toko <Kopi>",
                changed_at=datetime(2026, 3, 5, 7, 30))
    email = render("payout_account_changed", data)
    assert email.subject == "Rekening pembayaran akun Emall KUKM Anda telah diubah"
    for body in (email.text, email.html):
        assert "Bank Central Asia ******7890" in body and "Bank Mandiri *********0123" in body
        assert "1234567890" not in body
    assert "Toko &lt;Kopi&gt;" in email.html
