"""What the partners' answers make of a seller: VERIFIED, REJECTED, or UNVERIFIED still, with the
reasons shown to the seller and to admins.

Each check ends in one of four ways: it passes; it fails (the seller is REJECTED: a registry that
says the person is another, deceased, or the licence suspended); it settles nothing (UNVERIFIED, left
for an admin: the registry does not know the NIK, the seller gave no birth date); or its partner
could not be asked (UNVERIFIED, the worker asks again later). A partner outage never rejects anyone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from emall_ws.domain.pipelines import VerificationStatus


class Outcome(Enum):
    PASSED = "passed"
    FAILED = "failed"
    UNSETTLED = "unsettled"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class Check:
    outcome: Outcome
    reason: str = ""  # a code such as NIK_NOT_FOUND; empty when passed


# the population registry's answers (adapters.dukcapil.NIK_RESULTS) as checks
NIK_CHECKS = {
    "MATCH": Check(Outcome.PASSED),
    "NOT_FOUND": Check(Outcome.UNSETTLED, "NIK_NOT_FOUND"),
    "NAME_MISMATCH": Check(Outcome.FAILED, "NIK_NAME_MISMATCH"),
    "BIRTHDATE_MISMATCH": Check(Outcome.FAILED, "NIK_BIRTHDATE_MISMATCH"),
    "DECEASED": Check(Outcome.FAILED, "NIK_DECEASED"),
}
BIRTH_DATE_MISSING = Check(Outcome.UNSETTLED, "BIRTH_DATE_MISSING")
NIB_NOT_FOUND = Check(Outcome.UNSETTLED, "NIB_NOT_FOUND")
NIB_NAME_MISMATCH = Check(Outcome.FAILED, "NIB_NAME_MISMATCH")
ACCOUNT_NOT_FOUND = Check(Outcome.FAILED, "ACCOUNT_NOT_FOUND")
ACCOUNT_HOLDER_MISMATCH = Check(Outcome.FAILED, "ACCOUNT_HOLDER_MISMATCH")
PASSED = Check(Outcome.PASSED)
LICENCE_ACTIVE = "ACTIVE"


LICENCE_STATUSES = (LICENCE_ACTIVE, "SUSPENDED", "REVOKED")  # adapters.oss answers one of these


def licence_status(status: str) -> Check:
    """A licence the licensing service knows: only an ACTIVE one passes (NIB_SUSPENDED, NIB_REVOKED)."""
    return PASSED if status == LICENCE_ACTIVE else Check(Outcome.FAILED, f"NIB_{status}")


def unreachable(partner: str) -> Check:
    """`partner` (DUKCAPIL, OSS, BANK) down, slow or garbled: asked again later."""
    return Check(Outcome.UNREACHABLE, f"{partner}_UNAVAILABLE")


def refused(partner: str) -> Check:
    """`partner` refused the request (its own fault code): asking again would get the same."""
    return Check(Outcome.UNSETTLED, f"{partner}_REFUSED")


PARTNERS = ("DUKCAPIL", "OSS", "BANK")
OVERRIDDEN = "OVERRIDDEN"  # an admin decided (the history says who and why)
# every reason a seller may be shown, the wire's code set
REASONS = (*(check.reason for check in NIK_CHECKS.values() if check.reason), BIRTH_DATE_MISSING.reason,
           NIB_NOT_FOUND.reason, NIB_NAME_MISMATCH.reason, "NIB_SUSPENDED", "NIB_REVOKED", ACCOUNT_NOT_FOUND.reason,
           ACCOUNT_HOLDER_MISMATCH.reason, *(f"{p}_UNAVAILABLE" for p in PARTNERS),
           *(f"{p}_REFUSED" for p in PARTNERS), OVERRIDDEN)


@dataclass(frozen=True)
class Verdict:
    status: VerificationStatus
    reasons: tuple[str, ...]
    ask_again: bool  # a partner could not be asked: the worker tries again after a pause


def verdict(checks: list[Check]) -> Verdict:
    """One failed check rejects; else anything unsettled or unreachable leaves the seller UNVERIFIED."""
    reasons = tuple(check.reason for check in checks if check.outcome is not Outcome.PASSED)
    outcomes = {check.outcome for check in checks}
    if Outcome.FAILED in outcomes:
        return Verdict(VerificationStatus.REJECTED, reasons, False)
    if outcomes - {Outcome.PASSED}:
        return Verdict(VerificationStatus.UNVERIFIED, reasons, Outcome.UNREACHABLE in outcomes)
    return Verdict(VerificationStatus.VERIFIED, (), False)


FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)


def retry_delay(attempts: int) -> timedelta:
    """The pause after the `attempts`-th round in a row that could not ask a partner: doubling from a
    minute, never more than six hours (an outage of a day is asked about a few times an hour, not
    every round)."""
    return min(FIRST_RETRY * (1 << min(max(0, attempts - 1), 20)), LONGEST_RETRY)
