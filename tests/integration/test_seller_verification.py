"""Verified sellers (services.seller_verification) against fake partners: what each answer makes of a
seller, a partner outage retried with backoff and never rejecting, a changed account during a round,
two workers at once, and admins re-running and overriding (every refusal changing nothing)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from adapters.bank import BankAdapter
from adapters.dukcapil import DukcapilAdapter
from adapters.errors import PartnerRejected, PartnerUnavailable
from adapters.oss import BusinessLicence, OssAdapter
from emall_ws.db.models import Member, SellerVerification, SellerVerificationHistory
from emall_ws.domain.errors import NotFound, ValidationFailed
from emall_ws.domain.holder_names import names_match
from emall_ws.services import seller_verification as verification
from emall_ws.services.seller_verification import IdentityPartners, verify_due_sellers
from tests.builders import NOW, add_member, add_seller

NIK = "3374014508900001"  # Semarang, born 5 August 1990 (a woman: day + 40)
BORN = date(1990, 8, 5)
NIB = "9120001234567"


class Registry(DukcapilAdapter):
    def __init__(self):
        self.people: dict[str, tuple[str, date, bool]] = {}
        self.failure: Exception | None = None
        self.asked = 0

    def verify_nik(self, nik, name, birth_date):
        self.asked += 1
        if self.failure is not None:
            raise self.failure
        if nik not in self.people:
            return "NOT_FOUND"
        known, born, deceased = self.people[nik]
        if deceased:
            return "DECEASED"
        if not names_match(known, name):  # a registry reads past titles and case as the platform does
            return "NAME_MISMATCH"
        return "MATCH" if born == birth_date else "BIRTHDATE_MISMATCH"


class Licensing(OssAdapter):
    def __init__(self):
        self.licences: dict[str, BusinessLicence] = {}

    def verify_nib(self, nib):
        return self.licences.get(nib)


class Bank(BankAdapter):
    bank = "bca"

    def __init__(self):
        self.holders: dict[str, str] = {}
        self.before_answer = lambda: None

    def get_mutations(self, account_number, from_time, to_time):
        return []

    def inquiry_account(self, account_number):
        self.before_answer()
        return self.holders.get(account_number)


@pytest.fixture
def partners():
    return IdentityPartners(Registry(), Licensing(), {"bca": Bank()})


def a_seller(db, username="siti", name="Hj. Siti Aminah, S.E.", nik=NIK, nib=None, born=BORN,
             account="1234567890"):
    """An active seller due for its first check, as activation leaves one."""
    seller = add_seller(db, username, "33.74", account=account)
    with db.unit_of_work() as session:
        session.execute(update(Member).where(Member.id == seller.member_id).values(name=name, nik=nik, nib=nib))
        member = session.get_one(Member, seller.member_id)
        verification.record_birth_date(session, member, born, NOW)
        session.flush()
        verification.check_again(session, member, NOW, "activated", "member:siti")
    return seller


def state(db, seller):
    with db.unit_of_work() as session:
        row = session.get_one(SellerVerification, seller.member_id)
        return row.status, row.reasons, row.attempts, row.next_check_at


def changes(db, seller):
    with db.unit_of_work() as session:
        return [(h.from_status, h.to_status, h.actor) for h in session.scalars(
            select(SellerVerificationHistory).where(SellerVerificationHistory.member_id == seller.member_id)
            .order_by(SellerVerificationHistory.id))]


def known(partners, name="SITI AMINAH", holder="HJ SITI AMINAH SE", account="1234567890"):
    partners.dukcapil.people[NIK] = (name, BORN, False)
    partners.banks["bca"].holders[account] = holder


def test_a_known_nik_and_the_holder_of_the_account_make_the_seller_verified(db, partners):
    seller = a_seller(db)
    known(partners)
    assert verify_due_sellers(db, partners, NOW) == 1
    assert state(db, seller) == ("VERIFIED", "", 0, None)
    assert changes(db, seller) == [(None, "UNVERIFIED", "member:siti"),
                                   ("UNVERIFIED", "VERIFIED", "job:verify-sellers")]
    assert verify_due_sellers(db, partners, NOW + timedelta(days=1)) == 0  # settled: not asked again


def test_a_nik_the_registry_does_not_know_stays_unverified_with_the_reason_and_is_not_asked_again(db, partners):
    seller = a_seller(db)
    partners.banks["bca"].holders["1234567890"] = "SITI AMINAH"
    verify_due_sellers(db, partners, NOW)
    assert state(db, seller) == ("UNVERIFIED", "NIK_NOT_FOUND", 0, None)
    assert verify_due_sellers(db, partners, NOW + timedelta(days=1)) == 0


@pytest.mark.parametrize("person, holder, reasons", [
    (("Siti Rahayu", BORN, False), "SITI AMINAH", "NIK_NAME_MISMATCH"),
    (("Siti Aminah", date(1990, 8, 6), False), "SITI AMINAH", "NIK_BIRTHDATE_MISMATCH"),
    (("Siti Aminah", BORN, True), "SITI AMINAH", "NIK_DECEASED"),
    (("Siti Aminah", BORN, False), "BUDI SANTOSO", "ACCOUNT_HOLDER_MISMATCH"),
    (("Siti Aminah", BORN, False), None, "ACCOUNT_NOT_FOUND"),
])
def test_an_answer_that_names_someone_else_rejects_the_seller(db, partners, person, holder, reasons):
    seller = a_seller(db)
    partners.dukcapil.people[NIK] = person
    if holder:
        partners.banks["bca"].holders["1234567890"] = holder
    verify_due_sellers(db, partners, NOW)
    assert state(db, seller) == ("REJECTED", reasons, 0, None)


def test_a_seller_without_a_birth_date_stays_unverified_without_asking_the_registry(db, partners):
    seller = a_seller(db, born=None)
    known(partners)
    verify_due_sellers(db, partners, NOW)
    assert state(db, seller) == ("UNVERIFIED", "BIRTH_DATE_MISSING", 0, None)
    assert partners.dukcapil.asked == 0


def test_a_registry_down_never_rejects_and_is_asked_again_later_and_later(db, partners):
    seller = a_seller(db)
    known(partners)
    partners.dukcapil.failure = PartnerUnavailable("dukcapil", "connection refused")
    verify_due_sellers(db, partners, NOW)
    assert state(db, seller) == ("UNVERIFIED", "DUKCAPIL_UNAVAILABLE", 1, NOW + timedelta(minutes=1))
    assert verify_due_sellers(db, partners, NOW + timedelta(seconds=59)) == 0  # not due yet
    verify_due_sellers(db, partners, NOW + timedelta(minutes=1))
    assert state(db, seller) == ("UNVERIFIED", "DUKCAPIL_UNAVAILABLE", 2, NOW + timedelta(minutes=3))
    partners.dukcapil.failure = None
    verify_due_sellers(db, partners, NOW + timedelta(minutes=3))
    assert state(db, seller) == ("VERIFIED", "", 0, None)


def test_a_registry_refusing_the_request_leaves_the_seller_unverified_without_retrying(db, partners):
    seller = a_seller(db)
    known(partners)
    partners.dukcapil.failure = PartnerRejected("dukcapil", "INVALID_NIK", "not 16 digits")
    verify_due_sellers(db, partners, NOW)
    assert state(db, seller) == ("UNVERIFIED", "DUKCAPIL_REFUSED", 0, None)


def test_a_business_licence_verifies_a_seller_whose_account_is_the_business(db, partners):
    seller = a_seller(db, name="Koperasi Maju Bersama", nik=None, nib=NIB)
    partners.oss.licences[NIB] = BusinessLicence(NIB, "ACTIVE", "KOPERASI MAJU BERSAMA", NIK, ("10792",))
    partners.banks["bca"].holders["1234567890"] = "KOP MAJU BERSAMA"
    verify_due_sellers(db, partners, NOW)
    assert state(db, seller)[:2] == ("VERIFIED", "")


@pytest.mark.parametrize("licence, reasons, status", [
    (None, "NIB_NOT_FOUND", "UNVERIFIED"),
    (BusinessLicence(NIB, "SUSPENDED", "CV MAJU JAYA", NIK, ()), "NIB_SUSPENDED", "REJECTED"),
    (BusinessLicence(NIB, "REVOKED", "CV MAJU JAYA", NIK, ()), "NIB_REVOKED", "REJECTED"),
    (BusinessLicence(NIB, "ACTIVE", "PT SUMBER REJEKI", "3374010101900001", ()), "NIB_NAME_MISMATCH", "REJECTED"),
])
def test_a_licence_unknown_suspended_revoked_or_of_someone_else(db, partners, licence, reasons, status):
    seller = a_seller(db, name="CV. Maju Jaya", nik=None, nib=NIB)
    if licence:
        partners.oss.licences[NIB] = licence
    partners.banks["bca"].holders["1234567890"] = "MAJU JAYA"
    verify_due_sellers(db, partners, NOW)
    assert state(db, seller)[:2] == (status, reasons)


def test_an_account_changed_during_the_round_is_checked_again_not_marked_by_the_old_answer(db, partners):
    seller = a_seller(db)
    known(partners)
    with db.unit_of_work() as session:
        member = session.get_one(Member, seller.member_id)

    def changed_meanwhile():
        with db.unit_of_work() as session:
            verification.check_again(session, session.get_one(Member, member.id), NOW, "payout account changed",
                                     "member:siti")

    partners.banks["bca"].before_answer = changed_meanwhile
    verify_due_sellers(db, partners, NOW)
    assert state(db, seller) == ("UNVERIFIED", "", 0, NOW)  # due again, the old answer dropped
    partners.banks["bca"].before_answer = lambda: None
    verify_due_sellers(db, partners, NOW + timedelta(seconds=1))
    assert state(db, seller)[0] == "VERIFIED"


def test_a_seller_taken_by_one_worker_is_not_taken_by_another(db, partners):
    seller = a_seller(db)
    first = db.run(lambda session: verification._claim(session, seller.member_id, NOW))
    second = db.run(lambda session: verification._claim(session, seller.member_id, NOW))
    assert first is not None and second is None
    # the first worker died: after the lease the seller is taken again
    assert db.run(lambda session: verification._claim(session, seller.member_id, NOW + verification.LEASE))


def test_admins_override_with_a_reason_and_re_run(db, partners):
    seller = a_seller(db)
    admin = add_member(db, "admin1", "ADMIN")
    verify_due_sellers(db, partners, NOW)  # NIK_NOT_FOUND
    with db.unit_of_work() as session:
        view = verification.override(session, admin, "siti", "VERIFIED", "KTP diperiksa di kantor dinas", NOW)
    assert (view.status, view.reasons) == ("VERIFIED", ("OVERRIDDEN",))
    with db.unit_of_work() as session:
        entry = verification.history(session, "siti")[-1]
    assert (entry.to_status, entry.reason, entry.actor) == ("VERIFIED", "KTP diperiksa di kantor dinas", "admin:admin1")
    with db.unit_of_work() as session:
        view = verification.rerun(session, admin, "siti", NOW + timedelta(hours=1))
    assert (view.status, view.next_check_at) == ("UNVERIFIED", NOW + timedelta(hours=1))
    known(partners)
    verify_due_sellers(db, partners, NOW + timedelta(hours=1))
    assert state(db, seller)[0] == "VERIFIED"


@pytest.mark.parametrize("username, status, reason, error", [
    ("siti", "UNVERIFIED", "alasan", ValidationFailed),
    ("siti", "VERIFIED", "x" * 201, ValidationFailed),
    ("nobody", "VERIFIED", "alasan", NotFound),
    ("budi", "VERIFIED", "alasan", NotFound),  # a buyer has no verification
])
def test_an_override_refused_changes_nothing(db, partners, username, status, reason, error):
    seller = a_seller(db)
    add_member(db, "budi", "BUYER")
    admin = add_member(db, "admin1", "ADMIN")
    before = state(db, seller), changes(db, seller)
    with pytest.raises(error), db.unit_of_work() as session:
        verification.override(session, admin, username, status, reason, NOW)
    assert (state(db, seller), changes(db, seller)) == before
