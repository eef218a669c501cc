"""A member's phone change (a code by SMS to the new number, the number the member's only when it comes
back) and address book (quoteShipping and checkout ship to an entry by its id), through the Member use
cases and the checkout services on the test database; every refusal changes nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from emall_ws.db.models import Member, MemberAddress, Notification, Order
from emall_ws.domain.errors import Conflict, NotAuthorized, NotFound, ValidationFailed
from emall_ws.platform import Platform
from emall_ws.services.quoting import ShipTo
from tests.builders import (NOW, PASSWORDS, add_category, add_seller, check_out, create_member, jne_for, put,
                            quote, sell)
from tests.integration.test_member_self_service import key_credentials, login, told

NEW_PHONE = "+6285712345678"
LANDLINE = "+62215229002"


@pytest.fixture
def platform(db, settings):
    return Platform(settings, db, passwords=PASSWORDS, clock=lambda: NOW)


def later(platform, delta):
    return Platform(platform.settings, platform.db, passwords=PASSWORDS, clock=lambda: NOW + delta)


def state(db):
    """What a refused call must leave as it was."""
    with db.unit_of_work() as session:
        return (sorted(session.execute(select(Member.username, Member.phone)).all()),
                sorted(session.execute(select(MemberAddress.id, MemberAddress.member_id, MemberAddress.label,
                                              MemberAddress.address, MemberAddress.city_code)).all()),
                session.scalar(select(func.count()).select_from(Notification)))


def refused(db, call, error, code=None) -> list[tuple[str, str]]:
    """Calls `call`, which must raise `error` (with `code`) and change nothing; its field errors."""
    before = state(db)
    with pytest.raises(error) as raised:
        call()
    assert state(db) == before
    if code is not None:
        assert raised.value.code == code
    return [(e.field, e.code) for e in getattr(raised.value, "errors", [])]


# --- phone change -----------------------------------------------------------------------------------

def test_a_new_phone_is_the_members_only_once_the_code_sent_to_it_comes_back(db, platform):
    budi = create_member(db, "budi")
    me = login(platform, "budi")
    expires_at = platform.member.request_phone_change(me, "0857-1234-5678")
    assert expires_at == NOW + timedelta(minutes=30)
    [(channel, recipient, data)] = told(db, "phone_change_code")
    assert (channel, recipient) == ("SMS", NEW_PHONE)  # the new number only; no email carries the code
    assert platform.member.profile(me).phone == "+6281234567890"  # not yet
    code = data["code"]
    wrong = "000000" if code != "000000" else "111111"
    assert refused(db, lambda: platform.member.confirm_phone_change(me, wrong), ValidationFailed) == [
        ("code", "CODE_WRONG")]
    view = platform.member.confirm_phone_change(me, code)
    assert view.phone == NEW_PHONE
    with db.unit_of_work() as session:
        assert session.get_one(Member, budi.id).phone == NEW_PHONE
    [(channel, recipient, data)] = told(db, "phone_changed")
    assert (channel, recipient, data["old_phone"], data["new_phone"]) == (
        "EMAIL", "budi@example.co.id", "+6281234567890", NEW_PHONE)
    # the code is spent
    assert refused(db, lambda: platform.member.confirm_phone_change(me, code), ValidationFailed) == [
        ("code", "CODE_WRONG")]


def test_a_second_request_replaces_the_first_code_and_an_old_code_expires(db, platform):
    create_member(db, "budi")
    me = login(platform, "budi")
    platform.member.request_phone_change(me, NEW_PHONE)
    later_platform = later(platform, timedelta(minutes=2))
    later_platform.member.request_phone_change(me, "+6281398765432")
    first, second = (data["code"] for _, _, data in told(db, "phone_change_code"))
    if first != second:
        assert refused(db, lambda: later_platform.member.confirm_phone_change(me, first),
                       ValidationFailed) == [("code", "CODE_WRONG")]
    expired = later(platform, timedelta(minutes=33))
    assert refused(db, lambda: expired.member.confirm_phone_change(me, second),
                   ValidationFailed) == [("code", "CODE_EXPIRED")]
    assert later_platform.member.confirm_phone_change(me, second).phone == "+6281398765432"


@pytest.mark.parametrize("phone, code", [
    ("12345", "INVALID_PHONE"), ("", "REQUIRED"), (LANDLINE, "PHONE_NOT_MOBILE"),
    ("+6281234567890", "PHONE_UNCHANGED"),
])
def test_a_refused_phone_change_sends_nothing_and_changes_nothing(db, platform, phone, code):
    create_member(db, "budi")
    me = login(platform, "budi")
    assert refused(db, lambda: platform.member.request_phone_change(me, phone), ValidationFailed) == [
        ("phone", code)]


def test_an_api_key_cannot_change_the_phone(db, platform):
    budi = create_member(db, "budi")
    key, _ = key_credentials(platform, budi)
    refused(db, lambda: platform.member.request_phone_change(key, NEW_PHONE), NotAuthorized, "LOGIN_REQUIRED")
    refused(db, lambda: platform.member.confirm_phone_change(key, "123456"), NotAuthorized, "LOGIN_REQUIRED")


# --- address book ------------------------------------------------------------------------------------

def save(platform, me, address_id=None, label="Kantor", name="Budi Santoso", address="Jl. Asia Afrika 8",
         province="32", city="32.73"):
    return platform.member.save_address(me, address_id, label, name, address, province, city)


def test_addresses_are_added_changed_listed_and_deleted_by_their_member_only(db, platform):
    create_member(db, "budi")
    create_member(db, "ani")
    me, ani = login(platform, "budi"), login(platform, "ani")
    office = save(platform, me)
    home = save(platform, me, label="Rumah", address="Jl. Pemuda 12", province="33", city="33.74")
    assert (office.label, office.name, office.province_code, office.city_code) == (
        "Kantor", "Budi Santoso", "32", "32.73")
    changed = save(platform, me, office.address_id, label="Kantor Baru", address="Jl. Braga 1")
    assert (changed.address_id, changed.label, changed.address) == (office.address_id, "Kantor Baru", "Jl. Braga 1")
    assert [a.address_id for a in platform.member.list_addresses(me)] == [office.address_id, home.address_id]
    assert platform.member.list_addresses(ani) == []
    refused(db, lambda: save(platform, ani, office.address_id), NotFound, "ADDRESS_NOT_FOUND")
    refused(db, lambda: platform.member.delete_address(ani, office.address_id), NotFound, "ADDRESS_NOT_FOUND")
    refused(db, lambda: platform.member.delete_address(me, 999999), NotFound, "ADDRESS_NOT_FOUND")
    assert [a.address_id for a in platform.member.delete_address(me, office.address_id)] == [home.address_id]


def test_a_refused_address_names_every_failing_field_and_a_full_book_takes_no_more(db, platform):
    create_member(db, "budi")
    me = login(platform, "budi")
    fields = refused(db, lambda: save(platform, me, label="L" * 31, name=" ", province="33", city="32.73"),
                     ValidationFailed)
    assert fields == [("label", "TOO_LONG"), ("city", "CITY_NOT_IN_PROVINCE"), ("name", "REQUIRED")]
    for n in range(10):
        save(platform, me, label=f"Gudang {n}")
    refused(db, lambda: save(platform, me), Conflict, "ADDRESS_BOOK_FULL")


def test_quote_and_checkout_ship_to_an_address_book_entry_by_its_id(db, platform):
    add_category(db)
    seller = add_seller(db, "koperasi_semarang", "33.74")
    kopi = sell(db, seller).product_id
    budi = create_member(db, "budi")
    me = login(platform, "budi")
    office = save(platform, me)
    put(db, budi.principal, kopi)
    [invoice] = check_out(db, budi.principal, jne_for("koperasi_semarang"), ShipTo(address_id=office.address_id))
    with db.unit_of_work() as session:
        order = session.scalars(select(Order).where(Order.number == invoice.order_number)).one()
        assert (order.ship_name, order.ship_address, order.ship_city_code) == (
            "Budi Santoso", "Jl. Asia Afrika 8", "32.73")
    put(db, budi.principal, kopi)
    ani = create_member(db, "ani")
    for ship_to, error, field_code in (
            (ShipTo(address_id=office.address_id, city_code="33.74"), ValidationFailed, "ADDRESS_ID_OR_ADDRESS"),
            (ShipTo(address_id=999999), NotFound, None)):
        with pytest.raises(error) as raised:
            quote(db, budi.principal, ship_to)
        if field_code:
            assert raised.value.errors[0].field == "addressId" and raised.value.errors[0].code == field_code
    put(db, ani.principal, kopi)
    with pytest.raises(NotFound) as raised:  # another member's entry is no one's to ship to
        quote(db, ani.principal, ShipTo(address_id=office.address_id))
    assert raised.value.code == "ADDRESS_NOT_FOUND"
