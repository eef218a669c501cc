"""Which operations wait on a partner: declared with @partner_bound next to each operation, and
recognised from a request's path and body by the server's front."""
import pytest

from emall_ws.soap.app import SERVICES
from emall_ws.soap.partner_bound import PartnerBoundRequests, partner_bound_operations


def test_the_operations_that_call_banks_couriers_or_callback_endpoints_are_declared_partner_bound():
    declared = {spec.name: sorted(partner_bound_operations(spec.service_class)) for spec in SERVICES}
    assert {name: ops for name, ops in declared.items() if ops} == {
        "Checkout": ["quoteAuctionShipping", "quoteShipping"], "Payment": ["confirmPayment", "reconcileNow"],
        "Shipping": ["trackOrder", "trackShipment"], "Order": ["trackReturn"], "Events": ["sendTestEvent", "subscribe"]}


BOUND = PartnerBoundRequests({"/ws/Checkout": ["quoteShipping"], "/ws/Catalog": []})
QUOTE = (b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="urn:emall-kukm:checkout">'
         b"<e:Body><c:quoteShipping/></e:Body></e:Envelope>")


@pytest.mark.parametrize("path, body, bound", [
    ("/ws/Checkout", QUOTE, True),
    ("/ws/Checkout/", QUOTE, True),
    ("/ws/Checkout", QUOTE.replace(b"quoteShipping", b"getInvoice"), False),
    ("/ws/Catalog", QUOTE, False),  # another service: spyne would not call quoteShipping there
    ("/ws/Checkout", QUOTE.decode().encode("utf-16"), True),  # names in another encoding: not ruled out
    ("/ws/Member", QUOTE, False),
])
def test_a_request_is_partner_bound_when_its_body_can_call_a_partner_bound_operation(path, body, bound):
    assert BOUND(path, body) is bound
