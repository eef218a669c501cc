"""Which invoice a credit on a payee account pays: the matching rule, without a database.

A credit pays the one open invoice to that account whose amount to transfer it equals exactly,
when it was posted after the invoice was issued and before it was due. Anything else is never
guessed: it is kept, with the reason, for an admin.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from emall_ws.domain.pipelines import InvoiceStatus



class MatchStatus(StrEnum):
    """What a mutation did (BankMutation.match_status, and matchStatus on the wire)."""
    MATCHED = "PAID"  # it paid an invoice; stored and sent as PAID, the word the invoice turns to
    NO_MATCH = "NO_MATCH"  # no invoice to this account has this amount
    AMBIGUOUS = "AMBIGUOUS"  # several open invoices have it: which one the buyer meant is not ours to guess
    LATE = "LATE"  # posted after the invoice with this amount was due: refund or reissue, by an admin
    CLOSED = "CLOSED"  # posted in time, but the invoice was already paid, cancelled or expired
    DEBIT = "DEBIT"  # money out: recorded, not a payment


HELD = (MatchStatus.NO_MATCH, MatchStatus.AMBIGUOUS, MatchStatus.LATE, MatchStatus.CLOSED)  # listUnmatchedMutations


@dataclass(frozen=True)
class Candidate:
    """An invoice to the credited account with the credit's amount."""
    invoice_id: int
    number: str
    status: str
    issued_at: datetime  # naive UTC, like posted_at
    due_at: datetime


@dataclass(frozen=True)
class Decision:
    match_status: str
    invoice_id: int | None = None  # the invoice paid (MATCHED only)
    note: str = ""  # the invoices concerned, for an admin


def in_window(candidate: Candidate, posted_at: datetime) -> bool:
    # banks post whole seconds: a transfer in the second the invoice was issued counts
    return candidate.issued_at.replace(microsecond=0) <= posted_at < candidate.due_at


def decide(posted_at: datetime, candidates: list[Candidate]) -> Decision:
    """What a credit posted at `posted_at` does, given the invoices to its account with its amount."""
    in_time = [c for c in candidates if in_window(c, posted_at)]
    payable = [c for c in in_time if c.status == InvoiceStatus.UNPAID]
    if len(payable) == 1:
        return Decision(MatchStatus.MATCHED, payable[0].invoice_id, payable[0].number)
    if payable:
        return Decision(MatchStatus.AMBIGUOUS, note=_numbers(payable))
    if in_time:
        return Decision(MatchStatus.CLOSED, note=_numbers(in_time, with_status=True))
    late = [c for c in candidates
            if c.due_at <= posted_at and c.status in (InvoiceStatus.UNPAID, InvoiceStatus.EXPIRED)]
    if late:
        return Decision(MatchStatus.LATE, note=_numbers(late, with_status=True))
    return Decision(MatchStatus.NO_MATCH)


def _numbers(candidates: list[Candidate], with_status: bool = False) -> str:
    parts = [f"{c.number} ({c.status})" if with_status else c.number for c in candidates]
    return ", ".join(parts)[:300]
