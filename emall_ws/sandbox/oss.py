"""Business licensing sandbox (OSS): the licence behind a NIB, its holder and licensed activities.

An unknown NIB is an answer, not a fault (status NOT_FOUND, nothing else): OSS says so for a
well-formed number nobody holds. Only a NIB that is not 13 digits is the caller's mistake.
"""
from __future__ import annotations

import re

from spyne import Array, ServiceBase, Unicode, rpc

from emall_ws.sandbox.application import failure_mode_operation, partner_of, rejected
from emall_ws.sandbox.contracts import LICENCE_STATUSES, NIB_NOT_FOUND, BusinessLicence
from emall_ws.sandbox.dukcapil import Nik, check_nik
from emall_ws.sandbox.store import Business

NIB = re.compile(r"[0-9]{13}")  # ASCII digits, as NIK
KBLI = re.compile(r"[0-9]{5}")
MAX_KBLI = 100  # what the sandbox's column holds; a real licence lists a handful
Nib = Unicode(max_len=64, min_occurs=1, nillable=False)  # 13 digits, checked by check_nib (as Nik)


def check_nib(nib: str) -> None:
    """A NIB is 13 digits; anything else is the caller's mistake (Client.InvalidNib)."""
    if not NIB.fullmatch(nib or ""):
        raise rejected("InvalidNib", "A NIB is 13 digits", "INVALID_NIB")


def check_kbli(codes: list[str]) -> None:
    if len(codes) > MAX_KBLI or not all(KBLI.fullmatch(code or "") for code in codes):
        raise rejected("InvalidKbli", f"KBLI codes are 5 digits each, at most {MAX_KBLI}", "INVALID_KBLI")


def licence(business: Business) -> BusinessLicence:
    return BusinessLicence(nib=business.nib, status=business.status, businessName=business.business_name,
                           ownerNik=business.owner_nik, kbli=business.kbli.split(",") if business.kbli else [])


def add_business(session, nib: str, business_name: str, owner_nik: str, kbli: list[str], status: str) -> Business:
    """The licence under `nib`, replacing what was there (the seed file and addBusiness)."""
    business = session.get(Business, nib)
    if business is None:
        business = Business(nib=nib)
        session.add(business)
    business.business_name, business.owner_nik, business.status = business_name, owner_nik, status
    business.kbli = ",".join(kbli)
    return business


class OssService(ServiceBase):
    setFailureMode = failure_mode_operation()  # sandbox only, on every contract

    @rpc(Nib, _returns=BusinessLicence, _out_variable_name="licence")
    def verifyNib(ctx, nib):  # noqa: N802
        """The licence registered under the NIB; status NOT_FOUND and nothing else when none is."""
        check_nib(nib)
        with partner_of(ctx).database.unit_of_work() as session:
            business = session.get(Business, nib)
            return licence(business) if business is not None else BusinessLicence(nib=nib, status=NIB_NOT_FOUND)

    @rpc(Nib, Unicode(max_len=200, min_occurs=1, nillable=False), Nik,
         Array(Unicode), Unicode(values=list(LICENCE_STATUSES)),
         _returns=BusinessLicence, _out_variable_name="licence")
    def addBusiness(ctx, nib, businessName, ownerNik, kbli, status):  # noqa: N802,N803
        """Sandbox only: a licence (status ACTIVE unless given); the same NIB again replaces it."""
        check_nib(nib)
        check_nik(ownerNik)
        codes = list(kbli or [])
        check_kbli(codes)
        with partner_of(ctx).database.unit_of_work() as session:
            business = add_business(session, nib, " ".join(businessName.split()), ownerNik, codes,
                                    status or "ACTIVE")
            return licence(business)
