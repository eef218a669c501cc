"""Verified sellers over SOAP, against the partner sandboxes: a seller whose NIK the population registry
knows, and whose payout account the bank says is theirs, is VERIFIED after the worker's round; one with a
real-looking NIK the registry does not know stays UNVERIFIED with the reason shown; admins override with a
reason and re-run; a buyer, another seller and a refused override see or change nothing."""
from __future__ import annotations

import itertools
import random

import pytest
import zeep

from tests.e2e.catalog import Member, new_member, new_shop
from tests.e2e.members import PASSWORD
from tests.e2e.payments import unique_account
from tests.e2e.soap import detail_code, fault_of
from tests.waiting import eventually

_serials = itertools.count(random.randrange(1, 9000))


def real_looking_nik() -> tuple[str, str]:
    """(NIK, birth date): Jakarta Selatan (31.74.01), a woman born 21 April 1987 (day 21 + 40), a fresh serial."""
    return f"317401610487{next(_serials):04d}", "1987-04-21"


def registry(server):
    return zeep.Client(f"{server.sandbox_url}/partners/dukcapil?wsdl").service


def verification(server, member: Member, username: str | None = None):
    service, auth = member.service(server, "Member")
    return service.getSellerVerification(username=username, **auth)


def settled(server, member: Member):
    """The seller's verification once the worker has checked it (checkedAt set)."""
    return eventually(lambda: (found := verification(server, member)).checkedAt is not None and found,
                      f"{member.username} checked", timeout=30)


@pytest.fixture(scope="module")
def admin(server):
    return new_shop(server).admin


def test_a_seller_the_registry_and_the_bank_know_is_verified_after_the_workers_round(server, mailbox):
    nik, born = real_looking_nik()
    registry(server).addPerson(nik=nik, name="SITI AMINAH", birthDate=born, deceased=False)
    seller = new_member(server, mailbox, seller=True, nik=nik, birthDate=born, name="Hj. Siti Aminah, S.E.",
                        accountNumber=unique_account("bca"), accountHolder="HJ SITI AMINAH SE")
    found = settled(server, seller)
    assert (found.status, found.reasons, found.nextCheckAt) == ("VERIFIED", [], None)
    assert [(c.fromStatus, c.toStatus, c.actor) for c in found.changes.VerificationChange] == [
        (None, "UNVERIFIED", f"member:{seller.username}"), ("UNVERIFIED", "VERIFIED", "job:verify-sellers")]

    # a payout account held by someone else: checked again at once, and rejected
    service, auth = seller.service(server, "Member")
    service.changePayoutAccount(password=PASSWORD, bankCode="BCA", accountNumber=unique_account("bca"),
                                accountHolder="Budi Santoso", **auth)
    assert eventually(lambda: verification(server, seller).status == "REJECTED", "rejected", timeout=30)
    found = verification(server, seller)
    assert found.reasons == ["ACCOUNT_HOLDER_MISMATCH"]
    assert [(c.toStatus, c.reason) for c in found.changes.VerificationChange][2:] == [
        ("UNVERIFIED", "payout account changed"), ("REJECTED", "ACCOUNT_HOLDER_MISMATCH")]


def test_a_real_looking_nik_the_registry_does_not_know_stays_unverified_with_the_reason(server, mailbox, admin):
    nik, born = real_looking_nik()
    seller = new_member(server, mailbox, seller=True, nik=nik, birthDate=born, name="Siti Aminah",
                        accountNumber=unique_account("bca"), accountHolder="Siti Aminah")
    found = settled(server, seller)
    assert (found.status, found.reasons, found.nextCheckAt) == (
        "UNVERIFIED", ["NIK_NOT_FOUND"], None)
    assert verification(server, admin, seller.username).status == "UNVERIFIED"  # admins see any seller's

    service, auth = admin.service(server, "Member")
    page = service.listSellerVerifications(status="UNVERIFIED", page=1, pageSize=100, **auth)
    assert page.total >= 1 and all(v.status == "UNVERIFIED" for v in page.verifications.SellerVerification)

    overridden = service.overrideSellerVerification(username=seller.username, status="VERIFIED",
                                                    reason="KTP asli diperiksa di dinas koperasi", **auth)
    assert (overridden.status, overridden.reasons) == ("VERIFIED", ["OVERRIDDEN"])
    last = verification(server, seller).changes.VerificationChange[-1]
    assert (last.toStatus, last.reason, last.actor) == ("VERIFIED", "KTP asli diperiksa di dinas koperasi",
                                                        f"admin:{admin.username}")

    registry(server).addPerson(nik=nik, name="Siti Aminah", birthDate=born, deceased=True)
    assert service.reverifySeller(username=seller.username, **auth).status == "UNVERIFIED"
    assert eventually(lambda: verification(server, seller).status == "REJECTED", "rejected", timeout=30)
    assert verification(server, seller).reasons == ["NIK_DECEASED"]


def test_who_may_not_see_or_decide_is_refused_and_nothing_changes(server, mailbox, admin):
    nik, born = real_looking_nik()
    seller = new_member(server, mailbox, seller=True, nik=nik, birthDate=born, accountNumber=unique_account("bca"),
                        accountHolder="Siti Aminah")
    other_seller = new_member(server, mailbox, seller=True)
    buyer = new_member(server, mailbox)
    before = settled(server, seller)
    for someone in (other_seller, buyer):
        service, auth = someone.service(server, "Member")
        fault = fault_of(service.getSellerVerification, username=seller.username, **auth)
        assert detail_code(fault) in ("NOT_OWNER", "ROLE_REQUIRED")
        assert detail_code(fault_of(service.overrideSellerVerification, username=seller.username, status="VERIFIED",
                                    reason="saya sendiri", **auth)) == "ROLE_REQUIRED"
    service, auth = admin.service(server, "Member")
    assert detail_code(fault_of(service.overrideSellerVerification, username=seller.username, status="UNVERIFIED",
                                reason="alasan", **auth)) == "VALIDATION_FAILED"
    assert detail_code(fault_of(service.reverifySeller, username=buyer.username, **auth)) == "UNKNOWN_SELLER"
    after = verification(server, seller)
    assert (after.status, after.reasons, len(after.changes.VerificationChange)) == (
        before.status, before.reasons, len(before.changes.VerificationChange))
