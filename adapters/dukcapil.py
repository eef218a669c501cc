"""NIK verification at the population registry (Dukcapil): the interface, and its zeep implementation."""
from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date

from adapters.base import CallPolicy, ZeepEndpoint

# the registry's verdicts; any other answer breaks the contract (wsdl/partners/dukcapil.wsdl)
NIK_RESULTS = ("MATCH", "NAME_MISMATCH", "BIRTHDATE_MISMATCH", "NOT_FOUND", "DECEASED")


class DukcapilAdapter(ABC):
    @abstractmethod
    def verify_nik(self, nik: str, name: str, birth_date: date) -> str:
        """The registry's verdict, one of NIK_RESULTS (it never hands out the person's data); raises
        adapters.errors.AdapterError subclasses (PartnerRejected for a NIK that is not 16 digits)."""


class ZeepDukcapilAdapter(DukcapilAdapter):
    """The registry's NIK verification over SOAP. A read: retried where the policy allows it."""

    def __init__(self, url: str, **policy):
        """`policy`: the fields of adapters.base.CallPolicy (timeout, retries ...)."""
        self._endpoint = ZeepEndpoint("dukcapil", url, CallPolicy(**policy))

    def verify_nik(self, nik: str, name: str, birth_date: date) -> str:
        # the contract carries a birth date as text in xs:date's form, YYYY-MM-DD (a string with a pattern)
        answer = self._endpoint.call("verifyNik", nik, name, birth_date.isoformat(), result="result", retry=True)
        if answer not in NIK_RESULTS:
            raise self._endpoint.shape_error(f"result {answer!r}")
        return answer
