"""A member's phone change and address book over SOAP (zeep): the code goes by SMS to the new number (the
gateway sandbox shows it) and makes it the profile's phone only when it comes back; addresses are saved,
changed and deleted by their member alone, and a checkout ships to one by its id. Every fault changes
nothing."""
from __future__ import annotations

import re

import zeep

from tests.e2e.catalog import fixed_form, new_member, new_shop
from tests.e2e.payments import messages_to, unique_mobile
from tests.e2e.soap import detail_code, fault_code, fault_of, field_errors
from tests.e2e.test_member_self_service_soap import as_key, mail, profile_of, refused


def gateway(server):
    return zeep.Client(f"{server.sandbox_url}/partners/sms?wsdl").service


def test_a_new_phone_is_confirmed_with_the_code_sent_to_it(server, mailbox):
    member = new_member(server, mailbox)
    service, auth = member.service(server, "Member")
    old_phone = profile_of(member, server).phone
    typed, msisdn = unique_mobile()
    assert service.requestPhoneChange(phone=typed, **auth) is not None
    [sms] = messages_to(gateway(server), msisdn, 1)
    code = re.search(r"kode (\d{6})", sms.text).group(1)
    assert profile_of(member, server).phone == old_phone  # not before the code comes back
    fault = fault_of(service.confirmPhoneChange, code="000000" if code != "000000" else "111111", **auth)
    assert fault_code(fault) == "Client.Validation" and field_errors(fault)["code"][0] == "CODE_WRONG"
    assert profile_of(member, server).phone == old_phone
    assert service.confirmPhoneChange(code=code, **auth).phone == msisdn
    text, _ = mail(mailbox, f"{member.username}@example.co.id", "Nomor telepon akun Emall KUKM Anda telah diubah")
    assert old_phone in text and msisdn in text


def test_a_refused_phone_change_sends_nothing(server, mailbox):
    member = new_member(server, mailbox)
    service, auth = member.service(server, "Member")
    before = profile_of(member, server)
    for phone, code in (("021-5229002", "PHONE_NOT_MOBILE"), ("12345", "INVALID_PHONE"),
                        (before.phone, "PHONE_UNCHANGED")):
        fault = fault_of(service.requestPhoneChange, phone=phone, **auth)
        assert fault_code(fault) == "Client.Validation" and field_errors(fault)["phone"][0] == code
    fault = fault_of(as_key(server, member).requestPhoneChange, phone=unique_mobile()[0])
    assert refused(fault) == ("Client.Authorization", "LOGIN_REQUIRED")
    after = profile_of(member, server)
    assert {k: str(after[k]) for k in after} == {k: str(before[k]) for k in before}


def test_an_address_book_entry_is_kept_by_its_member_and_a_checkout_ships_to_it(server, mailbox):
    shop = new_shop(server)
    seller = new_member(server, mailbox, seller=True)
    catalog, auth = seller.service(server, "Catalog")
    product = catalog.sellProduct(form=fixed_form(shop.category), **auth).productId
    buyer, other = new_member(server, mailbox), new_member(server, mailbox)
    members, auth = buyer.service(server, "Member")
    office = members.saveAddress(form={"label": "Kantor", "name": "Siti Aminah", "address": "Jl. Braga 1",
                                       "province": "32", "city": "32.73"}, **auth)
    assert (office.label, office.cityCode) == ("Kantor", "32.73")
    fault = fault_of(members.saveAddress, form={"name": "", "address": "Jl. Pemuda 1", "province": "33",
                                                "city": "32.73"}, **auth)
    assert {field: codes[0] for field, codes in field_errors(fault).items()} == {
        "name": "REQUIRED", "city": "CITY_NOT_IN_PROVINCE"}
    others, other_auth = other.service(server, "Member")
    fault = fault_of(others.deleteAddress, addressId=office.addressId, **other_auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.NotFound", "ADDRESS_NOT_FOUND")
    assert [a.addressId for a in members.listAddresses(**auth)] == [office.addressId]

    cart, cart_auth = buyer.service(server, "Cart")
    cart.addItem(productId=product, quantity=1, **cart_auth)
    checkout, checkout_auth = buyer.service(server, "Checkout")
    fault = fault_of(checkout.quoteShipping, shippingAddress={"addressId": office.addressId, "cityCode": "33.74"},
                     **checkout_auth)
    assert field_errors(fault)["addressId"][0] == "ADDRESS_ID_OR_ADDRESS"
    [group] = checkout.quoteShipping(shippingAddress={"addressId": office.addressId}, **checkout_auth)
    option = min(group.options.ShippingOption, key=lambda o: o.cost)
    [invoice] = checkout.checkout(choices={"ShippingChoice": [
        {"sellerUsername": group.sellerUsername, "courier": option.courier, "service": option.service}]},
        shippingAddress={"addressId": office.addressId}, **checkout_auth)
    assert members.deleteAddress(addressId=office.addressId, **auth) is None  # the book is empty
    text, _ = mail(mailbox, f"{seller.username}@example.co.id", invoice.orderNumber)
    assert "Siti Aminah, Jl. Braga 1" in text  # the order kept the address it ships to
