"""Issue 7 end to end: payment confirmation from the payee accounts' mutations (Table III row 3).

Against the real `emall-ws serve` and its bank sandboxes: a buyer checks out over SOAP, transfers
in the sandbox, and the invoice turns PAID ("LUNAS") exactly once, by confirmPayment or by the
worker's reconcile-payments job (every second in the e2e server, so it races every test here:
no test assumes which of the two paid an invoice). Buyer and seller are each told once, by email
and by SMS, however often the mutation is read. Wrong amounts stay unmatched; a bank that is down
or answers garbage is a Server.PartnerUnavailable fault and changes nothing; buyer, seller, admin
and worker reading at once pay once; a second identical transfer is held as CLOSED for an admin.

Every test has its own seller (own payee account, opened in the sandbox with no opening credit)
and buyers with their own phone numbers, so the tests do not see each other's mutations or SMS.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import zeep

from emall_ws.clock import WIB, as_utc
from emall_ws.db.session import Database
from emall_ws.domain.partners import BANKS
from tests.e2e.catalog import Member, Shop, new_shop
from tests.e2e.payments import (AUTO_PAY_TIMEOUT, Party, Seller, assert_one_paying_row, assert_outbox_once,
                                assert_paid_by, buy, items, mutation_rows, new_buyer, new_seller,
                                outbox_rows, transfer, wait_until_paid)
from tests.e2e.soap import detail_code, fault_code, fault_of, field_errors, seen_by_caller
from tests.waiting import after_the_worker_ran, eventually

NOTIFY_TIMEOUT = 30  # seconds the outbox dispatcher (every 0.2 s) may take to deliver


# --- set-up -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shop(server, mailbox) -> Shop:
    return new_shop(server)


@pytest.fixture(scope="module")
def sms_gateway(server):
    return zeep.Client(f"{server.sandbox_url}/partners/sms?wsdl").service


@pytest.fixture(scope="module")
def db(server):
    """The platform's database, read only, to count what SOAP does not show (mutation rows, outbox rows)."""
    database = Database(server.database_url)
    yield database
    database.dispose()


@pytest.fixture
def normal_banks(banks):
    """Every bank sandbox back to NORMAL after the test, whatever it did."""
    yield banks
    for service in banks.values():
        service.setFailureMode(mode="NORMAL", delayMs=0)


def invoice_of(server, who: Party, number: str):
    checkout, auth = who.service(server, "Checkout")
    return checkout.getInvoice(invoiceNumber=number, **auth)


def payment_status(server, who, number: str):
    payment, auth = who.service(server, "Payment")
    return payment.getPaymentStatus(invoiceNumber=number, **auth)


def confirm(server, who, number: str):
    payment, auth = who.service(server, "Payment")
    return payment.confirmPayment(invoiceNumber=number, **auth)


def held_mutations(server, admin: Member, status: str | None = None) -> list:
    """Every credit an admin sees in listUnmatchedMutations (all pages)."""
    payment, auth = admin.service(server, "Payment")
    found, page = [], 1
    while True:
        result = payment.listUnmatchedMutations(status=status, page=page, pageSize=200, **auth)
        rows = items(result.mutations, "BankMutation")
        found += rows
        if not rows or len(found) >= result.total:
            return found
        page += 1


def reconcile_now(server, admin: Member):
    payment, auth = admin.service(server, "Payment")
    return payment.reconcileNow(**auth)


def wait_until_held(server, admin: Member, seller: Seller, match_status: str) -> list:
    """The seller account's credits held as `match_status`, once the worker (every second) or a
    reconcileNow (which skips an account the worker is reading) has recorded at least one."""
    reconcile_now(server, admin)
    return eventually(lambda: [m for m in held_mutations(server, admin, match_status)
                               if m.accountNumber == seller.account],
                      f"a credit to {seller.account} held as {match_status}", AUTO_PAY_TIMEOUT, interval=0.5)


# --- what buyer and seller are told ---------------------------------------------------------------

def payment_mails(mailbox, party: Party, number: str) -> list:
    return [m for m in mailbox.to(party.email) if f"Pembayaran faktur {number}" in str(m["Subject"])]


def payment_sms(gateway, party: Party, number: str) -> list:
    return [s for s in (gateway.listMessages(msisdn=party.msisdn) or []) if f"Pembayaran faktur {number}" in s.text]


def rupiah(amount: int) -> str:
    return f"Rp {amount:,}".replace(",", ".")


def assert_told_once(db: Database, mailbox, gateway, invoice, *parties: Party) -> None:
    """Each party gets its email and its SMS about the invoice's payment (waiting for the
    dispatcher), exactly one of each, naming the invoice and the amount."""
    number, amount = invoice.invoiceNumber, rupiah(invoice.amountDue)
    for party in parties:
        eventually(lambda party=party: payment_mails(mailbox, party, number) and payment_sms(gateway, party, number),
                   lambda party=party: f"{party.member.username}: {len(payment_mails(mailbox, party, number))} "
                                       f"email(s), {len(payment_sms(gateway, party, number))} SMS about {number}",
                   NOTIFY_TIMEOUT)
    after_the_worker_ran(db, "dispatch-notifications")  # a double would have been sent by then
    for party in parties:
        [mail] = payment_mails(mailbox, party, number)
        [sms] = payment_sms(gateway, party, number)
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        for body in (text, html):
            assert number in body and amount in body and "LUNAS" in body
        assert f"Pembayaran faktur {number} sebesar {amount} telah diterima" in sms.text


def assert_still_once(db: Database, mailbox, gateway, invoice, *parties: Party) -> None:
    after_the_worker_ran(db, "dispatch-notifications")
    for party in parties:
        assert len(payment_mails(mailbox, party, invoice.invoiceNumber)) == 1
        assert len(payment_sms(gateway, party, invoice.invoiceNumber)) == 1


# --- 1. Table III row 3, for each bank ------------------------------------------------------------

@pytest.mark.parametrize("bank", sorted(BANKS))
def test_table3_row3_confirm_payment_pays_the_invoice_and_tells_both_once(server, mailbox, shop, banks,
                                                                         sms_gateway, db, bank):
    seller = new_seller(server, mailbox, shop, banks, bank)
    buyer = new_buyer(server, mailbox)
    invoice = buy(server, buyer, seller, quantity=2)
    assert invoice.payeeBank.lower() == bank
    mutation = transfer(banks, seller, invoice.amountDue, invoice.invoiceNumber)

    status = confirm(server, buyer, invoice.invoiceNumber)
    # the worker may have read the account first: PAID either way, by this one mutation
    assert_paid_by(status, mutation, seller, invoice)
    if status.checkedFrom is not None:  # this call read the bank: the window holds the credit
        assert status.checkedFrom <= mutation.postedAt < status.checkedTo and status.mutationsRead >= 1

    shown = invoice_of(server, buyer, invoice.invoiceNumber)
    assert (shown.status, shown.orderStatus, shown.paidAt) == ("PAID", "PAID", mutation.postedAt)
    assert invoice_of(server, seller, invoice.invoiceNumber).status == "PAID"
    assert_paid_by(payment_status(server, seller, invoice.invoiceNumber), mutation, seller, invoice)
    assert_one_paying_row(db, seller, mutation, invoice)
    assert_told_once(db, mailbox, sms_gateway, invoice, buyer, seller)

    # reading again changes nothing and tells nobody twice
    assert_paid_by(confirm(server, buyer, invoice.invoiceNumber), mutation, seller, invoice)
    result = reconcile_now(server, shop.admin)
    assert invoice.invoiceNumber not in items(result.invoicesPaid, "invoiceNumber")
    assert_still_once(db, mailbox, sms_gateway, invoice, buyer, seller)
    assert_one_paying_row(db, seller, mutation, invoice)
    assert_outbox_once(db, invoice, buyer, seller)


# --- 2. nobody presses anything --------------------------------------------------------------------

def test_the_worker_pays_the_invoice_without_confirm_payment(server, mailbox, shop, banks, sms_gateway, db):
    seller = new_seller(server, mailbox, shop, banks, "bca")
    buyer = new_buyer(server, mailbox)
    invoice = buy(server, buyer, seller)
    mutation = transfer(banks, seller, invoice.amountDue, "bayar")

    status = wait_until_paid(server, buyer, invoice.invoiceNumber)  # by the worker: nobody confirmed
    assert_paid_by(status, mutation, seller, invoice)
    assert status.checkedFrom is None and status.mutationsRead is None  # getPaymentStatus read no bank
    assert status.lastCheckedAt is not None and not status.lastError
    assert invoice_of(server, buyer, invoice.invoiceNumber).orderStatus == "PAID"
    assert_one_paying_row(db, seller, mutation, invoice)
    assert_told_once(db, mailbox, sms_gateway, invoice, buyer, seller)
    assert_outbox_once(db, invoice, buyer, seller)


# --- 3. the wrong amount ---------------------------------------------------------------------------

def test_a_transfer_of_the_wrong_amount_stays_unmatched(server, mailbox, shop, banks, sms_gateway, db):
    seller = new_seller(server, mailbox, shop, banks, "mandiri")
    buyer = new_buyer(server, mailbox)
    invoice = buy(server, buyer, seller)
    mutation = transfer(banks, seller, invoice.amountDue + 1, invoice.invoiceNumber)

    status = confirm(server, buyer, invoice.invoiceNumber)
    assert (status.status, status.statusText, status.paidAt, status.mutation) == ("UNPAID", "BELUM DIBAYAR",
                                                                                  None, None)
    assert status.checkedFrom <= invoice.issuedAt and status.checkedFrom.utcoffset() == timedelta(hours=7)
    assert status.checkedFrom <= mutation.postedAt < status.checkedTo
    assert status.mutationsRead == 1  # the one credit on this fresh account
    assert status.lastCheckedAt is not None and not status.lastError

    held = [m for m in held_mutations(server, shop.admin, "NO_MATCH") if m.accountNumber == seller.account]
    assert [(m.bank, m.mutationId, m.type, m.amount, m.matchStatus) for m in held] == [
        (seller.bank, mutation.mutationId, "CR", invoice.amountDue + 1, "NO_MATCH")]
    assert mutation.mutationId in {m.mutationId for m in held_mutations(server, shop.admin)}  # no filter
    assert not [m for m in held_mutations(server, shop.admin, "AMBIGUOUS") if m.accountNumber == seller.account]

    reconcile_now(server, shop.admin)  # and the worker reads it every second: still not guessed
    after_the_worker_ran(db, "reconcile-payments")
    after_the_worker_ran(db, "dispatch-notifications")  # what a match would have sent is sent by now
    shown = invoice_of(server, buyer, invoice.invoiceNumber)
    assert (shown.status, shown.orderStatus, shown.paidAt) == ("UNPAID", "AWAITING_PAYMENT", None)
    assert payment_status(server, buyer, invoice.invoiceNumber).status == "UNPAID"
    assert [(r.mutation_id, r.match_status, r.invoice_id) for r in mutation_rows(db, seller)] == [
        (mutation.mutationId, "NO_MATCH", None)]
    assert outbox_rows(db, invoice.invoiceNumber) == []
    assert not payment_mails(mailbox, buyer, invoice.invoiceNumber)
    assert not payment_sms(sms_gateway, buyer, invoice.invoiceNumber)


# --- 4. two open invoices to one account -----------------------------------------------------------

def test_one_transfer_pays_the_invoice_it_matches_and_not_the_other(server, mailbox, shop, banks, sms_gateway, db):
    seller = new_seller(server, mailbox, shop, banks, "bni")
    first_buyer, second_buyer = new_buyer(server, mailbox), new_buyer(server, mailbox)
    first = buy(server, first_buyer, seller)
    second = buy(server, second_buyer, seller)
    assert first.amountDue != second.amountDue  # distinct unique codes on one account
    mutation = transfer(banks, seller, second.amountDue, second.invoiceNumber)

    assert_paid_by(confirm(server, second_buyer, second.invoiceNumber), mutation, seller, second)
    # the first buyer asks too: the account is read again, and the credit is not theirs
    status = confirm(server, first_buyer, first.invoiceNumber)
    assert (status.status, status.mutation, status.paidAt) == ("UNPAID", None, None)
    assert status.mutationsRead == 1
    reconcile_now(server, shop.admin)
    assert invoice_of(server, first_buyer, first.invoiceNumber).status == "UNPAID"
    assert invoice_of(server, second_buyer, second.invoiceNumber).orderStatus == "PAID"
    assert_one_paying_row(db, seller, mutation, second)
    assert_told_once(db, mailbox, sms_gateway, second, second_buyer, seller)
    assert outbox_rows(db, first.invoiceNumber) == []
    assert not payment_mails(mailbox, first_buyer, first.invoiceNumber)
    assert not payment_mails(mailbox, seller, first.invoiceNumber)


# --- 5. the same window read again and again -------------------------------------------------------

def test_the_same_window_read_three_times_pays_once(server, mailbox, shop, banks, sms_gateway, db):
    """The paid invoice's own confirmPayment stops reading once it is PAID; an open invoice on the
    same account keeps the account read (by its buyer, reconcileNow and the worker), so the credit
    really is read again and again."""
    seller = new_seller(server, mailbox, shop, banks, "bri")
    buyer, other_buyer = new_buyer(server, mailbox), new_buyer(server, mailbox)
    other = buy(server, other_buyer, seller)  # stays open: its window holds the credit too
    invoice = buy(server, buyer, seller)
    mutation = transfer(banks, seller, invoice.amountDue, invoice.invoiceNumber)
    held_before = {m.mutationId for m in held_mutations(server, shop.admin)}

    for _ in range(3):
        assert_paid_by(confirm(server, buyer, invoice.invoiceNumber), mutation, seller, invoice)
        again = confirm(server, other_buyer, other.invoiceNumber)  # reads [its issue, now): the credit
        assert (again.status, again.mutationsRead) == ("UNPAID", 1)
        result = reconcile_now(server, shop.admin)
        assert invoice.invoiceNumber not in items(result.invoicesPaid, "invoiceNumber")
    assert_paid_by(confirm(server, seller, invoice.invoiceNumber), mutation, seller, invoice)
    assert_paid_by(confirm(server, shop.admin, invoice.invoiceNumber), mutation, seller, invoice)

    assert_one_paying_row(db, seller, mutation, invoice)
    held_after = held_mutations(server, shop.admin)
    assert not [m for m in held_after if m.accountNumber == seller.account]  # not re-held as CLOSED
    assert held_before <= {m.mutationId for m in held_after}
    assert invoice_of(server, other_buyer, other.invoiceNumber).status == "UNPAID"
    assert_told_once(db, mailbox, sms_gateway, invoice, buyer, seller)
    assert_outbox_once(db, invoice, buyer, seller)


# --- 6. the bank down, then back -------------------------------------------------------------------

def assert_bank_unavailable(server, buyer, invoice, bank: str) -> None:
    fault = fault_of(confirm, server, buyer, invoice.invoiceNumber)
    assert (fault_code(fault), detail_code(fault)) == ("Server.PartnerUnavailable", "BANK_UNAVAILABLE")
    assert BANKS[bank] in fault.message  # e.g. "Bank Negara Indonesia"
    status = payment_status(server, buyer, invoice.invoiceNumber)
    assert (status.status, status.mutation, status.paidAt) == ("UNPAID", None, None)
    assert status.lastError and status.lastCheckedAt is not None


def test_a_bank_down_then_back_pays_once(server, mailbox, shop, normal_banks, sms_gateway, db):
    banks = normal_banks
    seller = new_seller(server, mailbox, shop, banks, "bni")
    buyer = new_buyer(server, mailbox)
    invoice = buy(server, buyer, seller)
    # The sandbox refuses every operation while UNAVAILABLE, transfer included, and the worker reads
    # the account every second: the credit is posted a few seconds ahead, so that no reading can see
    # it before the bank goes down, and it is at the bank while the bank is down.
    posted_at = (datetime.now(WIB) + timedelta(seconds=4)).replace(microsecond=0)
    mutation = transfer(banks, seller, invoice.amountDue, invoice.invoiceNumber, posted_at=posted_at)
    banks["bni"].setFailureMode(mode="UNAVAILABLE", delayMs=0)
    # the credit is at the bank now, and the worker has read the account since: its reading failed too
    after_the_worker_ran(db, "reconcile-payments", since=as_utc(posted_at))

    assert_bank_unavailable(server, buyer, invoice, "bni")
    after_the_worker_ran(db, "dispatch-notifications")  # nothing paid, nothing recorded, nobody told
    banks["bni"].setFailureMode(mode="GARBAGE", delayMs=0)
    assert_bank_unavailable(server, buyer, invoice, "bni")
    shown = invoice_of(server, buyer, invoice.invoiceNumber)
    assert (shown.status, shown.orderStatus) == ("UNPAID", "AWAITING_PAYMENT")
    assert mutation_rows(db, seller) == [] and outbox_rows(db, invoice.invoiceNumber) == []

    banks["bni"].setFailureMode(mode="NORMAL", delayMs=0)
    status = confirm(server, buyer, invoice.invoiceNumber)
    assert_paid_by(status, mutation, seller, invoice)
    assert not payment_status(server, buyer, invoice.invoiceNumber).lastError  # the next reading cleared it
    assert_one_paying_row(db, seller, mutation, invoice)
    assert_told_once(db, mailbox, sms_gateway, invoice, buyer, seller)
    assert_outbox_once(db, invoice, buyer, seller)


# --- 7. who may ask --------------------------------------------------------------------------------

def test_only_the_invoice_parties_and_admins_may_ask(server, mailbox, shop, banks, db):
    seller = new_seller(server, mailbox, shop, banks, "bca")
    buyer = new_buyer(server, mailbox)
    invoice = buy(server, buyer, seller)
    stranger = new_buyer(server, mailbox)
    payment, auth = stranger.service(server, "Payment")
    for call in (payment.confirmPayment, payment.getPaymentStatus):  # someone else's: as one that does not exist
        fault = fault_of(call, invoiceNumber=invoice.invoiceNumber, **auth)
        assert (fault_code(fault), detail_code(fault)) == ("Client.NotFound", "INVOICE_NOT_FOUND")
        missing = fault_of(call, invoiceNumber="INV/20000101/000000", **auth)
        assert seen_by_caller(fault, invoice.invoiceNumber) == seen_by_caller(missing, "INV/20000101/000000")
    for member in (stranger, buyer, seller):
        payment, auth = member.service(server, "Payment")
        for call, kwargs in ((payment.listUnmatchedMutations, dict(status=None, page=1, pageSize=10)),
                             (payment.reconcileNow, {})):
            assert fault_code(fault_of(call, **kwargs, **auth)) == "Client.Authorization"
    # without a session at all
    anonymous = zeep.Client(server.wsdl_url("Payment")).service
    assert fault_code(fault_of(anonymous.getPaymentStatus, invoiceNumber=invoice.invoiceNumber)).startswith("Client.")
    # an admin's filter must be a held status
    payment, auth = shop.admin.service(server, "Payment")
    fault = fault_of(payment.listUnmatchedMutations, status="PAID", page=1, pageSize=10, **auth)
    assert fault_code(fault) == "Client.Validation"
    last_int = 2 ** 31 - 1  # pages are xs:int (issue 15): the last page a client can ask for
    past_the_last = payment.listUnmatchedMutations(status=None, page=last_int, pageSize=10, **auth)
    assert past_the_last.page == last_int and not past_the_last.mutations
    fault = fault_of(payment.listUnmatchedMutations, status=None, page=10 ** 30, pageSize=10, **auth)
    assert fault_code(fault) == "Client.Validation" and field_errors(fault)["page"][0] == "SCHEMA_INVALID"
    # the parties and an admin may; nothing of the above changed the invoice
    for member in (buyer, seller, shop.admin):
        assert payment_status(server, member, invoice.invoiceNumber).status == "UNPAID"
    assert invoice_of(server, buyer, invoice.invoiceNumber).status == "UNPAID"
    assert mutation_rows(db, seller) == []


# --- 8. many readers at once -----------------------------------------------------------------------

def test_buyer_seller_admin_and_worker_reading_at_once_pay_once(server, mailbox, shop, banks, sms_gateway, db):
    """confirmPayment by buyer, seller and admin (twice each) and reconcileNow twice, all released in
    the same instant, with the worker's own round: the two server processes race to record the one
    credit. Every confirmPayment answers PAID (no fault: a reader that meets another's row reads
    again), one row, one set of notifications."""
    seller = new_seller(server, mailbox, shop, banks, "mandiri")
    buyer = new_buyer(server, mailbox)
    invoice = buy(server, buyer, seller)
    # posted a little ahead, so that no reading sees it before everyone is ready
    posted_at = (datetime.now(WIB) + timedelta(seconds=3)).replace(microsecond=0)
    mutation = transfer(banks, seller, invoice.amountDue, invoice.invoiceNumber, posted_at=posted_at)
    callers = [buyer, seller, shop.admin] * 2
    clients = [who.service(server, "Payment") for who in callers] + [
        shop.admin.service(server, "Payment") for _ in range(2)]  # WSDLs loaded before the start
    start = threading.Barrier(len(clients))
    release_at = posted_at.timestamp() + 1.2

    def call(index: int):
        payment, auth = clients[index]
        start.wait()
        time.sleep(max(0.0, release_at - time.time()))
        if index < len(callers):
            return payment.confirmPayment(invoiceNumber=invoice.invoiceNumber, **auth)
        return payment.reconcileNow(**auth)

    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(call, range(len(clients))))
    for status in answers[:len(callers)]:
        assert_paid_by(status, mutation, seller, invoice)
    paid_by_reconcile = [n for r in answers[len(callers):] for n in items(r.invoicesPaid, "invoiceNumber")]
    assert paid_by_reconcile in ([], [invoice.invoiceNumber])
    assert_one_paying_row(db, seller, mutation, invoice)
    assert not [m for m in held_mutations(server, shop.admin) if m.accountNumber == seller.account]
    assert_told_once(db, mailbox, sms_gateway, invoice, buyer, seller)
    assert_outbox_once(db, invoice, buyer, seller)


# --- 9. money that pays nothing open is kept for an admin --------------------------------------------

def test_a_second_transfer_of_the_same_amount_is_held_as_closed(server, mailbox, shop, banks, sms_gateway, db):
    """An invoice is paid by one mutation: the buyer's second, identical transfer pays nothing and is
    kept for an admin (a refund), as CLOSED, naming the invoice."""
    seller = new_seller(server, mailbox, shop, banks, "bca")
    buyer, other_buyer = new_buyer(server, mailbox), new_buyer(server, mailbox)
    invoice = buy(server, buyer, seller)
    buy(server, other_buyer, seller)  # an open invoice keeps the account read after the first is paid
    first = transfer(banks, seller, invoice.amountDue, invoice.invoiceNumber)
    assert_paid_by(confirm(server, buyer, invoice.invoiceNumber), first, seller, invoice)
    second = transfer(banks, seller, invoice.amountDue, invoice.invoiceNumber)
    held = wait_until_held(server, shop.admin, seller, "CLOSED")
    assert [(m.mutationId, m.amount, m.matchStatus) for m in held] == [(second.mutationId, invoice.amountDue,
                                                                       "CLOSED")]
    assert invoice.invoiceNumber in held[0].note
    assert_paid_by(payment_status(server, buyer, invoice.invoiceNumber), first, seller, invoice)
    assert_told_once(db, mailbox, sms_gateway, invoice, buyer, seller)
    assert_outbox_once(db, invoice, buyer, seller)


def test_a_transfer_to_a_cancelled_invoice_is_kept_for_an_admin(server, mailbox, shop, banks, db):
    """Issue 7: a credit that matches no open invoice is kept for an admin with the reason. The
    buyer cancelled, then paid anyway (the invoice email was still in their inbox)."""
    seller = new_seller(server, mailbox, shop, banks, "bri")
    buyer = new_buyer(server, mailbox)
    invoice = buy(server, buyer, seller)
    checkout, auth = buyer.service(server, "Checkout")
    assert checkout.cancelInvoice(invoiceNumber=invoice.invoiceNumber, **auth).status == "CANCELLED"
    mutation = transfer(banks, seller, invoice.amountDue, invoice.invoiceNumber)
    held = wait_until_held(server, shop.admin, seller, "CLOSED")
    assert [(m.mutationId, m.matchStatus) for m in held] == [(mutation.mutationId, "CLOSED")]
    assert [(r.mutation_id, r.match_status, r.invoice_id) for r in mutation_rows(db, seller)] == [
        (mutation.mutationId, "CLOSED", None)]  # recorded once, paying nothing
    assert invoice_of(server, buyer, invoice.invoiceNumber).status == "CANCELLED"
