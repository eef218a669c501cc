"""Members with their own phones and payee accounts at the bank sandboxes, checkouts, transfers and the
SMS that reached the phones: what the e2e tests of payment, shipping and the whole flow share."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from emall_ws.db.models import BankMutation, Invoice, Notification
from emall_ws.db.session import Database
from emall_ws.domain.members import BANK_ACCOUNT_LENGTHS
from tests.e2e.catalog import Member, Shop, fixed_form, new_member
from tests.waiting import eventually

AUTO_PAY_TIMEOUT = 20  # seconds the worker (every 1 s) may take to pay an invoice on its own

_accounts = itertools.count(1)
_phones = itertools.count(60_000_001)


@dataclass
class Party:
    member: Member
    msisdn: str  # E.164, where the SMS gateway sandbox files its SMS

    @property
    def email(self) -> str:
        return f"{self.member.username}@example.co.id"

    def service(self, server, name: str):
        return self.member.service(server, name)


@dataclass
class Seller(Party):
    bank: str  # bca, mandiri, bni, bri
    account: str
    product_id: int = 0


def unique_mobile() -> tuple[str, str]:
    """(as typed, E.164) of a Telkomsel number no other test uses."""
    local = f"0813{next(_phones):08d}"
    return local, "+62" + local[1:]


def unique_account(bank: str) -> str:
    length = BANK_ACCOUNT_LENGTHS[bank]
    return "77" + f"{next(_accounts)}".zfill(length - 2)


def new_seller(server, mailbox, shop: Shop, banks, bank: str) -> Seller:
    account = unique_account(bank)
    banks[bank].openAccount(accountNumber=account, holderName="Koperasi Maju Bersama", openingBalance=0)
    typed, msisdn = unique_mobile()
    member = new_member(server, mailbox, seller=True, bankCode=bank, accountNumber=account, phone=typed)
    seller = Seller(member, msisdn, bank, account)
    catalog, auth = seller.service(server, "Catalog")
    seller.product_id = catalog.sellProduct(form=fixed_form(shop.category, stock=50), **auth).productId
    return seller


def new_buyer(server, mailbox) -> Party:
    typed, msisdn = unique_mobile()
    return Party(new_member(server, mailbox, phone=typed), msisdn)


def buy(server, buyer: Party, seller: Seller, quantity: int = 1):
    """The buyer's cart with the seller's product, checked out with the cheapest courier: the invoice."""
    invoice = check_out_one(server, buyer, seller.product_id, quantity)
    assert (invoice.status, invoice.payeeAccount) == ("UNPAID", seller.account)
    return invoice


def check_out_one(server, buyer: Member | Party, product_id: int, quantity: int = 1):
    """The product put in the buyer's cart alone and checked out with its seller's cheapest courier: the invoice."""
    cart, auth = buyer.service(server, "Cart")
    cart.addItem(productId=product_id, quantity=quantity, **auth)
    checkout, auth = buyer.service(server, "Checkout")
    [group] = checkout.quoteShipping(**auth)
    choice, _ = cheapest([group], group.sellerUsername)
    [invoice] = checkout.checkout(choices={"ShippingChoice": [choice]}, **auth)
    return invoice


def cheapest(quotes, seller):
    """(the ShippingChoice of the seller's cheapest option, that option) among quoteShipping's `quotes`."""
    group = next(q for q in quotes if q.sellerUsername == seller)
    option = min(group.options.ShippingOption, key=lambda o: o.cost)
    return {"sellerUsername": seller, "courier": option.courier, "service": option.service}, option


def wait_until_paid(server, who: Party, number: str, timeout: float = AUTO_PAY_TIMEOUT):
    """The invoice's payment status as `who` sees it, once it is PAID (by a confirmPayment or by the
    worker's reconcile job, whichever came first); fails, with the status it was left in, past `timeout`."""
    payment, auth = who.service(server, "Payment")

    def status():
        return payment.getPaymentStatus(invoiceNumber=number, **auth)

    [paid] = eventually(lambda: [shown for shown in [status()] if shown.status == "PAID"],
                        lambda: f"invoice {number} PAID (it is {status().status})", timeout, interval=0.25)
    return paid


def transfer(banks, seller: Seller, amount: int, description: str, posted_at: datetime | None = None):
    mutation = banks[seller.bank].transfer(toAccount=seller.account, amount=amount, description=description,
                                           fromName="Budi Santoso", postedAt=posted_at)
    assert (mutation.type, mutation.amount) == ("CR", amount)
    return mutation


def items(value, name: str) -> list:
    """A spyne Array as zeep gives it: None when empty, else a wrapper holding the list."""
    if value is None:
        return []
    return list(getattr(value, name, value) or [])


def messages_to(gateway, msisdn: str, count: int, timeout: float = 30) -> list:
    """The SMS the gateway sandbox holds for `msisdn`, once there are at least `count`."""
    def found() -> list:
        try:
            return gateway.listMessages(msisdn=msisdn) or []
        except Exception:  # noqa: BLE001 - the sandbox may still be starting
            return []

    return eventually(lambda: len(messages := found()) >= count and messages, f"{count} SMS to {msisdn}", timeout)


# --- what a paid invoice leaves: shared by the payment tests and the two-node race ---------------

def mutation_rows(db: Database, seller: Seller) -> list[BankMutation]:
    with db.unit_of_work() as session:
        return list(session.scalars(select(BankMutation).where(
            BankMutation.bank == seller.bank, BankMutation.account_number == seller.account)
            .order_by(BankMutation.id)))


def invoice_id(db: Database, number: str) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(Invoice.id).where(Invoice.number == number))


def outbox_rows(db: Database, number: str) -> list[tuple[str, str, str]]:
    """The outbox rows announcing the invoice's payment, however their event keys are spelled."""
    with db.unit_of_work() as session:
        return sorted(tuple(row) for row in session.execute(
            select(Notification.channel, Notification.recipient, Notification.template)
            .where(Notification.template.like("payment_received_%"), Notification.event_key.contains(number))))


def assert_paid_by(status, mutation, seller: Seller, invoice) -> None:
    """A PaymentStatus that says PAID ("LUNAS") by the sandbox's mutation."""
    assert (status.status, status.statusText) == ("PAID", "LUNAS")
    assert status.invoiceNumber == invoice.invoiceNumber and status.amountDue == invoice.amountDue
    assert status.paidAt == mutation.postedAt  # when the money arrived, WIB on the wire
    assert status.paidAt.utcoffset() == timedelta(hours=7)
    paid_by = status.mutation
    assert paid_by is not None
    assert (paid_by.bank, paid_by.accountNumber, paid_by.mutationId) == (seller.bank, seller.account,
                                                                        mutation.mutationId)
    assert (paid_by.type, paid_by.amount, paid_by.matchStatus) == ("CR", invoice.amountDue, "PAID")
    assert paid_by.postedAt == mutation.postedAt
    assert paid_by.description == mutation.description


def assert_one_paying_row(db, seller: Seller, mutation, invoice) -> None:
    """The account's mutations as recorded: the one credit, once, paying this invoice."""
    rows = mutation_rows(db, seller)
    assert [(r.mutation_id, r.type, r.amount, r.match_status, r.invoice_id) for r in rows] == [
        (mutation.mutationId, "CR", invoice.amountDue, "PAID", invoice_id(db, invoice.invoiceNumber))]


def assert_outbox_once(db, invoice, buyer: Party, seller: Seller) -> None:
    assert outbox_rows(db, invoice.invoiceNumber) == sorted([
        ("EMAIL", buyer.email, "payment_received_buyer"), ("SMS", buyer.msisdn, "payment_received_buyer"),
        ("EMAIL", seller.email, "payment_received_seller"), ("SMS", seller.msisdn, "payment_received_seller")])
