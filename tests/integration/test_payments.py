"""Payment confirmation against the test database (SQLite or MariaDB) with a fake bank: credits pay their
invoice exactly once however often they are read, everything else is held for an admin, a failing bank
changes nothing, and two readers at once pay once."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta, timezone

import pytest
from sqlalchemy import func, select

from adapters.bank import BankAdapter, Mutation
from adapters.errors import BadPartnerResponse, PartnerRejected, PartnerUnavailable
from emall_ws.db.models import (BankMutation, Invoice, InvoiceStatusHistory, Notification, Order,
                                OrderStatusHistory, PayeeAccountPoll)
from emall_ws.domain.errors import NotAuthorized, NotFound, ValidationFailed
from emall_ws.services import payments
from emall_ws.services.auth import Principal
from emall_ws.services.invoices import expire_due_invoices
from emall_ws.services.payments import BankUnavailable, ReconcilePolicy, confirm_payment, reconcile
from tests.builders import FIXED_FORM, NOW, add_category, add_member, add_seller, check_out, jne_for, put, sell
from tests.integration.catalog_fixtures import count

ACCOUNT = "1111111111"
RECONCILE = ReconcilePolicy()
HOUR = timedelta(hours=1)


class FakeBank(BankAdapter):
    """A bank's statement of one account, recording every window asked for; `failure` makes it fail."""

    def __init__(self, bank: str = "bca"):
        self.bank = bank
        self.mutations: list[Mutation] = []
        self.windows: list[tuple] = []
        self.failure: Exception | None = None

    def credit(self, amount: int, at, mutation_id: str | None = None, kind: str = "CR") -> Mutation:
        mutation = Mutation(mutation_id or f"BCA{len(self.mutations) + 1:08d}", at.replace(tzinfo=timezone.utc),
                            kind, amount, "TRSF E-BANKING CR", 1_000_000)
        self.mutations.append(mutation)
        return mutation

    def get_mutations(self, account_number, from_time, to_time):
        self.windows.append((account_number, from_time, to_time))
        if self.failure is not None:
            raise self.failure
        return [m for m in self.mutations if from_time <= m.posted_at < to_time]

    def inquiry_account(self, account_number):
        return "Koperasi Maju Jaya" if account_number == ACCOUNT else None  # payments never ask


@dataclass(frozen=True)
class OneSellerShop:
    """One seller with a payout account (BCA, ACCOUNT) and one product in stock; three buyers; an admin."""
    seller: Principal
    buyers: list[Principal]
    product: int
    admin: Principal


@pytest.fixture
def shop(db) -> OneSellerShop:
    add_category(db)
    seller = add_seller(db, "koperasi_semarang", "33.74", "bca", ACCOUNT)
    buyers = [add_member(db, name, "BUYER") for name in ("budi", "siti", "ani")]
    product = sell(db, seller, FIXED_FORM, stock=50).product_id
    return OneSellerShop(seller, buyers, product, add_member(db, "admin1", "ADMIN"))


def buy(db, shop, buyer_index=0, quantity=1, now=NOW):
    buyer = shop.buyers[buyer_index]
    put(db, buyer, shop.product, quantity)
    [invoice] = check_out(db, buyer, jne_for("koperasi_semarang"), now=now)
    return invoice


def invoice_row(db, number):
    with db.unit_of_work() as session:
        invoice = session.scalars(select(Invoice).where(Invoice.number == number)).one()
        return invoice.status, invoice.paid_at, invoice.order.status


def state(db):
    """Everything a reading may change, to show what it did not."""
    with db.unit_of_work() as session:
        return (sorted(session.execute(select(Invoice.number, Invoice.status, Invoice.paid_at)).all()),
                sorted(session.execute(select(Order.number, Order.status)).all()),
                sorted(session.execute(select(BankMutation.mutation_id, BankMutation.match_status,
                                              BankMutation.invoice_id)).all()),
                *(session.scalar(select(func.count()).select_from(m))
                  for m in (Notification, InvoiceStatusHistory, OrderStatusHistory)))


def paid_notices(db, number):
    with db.unit_of_work() as session:
        return sorted(session.execute(select(Notification.event_key, Notification.channel, Notification.recipient)
                                      .where(Notification.event_key.like(f"invoice:{number}:paid:%"))).all())


def test_a_credit_of_the_exact_amount_pays_the_invoice_and_its_order_and_tells_both_once(db, shop):
    invoice = buy(db, shop)
    bank = FakeBank()
    posted = NOW + timedelta(minutes=7)
    bank.credit(invoice.amount_due, posted, "BCA00000042")
    report = reconcile(db, {"bca": bank}, NOW + HOUR, RECONCILE)
    assert report.outcome.paid == [invoice.number] and report.outcome.recorded == 1 and report.accounts == 1
    assert invoice_row(db, invoice.number) == ("PAID", posted, "PAID")  # paid when the money arrived
    with db.unit_of_work() as session:
        row = session.scalars(select(BankMutation)).one()
        assert (row.mutation_id, row.match_status, row.amount) == ("BCA00000042", "PAID", invoice.amount_due)
        assert row.invoice.number == invoice.number
        histories = [(h.from_status, h.to_status) for h in session.scalars(
            select(OrderStatusHistory).order_by(OrderStatusHistory.id))]
        assert histories == [(None, "AWAITING_PAYMENT"), ("AWAITING_PAYMENT", "PAID")]
    buyer_mail, seller_mail = "budi@example.co.id", "koperasi_semarang@example.co.id"
    assert paid_notices(db, invoice.number) == sorted([
        (f"invoice:{invoice.number}:paid:buyer", "EMAIL", buyer_mail),
        (f"invoice:{invoice.number}:paid:buyer", "SMS", "+6281234567890"),
        (f"invoice:{invoice.number}:paid:seller", "EMAIL", seller_mail),
        (f"invoice:{invoice.number}:paid:seller", "SMS", "+6281234567890")])
    # the same window, read again and again (and wider), changes nothing
    before = state(db)
    for minutes in (61, 62, 90):
        again = reconcile(db, {"bca": bank}, NOW + timedelta(minutes=minutes), RECONCILE)
        assert again.outcome.recorded == 0 and again.outcome.paid == []
    payments.record_mutations(db, "bca", ACCOUNT, bank.mutations, NOW + 2 * HOUR, RECONCILE)
    assert state(db) == before


def test_an_invoice_issued_during_a_round_is_paid_after_its_issue_in_its_history(db, shop):
    """A round notes its time as it begins; banks post to the second, so a transfer for an invoice
    issued after that moment can fall in the round's window. Its history still reads in order."""
    round_began = NOW + timedelta(milliseconds=200)
    issued = round_began + timedelta(milliseconds=300)
    invoice = buy(db, shop, now=issued)
    bank = FakeBank()
    bank.credit(invoice.amount_due, NOW)  # posted in that same second, shown to the second
    assert reconcile(db, {"bca": bank}, round_began, RECONCILE).outcome.paid == [invoice.number]
    with db.unit_of_work() as session:
        for history in (OrderStatusHistory, InvoiceStatusHistory):
            changes = session.execute(select(history.to_status, history.changed_at).order_by(history.id)).all()
            assert changes == [(changes[0].to_status, issued), ("PAID", issued)]


def test_the_reading_that_pays_an_invoice_is_noted_in_the_same_transaction(db, shop):
    """No one asking between the payment and the end of the reading sees PAID with "never checked"."""
    invoice = buy(db, shop)
    bank = FakeBank()
    bank.credit(invoice.amount_due, NOW + timedelta(minutes=3))
    payments.record_mutations(db, "bca", ACCOUNT, bank.mutations, NOW + HOUR, RECONCILE)  # the reading not yet noted
    with db.unit_of_work() as session:
        view = payments.payment_view(session, shop.admin, invoice.number)
    assert (view.status, view.last_checked_at, view.last_error) == ("PAID", NOW + HOUR, "")


def test_the_payment_email_names_invoice_amount_and_account(db, shop):
    invoice = buy(db, shop)
    bank = FakeBank()
    bank.credit(invoice.amount_due, NOW + timedelta(minutes=1))
    reconcile(db, {"bca": bank}, NOW + HOUR, RECONCILE)
    from emall_ws.notify.templates import render, render_sms
    import json
    with db.unit_of_work() as session:
        sms = session.scalars(select(Notification).where(
            Notification.event_key == f"invoice:{invoice.number}:paid:buyer", Notification.channel == "SMS")).one()
        text = render_sms(sms.template, json.loads(sms.data))
    amount = f"Rp {invoice.amount_due:,}".replace(",", ".")
    assert f"Pembayaran faktur {invoice.number} sebesar {amount} telah diterima" in text
    email = render("payment_received_seller", json.loads(sms.data) | {"name": "Koperasi"})
    assert invoice.number in email.subject and ACCOUNT in email.text and "LUNAS" in email.html
    # a person reads the bank and the courier by their names (domain.partners), never an upper-cased code
    assert f"di rekening Bank Central Asia {ACCOUNT}." in email.text and "via JNE REG dan" in email.text


def test_a_wrong_amount_is_held_as_no_match_and_the_invoice_stays_unpaid(db, shop):
    invoice = buy(db, shop)
    bank = FakeBank()
    bank.credit(invoice.amount_due + 1, NOW + timedelta(minutes=3))
    report = reconcile(db, {"bca": bank}, NOW + HOUR, RECONCILE)
    assert report.outcome.paid == [] and report.outcome.held == 1
    assert invoice_row(db, invoice.number) == ("UNPAID", None, "AWAITING_PAYMENT")
    with db.unit_of_work() as session:
        held = payments.held_mutations(session, shop.admin)
    assert held.total == 1 and held.mutations[0].match_status == "NO_MATCH"
    assert held.mutations[0].amount == invoice.amount_due + 1
    assert paid_notices(db, invoice.number) == []


def test_one_transfer_pays_the_right_one_of_two_open_invoices(db, shop):
    first, second = buy(db, shop, 0, 1), buy(db, shop, 1, 2)
    bank = FakeBank()
    bank.credit(second.amount_due, NOW + timedelta(minutes=2))
    reconcile(db, {"bca": bank}, NOW + HOUR, RECONCILE)
    assert invoice_row(db, first.number)[0] == "UNPAID"
    assert invoice_row(db, second.number)[0] == "PAID"


def test_a_debit_is_recorded_but_pays_nothing(db, shop):
    invoice = buy(db, shop)
    bank = FakeBank()
    bank.credit(invoice.amount_due, NOW + timedelta(minutes=2), kind="DB")
    reconcile(db, {"bca": bank}, NOW + HOUR, RECONCILE)
    assert invoice_row(db, invoice.number)[0] == "UNPAID"
    assert count(db, BankMutation, BankMutation.match_status == "DEBIT") == 1


def test_two_transfers_for_one_invoice_pay_it_once_and_hold_the_second(db, shop):
    invoice = buy(db, shop)
    bank = FakeBank()
    bank.credit(invoice.amount_due, NOW + timedelta(minutes=2))
    bank.credit(invoice.amount_due, NOW + timedelta(minutes=4))
    reconcile(db, {"bca": bank}, NOW + HOUR, RECONCILE)
    with db.unit_of_work() as session:
        rows = [(r.match_status, r.note)
                for r in session.scalars(select(BankMutation).order_by(BankMutation.posted_at))]
    assert rows == [("PAID", invoice.number), ("CLOSED", f"{invoice.number} (PAID)")]
    assert len(paid_notices(db, invoice.number)) == 4


def test_a_payment_after_expiry_is_recorded_and_flagged_late(db, shop):
    invoice = buy(db, shop)
    assert expire_due_invoices(db, NOW + 25 * HOUR) == 1
    bank = FakeBank()
    bank.credit(invoice.amount_due, NOW + 26 * HOUR)
    report = reconcile(db, {"bca": bank}, NOW + 27 * HOUR, RECONCILE)  # still watched: expired within the late window
    assert report.accounts == 1 and report.outcome.held == 1
    assert invoice_row(db, invoice.number)[0] == "EXPIRED"
    with db.unit_of_work() as session:
        held = payments.held_mutations(session, shop.admin, "late")
    assert [(m.match_status, m.note) for m in held.mutations] == [("LATE", f"{invoice.number} (EXPIRED)")]


def test_accounts_are_watched_while_invoices_are_open_or_recently_expired(db, shop):
    policy = ReconcilePolicy(late_window=timedelta(days=7))
    with db.unit_of_work() as session:
        assert payments.accounts_to_read(session, NOW, policy) == []
    buy(db, shop)
    expire_due_invoices(db, NOW + 25 * HOUR)
    with db.unit_of_work() as session:
        assert payments.accounts_to_read(session, NOW + 26 * HOUR, policy) == [("bca", ACCOUNT, NOW)]
        assert payments.accounts_to_read(session, NOW + 25 * HOUR + timedelta(days=8), policy) == []


def test_each_reading_starts_a_little_before_the_last_one_ended(db, shop):
    buy(db, shop)
    bank = FakeBank()
    policy = ReconcilePolicy(overlap=timedelta(minutes=15))
    reconcile(db, {"bca": bank}, NOW + HOUR, policy)
    reconcile(db, {"bca": bank}, NOW + 2 * HOUR, policy)
    utc = timezone.utc
    assert bank.windows == [(ACCOUNT, NOW.replace(tzinfo=utc), (NOW + HOUR).replace(tzinfo=utc)),
                            (ACCOUNT, (NOW + timedelta(minutes=45)).replace(tzinfo=utc),
                             (NOW + 2 * HOUR).replace(tzinfo=utc))]


@pytest.mark.parametrize("failure", [PartnerUnavailable("bank:bca", "timed out"),
                                     BadPartnerResponse("bank:bca", "not a statement")],
                         ids=["down", "garbage"])
def test_a_failing_bank_changes_nothing_and_is_read_again_next_round(db, shop, failure):
    invoice = buy(db, shop)
    bank = FakeBank()
    bank.credit(invoice.amount_due, NOW + timedelta(minutes=5))
    bank.failure = failure
    before = state(db)
    report = reconcile(db, {"bca": bank}, NOW + HOUR, RECONCILE)
    assert report.accounts == 0 and report.failures == [f"bca {ACCOUNT}: {failure}"]
    assert state(db) == before
    with db.unit_of_work() as session:
        poll = session.scalars(select(PayeeAccountPoll)).one()
        assert poll.last_error == str(failure) and poll.read_until is None and poll.leased_until is None
    bank.failure = None
    reconcile(db, {"bca": bank}, NOW + 2 * HOUR, RECONCILE)
    assert invoice_row(db, invoice.number)[0] == "PAID"
    assert bank.windows[-1][1] == NOW.replace(tzinfo=timezone.utc)  # from the start again: nothing skipped
    assert len(paid_notices(db, invoice.number)) == 4


def test_an_account_another_worker_is_reading_is_skipped(db, shop):
    invoice = buy(db, shop)
    bank = FakeBank()
    bank.credit(invoice.amount_due, NOW + timedelta(minutes=5))
    assert payments._claim(db, "bca", ACCOUNT, NOW + HOUR, timedelta(minutes=5))[0]
    report = reconcile(db, {"bca": bank}, NOW + HOUR + timedelta(minutes=1), RECONCILE)
    assert report.skipped == 1 and bank.windows == []
    # a lease that ran out (its worker died) is taken over
    report = reconcile(db, {"bca": bank}, NOW + HOUR + timedelta(minutes=6), RECONCILE)
    assert report.accounts == 1 and invoice_row(db, invoice.number)[0] == "PAID"


def test_two_readers_at_once_record_each_mutation_once_and_pay_each_invoice_once(db, shop):
    invoices = [buy(db, shop, i % 3, 1 + i % 3) for i in range(12)]
    bank = FakeBank()
    for index, invoice in enumerate(invoices):
        bank.credit(invoice.amount_due, NOW + timedelta(minutes=1 + index))
    bank.credit(invoices[0].amount_due + 5, NOW + timedelta(minutes=30))  # one that pays nothing
    barrier = threading.Barrier(4)
    errors = []

    def read():
        try:
            barrier.wait()
            payments.record_mutations(db, "bca", ACCOUNT, bank.mutations, NOW + HOUR, RECONCILE)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count(db, BankMutation) == 13
    assert count(db, BankMutation, BankMutation.match_status == "PAID") == 12
    assert count(db, Invoice, Invoice.status == "PAID") == 12
    for invoice in invoices:
        assert len(paid_notices(db, invoice.number)) == 4
    assert count(db, InvoiceStatusHistory, InvoiceStatusHistory.to_status == "PAID") == 12


def test_confirm_payment_reads_the_account_now_and_answers_paid_with_the_mutation(db, shop):
    invoice = buy(db, shop)
    bank = FakeBank()
    mutation = bank.credit(invoice.amount_due, NOW + timedelta(minutes=9), "BCA77")
    view = confirm_payment(db, shop.buyers[0], invoice.number, {"bca": bank}, NOW + HOUR, RECONCILE)
    assert view.status == "PAID" and view.paid_at == NOW + timedelta(minutes=9)
    assert view.mutation.mutation_id == "BCA77" and view.mutation.amount == mutation.amount
    assert (view.checked_from, view.checked_to, view.mutations_read) == (NOW, NOW + HOUR, 1)
    # paid: asking again reads nothing from the bank
    calls = len(bank.windows)
    again = confirm_payment(db, shop.buyers[0], invoice.number, {"bca": bank}, NOW + 2 * HOUR, RECONCILE)
    assert again.status == "PAID" and len(bank.windows) == calls and again.mutations_read is None


def test_confirm_payment_without_a_transfer_answers_unpaid_with_what_was_checked(db, shop):
    invoice = buy(db, shop)
    view = confirm_payment(db, shop.buyers[0], invoice.number, {"bca": FakeBank()}, NOW + HOUR, RECONCILE)
    assert (view.status, view.mutation, view.mutations_read) == ("UNPAID", None, 0)
    assert view.last_checked_at == NOW + HOUR and view.last_error == ""


def test_a_reading_that_began_earlier_and_failed_does_not_hide_a_later_good_one(db, shop):
    """The worker's round began before the buyer's confirmPayment and failed after it: the account's
    last reading is still the buyer's, without the worker's error."""
    invoice = buy(db, shop)

    class SlowFailingBank(FakeBank):  # while the worker waits on it, the buyer reads the account
        def get_mutations(self, account_number, from_time, to_time):
            confirm_payment(db, shop.buyers[0], invoice.number, {"bca": FakeBank()}, NOW + 2 * HOUR, RECONCILE)
            raise PartnerUnavailable("bank:bca", "timed out")

    assert reconcile(db, {"bca": SlowFailingBank()}, NOW + HOUR, RECONCILE).failures
    with db.unit_of_work() as session:
        view = payments.payment_view(session, shop.buyers[0], invoice.number)
    assert (view.last_checked_at, view.last_error) == (NOW + 2 * HOUR, "")


def test_confirm_payment_with_the_bank_down_names_the_bank_and_changes_nothing(db, shop):
    invoice = buy(db, shop)
    bank = FakeBank()
    bank.credit(invoice.amount_due, NOW + timedelta(minutes=5))
    bank.failure = PartnerUnavailable("bank:bca", "connection refused")
    before = state(db)
    with pytest.raises(BankUnavailable) as raised:
        confirm_payment(db, shop.buyers[0], invoice.number, {"bca": bank}, NOW + HOUR, RECONCILE)
    assert raised.value.code == "BANK_UNAVAILABLE"
    assert raised.value.params == {"bank": "Bank Central Asia", "bank_code": "bca", "refusal": ""}
    assert raised.value.side == "Server" and raised.value.reason == "PartnerUnavailable"
    assert state(db) == before
    with db.unit_of_work() as session:
        assert payments.payment_view(session, shop.buyers[0], invoice.number).last_error.startswith("bank:bca")


def test_only_the_buyer_the_payee_and_admins_see_or_confirm_a_payment(db, shop):
    invoice = buy(db, shop)
    bank = FakeBank()
    for number in (invoice.number, "INV/20261128/999999"):  # someone else's answers as one that does not exist
        with pytest.raises(NotFound) as refused:
            confirm_payment(db, shop.buyers[1], number, {"bca": bank}, NOW + HOUR, RECONCILE)
        assert refused.value.code == "INVOICE_NOT_FOUND" and refused.value.params == {"number": number}
        with db.unit_of_work() as session, pytest.raises(NotFound) as refused:
            payments.payment_view(session, shop.buyers[1], number)
        assert refused.value.code == "INVOICE_NOT_FOUND" and refused.value.params == {"number": number}
    assert bank.windows == []
    with db.unit_of_work() as session:
        for principal in (shop.buyers[0], shop.seller, shop.admin):
            assert payments.payment_view(session, principal, invoice.number).status == "UNPAID"


def test_held_mutations_are_for_admins_and_filter_by_a_known_status(db, shop):
    with db.unit_of_work() as session:
        with pytest.raises(NotAuthorized):
            payments.held_mutations(session, shop.buyers[0])
        with pytest.raises(ValidationFailed) as raised:
            payments.held_mutations(session, shop.admin, "PAID")
        assert [(e.field, e.code) for e in raised.value.errors] == [("status", "MUTATION_STATUS_UNKNOWN")]


def test_the_worker_reconciles_as_a_job_of_its_own(db, shop, tmp_path):
    from emall_ws.config import Settings
    from emall_ws.worker import build_worker

    settings = Settings.from_env({"EMALL_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
                                  "EMALL_VAR_DIR": str(tmp_path), "EMALL_RECONCILE_INTERVAL": "7"})
    assert "reconcile-payments" not in [job.name for job in build_worker(db, settings).jobs]
    bank = FakeBank()
    [job] = [job for job in build_worker(db, settings, banks={"bca": bank}).jobs if job.name == "reconcile-payments"]
    assert job.interval == 7
    invoice = buy(db, shop, now=NOW.replace(year=2000))  # the job reads up to the real now
    bank.credit(invoice.amount_due, NOW.replace(year=2000) + timedelta(minutes=1))
    report = job.run()
    assert report.outcome.paid == [invoice.number]


def test_a_bank_refusing_the_account_is_told_apart_from_a_bank_that_is_down(db, shop):
    invoice = buy(db, shop)
    bank = FakeBank()
    bank.failure = PartnerRejected("bank:bca", "Account 1111111111 is not known", "UNKNOWN_ACCOUNT")
    before = state(db)
    with pytest.raises(BankUnavailable) as raised:
        confirm_payment(db, shop.buyers[0], invoice.number, {"bca": bank}, NOW + HOUR, RECONCILE)
    assert raised.value.code == "BANK_REFUSED" and raised.value.params["refusal"] == "UNKNOWN_ACCOUNT"
    assert state(db) == before


def test_a_reading_that_fails_on_our_side_is_noted_and_the_round_goes_on(db, shop, monkeypatch):
    invoice = buy(db, shop)
    other = add_seller(db, "ukm_bandung", "32.73", "bca", "2222222222")
    put(db, shop.buyers[1], sell(db, other, FIXED_FORM).product_id)
    [second] = check_out(db, shop.buyers[1], jne_for("ukm_bandung"))
    bank = FakeBank()
    bank.credit(invoice.amount_due, NOW + timedelta(minutes=1))
    bank.credit(second.amount_due, NOW + timedelta(minutes=2))
    real = payments.record_mutations

    def broken_for_the_first_account(db_, bank_, account, *args, **kwargs):
        if account == ACCOUNT:
            raise RuntimeError("disk full")
        return real(db_, bank_, account, *args, **kwargs)

    monkeypatch.setattr(payments, "record_mutations", broken_for_the_first_account)
    report = reconcile(db, {"bca": bank}, NOW + HOUR, RECONCILE)
    assert report.failures == [f"bca {ACCOUNT}: RuntimeError"] and report.outcome.paid == [second.number]
    with db.unit_of_work() as session:
        poll = session.scalars(select(PayeeAccountPoll).where(PayeeAccountPoll.account_number == ACCOUNT)).one()
        assert poll.leased_until is None and poll.last_error == "internal: RuntimeError"
    assert invoice_row(db, invoice.number)[0] == "UNPAID"


def test_money_sent_for_a_cancelled_invoice_is_read_and_held_for_an_admin(db, shop):
    from emall_ws.services.invoices import cancel_invoice

    invoice = buy(db, shop)
    with db.unit_of_work() as session:
        cancel_invoice(session, shop.buyers[0], invoice.number, NOW + timedelta(minutes=5))
    bank = FakeBank()
    bank.credit(invoice.amount_due, NOW + timedelta(minutes=10))
    report = reconcile(db, {"bca": bank}, NOW + HOUR, RECONCILE)  # no open invoice, but one closed lately: still read
    assert report.accounts == 1 and report.outcome.held == 1
    with db.unit_of_work() as session:
        held = payments.held_mutations(session, shop.admin)
    assert [(m.match_status, m.note) for m in held.mutations] == [("CLOSED", f"{invoice.number} (CANCELLED)")]
