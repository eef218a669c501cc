"""Verified sellers: after activation the worker asks the population registry about the NIK, the
business licensing service about the NIB, and the payout bank who holds the account
(domain.seller_verification says what the answers make of the seller). Admins list, re-run and
override; a changed payout account is checked again.

Partners are asked outside any transaction: a round claims a seller by moving its next check past a
lease, asks, then writes the verdict only if nobody asked for a fresh check meanwhile (a payout
account changed during the round is checked again, never marked by the old account's answer).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from datetime import date, datetime, timedelta
from typing import Callable, Mapping

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from adapters.bank import BankAdapter
from adapters.dukcapil import DukcapilAdapter
from adapters.errors import AdapterError, PartnerRejected
from adapters.oss import OssAdapter
from emall_ws.db.models import Member, SellerVerification, SellerVerificationHistory
from emall_ws.db.session import Database
from emall_ws.db.statements import rows_changed
from emall_ws.domain import seller_verification as rules
from emall_ws.domain.errors import FieldError, NotFound, ValidationFailed
from emall_ws.domain.holder_names import names_match
from emall_ws.domain.members import SELLER
from emall_ws.domain.paging import offset_within
from emall_ws.domain.pipelines import SELLER_VERIFICATION, VerificationStatus
from emall_ws.domain.text import checked_text
from emall_ws.services import actors
from emall_ws.services.auth import Principal
from emall_ws.services.status import HistoryEntry, change_status, read_history

log = logging.getLogger(__name__)
JOB = "verify-sellers"
LEASE = timedelta(minutes=5)  # a round that died holding a seller lets another take it after this
BATCH = 50  # sellers per round
PAGE_SIZE_MAX = 100
OVERRIDES = (VerificationStatus.VERIFIED, VerificationStatus.REJECTED)


@dataclass(frozen=True)
class IdentityPartners:
    dukcapil: DukcapilAdapter
    oss: OssAdapter
    banks: Mapping[str, BankAdapter]


@dataclass(frozen=True)
class VerificationView:
    username: str
    status: str
    reasons: tuple[str, ...]
    checked_at: datetime | None
    next_check_at: datetime | None
    attempts: int


def _view(row: SellerVerification, username: str) -> VerificationView:
    return VerificationView(username, row.status, tuple(filter(None, row.reasons.split(","))), row.checked_at,
                            row.next_check_at, row.attempts)


# --- asking for a check ---------------------------------------------------------------------------

def record_birth_date(session: Session, member: Member, birth_date: date | None, now: datetime) -> None:
    """A new seller's row, UNVERIFIED and not yet due (activation makes it due), keeping the birth date
    the NIK check needs."""
    row = SellerVerification(member=member, birth_date=birth_date, reasons="", attempts=0, updated_at=now)
    change_status(session, SELLER_VERIFICATION, row, SellerVerificationHistory, VerificationStatus.UNVERIFIED,
                  now, "registered", actors.member(member))
    session.add(row)


def check_again(session: Session, member: Member, now: datetime, reason: str, actor: str) -> None:
    """Due at once (the worker's next round): on activation, a changed payout account, an admin's
    re-run. A seller without a row yet (registered before verification existed) gets one."""
    if member.role != SELLER:
        return
    row = session.get(SellerVerification, member.id, with_for_update=True)
    if row is None:
        record_birth_date(session, member, None, now)
        row = session.get_one(SellerVerification, member.id)
    if row.status != VerificationStatus.UNVERIFIED:
        change_status(session, SELLER_VERIFICATION, row, SellerVerificationHistory, VerificationStatus.UNVERIFIED,
                      now, reason, actor)
    row.next_check_at, row.attempts, row.updated_at = now, 0, now


# --- the worker's round ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Seller:
    member_id: int
    lease: datetime  # the claim: the round writes its verdict only while the row still holds it
    name: str
    nik: str | None
    nib: str | None
    birth_date: date | None
    bank_code: str | None
    account_number: str | None


def verify_due_sellers(db: Database, partners: IdentityPartners, now: datetime) -> int:
    """One round: every seller due, checked and written. Returns how many were checked."""
    checked = 0
    for member_id in db.run(lambda session: list(session.scalars(
            select(SellerVerification.member_id).where(SellerVerification.next_check_at <= now)
            .order_by(SellerVerification.next_check_at).limit(BATCH)))):
        seller = db.run(partial(_claim, member_id=member_id, now=now))
        if seller is None:  # another worker took it, or it is no longer due
            continue
        try:
            found = rules.verdict(checks_for(seller, partners))
        except Exception:
            log.exception("seller %s: verification failed; checked again after the lease", member_id)
            continue
        db.run(partial(_settle, seller=seller, found=found, now=now))
        checked += 1
    return checked


def _claim(session: Session, member_id: int, now: datetime) -> _Seller | None:
    lease = now + LEASE
    taken = rows_changed(session, update(SellerVerification).where(
        SellerVerification.member_id == member_id, SellerVerification.next_check_at <= now)
        .values(next_check_at=lease))
    if taken != 1:
        return None
    row = session.get_one(SellerVerification, member_id)
    member = session.get_one(Member, member_id)
    return _Seller(member_id, lease, member.name, member.nik, member.nib, row.birth_date, member.bank_code,
                   member.account_number)


def checks_for(seller: _Seller, partners: IdentityPartners) -> list[rules.Check]:
    """Each partner's answer about `seller` as a check; the names its payout account may be held in
    are the member's and, with an active licence, the business's."""
    checks: list[rules.Check] = []
    names = [seller.name]
    if seller.nik:
        checks.append(_asked("DUKCAPIL", lambda: _identity_check(seller, partners.dukcapil)))
    if seller.nib:
        checks.append(_asked("OSS", lambda: _licence_check(seller, partners.oss, names)))
    if seller.bank_code and seller.account_number:
        bank = partners.banks[seller.bank_code]
        checks.append(_asked("BANK", lambda: _holder_check(bank.inquiry_account(seller.account_number or ""),
                                                            names)))
    return checks


def _asked(partner: str, ask: Callable[[], rules.Check]) -> rules.Check:
    try:
        return ask()
    except PartnerRejected:
        return rules.refused(partner)
    except AdapterError:
        return rules.unreachable(partner)


def _identity_check(seller: _Seller, dukcapil: DukcapilAdapter) -> rules.Check:
    if seller.nik is None or seller.birth_date is None:
        return rules.BIRTH_DATE_MISSING
    return rules.NIK_CHECKS[dukcapil.verify_nik(seller.nik, seller.name, seller.birth_date)]


def _licence_check(seller: _Seller, oss: OssAdapter, names: list[str]) -> rules.Check:
    licence = oss.verify_nib(seller.nib or "")
    if licence is None:
        return rules.NIB_NOT_FOUND
    status = rules.licence_status(licence.status)
    if status.outcome is not rules.Outcome.PASSED:
        return status
    # the licence is the seller's when it names the seller, or its owner is the seller's NIK
    if not (names_match(licence.business_name, seller.name) or (seller.nik and licence.owner_nik == seller.nik)):
        return rules.NIB_NAME_MISMATCH
    names.append(licence.business_name)
    return rules.PASSED


def _holder_check(holder: str | None, names: list[str]) -> rules.Check:
    if holder is None:
        return rules.ACCOUNT_NOT_FOUND
    return rules.PASSED if any(names_match(holder, name) for name in names) else rules.ACCOUNT_HOLDER_MISMATCH


def _settle(session: Session, seller: _Seller, found: rules.Verdict, now: datetime) -> None:
    row = session.get(SellerVerification, seller.member_id, with_for_update=True)
    if row is None or row.next_check_at != seller.lease:
        return  # asked for again during the round (a changed account, an admin's re-run): that check decides
    if row.status != found.status:
        change_status(session, SELLER_VERIFICATION, row, SellerVerificationHistory, found.status, now,
                      ", ".join(found.reasons) or "checked", actors.job(JOB))
    row.reasons = ",".join(found.reasons)[:200]
    row.checked_at = row.updated_at = now
    row.attempts = row.attempts + 1 if found.ask_again else 0
    row.next_check_at = now + rules.retry_delay(row.attempts) if found.ask_again else None


# --- reading and admins ---------------------------------------------------------------------------

def verification_of(session: Session, username: str) -> VerificationView:
    """A seller's verification (the caller checks who may see it)."""
    member = _seller(session, username)
    return _view(session.get_one(SellerVerification, member.id), member.username)


def list_verifications(session: Session, status: str | None, page: int, page_size: int
                       ) -> tuple[list[VerificationView], int]:
    """Sellers by verification status (all without one), those checked longest ago first."""
    query = select(SellerVerification, Member.username).join(Member)
    if status:
        query = query.where(SellerVerification.status == status)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    size = max(1, min(page_size, PAGE_SIZE_MAX))
    offset = offset_within(max(page, 1), size, total)
    rows = () if offset is None else session.execute(
        query.order_by(SellerVerification.updated_at, SellerVerification.member_id).offset(offset).limit(size))
    return [_view(row, username) for row, username in rows], total


def rerun(session: Session, admin: Principal, username: str, now: datetime) -> VerificationView:
    member = _seller(session, username)
    check_again(session, member, now, "re-run by an admin", actors.member(admin))
    return verification_of(session, member.username)


def override(session: Session, admin: Principal, username: str, status: str, reason: str | None,
             now: datetime) -> VerificationView:
    """An admin decides, with a reason: the verdict stands until the next re-run or account change."""
    why = checked_text("reason", reason, 200)
    if status not in OVERRIDES:
        raise ValidationFailed([FieldError("status", "OVERRIDE_STATUS", {"statuses": ", ".join(OVERRIDES)})])
    member = _seller(session, username)
    row = session.get_one(SellerVerification, member.id, with_for_update=True)
    if row.status != status:
        change_status(session, SELLER_VERIFICATION, row, SellerVerificationHistory, status, now, why,
                      actors.member(admin))
    row.reasons, row.next_check_at, row.attempts, row.updated_at = rules.OVERRIDDEN, None, 0, now
    return _view(row, member.username)


def history(session: Session, username: str) -> list[HistoryEntry]:
    member = _seller(session, username)
    return read_history(session, SellerVerificationHistory, SellerVerificationHistory.member_id, member.id)


def _seller(session: Session, username: str) -> Member:
    member = session.scalars(select(Member).where(Member.username_key == username.lower())).first()
    if member is None or session.get(SellerVerification, member.id) is None:
        raise NotFound("UNKNOWN_SELLER", username=username)
    return member
