"""NIB verification at business licensing (OSS): the interface, and its zeep implementation."""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from adapters.base import CallPolicy, ZeepEndpoint, field, items, text

LICENCE_STATUSES = ("ACTIVE", "SUSPENDED", "REVOKED")
NOT_FOUND = "NOT_FOUND"  # the answer for a NIB nobody holds
_KBLI = re.compile(r"[0-9]{5}")


@dataclass(frozen=True)
class BusinessLicence:
    nib: str
    status: str  # ACTIVE, SUSPENDED or REVOKED
    business_name: str
    owner_nik: str
    kbli: tuple[str, ...]  # KBLI codes (5 digits) of the licensed activities


class OssAdapter(ABC):
    @abstractmethod
    def verify_nib(self, nib: str) -> BusinessLicence | None:
        """The licence registered under `nib`, or None when OSS knows no such NIB; raises
        adapters.errors.AdapterError subclasses (PartnerRejected for a NIB that is not 13 digits)."""


class ZeepOssAdapter(OssAdapter):
    """OSS's NIB verification over SOAP (wsdl/partners/oss.wsdl). A read: retried where the policy allows it."""

    def __init__(self, url: str, **policy):
        """`policy`: the fields of adapters.base.CallPolicy (timeout, retries ...)."""
        self._endpoint = ZeepEndpoint("oss", url, CallPolicy(**policy))

    def verify_nib(self, nib: str) -> BusinessLicence | None:
        e = self._endpoint
        answer = e.call("verifyNib", nib, result="licence", retry=True)
        if answer is None:
            raise e.shape_error("no licence")
        status = text(e, answer, "status")
        if status == NOT_FOUND:
            return None
        if status not in LICENCE_STATUSES:
            raise e.shape_error(f"status {status!r}")
        codes = tuple(items(e, field(e, answer, "kbli"), "string"))
        if not all(isinstance(code, str) and _KBLI.fullmatch(code) for code in codes):
            raise e.shape_error("kbli is not a list of 5-digit codes")
        return BusinessLicence(nib=text(e, answer, "nib", max_len=13), status=status,
                               business_name=text(e, answer, "businessName", max_len=200),
                               owner_nik=text(e, answer, "ownerNik", max_len=16), kbli=codes)
