"""What every adapter raises at its edge: zeep's own errors never leave adapters/."""
from __future__ import annotations


class AdapterError(Exception):
    """A partner call failed. `partner` names it (e.g. "bank:bca")."""

    def __init__(self, partner: str, message: str):
        super().__init__(f"{partner}: {message}")
        self.partner = partner


class PartnerUnavailable(AdapterError):
    """Down, unreachable, too slow, answering HTTP 5xx without a SOAP fault, or a SOAP fault that is
    not Client.* (Server.*: the partner's own trouble): try again later."""


class CircuitOpen(PartnerUnavailable):
    """The endpoint failed too often lately: skipped without a call (adapters/breaker.py)."""


class PartnerRejected(AdapterError):
    """The partner refused the request itself (a Client.* SOAP fault): asking again unchanged
    cannot succeed."""

    def __init__(self, partner: str, message: str, code: str = ""):
        super().__init__(partner, message)
        self.code = code


class BadPartnerResponse(AdapterError):
    """The partner answered something that does not fit its contract (garbage, wrong types)."""
