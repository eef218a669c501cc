"""Payment confirmation: payee accounts' mutations read from the banks, recorded once, matched to invoices.

Exactly once, however often a window is read and however many workers read it:
- a mutation is recorded once: the unique key (bank, account, mutation id) refuses a second row, and a
  chunk that meets one written meanwhile by another reader is rolled back and done again;
- an invoice is paid once: candidate invoices are locked (FOR UPDATE on MariaDB; SQLite has one writer)
  and their status re-read under the lock, and bank_mutation.invoice_id is unique;
- the invoice, its order, the mutation's outcome and the notifications are one transaction.
Bank calls happen outside transactions: a slow bank holds no lock.
Mutations pushed by a mutation service (emall_ws/hooks/mutations.py) take the same record_mutations path;
accounts configured as pushed (ReconcilePolicy.pushed) are then read only as a fallback.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Iterable, Mapping, Protocol

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from adapters.bank import BankAdapter, Mutation
from adapters.errors import AdapterError, PartnerRejected
from emall_ws.clock import as_utc, aware
from emall_ws.db.models import BankMutation, Invoice, Member, PayeeAccountPoll
from emall_ws.db.session import Database, is_deadlock_or_duplicate
from emall_ws.db.statements import rows_changed
from emall_ws.domain import payments as rules
from emall_ws.domain.auction import rupiah
from emall_ws.domain.errors import DomainError, FieldError, ValidationFailed
from emall_ws.domain.paging import offset_within
from emall_ws.domain.partners import bank_name, courier_name
from emall_ws.domain.pipelines import InvoiceStatus, OrderStatus
from emall_ws.notify import outbox
from emall_ws.notify.outbox import notify_member
from emall_ws.domain.members import ADMIN
from emall_ws.services import actors
from emall_ws.services.auth import Principal, authorize
from emall_ws.services.invoices import set_invoice_status, set_order_status, visible_invoice

log = logging.getLogger(__name__)

CHUNK = 500  # mutations recorded and matched per transaction
PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX = 50, 200


class ReconcileSettings(Protocol):
    """What ReconcilePolicy reads of emall_ws.config.Settings."""
    @property
    def reconcile_overlap(self) -> float: ...
    @property
    def late_payment_days(self) -> float: ...
    @property
    def moota_secret(self) -> str | None: ...
    @property
    def pushed_accounts(self) -> frozenset[tuple[str, str]]: ...
    @property
    def push_fallback_interval(self) -> float: ...


@dataclass(frozen=True)
class ReconcilePolicy:
    overlap: timedelta = timedelta(minutes=15)  # EMALL_RECONCILE_OVERLAP: each window re-reads this much
    late_window: timedelta = timedelta(days=7)  # EMALL_LATE_PAYMENT_DAYS: expired invoices still watched
    lease: timedelta = timedelta(minutes=5)  # one worker reads an account at a time
    # EMALL_PUSHED_ACCOUNTS: (bank, account) whose mutations are pushed (hooks/mutations.py); their
    # statements are read every push_fallback (EMALL_PUSH_FALLBACK_INTERVAL), for pushes that never came
    pushed: frozenset[tuple[str, str]] = frozenset()
    push_fallback: timedelta = timedelta(hours=1)

    @classmethod
    def from_settings(cls, settings: ReconcileSettings) -> ReconcilePolicy:
        """From emall_ws.config.Settings (or any object with the attributes of ReconcileSettings)."""
        # without the hook's secret no push can arrive: every account is read each round then
        pushed = settings.pushed_accounts if settings.moota_secret else frozenset()
        return cls(overlap=timedelta(seconds=settings.reconcile_overlap),
                   late_window=timedelta(days=settings.late_payment_days), pushed=pushed,
                   push_fallback=timedelta(seconds=settings.push_fallback_interval))


class BankUnavailable(DomainError):
    reason = "PartnerUnavailable"
    side = "Server"  # the bank, not the caller, failed


@dataclass
class ReadOutcome:
    """What reading mutations did: counts, and the invoices paid."""
    read: int = 0
    recorded: int = 0  # new mutations (the rest were recorded before)
    held: int = 0  # new credits kept for an admin
    paid: list[str] = field(default_factory=list)  # invoice numbers

    def __iadd__(self, other: ReadOutcome) -> ReadOutcome:
        self.read += other.read
        self.recorded += other.recorded
        self.held += other.held
        self.paid += other.paid
        return self


@dataclass
class ReconcileReport:
    accounts: int = 0  # accounts read
    skipped: int = 0  # accounts another worker was reading
    left_to_push: int = 0  # pushed accounts whose fallback reading is not due yet
    outcome: ReadOutcome = field(default_factory=ReadOutcome)
    failures: list[str] = field(default_factory=list)  # "bank account: reason"


# --- recording and matching -------------------------------------------------------------------------

def record_mutations(db: Database, bank: str, account: str, mutations: Iterable[Mutation], now: datetime,
                     policy: ReconcilePolicy) -> ReadOutcome:
    """Records the mutations not recorded yet and lets each new credit pay its invoice or be held."""
    ordered = sorted(mutations, key=lambda m: (m.posted_at, m.mutation_id))
    outcome = ReadOutcome(read=len(ordered))
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start:start + CHUNK]
        # another reader recording some of these first (IntegrityError) rolls the chunk back whole like
        # a deadlock does: the next attempt sees their rows and skips them
        outcome += db.run(partial(_record_and_note, bank=bank, account=account, chunk=chunk, now=now, policy=policy),
                          rerun_if=is_deadlock_or_duplicate)
    return outcome


def _record_and_note(session: Session, bank: str, account: str, chunk: list[Mutation], now: datetime,
                     policy: ReconcilePolicy) -> ReadOutcome:
    recorded = _record_chunk(session, bank, account, chunk, now, policy)
    if recorded.paid:  # nobody may see the invoice PAID by a reading not yet noted
        _mark_read(session, _poll_row(session, bank, account), now)
    return recorded


def _record_chunk(session: Session, bank: str, account: str, chunk: list[Mutation], now: datetime,
                  policy: ReconcilePolicy) -> ReadOutcome:
    known = set(session.scalars(select(BankMutation.mutation_id).where(
        BankMutation.bank == bank, BankMutation.account_number == account,
        BankMutation.mutation_id.in_([m.mutation_id for m in chunk]))))
    fresh = {m.mutation_id: m for m in chunk if m.mutation_id not in known}
    # inserted in key order: concurrent readers take the unique index's locks in the same order
    rows = [BankMutation(bank=bank, account_number=account, mutation_id=m.mutation_id,
                         posted_at=as_utc(m.posted_at), type=m.type, amount=m.amount,
                         description=(m.description or "")[:200], balance=m.balance, read_at=now,
                         match_status=rules.MatchStatus.NO_MATCH if m.type == "CR" else rules.MatchStatus.DEBIT)
            for m in sorted(fresh.values(), key=lambda m: m.mutation_id)]
    session.add_all(rows)
    session.flush()
    outcome = ReadOutcome(recorded=len(rows))
    credits = sorted((r for r in rows if r.type == "CR"), key=lambda r: (r.posted_at, r.mutation_id))
    if not credits:
        return outcome
    by_amount = _candidates(session, bank, account, credits, policy)
    members: dict[int, Member] = {}  # the session's identity map holds objects weakly: keep them here
    with session.no_autoflush, outbox.batched(session):  # one flush and one outbox insert per chunk
        for row in credits:
            invoices = by_amount.get(row.amount, [])
            decision = rules.decide(row.posted_at, [rules.Candidate(i.id, i.number, i.status, i.issued_at, i.due_at)
                                                    for i in invoices])
            row.match_status, row.note = decision.match_status, decision.note
            if decision.match_status == rules.MatchStatus.MATCHED:
                invoice = next(i for i in invoices if i.id == decision.invoice_id)
                pay_invoice(session, invoice, row, now, members)
                outcome.paid.append(invoice.number)
            else:
                outcome.held += 1
                log.info("%s %s: credit %s of %d held: %s %s", bank, account, row.mutation_id, row.amount,
                         decision.match_status, decision.note)
    return outcome


def _candidates(session: Session, bank: str, account: str, credits: list[BankMutation],
                policy: ReconcilePolicy) -> dict[int, list[Invoice]]:
    """The invoices to this account with the credits' amounts, locked, in id order (one lock order
    for every reader), their status read under the lock."""
    first, last = credits[0].posted_at, credits[-1].posted_at
    invoices = session.scalars(
        select(Invoice).where(Invoice.payee_bank == bank, Invoice.payee_account == account,
                              Invoice.amount_due.in_({c.amount for c in credits}),
                              Invoice.issued_at <= last + timedelta(seconds=1),
                              Invoice.due_at > first - policy.late_window)
        .options(selectinload(Invoice.order))  # the order moves with its invoice; its lock is the invoice's
        .order_by(Invoice.id).with_for_update().execution_options(populate_existing=True))
    by_amount: dict[int, list[Invoice]] = defaultdict(list)
    for invoice in invoices:
        by_amount[invoice.amount_due].append(invoice)
    return by_amount


def pay_invoice(session: Session, invoice: Invoice, mutation: BankMutation, now: datetime,
                members: dict[int, Member] | None = None) -> None:
    """The invoice turns PAID ("LUNAS") by `mutation`, its order PAID; buyer and seller are told.
    `members`: buyers and sellers already loaded in this transaction, by id."""
    members = {} if members is None else members
    reason = f"{mutation.bank} mutation {mutation.mutation_id}"  # the bank by its code (bca), as stored
    # a worker's round notes `now` as it begins; an invoice issued during the round may be paid by it, and
    # its history must not show the payment before the issue
    now = max(now, invoice.issued_at)
    set_invoice_status(session, invoice, InvoiceStatus.PAID, now, reason, actors.bank(mutation.bank),
                       paid_at=mutation.posted_at)
    set_order_status(session, invoice.order, OrderStatus.PAID, now, reason, actors.bank(mutation.bank))
    mutation.invoice_id = invoice.id
    for member_id, role in ((invoice.buyer_id, "buyer"), (invoice.seller_id, "seller")):
        if member_id not in members:
            members[member_id] = session.get_one(Member, member_id)
        member = members[member_id]
        notify_member(session, f"invoice:{invoice.number}:paid:{role}", member.email, member.phone,
                      f"payment_received_{role}", {
                          "name": member.name, "invoice_number": invoice.number,
                          "order_number": invoice.order.number, "amount": rupiah(invoice.amount_due),
                          "bank": bank_name(invoice.payee_bank),
                          "account": invoice.payee_account, "paid_at": invoice.paid_at,
                          "courier": f"{courier_name(invoice.order.courier)} {invoice.order.courier_service}"})


# --- reading accounts -------------------------------------------------------------------------------

def read_account(db: Database, adapter: BankAdapter, account: str, start: datetime, end: datetime,
                 now: datetime, policy: ReconcilePolicy) -> ReadOutcome:
    """Reads [start, end) of a payee account and records what it finds; a bank that fails raises
    BankUnavailable after noting the failure (nothing else is written)."""
    bank = adapter.bank
    try:
        mutations = adapter.get_mutations(account, aware(start), aware(end))
    except AdapterError as error:
        _note_reading(db, bank, account, now, error=str(error))
        # refused (e.g. an account the bank does not know) is for an admin to look at; anything else
        # is the bank being down, slow or garbled
        code, refusal = (("BANK_REFUSED", error.code or "-") if isinstance(error, PartnerRejected)
                         else ("BANK_UNAVAILABLE", ""))
        raise BankUnavailable(code, bank=bank_name(bank), bank_code=bank, refusal=refusal) from error
    outcome = record_mutations(db, bank, account, mutations, now, policy)
    _note_reading(db, bank, account, now, read_until=end)
    return outcome


def _poll_row(session: Session, bank: str, account: str) -> PayeeAccountPoll:
    query = select(PayeeAccountPoll).where(PayeeAccountPoll.bank == bank, PayeeAccountPoll.account_number == account)
    row = session.scalars(query).first()
    if row is None:
        try:
            with session.begin_nested():
                row = PayeeAccountPoll(bank=bank, account_number=account)
                session.add(row)
        except IntegrityError:  # another worker made it meanwhile
            row = session.scalars(query).one()
    return row


def _mark_read(session: Session, row: PayeeAccountPoll, now: datetime, error: str = "") -> None:
    """Notes a reading begun at `now`, unless a later one was noted first: a worker's failed round
    that ends after a buyer's good reading does not bring its error back. One conditional UPDATE, so
    two readers noting at once cannot interleave."""
    session.execute(update(PayeeAccountPoll).where(
        PayeeAccountPoll.id == row.id,
        or_(PayeeAccountPoll.last_checked_at.is_(None), PayeeAccountPoll.last_checked_at <= now))
        .values(last_checked_at=now, last_error=error[:200]))


def _note_reading(db: Database, bank: str, account: str, now: datetime, *, read_until: datetime | None = None,
                  error: str = "") -> None:
    def note(session: Session) -> None:
        row = _poll_row(session, bank, account)
        _mark_read(session, row, now, error)
        row.leased_until = None
        if read_until is not None and (row.read_until is None or read_until > row.read_until):
            row.read_until = read_until  # never backwards: a buyer's reading may end before the worker's

    db.run(note)


def _claim(db: Database, bank: str, account: str, now: datetime, lease: timedelta) -> tuple[bool, datetime | None]:
    """Leases the account to this reader: (taken, where the last reading ended). One conditional
    UPDATE takes the lease, so two workers cannot both win it."""
    def claim(session: Session) -> tuple[bool, datetime | None]:
        row = _poll_row(session, bank, account)
        taken = rows_changed(session, update(PayeeAccountPoll).where(
            PayeeAccountPoll.id == row.id,
            or_(PayeeAccountPoll.leased_until.is_(None), PayeeAccountPoll.leased_until < now))
            .values(leased_until=now + lease))
        return taken == 1, row.read_until

    return db.run(claim)


def _fallback_due(db: Database, bank: str, account: str, now: datetime, policy: ReconcilePolicy) -> bool:
    """Whether a pushed account's statement is due a reading: never read yet, or its last reading ended
    push_fallback ago. Only statement readings move read_until: a push does not put the reading off."""
    read_until = db.run(lambda session: session.scalar(select(PayeeAccountPoll.read_until).where(
        PayeeAccountPoll.bank == bank, PayeeAccountPoll.account_number == account)))
    return read_until is None or now - read_until >= policy.push_fallback


def accounts_to_read(session: Session, now: datetime, policy: ReconcilePolicy) -> list[tuple[str, str, datetime]]:
    """(bank, account, earliest issue time) of every payee account with an open invoice, or one closed
    (paid, cancelled, expired) recently enough that money still sent for it should be seen and held."""
    watched = or_(Invoice.status == InvoiceStatus.UNPAID, Invoice.closed_at >= now - policy.late_window)
    return [(bank, account, first_issued) for bank, account, first_issued in session.execute(
        select(Invoice.payee_bank, Invoice.payee_account, func.min(Invoice.issued_at)).where(watched)
        .group_by(Invoice.payee_bank, Invoice.payee_account).order_by(Invoice.payee_bank, Invoice.payee_account))]


def reconcile(db: Database, banks: Mapping[str, BankAdapter], now: datetime,
              policy: ReconcilePolicy) -> ReconcileReport:
    """One round over every watched payee account, each from a little before where the last reading
    ended (or from its earliest watched invoice) to now. A failing bank is noted and read next round;
    so is an account whose reading failed on our side (logged), without stopping the round."""
    report = ReconcileReport()
    accounts = db.run(lambda session: accounts_to_read(session, now, policy))
    for bank, account, earliest in accounts:
        adapter = banks.get(bank)
        if adapter is None:
            report.failures.append(f"{bank} {account}: no adapter for this bank")
            continue
        if (bank, account) in policy.pushed and not _fallback_due(db, bank, account, now, policy):
            report.left_to_push += 1
            continue
        taken, read_until = _claim(db, bank, account, now, policy.lease)
        if not taken:
            report.skipped += 1
            continue
        start = earliest.replace(microsecond=0)
        if read_until is not None:
            start = max(start, read_until - policy.overlap)
        try:
            if start < now:
                report.outcome += read_account(db, adapter, account, start, now, now, policy)
                report.accounts += 1
            else:
                _note_reading(db, bank, account, now)
        except BankUnavailable as error:
            report.failures.append(f"{bank} {account}: {error.__cause__}")
        except Exception as error:
            log.exception("%s %s: reading failed; read again next round", bank, account)
            report.failures.append(f"{bank} {account}: {type(error).__name__}")
            _note_reading(db, bank, account, now, error=f"internal: {type(error).__name__}")
    for failure in report.failures:
        log.warning("reconcile: %s", failure)
    if report.outcome.paid or report.outcome.held:
        log.info("reconcile: %d accounts, %d mutations new, invoices paid: %s, credits held: %d", report.accounts,
                 report.outcome.recorded, ", ".join(report.outcome.paid) or "-", report.outcome.held)
    return report


# --- the buyer's and the admin's view ---------------------------------------------------------------

@dataclass(frozen=True)
class MutationView:
    bank: str
    account_number: str
    mutation_id: str
    posted_at: datetime
    type: str
    amount: int
    description: str
    match_status: str
    note: str
    read_at: datetime


@dataclass(frozen=True)
class PaymentView:
    invoice_number: str
    status: str
    amount_due: int
    payee_bank: str
    payee_account: str
    due_at: datetime
    paid_at: datetime | None
    mutation: MutationView | None  # the one that paid it
    last_checked_at: datetime | None  # the payee account's last reading, by anyone
    last_error: str  # of that reading, when the bank failed
    checked_from: datetime | None = None  # the window this call read (confirmPayment only)
    checked_to: datetime | None = None
    mutations_read: int | None = None


def _mutation_view(row: BankMutation) -> MutationView:
    return MutationView(row.bank, row.account_number, row.mutation_id, row.posted_at, row.type, row.amount,
                        row.description, row.match_status, row.note, row.read_at)


def payment_view(session: Session, principal: Principal, number: str | None, *, checked_from: datetime | None = None,
                 checked_to: datetime | None = None, mutations_read: int | None = None) -> PaymentView:
    """The payment status of an invoice, for its buyer, its payee or an admin, without calling the bank."""
    invoice = visible_invoice(session, principal, number)
    mutation = session.scalars(select(BankMutation).where(BankMutation.invoice_id == invoice.id)).first()
    poll = session.scalars(select(PayeeAccountPoll).where(
        PayeeAccountPoll.bank == invoice.payee_bank, PayeeAccountPoll.account_number == invoice.payee_account)).first()
    return PaymentView(invoice.number, invoice.status, invoice.amount_due, invoice.payee_bank, invoice.payee_account,
                       invoice.due_at, invoice.paid_at, _mutation_view(mutation) if mutation else None,
                       poll.last_checked_at if poll else None, poll.last_error if poll else "",
                       checked_from, checked_to, mutations_read)


def confirm_payment(db: Database, principal: Principal, number: str | None,
                    banks: Mapping[str, BankAdapter], now: datetime,
                    policy: ReconcilePolicy) -> PaymentView:
    """The buyer says they paid: the payee account is read at once, from the invoice's issue to now,
    and the answer is the status that results (PAID with its mutation, or UNPAID with what was read)."""
    # read once, then used detached: the sessions do not expire what they loaded on commit
    invoice = db.run(lambda session: visible_invoice(session, principal, number))
    if invoice.status != InvoiceStatus.UNPAID:  # paid, cancelled or expired: nothing a reading could change
        return db.run(lambda session: payment_view(session, principal, number))
    start = invoice.issued_at.replace(microsecond=0)
    outcome = read_account(db, banks[invoice.payee_bank], invoice.payee_account, start, now, now, policy)
    return db.run(lambda session: payment_view(session, principal, number, checked_from=start, checked_to=now,
                                               mutations_read=outcome.read))


@dataclass(frozen=True)
class MutationPage:
    total: int
    page: int
    page_size: int
    mutations: list[MutationView]


def held_mutations(session: Session, principal: Principal, status: str | None = None, page: int | None = None,
                   page_size: int | None = None) -> MutationPage:
    """Admins: credits that paid nothing (NO_MATCH, AMBIGUOUS, LATE, CLOSED), newest reading first."""
    authorize(principal, ADMIN)
    wanted = [status.strip().upper()] if status and status.strip() else list(rules.HELD)
    if not set(wanted) <= set(rules.HELD):
        raise ValidationFailed([FieldError("status", "MUTATION_STATUS_UNKNOWN", {"statuses": ", ".join(rules.HELD)})])
    size = max(1, min(page_size or PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX))
    page = max(1, page or 1)
    where = BankMutation.match_status.in_(wanted)
    total = session.execute(select(func.count()).select_from(BankMutation).where(where)).scalar_one()
    offset = offset_within(page, size, total)
    rows = () if offset is None else session.scalars(
        select(BankMutation).where(where).order_by(BankMutation.read_at.desc(), BankMutation.id.desc())
        .offset(offset).limit(size))
    return MutationPage(total, page, size, [_mutation_view(row) for row in rows])
