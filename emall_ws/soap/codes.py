"""The platform's code sets on the wire: each a named xs:enumeration of the values the domain declares
once, so that a toolkit generates it as an enum and a value outside it is the schema's Validation fault
naming the field and the set (libxml2: "... is not an element of the set {...}").

spyne declares a named type in the namespace of the first application that meets it, and the others
would import it from there: each service makes its own with `code_type(name, its namespace)`.
A new value is a change of contract (README, "Contract changes"): a client generated from the older
WSDL may refuse an answer that carries it."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spyne import ComplexModelBase, Unicode

from emall_ws.domain import auction, cart, catalog, events, reports, seller_verification
from emall_ws.domain.members import ROLES
from emall_ws.domain.payments import HELD, MatchStatus
from emall_ws.domain.second_chance import SecondChanceStatus
from emall_ws.domain.pipelines import (ComplaintReason, ComplaintStatus, InvoiceStatus, MemberStatus, OrderStatus,
                                      ProductStatus, RefundReason, RefundStatus, Remedy, ShipmentStatus,
                                      VerificationStatus)


def _words(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(value) for value in values)  # a StrEnum's member as its word


CODE_SETS: dict[str, tuple[str, ...]] = {
    "MemberStatus": _words(MemberStatus),
    "Role": _words(ROLES),
    "ProductStatus": _words(ProductStatus),
    "SaleMethod": _words(catalog.SALE_METHODS),
    "BuyerAction": _words(catalog.ACTIONS),
    "SortOrder": _words(catalog.SORTS),
    "AuctionStatus": _words(auction.AUCTION_STATUSES),
    "SecondChanceStatus": _words(SecondChanceStatus),
    "CartFlag": _words(cart.FLAGS),
    "InvoiceStatus": _words(InvoiceStatus),
    "OrderStatus": _words(OrderStatus),
    "TrackingStatus": _words(ShipmentStatus),
    "MatchStatus": _words(MatchStatus),
    "HeldMatchStatus": _words(HELD),  # what listUnmatchedMutations lists
    "TotalStatus": _words((*InvoiceStatus, reports.ALL_STATUSES)),  # a report's totals: per status, and ALL
    "RefundStatus": _words(RefundStatus),
    "RefundReason": _words(RefundReason),
    "ComplaintStatus": _words(ComplaintStatus),
    "ComplaintReason": _words(ComplaintReason),
    "Remedy": _words(Remedy),
    "VerificationStatus": _words(VerificationStatus),
    "VerificationReason": _words(seller_verification.REASONS),
    "EventType": _words(events.TYPES),
}


def code_sets_table() -> str:
    """The README's table of the code sets and where each appears, read from the services' own
    types (`emall-ws code-sets` writes it)."""
    from emall_ws.soap.app import SERVICES  # the services are built from this module's types

    uses: dict[str, list[str]] = {name: [] for name in CODE_SETS}
    for spec in SERVICES:
        seen: set[Any] = set()
        for method in spec.service_class.public_methods.values():
            _note_uses(uses, spec.name, method.in_message, method.name + "({})", seen)  # a parameter
            _note_uses(uses, spec.name, method.out_message, method.name, seen)  # the answer itself
    rows = [f"| `{name}` | {', '.join(f'`{v}`' for v in values)} | {'; '.join(uses[name])} |"
            for name, values in CODE_SETS.items()]
    return "\n".join(["| type | values | where |", "|---|---|---|", *rows])


def _note_uses(uses: dict[str, list[str]], service: str, cls: Any, where: str, seen: set[Any]) -> None:
    """Adds to `uses` each member of the complex type `cls` (and of the types it holds) that is a code set,
    named by `where` (a format string given the member's name)."""
    for member, model in cls.get_flat_type_info(cls).items():
        name = model.get_type_name()
        if name in uses:
            place = f"{service} `{where.format(member)}`"
            if place not in uses[name]:
                uses[name].append(place)
        elif issubclass(model, ComplexModelBase) and name not in seen:
            seen.add(name)
            _note_uses(uses, service, model, name + ".{}", seen)


def code_type(name: str, namespace: str, **element: Any) -> Any:
    """The code set `name` (a key of CODE_SETS) as a simple type of `namespace`; `element`: how an element
    of it occurs (max_occurs="unbounded" for a list of codes, each its own element)."""
    return Unicode(values=CODE_SETS[name], type_name=name, __namespace__=namespace, **element)
