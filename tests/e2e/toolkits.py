"""What the toolkit tests (test_toolkit_*.py) share: the public operations each toolkit must call, the
products they call them on, and one mistake per service with the fault it earns."""
from __future__ import annotations

import re

from emall_ws.soap.app import SERVICES
from emall_ws.soap.security import member_operations
from tests.e2e.catalog import auction_form, fixed_form, new_member, new_shop

# per service, the operations anyone may call (those that declare no SessionHeader)
PUBLIC = {spec.name: sorted(set(spec.service_class.public_methods) - set(member_operations(spec.service_class)))
          for spec in SERVICES}



def assert_every_public_called(called: dict[str, set[str]]) -> None:
    """A toolkit test called each public operation there is, so a new one cannot go untried."""
    assert {service: sorted(operations) for service, operations in called.items()} \
        == {service: operations for service, operations in PUBLIC.items() if operations}


# the Registry's public reads of the platform's own entries, each with its arguments
REGISTRY_READS = [
    ("get_serviceDetail", {"serviceKey": "uddi:emall-kukm:service:registry"}),
    ("find_binding", {"serviceKey": "uddi:emall-kukm:service:registry"}),
    ("get_bindingDetail", {"bindingKey": "uddi:emall-kukm:binding:registry"}),
    ("find_business", {"name": "emall%"}),
    ("get_businessDetail", {"businessKey": "uddi:emall-kukm:business:operator"}),
    ("find_tModel", {"name": "%"}),
    ("get_tModelDetail", {"tModelKey": "uddi:emall-kukm:tmodel:registry-wsdl"}),
]

# one fault per service, each a mistake a client makes: the call (its arguments in the WSDL's order)
# and the faultcode and FaultDetail code it earns
NOT_LOGGED_IN = ("Client.Authentication", "AUTHENTICATION_REQUIRED")
FAULTS = {
    "Registry": ("get_serviceDetail", {"serviceKey": "uddi:emall-kukm:service:nothing"},
                 ("Client.NotFound", "UNKNOWN_KEY")),
    "Member": ("login", {"username": "tidak_ada_orangnya", "password": "salah-sekali-123"},
               ("Client.Authentication", "BAD_CREDENTIALS")),
    "Catalog": ("getProduct", {"productId": 987654321}, ("Client.NotFound", "UNKNOWN_PRODUCT")),
    "Cart": ("getCart", {}, NOT_LOGGED_IN),
    "Auction": ("placeBid", {"productId": 1, "amount": 1000}, NOT_LOGGED_IN),
    "Checkout": ("listInvoices", {}, NOT_LOGGED_IN),
    "Payment": ("reconcileNow", {}, NOT_LOGGED_IN),
    "Shipping": ("confirmReceived", {"orderNumber": "ORD-0"}, NOT_LOGGED_IN),
    "Order": ("getHistory", {"orderNumber": "ORD-0"}, NOT_LOGGED_IN),
    "Report": ("purchaseReport", {}, NOT_LOGGED_IN),
    "Events": ("listChanges", {}, NOT_LOGGED_IN),
}


def listed_products(server, mailbox) -> dict:
    """A seller's fixed-price and auction products in a category of their own, made through zeep."""
    shop = new_shop(server)
    seller = new_member(server, mailbox, seller=True)
    catalog, auth = seller.service(server, "Catalog")
    fixed = catalog.sellProduct(form=fixed_form(shop.category), **auth).productId
    auction = catalog.sellProduct(form=auction_form(shop.category), **auth).productId
    return {"category": shop.category, "fixed": fixed, "auction": auction}


def newest_code(mailbox, address: str, besides: str) -> str:
    """The code of the third email to `address` (activation code, welcome, reset code: the welcome may
    come after the reset code, each sent from the outbox on its own)."""
    codes = (re.search(r"\b(\d{6})\b", message.get_body(("plain",)).get_content())
             for message in mailbox.wait_for(address, 3))
    return next(code.group(1) for code in codes if code and code.group(1) != besides)


def mistake(service: str, toolkit: str) -> tuple[str, dict, tuple[str, str]]:
    """FAULTS[service] for one toolkit's test, with Member's unknown username made the toolkit's own:
    the platform pauses a username after five failed logins in 15 minutes (LOGIN_PAUSED), and every
    toolkit test of a session calls the same server."""
    operation, arguments, expected = FAULTS[service]
    if service == "Member":
        arguments = {**arguments, "username": f"{arguments['username']}_{toolkit}"}
    return operation, arguments, expected
