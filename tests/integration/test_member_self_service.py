"""A member's own account through the Member use cases (emall_ws/usecases/member.py) on the test
database: updateProfile, changePassword and changePayoutAccount, each fault leaving everything as it
was, sessions, the login throttle, API keys, the emails, and the payout account of invoices."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, update

from emall_ws.db.models import ApiKey, AuthSession, FailedTry, Invoice, Member, Notification
from emall_ws.domain.errors import AuthenticationFailed, NotAuthorized, ValidationFailed
from emall_ws.platform import Platform
from emall_ws.services import api_keys
from emall_ws.services.auth import Credentials
from tests.builders import (NOW, PASSWORD, PASSWORDS, add_category, add_member, check_out, create_member, jne_for,
                            put, sell)

NEW_PASSWORD = "kopiGayo2026"


@pytest.fixture
def platform(db, settings):
    return Platform(settings, db, passwords=PASSWORDS, clock=lambda: NOW)


def seller(db, username="tokokopi"):
    found = create_member(db, username, "SELLER")
    with db.unit_of_work() as session:
        session.execute(update(Member).where(Member.id == found.id).values(
            bank_code="bca", account_number="1234567890", account_holder="KOPERASI TOKOKOPI"))
    return found


def login(platform, username, password=PASSWORD) -> Credentials:
    token, _, _ = platform.member.login(username, password)
    return Credentials(token=token)


def row(db, username) -> Member:
    with db.unit_of_work() as session:
        member = session.scalars(select(Member).where(Member.username == username)).one()
        session.expunge(member)
        return member


def told(db, template) -> list[tuple[str, str, dict]]:
    with db.unit_of_work() as session:
        return [(n.channel, n.recipient, json.loads(n.data)) for n in session.scalars(
            select(Notification).where(Notification.template == template).order_by(Notification.id))]


def open_sessions(db, member_id) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(AuthSession).where(
            AuthSession.member_id == member_id, AuthSession.ended_at.is_(None)))


def key_credentials(platform, member) -> tuple[Credentials, str]:
    with platform.db.unit_of_work() as session:
        view, secret = api_keys.create(session, member.principal, "Toko", platform.secret_box, NOW)
    return Credentials(username=view.key_id, password=secret), view.key_id


# --- updateProfile ------------------------------------------------------------------------------

def test_update_profile_changes_the_fields_given_and_keeps_the_others(db, platform):
    buyer = create_member(db, "budi")
    me = login(platform, "budi")
    view = platform.member.update_profile(me, "32", "32.73", None, " Budi Santoso ")
    assert (view.province_code, view.city_code, view.address, view.name) == (
        "32", "32.73", "Jl. Gatot Subroto Kav. 94", "Budi Santoso")
    stored = row(db, "budi")
    assert (stored.province_code, stored.city_code, stored.name, stored.phone) == (
        "32", "32.73", "Budi Santoso", "+6281234567890")
    assert platform.member.update_profile(me, None, None, "Jl. Asia Afrika No. 8", None).address == \
        "Jl. Asia Afrika No. 8"
    assert platform.member.profile(me).name == "Budi Santoso" and buyer.id == stored.id


def test_update_profile_lists_every_failing_field_and_changes_nothing(db, platform):
    create_member(db, "budi")
    me = login(platform, "budi")
    before = platform.member.profile(me)
    with pytest.raises(ValidationFailed) as raised:
        platform.member.update_profile(me, "32", None, "Jl.", "")
    assert [(e.field, e.code) for e in raised.value.errors] == [
        ("city", "CITY_NOT_IN_PROVINCE"), ("address", "TOO_SHORT"), ("name", "REQUIRED")]
    assert platform.member.profile(me) == before


def test_update_profile_needs_a_login(db, platform):
    with pytest.raises(AuthenticationFailed, match="AUTHENTICATION_REQUIRED"):
        platform.member.update_profile(Credentials(), None, None, None, "Budi")


# --- changePassword -------------------------------------------------------------------------------

def test_change_password_ends_every_other_session_keeps_the_callers_and_the_keys(db, platform):
    member = create_member(db, "budi")
    me, other, third = (login(platform, "budi") for _ in range(3))
    key, key_id = key_credentials(platform, member)
    assert platform.member.change_password(me, PASSWORD, NEW_PASSWORD) == 2
    assert platform.member.profile(me).username == "budi"  # the caller's session goes on
    for ended in (other, third):
        with pytest.raises(AuthenticationFailed, match="BAD_SESSION"):
            platform.member.profile(ended)
    assert open_sessions(db, member.id) == 1
    assert platform.member.profile(key).username == "budi"  # the API key is untouched
    with db.unit_of_work() as session:
        assert session.scalar(select(ApiKey.revoked_at).where(ApiKey.key_id == key_id)) is None
    with pytest.raises(AuthenticationFailed, match="BAD_CREDENTIALS"):
        platform.member.login("budi", PASSWORD)
    assert login(platform, "budi", NEW_PASSWORD).token
    [(channel, recipient, data)] = told(db, "password_changed")
    assert (channel, recipient, data["username"]) == ("EMAIL", "budi@example.co.id", "budi")
    assert data["changed_at"] == NOW.isoformat()


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_login(db, platform):
    member = create_member(db, "budi")
    me, other = login(platform, "budi"), login(platform, "budi")
    hash_before = row(db, "budi").password_hash
    with pytest.raises(AuthenticationFailed, match="BAD_CREDENTIALS"):
        platform.member.change_password(me, "salah12345", NEW_PASSWORD)
    assert row(db, "budi").password_hash == hash_before
    assert platform.member.profile(other).username == "budi" and open_sessions(db, member.id) == 2
    assert told(db, "password_changed") == []
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(FailedTry)) == 1
    for _ in range(4):  # four wrong logins more: five failures pause the name, for changePassword too
        with pytest.raises(AuthenticationFailed, match="BAD_CREDENTIALS"):
            platform.member.login("budi", "salah12345")
    with pytest.raises(AuthenticationFailed, match="LOGIN_PAUSED"):
        platform.member.change_password(me, PASSWORD, NEW_PASSWORD)
    with pytest.raises(AuthenticationFailed, match="LOGIN_PAUSED"):
        platform.member.login("budi", PASSWORD)
    assert row(db, "budi").password_hash == hash_before


def test_a_new_password_breaking_the_rules_is_refused_before_the_current_one_is_tried(db, platform):
    create_member(db, "budi")
    me = login(platform, "budi")
    for new, code in (("pendek1", "TOO_SHORT"), ("tanpaangka", "PASSWORD_NEEDS_LETTER_AND_DIGIT"),
                      ("a1" * 65, "TOO_LONG")):
        with pytest.raises(ValidationFailed) as raised:
            platform.member.change_password(me, "salah12345", new)
        assert [(e.field, e.code) for e in raised.value.errors] == [("newPassword", code)]
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(FailedTry)) == 0
    assert login(platform, "budi").token  # the password is as it was


def test_an_api_key_can_change_neither_the_password_nor_the_payout_account(db, platform):
    member = seller(db)
    key, _ = key_credentials(platform, member)
    with pytest.raises(NotAuthorized, match="LOGIN_REQUIRED"):
        platform.member.change_password(key, PASSWORD, NEW_PASSWORD)
    with pytest.raises(NotAuthorized, match="LOGIN_REQUIRED"):
        platform.member.change_payout_account(key, PASSWORD, "mandiri", "1234567890123", "Toko Baru")
    stored = row(db, "tokokopi")
    assert (stored.bank_code, stored.account_number) == ("bca", "1234567890")
    assert login(platform, "tokokopi").token  # the password too
    assert platform.member.update_profile(key, None, None, None, "Toko Kopi Gayo").name == "Toko Kopi Gayo"


def test_with_a_ws_security_password_every_session_ends(db, platform):
    member = create_member(db, "budi")
    login(platform, "budi")
    assert platform.member.change_password(Credentials(username="budi", password=PASSWORD), PASSWORD,
                                           NEW_PASSWORD) == 1
    assert open_sessions(db, member.id) == 0


# --- changePayoutAccount ---------------------------------------------------------------------------

def test_the_payout_account_applies_to_invoices_issued_from_then_on_never_to_open_ones(db, platform):
    shop = seller(db)
    add_category(db)
    product = sell(db, shop.principal).product_id
    buyer = add_member(db, "budi", "BUYER")
    put(db, buyer, product)
    [before] = check_out(db, buyer, jne_for("tokokopi"))
    view = platform.member.change_payout_account(login(platform, "tokokopi"), PASSWORD, " MANDIRI ",
                                                 "1234567890123", " Toko Kopi Gayo ")
    assert (view.bank_code, view.account_number_masked, view.account_holder) == (
        "mandiri", "*********0123", "Toko Kopi Gayo")
    put(db, buyer, product)
    [after] = check_out(db, buyer, jne_for("tokokopi"))
    with db.unit_of_work() as session:
        payees = {i.number: (i.status, i.payee_bank, i.payee_account, i.payee_holder)
                  for i in session.scalars(select(Invoice))}
    assert payees[before.number] == ("UNPAID", "bca", "1234567890", "KOPERASI TOKOKOPI")
    assert payees[after.number] == ("UNPAID", "mandiri", "1234567890123", "Toko Kopi Gayo")
    [(channel, recipient, data)] = told(db, "payout_account_changed")
    assert (channel, recipient) == ("EMAIL", "tokokopi@example.co.id")
    assert (data["old_bank"], data["old_account"], data["new_bank"], data["new_account"]) == (
        "Bank Central Asia", "******7890", "Bank Mandiri", "*********0123")
    assert "1234567890" not in json.dumps(data)


def test_payout_faults_change_nothing(db, platform):
    seller(db)
    create_member(db, "budi")
    me = login(platform, "tokokopi")
    with pytest.raises(ValidationFailed) as raised:
        platform.member.change_payout_account(me, PASSWORD, "bca", "123", "")
    assert [(e.field, e.code) for e in raised.value.errors] == [
        ("accountNumber", "ACCOUNT_NUMBER_FORMAT"), ("accountHolder", "REQUIRED")]
    with pytest.raises(AuthenticationFailed, match="BAD_CREDENTIALS"):
        platform.member.change_payout_account(me, "salah12345", "bni", "0987654321", "Toko")
    with pytest.raises(NotAuthorized, match="ROLE_REQUIRED"):
        platform.member.change_payout_account(login(platform, "budi"), PASSWORD, "bni", "0987654321", "Budi")
    stored = row(db, "tokokopi")
    assert (stored.bank_code, stored.account_number, stored.account_holder) == (
        "bca", "1234567890", "KOPERASI TOKOKOPI")
    assert row(db, "budi").bank_code is None
    assert told(db, "payout_account_changed") == []
