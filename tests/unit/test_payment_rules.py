"""The matching rule: a credit pays the one open invoice of its exact amount, posted in its window;
anything else is held with the reason, never guessed."""
from datetime import datetime, timedelta

from emall_ws.domain import payments as rules
from emall_ws.domain.payments import Candidate, decide

ISSUED = datetime(2026, 11, 28, 3, 0, 0, 654321)
DUE = ISSUED + timedelta(hours=24)


def invoice(invoice_id=1, status="UNPAID", issued=ISSUED, due=DUE):
    return Candidate(invoice_id, f"INV/20261128/{invoice_id:06d}", status, issued, due)


def test_the_one_open_invoice_in_its_window_is_paid():
    assert decide(ISSUED + timedelta(minutes=5), [invoice(7)]) == rules.Decision("PAID", 7, "INV/20261128/000007")


def test_a_credit_in_the_second_the_invoice_was_issued_counts():
    # banks post whole seconds; the invoice was issued at .654321 of the same second
    assert decide(ISSUED.replace(microsecond=0), [invoice()]).match_status == "PAID"


def test_a_credit_before_the_invoice_was_issued_pays_nothing():
    assert decide(ISSUED - timedelta(seconds=1), [invoice()]).match_status == "NO_MATCH"


def test_no_invoice_with_the_amount_is_no_match():
    assert decide(ISSUED, []) == rules.Decision("NO_MATCH")


def test_two_open_invoices_with_the_amount_are_ambiguous_and_named():
    decision = decide(ISSUED + timedelta(hours=1), [invoice(1), invoice(2)])
    assert decision.match_status == "AMBIGUOUS" and decision.invoice_id is None
    assert decision.note == "INV/20261128/000001, INV/20261128/000002"


def test_a_credit_at_or_after_the_due_time_is_late_even_before_the_expiry_job_ran():
    for status in ("UNPAID", "EXPIRED"):
        decision = decide(DUE, [invoice(status=status)])
        assert decision.match_status == "LATE" and decision.invoice_id is None
        assert decision.note == f"INV/20261128/000001 ({status})"


def test_a_credit_in_time_for_an_invoice_already_closed_is_held_as_closed():
    for status in ("PAID", "CANCELLED", "EXPIRED"):
        decision = decide(ISSUED + timedelta(hours=1), [invoice(status=status)])
        assert decision == rules.Decision("CLOSED", None, f"INV/20261128/000001 ({status})")


def test_an_open_invoice_wins_over_a_closed_one_with_the_same_amount():
    assert decide(ISSUED + timedelta(hours=1), [invoice(1, "PAID"), invoice(2)]).invoice_id == 2


def test_a_late_payment_of_one_invoice_does_not_pay_a_later_one_before_its_issue():
    later = invoice(2, issued=DUE + timedelta(hours=1), due=DUE + timedelta(hours=25))
    assert decide(DUE + timedelta(minutes=1), [invoice(1, "EXPIRED"), later]).match_status == "LATE"
