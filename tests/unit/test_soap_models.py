"""The platform's spyne types (emall_ws.soap.types.Model) are built as spyne's own __init__ builds them."""
from __future__ import annotations

import pytest
from spyne import ComplexModel, Integer32

from emall_ws.soap import auction, cart, catalog, checkout, member, payment, registry, report, shipping
from emall_ws.soap.app import SERVICES
from emall_ws.soap.types import Model

MODULES = (auction, cart, catalog, checkout, member, payment, registry, report, shipping)
TYPES = sorted({value for module in MODULES for value in vars(module).values()
                if isinstance(value, type) and issubclass(value, Model) and value.get_flat_type_info(value)},
               key=lambda cls: (cls.__module__, cls.__name__))


def test_every_service_module_has_its_types_on_the_platform_base():
    assert len(TYPES) > 40
    for module in MODULES:
        strays = [name for name, value in vars(module).items() if isinstance(value, type)
                  and issubclass(value, ComplexModel) and not issubclass(value, Model)]
        assert strays == [], module.__name__


@pytest.mark.parametrize("cls", TYPES, ids=lambda cls: f"{cls.__module__.rsplit('.', 1)[1]}.{cls.__name__}")
def test_a_type_uses_none_of_what_spyne_init_does_per_member(cls):
    """What Model.__init__ leaves out: a default, a read-only member, XmlData, a customized class."""
    assert cls.__orig__ is None and cls.Attributes._xml_tag_body_as is None
    for name, member_type in cls.get_flat_type_info(cls).items():
        assert member_type.Attributes.default is None, name
        assert not member_type.Attributes.read_only, name


@pytest.mark.parametrize("cls", TYPES, ids=lambda cls: f"{cls.__module__.rsplit('.', 1)[1]}.{cls.__name__}")
def test_an_instance_is_the_one_spyne_makes(cls):
    names = list(cls.get_flat_type_info(cls))
    given = {name: f"value {i}" for i, name in enumerate(names) if i % 2 == 0}
    spynes = cls.__new__(cls)
    ComplexModel.__init__(spynes, **given)
    ours = cls(**given)
    assert vars(ours) == vars(spynes)
    assert list(vars(ours)) == names


def test_a_member_that_does_not_exist_is_refused():
    with pytest.raises(TypeError, match="has no member colour"):
        catalog.Category(code="kopi", colour="brown")


# Request fields the schema requires (minOccurs="1", not nillable): a call without one is the schema's
# Validation fault naming it (issue 15). An operation whose rules name several failing fields in one fault
# (Member.register, Cart.addItem, Auction.placeBid, the reports ...) keeps its fields optional.
REQUIRED_REQUEST_FIELDS = {
    "Registry": {"find_binding": ["serviceKey"], "get_businessDetail": ["businessKey"],
                 "get_serviceDetail": ["serviceKey"], "get_bindingDetail": ["bindingKey"],
                 "get_tModelDetail": ["tModelKey"]},
    "Member": {"listCities": ["provinceCode"], "activate": ["username", "code"], "resendActivation": ["username"],
               "login": ["username", "password"], "requestPasswordReset": ["usernameOrEmail"],
               "resetPassword": ["username", "code", "newPassword"], "suspendMember": ["username"],
               "reinstateMember": ["username"], "createApiKey": ["label"], "revokeApiKey": ["keyId"],
               "changePassword": ["currentPassword", "newPassword"], "changePayoutAccount": ["password"],
               "requestPhoneChange": ["phone"], "confirmPhoneChange": ["code"], "saveAddress": ["form"],
               "deleteAddress": ["addressId"], "getMemberHistory": ["username"], "reverifySeller": ["username"],
               "overrideSellerVerification": ["username", "status", "reason"]},
    "Catalog": {"getProduct": ["productId"], "updateProduct": ["productId"], "withdrawProduct": ["productId"],
                "getProductHistory": ["productId"]},
    "Cart": {"removeItem": ["productId"]},
    "Auction": {"getAuction": ["productId"]},
    "Checkout": {"quoteAuctionShipping": ["productId"], "checkoutAuction": ["productId"],
                 "getInvoice": ["invoiceNumber"], "cancelInvoice": ["invoiceNumber"]},
    "Payment": {"confirmPayment": ["invoiceNumber"], "getPaymentStatus": ["invoiceNumber"]},
    "Shipping": {"shipOrder": ["orderNumber"], "trackOrder": ["orderNumber"], "confirmReceived": ["orderNumber"]},
    "Order": {**{op: ["orderNumber"] for op in ("rejectOrder", "setRefundAccount", "recordRefund", "confirmRefund",
                                                "disputeRefund", "getRefund", "getHistory", "acceptOffer",
                                                "setReturnWaybill", "confirmReturn", "escalateComplaint",
                                                "getComplaint", "trackReturn")},
              "openComplaint": ["orderNumber", "reason"], "respondComplaint": ["orderNumber", "offer"],
              "resolveComplaint": ["orderNumber", "decision"]},
    "Report": {},
    "Events": {op: ["subscriptionId"] for op in ("unsubscribe", "resumeSubscription", "sendTestEvent",
                                                 "listDeliveries")},
}


def _required(cls) -> list[str]:
    return [name for name, member in cls.get_flat_type_info(cls).items() if member.Attributes.min_occurs]


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
def test_the_required_request_fields_are_these(spec):
    methods = spec.service_class.public_methods
    found = {name: _required(method.in_message) for name, method in methods.items() if _required(method.in_message)}
    assert found == REQUIRED_REQUEST_FIELDS[spec.name]
    for name in found:  # required also means not nil: xsi:nil would pass the schema as a value
        in_message = methods[name].in_message
        assert not any(in_message.get_flat_type_info(in_message)[f].Attributes.nillable for f in found[name])


@pytest.mark.parametrize("form", [member.RegistrationForm, catalog.ProductForm, catalog.ProductChanges,
                                  catalog.SearchFilters, checkout.ShippingAddress, checkout.ShippingChoice])
def test_a_form_whose_rules_list_every_failing_field_requires_none(form):
    """Member.register's Table I: one Validation fault lists every failing field, a missing one too."""
    assert _required(form) == []


def test_a_page_of_an_answer_always_says_which_page_as_an_int():
    pages = [cls for cls in TYPES if cls.__name__.endswith("Page")]
    assert len(pages) == 6  # BidPage, MemberPage, MutationPage, ProductPage, ReportPage, SellerVerificationPage
    for cls in pages:
        members = cls.get_flat_type_info(cls)
        for name in {"page", "pageSize", "total", "totalRows", "totalPages"}.intersection(members):
            assert issubclass(members[name], Integer32), (cls, name)
            assert members[name].Attributes.min_occurs == 1 and not members[name].Attributes.nillable, (cls, name)
