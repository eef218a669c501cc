"""A member's own account over SOAP (zeep): updateProfile, changePassword and changePayoutAccount each
working, each fault leaving everything as it was (the profile read again, the old password tried), the
other sessions ended but the caller's kept, the emails that tell of a change, and a new payout account
applying only to invoices issued after it, the open one before it paid to the old account."""
from __future__ import annotations

from dataclasses import replace

import pytest
from zeep.wsse.username import UsernameToken

from tests.e2e.catalog import new_member, new_shop
from tests.e2e.members import PASSWORD, login
from tests.e2e.payments import buy, new_buyer, new_seller, transfer, unique_account, wait_until_paid
from tests.e2e.soap import client, detail_code, fault_code, fault_of, field_errors
from tests.waiting import eventually

NEW_PASSWORD = "kopiGayo2026"


def mail(mailbox, address: str, subject: str):
    """The newest email to `address` whose subject holds `subject`, once one came: (text, html)."""
    found = eventually(lambda: [m for m in mailbox.to(address) if subject in str(m["Subject"])],
                       f"an email '{subject}' to {address}")
    message = found[-1]
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def refused(fault) -> tuple[str, str]:
    return fault_code(fault), detail_code(fault)


def profile_of(member, server):
    service, auth = member.service(server, "Member")
    return service.getProfile(**auth)


def as_key(server, member) -> object:
    """The Member service called with a fresh API key of the member's (WS-Security PasswordText)."""
    service, auth = member.service(server, "Member")
    created = service.createApiKey(label="Toko", **auth)
    return client(server, "Member", wsse=UsernameToken(created.key.keyId, created.secret)).service


def test_update_profile_changes_what_is_sent_and_keeps_the_rest(server, mailbox):
    member = new_member(server, mailbox)
    service, auth = member.service(server, "Member")
    before = service.getProfile(**auth)
    changed = service.updateProfile(name="Siti Aminah Lubis", province="32", city="32.73", **auth)
    assert (changed.name, changed.provinceCode, changed.cityCode) == ("Siti Aminah Lubis", "32", "32.73")
    assert (changed.address, changed.phone, changed.email) == (before.address, before.phone, before.email)
    assert service.getProfile(**auth) == changed
    moved = service.updateProfile(address="  Jl. Asia Afrika No. 8, Bandung ", **auth)
    assert (moved.address, moved.name, moved.cityCode) == ("Jl. Asia Afrika No. 8, Bandung", "Siti Aminah Lubis",
                                                           "32.73")


def test_update_profile_names_every_failing_field_and_changes_nothing(server, mailbox):
    member = new_member(server, mailbox)
    service, auth = member.service(server, "Member")
    before = service.getProfile(**auth)
    fault = fault_of(service.updateProfile, name="", address="Jl.", province="32", **auth)
    assert fault_code(fault) == "Client.Validation"
    assert {field: code for field, (code, _) in field_errors(fault).items()} == {
        "city": "CITY_NOT_IN_PROVINCE", "address": "TOO_SHORT", "name": "REQUIRED"}
    assert service.getProfile(**auth) == before
    assert refused(fault_of(client(server, "Member").service.updateProfile, name="Siti")) == (
        "Client.Authentication", "AUTHENTICATION_REQUIRED")
    assert service.getProfile(**auth) == before


def test_change_password_ends_the_other_sessions_keeps_the_callers_and_tells_the_member(server, mailbox):
    member = new_member(server, mailbox)
    service, auth = member.service(server, "Member")
    other_tokens = [login(server, member.username) for _ in range(2)]
    key_service = as_key(server, member)
    assert service.changePassword(currentPassword=PASSWORD, newPassword=NEW_PASSWORD, **auth) == "PASSWORD_CHANGED"
    assert service.getProfile(**auth).username == member.username  # the caller's session goes on
    for token in other_tokens:
        other, other_auth = replace(member, token=token).service(server, "Member")
        assert refused(fault_of(other.getProfile, **other_auth)) == ("Client.Authentication", "BAD_SESSION")
    assert key_service.getProfile().username == member.username  # API keys are untouched
    members = client(server, "Member").service
    assert refused(fault_of(members.login, username=member.username, password=PASSWORD)) == (
        "Client.Authentication", "BAD_CREDENTIALS")
    assert members.login(username=member.username, password=NEW_PASSWORD).token
    text, html = mail(mailbox, f"{member.username}@example.co.id", "Kata sandi akun Emall KUKM Anda telah diubah")
    for body in (text, html):
        assert member.username in body and "sesi lain" in body and NEW_PASSWORD not in body


def test_change_password_faults_change_nothing(server, mailbox):
    member = new_member(server, mailbox)
    service, auth = member.service(server, "Member")
    other_token = login(server, member.username)
    fault = fault_of(service.changePassword, currentPassword="salah12345", newPassword=NEW_PASSWORD, **auth)
    assert refused(fault) == ("Client.Authentication", "BAD_CREDENTIALS")
    fault = fault_of(service.changePassword, currentPassword=PASSWORD, newPassword="tanpaangka", **auth)
    assert fault_code(fault) == "Client.Validation"
    assert field_errors(fault)["newPassword"][0] == "PASSWORD_NEEDS_LETTER_AND_DIGIT"
    fault = fault_of(as_key(server, member).changePassword, currentPassword=PASSWORD, newPassword=NEW_PASSWORD)
    assert refused(fault) == ("Client.Authorization", "LOGIN_REQUIRED")
    # nothing changed: the old password logs in, the other session goes on
    assert login(server, member.username, PASSWORD)
    other, other_auth = replace(member, token=other_token).service(server, "Member")
    assert other.getProfile(**other_auth).username == member.username
    members = client(server, "Member").service
    assert refused(fault_of(members.login, username=member.username, password=NEW_PASSWORD)) == (
        "Client.Authentication", "BAD_CREDENTIALS")


@pytest.fixture(scope="module")
def shop(server):
    return new_shop(server)


def test_a_new_payout_account_applies_to_new_invoices_the_open_one_is_paid_to_the_old(server, mailbox, banks, shop):
    seller = new_seller(server, mailbox, shop, banks, "bca")
    buyer = new_buyer(server, mailbox)
    before = buy(server, buyer, seller)  # UNPAID, to the registered account
    new_account = unique_account("mandiri")
    banks["mandiri"].openAccount(accountNumber=new_account, holderName="Koperasi Maju Bersama Baru", openingBalance=0)
    service, auth = seller.service(server, "Member")
    profile = service.changePayoutAccount(password=PASSWORD, bankCode="MANDIRI", accountNumber=new_account,
                                          accountHolder="Koperasi Maju Bersama Baru", **auth)
    assert (profile.bankCode, profile.accountNumberMasked, profile.accountHolder) == (
        "mandiri", "*" * 9 + new_account[-4:], "Koperasi Maju Bersama Baru")
    old = replace(seller)
    seller.bank, seller.account = "mandiri", new_account
    after = buy(server, buyer, seller)  # asserts the new account is the payee
    checkout, buyer_auth = buyer.service(server, "Checkout")
    kept = checkout.getInvoice(invoiceNumber=before.invoiceNumber, **buyer_auth)
    assert (kept.status, kept.payeeBank, kept.payeeAccount) == ("UNPAID", "bca", old.account)
    assert (after.payeeBank, after.payeeAccount, after.payeeHolder) == (
        "mandiri", new_account, "Koperasi Maju Bersama Baru")
    text, html = mail(mailbox, seller.email, "Rekening pembayaran")
    for body in (text, html):
        assert "Bank Central Asia " + "*" * 6 + old.account[-4:] in body
        assert "Bank Mandiri " + "*" * 9 + new_account[-4:] in body
        assert old.account not in body and new_account not in body
    # each invoice is paid to the account it names
    transfer(banks, old, before.amountDue, f"Bayar {before.invoiceNumber}")
    transfer(banks, seller, after.amountDue, f"Bayar {after.invoiceNumber}")
    assert wait_until_paid(server, buyer, before.invoiceNumber).status == "PAID"
    assert wait_until_paid(server, buyer, after.invoiceNumber).status == "PAID"


def test_payout_faults_change_nothing(server, mailbox, banks, shop):
    seller = new_seller(server, mailbox, shop, banks, "bni")
    service, auth = seller.service(server, "Member")
    before = service.getProfile(**auth)
    fault = fault_of(service.changePayoutAccount, password=PASSWORD, bankCode="bsi", accountNumber="12",
                     accountHolder="", **auth)
    assert fault_code(fault) == "Client.Validation"
    assert {field: code for field, (code, _) in field_errors(fault).items()} == {
        "bankCode": "UNKNOWN_BANK", "accountHolder": "REQUIRED"}
    fault = fault_of(service.changePayoutAccount, password=PASSWORD, bankCode="BCA", accountNumber="123456789",
                     accountHolder="Toko Lain", **auth)
    assert {field: code for field, (code, _) in field_errors(fault).items()} == {
        "accountNumber": "ACCOUNT_NUMBER_FORMAT"}
    fault = fault_of(service.changePayoutAccount, password="salah12345", bankCode="bri",
                     accountNumber=unique_account("bri"), accountHolder="Toko Lain", **auth)
    assert refused(fault) == ("Client.Authentication", "BAD_CREDENTIALS")
    fault = fault_of(as_key(server, seller.member).changePayoutAccount, password=PASSWORD, bankCode="bri",
                     accountNumber=unique_account("bri"), accountHolder="Toko Lain")
    assert refused(fault) == ("Client.Authorization", "LOGIN_REQUIRED")
    buyer = new_buyer(server, mailbox)
    buyer_service, buyer_auth = buyer.service(server, "Member")
    fault = fault_of(buyer_service.changePayoutAccount, password=PASSWORD, bankCode="bri",
                     accountNumber=unique_account("bri"), accountHolder="Budi", **buyer_auth)
    assert refused(fault) == ("Client.Authorization", "ROLE_REQUIRED")
    assert service.getProfile(**auth) == before
    assert buyer_service.getProfile(**buyer_auth).bankCode is None
    assert buy(server, buyer, seller).payeeAccount == seller.account  # invoices still name the old account
