"""Rules of the purchase and sales reports: the period (WIB calendar days), pages, totals per status,
and spreadsheet-safe cells. No I/O."""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, timezone
from typing import Sequence

from emall_ws.clock import WIB
from emall_ws.domain.errors import FieldError, ValidationFailed
from emall_ws.domain.paging import page_and_size, page_errors
from emall_ws.domain.pipelines import InvoiceStatus
from emall_ws.domain.text import without_invisible_start

INVOICE_STATUSES = tuple(InvoiceStatus)  # the order of the totals: UNPAID, PAID, EXPIRED, CANCELLED
ALL_STATUSES = "ALL"  # the status of the overall total
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula (OWASP)


@dataclass(frozen=True)
class ReportPolicy:
    max_days: int = 366  # a (leap) year, both ends included
    page_size_default: int = 50
    page_size_max: int = 200
    # one CSV, built in memory and sent base64 in one SOAP answer: 20,000 invoices are ~5 MB and a few
    # seconds (bench/reports.py); a larger one must narrow the period or filters
    export_max_rows: int = 20_000


@dataclass(frozen=True)
class ReportRequest:
    """What the caller asked for, as received: any of it may be missing or wrong."""
    from_date: date | None
    to_date: date | None
    page: int | None = None
    page_size: int | None = None
    seller: str | None = None  # filters; for a non-admin they narrow their own rows further
    province: str | None = None


@dataclass(frozen=True)
class Period:
    """WIB calendar days from_date..to_date, both included, as UTC bounds [start, end) of issued_at."""
    from_date: date
    to_date: date
    start_utc: datetime
    end_utc: datetime


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


# the days a report may name: far enough for any shop, and clear of the calendar's ends, where the WIB
# midnight or the day after a period cannot be written (date.max + 1 day overflows)
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(9998, 12, 31)


def wib_day_start_utc(day: date) -> datetime:
    """Midnight WIB of `day` as a naive UTC time, as the database stores times."""
    return datetime.combine(day, time(0), WIB).astimezone(timezone.utc).replace(tzinfo=None)


def period_errors(from_date: date | None, to_date: date | None, policy: ReportPolicy) -> list[FieldError]:
    errors = []
    if from_date is None:
        errors.append(FieldError("fromDate", "REQUIRED"))
    if to_date is None:
        errors.append(FieldError("toDate", "REQUIRED"))
    if from_date is None or to_date is None:
        return errors
    bounds: dict[str, object] = {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
    errors += [FieldError(name, "PERIOD_OUT_OF_RANGE", bounds)
               for name, day in (("fromDate", from_date), ("toDate", to_date)) if not FIRST_DAY <= day <= LAST_DAY]
    if errors:
        return errors
    if to_date < from_date:
        errors.append(FieldError("toDate", "PERIOD_REVERSED"))
    elif (to_date - from_date).days + 1 > policy.max_days:
        errors.append(FieldError("toDate", "PERIOD_TOO_LONG", {"max": policy.max_days}))
    return errors


def make_period(from_date: date, to_date: date) -> Period:
    return Period(from_date, to_date, wib_day_start_utc(from_date), wib_day_start_utc(to_date + timedelta(days=1)))


def validate(request: ReportRequest, policy: ReportPolicy,
             other_errors: Sequence[FieldError] = ()) -> tuple[Period, Page]:
    """The period and page of a request, or ValidationFailed naming every failing field at once
    (`other_errors`: the filters' own, found by the caller)."""
    errors = (period_errors(request.from_date, request.to_date, policy)
              + page_errors(request.page, request.page_size) + list(other_errors))
    if errors:
        raise ValidationFailed(errors)
    assert request.from_date is not None and request.to_date is not None  # missing ones are errors above
    return make_period(request.from_date, request.to_date), Page(*page_and_size(
        request.page, request.page_size, policy.page_size_default, policy.page_size_max))


def page_count(total_rows: int, page_size: int) -> int:
    return -(-total_rows // page_size) if total_rows else 0


@dataclass(frozen=True)
class StatusTotal:
    status: str  # an invoice status, or ALL_STATUSES
    count: int = 0
    goods: int = 0
    shipping: int = 0
    amount: int = 0  # amount due: goods + shipping + unique code
    # the refunds of these invoices' orders (any reason, in full or in part): how many, their whole amount,
    # and that amount by where the refund stands; refund_amount = owed + transferred + confirmed
    refund_count: int = 0
    refund_amount: int = 0
    refund_owed: int = 0  # DUE or DISPUTED: the seller still owes it (refunds.OPEN)
    refund_transferred: int = 0  # TRANSFERRED: awaiting the buyer's confirmation
    refund_confirmed: int = 0  # CONFIRMED: the buyer has it back


def totals_by_status(sums: dict[str, StatusTotal]) -> tuple[list[StatusTotal], StatusTotal]:
    """One total per invoice status, in pipeline order, zero where none, and the overall one."""
    per_status = [sums.get(status) or StatusTotal(status) for status in INVOICE_STATUSES]
    per_status += [t for s, t in sorted(sums.items()) if s not in INVOICE_STATUSES]  # never hide a row
    overall = StatusTotal(ALL_STATUSES, *(sum(getattr(t, name) for t in per_status) for name in _SUMMED))
    return per_status, overall


_SUMMED = tuple(field.name for field in fields(StatusTotal) if field.name != "status")


def spreadsheet_safe(value: str) -> str:
    """A text cell no spreadsheet runs as a formula: seller-typed names may start with = + - @, also
    behind invisible characters (a zero-width space, a bidi mark) a spreadsheet may skip."""
    risky = value.startswith(FORMULA_STARTS) or without_invisible_start(value).startswith(FORMULA_STARTS)
    return "'" + value if risky else value
