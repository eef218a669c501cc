"""Bank sandbox: one ledger per account, statements by time window (BCA, Mandiri, BNI, BRI).

Each bank numbers its mutations its own way (prefix + posting date + sequence), writes its own
description for an incoming transfer, and limits how long a statement window may be; those
limits are the banks' rule, mirrored on the client side by adapters.bank.MAX_WINDOW_DAYS.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from spyne import Array, DateTime, Long, ServiceBase, Unicode, rpc
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from emall_ws.clock import WIB, to_wib, utcnow
from emall_ws.domain.members import BANK_ACCOUNT_LENGTHS
from emall_ws.sandbox import moota_push
from emall_ws.sandbox.application import Partner, failure_mode_operation, partner_of, rejected
from emall_ws.sandbox.contracts import BANKS, AccountInquiry, Mutation
from emall_ws.sandbox.store import Account, LedgerEntry
from emall_ws.soap.faults import PlatformFault


@dataclass(frozen=True)
class BankProfile:
    prefix: str  # of its mutation ids
    window_days: int  # longest statement window it serves
    transfer_words: str  # its description of an incoming transfer: {date} {amount} {desc} {sender} {holder}


PROFILES: dict[str, BankProfile] = {
    "bca": BankProfile("BCA", 31, "TRSF E-BANKING CR {date}/FTSCY/WS95031 {amount}.00 {desc} {sender}"),
    "mandiri": BankProfile("MDR", 30, "MCM INHOUSETRF DARI {sender} {desc}"),
    "bni": BankProfile("BNI", 30, "TRANSFER DARI | {sender} | {desc}"),
    "bri": BankProfile("BRI", 30, "NBMB {sender} TO {holder} {desc}"),
}
assert set(PROFILES) == set(BANKS)

AccountNumber = Unicode(max_len=20, min_occurs=1, nillable=False)
RequiredTime = DateTime(min_occurs=1, nillable=False)


def utc_naive(moment: datetime) -> datetime:
    """A wire time as stored (naive UTC); a time without offset is the bank's local time, WIB."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WIB)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _wire(entry: LedgerEntry) -> Mutation:
    return Mutation(mutationId=entry.mutation_id, postedAt=to_wib(entry.posted_at), type=entry.type,
                    amount=entry.amount, description=entry.description, balance=entry.balance)


def _unknown(bank: str, number: str) -> PlatformFault:
    return rejected("UnknownAccount", f"Account {number} is not known at {BANKS[bank]}", "UNKNOWN_ACCOUNT")


def _find(session, bank: str, number: str, *, lock: bool = False) -> Account | None:
    query = select(Account).where(Account.bank == bank, Account.account_number == number)
    return session.scalar(query.with_for_update() if lock else query)


def _account(session, bank: str, number: str, *, lock: bool = False) -> Account:
    account = _find(session, bank, number, lock=lock)
    if account is None:
        raise _unknown(bank, number)
    return account


def _payee_account(session, partner: Partner, number: str) -> Account:
    """The account a transfer credits, locked: one opened before, or a seller's payout account that the
    platform has on record, opened now by its first incoming transfer (sandbox/payout_accounts.py)."""
    account = _find(session, partner.code, number, lock=True)
    if account is not None:
        return account
    holder = partner.payout_accounts.holder_of(partner.code, number)
    if holder is None:
        raise _unknown(partner.code, number)
    try:
        with session.begin_nested():  # two first transfers at once: the second finds the first's account
            session.add(Account(bank=partner.code, account_number=number, holder_name=holder[:100],
                                balance=0, opened_at=utcnow()))
    except IntegrityError:
        pass
    return _account(session, partner.code, number, lock=True)


def _post(session, bank: str, account: Account, kind: str, amount: int, description: str,
          posted_at: datetime) -> LedgerEntry:
    posted_at = posted_at.replace(microsecond=0)  # MariaDB keeps whole seconds: so do we everywhere
    account.balance += amount if kind == "CR" else -amount
    entry = LedgerEntry(bank=bank, account_id=account.id, posted_at=posted_at, type=kind, amount=amount,
                        description=description[:200], balance=account.balance)
    session.add(entry)
    session.flush()  # the database's sequence makes the id unique, even across worker processes
    entry.mutation_id = f"{PROFILES[bank].prefix}{to_wib(posted_at):%y%m%d}{entry.id:08d}"
    moota_push.announce(session, bank, account.account_number, entry)  # pushed once this transaction commits
    return entry


def open_account(session, bank: str, number: str, holder: str, opening_balance: int, now: datetime) -> Account:
    """A new account, its opening balance posted as a first credit (openAccount and the seed file)."""
    account = Account(bank=bank, account_number=number, holder_name=holder, balance=0, opened_at=now)
    session.add(account)
    session.flush()
    if opening_balance:
        _post(session, bank, account, "CR", opening_balance, "SETORAN AWAL", now)
    return account


class BankService(ServiceBase):
    setFailureMode = failure_mode_operation()  # sandbox only, on every contract

    @rpc(AccountNumber, RequiredTime, RequiredTime, _returns=Array(Mutation), _out_variable_name="mutations")
    def getMutations(ctx, accountNumber, fromTime, toTime):  # noqa: N802,N803
        """The account's mutations posted in [fromTime, toTime), oldest first."""
        partner = partner_of(ctx)
        start, end = utc_naive(fromTime), utc_naive(toTime)
        if end <= start:
            raise rejected("InvalidWindow", "toTime must be after fromTime", "INVALID_WINDOW")
        days = PROFILES[partner.code].window_days
        if end - start > timedelta(days=days):
            raise rejected("WindowTooLong", f"{BANKS[partner.code]} serves statements of at most "
                                            f"{days} days", "WINDOW_TOO_LONG")
        with partner.database.unit_of_work() as session:
            account = _find(session, partner.code, accountNumber)
            if account is None:
                if partner.payout_accounts.holder_of(partner.code, accountNumber) is None:
                    raise _unknown(partner.code, accountNumber)
                return []  # a seller's account nothing was transferred to yet: an empty statement
            entries = session.scalars(select(LedgerEntry).where(
                LedgerEntry.account_id == account.id, LedgerEntry.posted_at >= start,
                LedgerEntry.posted_at < end).order_by(LedgerEntry.posted_at, LedgerEntry.id))
            return [_wire(entry) for entry in entries]

    @rpc(AccountNumber, _returns=AccountInquiry, _out_variable_name="inquiry")
    def inquiryAccount(ctx, accountNumber):  # noqa: N802,N803
        """Whether the account exists at this bank, and its holder's name; nothing else about it."""
        # as getMutations and transfer know accounts: opened here, else a seller's payout account
        # the platform has on record (sandbox/payout_accounts.py); an unknown number is an answer
        partner = partner_of(ctx)
        with partner.database.unit_of_work() as session:
            account = _find(session, partner.code, accountNumber)
            holder = account.holder_name if account is not None else None
        if holder is None:
            holder = partner.payout_accounts.holder_of(partner.code, accountNumber)
        if holder is None:
            return AccountInquiry(status="NOT_FOUND")
        return AccountInquiry(status="FOUND", holderName=holder[:100])

    @rpc(AccountNumber, Unicode(max_len=100, min_occurs=1, nillable=False), Long(ge=0),
         _returns=Unicode, _out_variable_name="accountNumber")
    def openAccount(ctx, accountNumber, holderName, openingBalance):  # noqa: N802,N803
        """Sandbox only: a new account, its opening balance posted as a first credit."""
        partner = partner_of(ctx)
        length = BANK_ACCOUNT_LENGTHS[partner.code]
        if not (accountNumber.isdigit() and len(accountNumber) == length):
            raise rejected("InvalidAccountNumber", f"A {BANKS[partner.code]} account number is "
                                                   f"{length} digits", "INVALID_ACCOUNT_NUMBER")
        now = utcnow()
        with partner.database.unit_of_work() as session:
            if session.scalar(select(Account.id).where(Account.bank == partner.code,
                                                       Account.account_number == accountNumber)):
                raise rejected("DuplicateAccount", f"Account {accountNumber} exists", "DUPLICATE_ACCOUNT")
            open_account(session, partner.code, accountNumber, holderName, openingBalance or 0, now)
        return accountNumber

    @rpc(AccountNumber, Long(gt=0, min_occurs=1, nillable=False), Unicode(max_len=100),
         Unicode(max_len=100), DateTime, _returns=Mutation, _out_variable_name="mutation")
    def transfer(ctx, toAccount, amount, description, fromName, postedAt):  # noqa: N802,N803
        """Sandbox only: a CR mutation on toAccount; a seller's payout account opens on its first."""
        # postedAt back-dates it; the balance stays the running balance in posting order
        partner = partner_of(ctx)
        posted_at = utc_naive(postedAt) if postedAt else utcnow()
        with partner.database.unit_of_work() as session:
            account = _payee_account(session, partner, toAccount)
            words = PROFILES[partner.code].transfer_words.format(
                date=f"{to_wib(posted_at):%d%m}", amount=amount, desc=description or "",
                sender=fromName or "", holder=account.holder_name)
            entry = _post(session, partner.code, account, "CR", amount, " ".join(words.upper().split()),
                          posted_at)
            return _wire(entry)
