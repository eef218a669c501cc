"""The Order service over SOAP: the seller rejects a paid order (buyer and seller told by email, the stock
back), the refund runs DUE -> TRANSFERRED -> CONFIRMED (or DISPUTED, then recorded again), every fault
changes nothing, getHistory names who made each change, and a server whose EMALL_SHIP_DEADLINE_DAYS is
tiny has its worker cancel a paid order nobody shipped.

Orders are paid as buyers pay: a transfer of the exact amount at the bank sandbox, then
Payment.confirmPayment.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
import zeep
from zeep.helpers import serialize_object

from tests.e2e.catalog import Member, fixed_form, new_member, new_shop, stock_of
from tests.e2e.payments import check_out_one, unique_account
from tests.e2e.server import serving
from tests.e2e.soap import detail_code, fault_code, fault_of, field_errors
from tests.waiting import eventually


@dataclass(frozen=True)
class OrderShop:
    admin: Member
    seller: Member
    other_seller: Member
    buyer: Member
    other_buyer: Member
    product: int


def bank(server):
    return zeep.Client(f"{server.sandbox_url}/partners/bank/bca?wsdl").service


def opened_account(server) -> str:
    account = unique_account("bca")
    bank(server).openAccount(accountNumber=account, holderName="Koperasi Maju Bersama", openingBalance=0)
    return account


def new_order_shop(server, mailbox) -> OrderShop:
    shop = new_shop(server)
    seller, other_seller = (new_member(server, mailbox, seller=True, accountNumber=opened_account(server))
                            for _ in range(2))
    catalog, auth = seller.service(server, "Catalog")
    product = catalog.sellProduct(form=fixed_form(shop.category, stock=500), **auth).productId
    return OrderShop(shop.admin, seller, other_seller, new_member(server, mailbox), new_member(server, mailbox),
                     product)


@pytest.fixture(scope="module")
def shop(server, mailbox) -> OrderShop:
    return new_order_shop(server, mailbox)


def paid_order(server, buyer: Member, product: int) -> tuple[str, str, int]:
    """(order number, invoice number, amount paid) of one unit checked out with the cheapest courier and paid."""
    invoice = check_out_one(server, buyer, product)
    bank(server).transfer(toAccount=invoice.payeeAccount, amount=invoice.amountDue,
                          description=invoice.invoiceNumber, fromName="Budi Santoso", postedAt=None)
    payment, auth = buyer.service(server, "Payment")
    assert payment.confirmPayment(invoiceNumber=invoice.invoiceNumber, **auth).status == "PAID"
    return invoice.orderNumber, invoice.invoiceNumber, invoice.amountDue


def emails(mailbox, member: Member, subject_part: str, count: int = 1) -> list:
    address = f"{member.username}@example.co.id"
    return eventually(lambda: len(found := [m for m in mailbox.to(address) if subject_part in m["Subject"]]) >= count
                      and found, f"{count} email(s) '{subject_part}' to {address}", timeout=30)


def refund_of(server, who: Member, number: str) -> dict:
    order, auth = who.service(server, "Order")
    return serialize_object(order.getRefund(orderNumber=number, **auth), dict)


def transferred_at() -> datetime:
    return datetime.now(timezone.utc) - timedelta(minutes=5)


def test_the_seller_rejects_a_paid_order_both_are_told_the_stock_comes_back_and_a_refund_is_due(server, mailbox, shop):
    before = stock_of(server, shop.product)
    number, invoice, amount = paid_order(server, shop.buyer, shop.product)
    assert stock_of(server, shop.product) == before - 1
    order, auth = shop.seller.service(server, "Order")
    refund = order.rejectOrder(orderNumber=number, reason="Stok rusak terkena banjir", **auth)
    assert (refund.orderNumber, refund.invoiceNumber, refund.orderStatus, refund.status, refund.reason) == (
        number, invoice, "CANCELLED", "DUE", "SELLER_REJECTED")
    assert refund.amount == amount and refund.note == "Stok rusak terkena banjir" and not refund.overdue
    assert stock_of(server, shop.product) == before
    [to_buyer] = emails(mailbox, shop.buyer, f"Pesanan {number} dibatalkan")
    [to_seller] = emails(mailbox, shop.seller, f"Pesanan {number} dibatalkan")
    assert "Stok rusak terkena banjir" in to_buyer.get_body(("plain",)).get_content()
    assert "recordRefund" in to_seller.get_body(("plain",)).get_content()


def test_every_fault_of_rejection_and_refund_changes_nothing(server, shop):
    number, _, amount = paid_order(server, shop.buyer, shop.product)
    stock = stock_of(server, shop.product)
    as_other_seller, other_auth = shop.other_seller.service(server, "Order")
    as_buyer, buyer_auth = shop.buyer.service(server, "Order")
    as_seller, seller_auth = shop.seller.service(server, "Order")
    # wrong party: someone else's order does not exist for them; a buyer cannot reject
    fault = fault_of(as_other_seller.rejectOrder, orderNumber=number, reason="bukan milik saya", **other_auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.NotFound", "ORDER_NOT_FOUND")
    fault = fault_of(as_buyer.rejectOrder, orderNumber=number, reason="saya pembeli", **buyer_auth)
    assert fault_code(fault) == "Client.Authorization"
    fault = fault_of(as_seller.getRefund, orderNumber=number, **seller_auth)
    assert detail_code(fault) == "REFUND_NOT_FOUND"
    assert stock_of(server, shop.product) == stock
    as_seller.rejectOrder(orderNumber=number, reason="tidak sanggup kirim", **seller_auth)
    unchanged = refund_of(server, shop.buyer, number)
    # wrong state: a second rejection names the state
    fault = fault_of(as_seller.rejectOrder, orderNumber=number, reason="lagi", **seller_auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "ORDER_NOT_REJECTABLE")
    assert "CANCELLED" in fault.message
    # recordRefund before the buyer named the account
    fault = fault_of(as_seller.recordRefund, orderNumber=number, transferReference="TRF-1", amount=amount,
                     transferredAt=transferred_at(), **seller_auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "REFUND_ACCOUNT_MISSING")
    # the seller cannot name the buyer's account; nor can a stranger see the order
    fault = fault_of(as_seller.setRefundAccount, orderNumber=number, bankCode="bca", accountNumber="1234567890",
                     accountHolder="Penjual", **seller_auth)
    assert fault_code(fault) == "Client.Authorization"
    other_buyer, auth = shop.other_buyer.service(server, "Order")
    fault = fault_of(other_buyer.getRefund, orderNumber=number, **auth)
    assert detail_code(fault) == "ORDER_NOT_FOUND"
    fault = fault_of(as_buyer.setRefundAccount, orderNumber=number, bankCode="bca", accountNumber="12345",
                     accountHolder="Budi", **buyer_auth)
    assert field_errors(fault)["accountNumber"][0] == "ACCOUNT_NUMBER_FORMAT"
    assert refund_of(server, shop.buyer, number) == unchanged
    as_buyer.setRefundAccount(orderNumber=number, bankCode="BCA", accountNumber="1234567890", accountHolder="Budi",
                              **buyer_auth)
    unchanged = refund_of(server, shop.buyer, number)
    assert unchanged["bankCode"] == "bca"
    fault = fault_of(as_buyer.setRefundAccount, orderNumber=number, bankCode="bni", accountNumber="1234567890",
                     accountHolder="Budi", **buyer_auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "REFUND_ACCOUNT_ALREADY_SET")
    # the wrong amount
    fault = fault_of(as_seller.recordRefund, orderNumber=number, transferReference="TRF-1", amount=amount - 1,
                     transferredAt=transferred_at(), **seller_auth)
    assert fault_code(fault) == "Client.Validation" and field_errors(fault)["amount"][0] == "REFUND_AMOUNT_MISMATCH"
    # confirming before any transfer
    fault = fault_of(as_buyer.confirmRefund, orderNumber=number, **buyer_auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "REFUND_NOT_CONFIRMABLE")
    assert refund_of(server, shop.buyer, number) == unchanged
    assert stock_of(server, shop.product) == stock + 1  # back once


def test_a_refund_runs_due_transferred_confirmed_and_a_disputed_one_is_recorded_again(server, mailbox, shop):
    as_seller, seller_auth = shop.seller.service(server, "Order")
    as_buyer, buyer_auth = shop.buyer.service(server, "Order")
    numbers = []
    for _ in range(2):
        number, _, amount = paid_order(server, shop.buyer, shop.product)
        as_seller.rejectOrder(orderNumber=number, reason="stok habis", **seller_auth)
        as_buyer.setRefundAccount(orderNumber=number, bankCode="mandiri", accountNumber="1234567890123",
                                  accountHolder="Budi Santoso", **buyer_auth)
        refund = as_seller.recordRefund(orderNumber=number, transferReference="TRF-A", amount=amount,
                                        transferredAt=transferred_at(), **seller_auth)
        assert (refund.status, refund.transferReference, refund.transferredAmount) == ("TRANSFERRED", "TRF-A", amount)
        numbers.append((number, amount))
    (confirmed, _), (disputed, amount) = numbers
    assert as_buyer.confirmRefund(orderNumber=confirmed, **buyer_auth).status == "CONFIRMED"
    refund = as_buyer.disputeRefund(orderNumber=disputed, reason="Dana belum masuk", **buyer_auth)
    assert (refund.status, refund.disputeReason) == ("DISPUTED", "Dana belum masuk")
    emails(mailbox, shop.seller, f"Pengembalian dana pesanan {disputed}")
    refund = as_seller.recordRefund(orderNumber=disputed, transferReference="TRF-B", amount=amount,
                                    transferredAt=transferred_at(), **seller_auth)
    assert (refund.status, refund.transferReference) == ("TRANSFERRED", "TRF-B")
    assert as_buyer.confirmRefund(orderNumber=disputed, **buyer_auth).status == "CONFIRMED"
    fault = fault_of(as_seller.recordRefund, orderNumber=confirmed, transferReference="TRF-C", amount=amount,
                     transferredAt=transferred_at(), **seller_auth)
    assert (detail_code(fault), "CONFIRMED" in fault.message) == ("REFUND_NOT_TRANSFERABLE", True)
    admin, auth = shop.admin.service(server, "Order")
    page = admin.listRefunds(status="CONFIRMED", page=1, pageSize=100, **auth)
    assert {confirmed, disputed} <= {r.orderNumber for r in page.refunds.Refund}
    mine = as_buyer.listRefunds(**buyer_auth)
    assert {r.buyer for r in mine.refunds.Refund} == {shop.buyer.username}
    other, auth = shop.other_buyer.service(server, "Order")
    assert other.listRefunds(**auth).total == 0


def test_the_history_names_who_made_each_change(server, shop):
    number, _, _ = paid_order(server, shop.buyer, shop.product)
    as_seller, seller_auth = shop.seller.service(server, "Order")
    as_seller.rejectOrder(orderNumber=number, reason="stok habis", **seller_auth)
    for who in (shop.buyer, shop.seller, shop.admin):
        order, auth = who.service(server, "Order")
        changes = order.getHistory(orderNumber=number, **auth)
        assert [(c.fromStatus, c.toStatus) for c in changes] == [
            (None, "AWAITING_PAYMENT"), ("AWAITING_PAYMENT", "PAID"), ("PAID", "CANCELLED")]
        assert [c.actor for c in changes] == [f"member:{shop.buyer.username}", "bank:bca",
                                              f"member:{shop.seller.username}"]
        assert changes[-1].reason == "SELLER_REJECTED: stok habis"
    order, auth = shop.other_buyer.service(server, "Order")
    assert detail_code(fault_of(order.getHistory, orderNumber=number, **auth)) == "ORDER_NOT_FOUND"


@pytest.fixture(scope="module")
def hurried_server(database_factory, tmp_path_factory, mailbox):
    """A server whose sellers have 8.64 s (0.0001 days) to ship a paid order."""
    with serving(database_factory, tmp_path_factory.mktemp("hurried"), mailbox, "e2e_hurried",
                 EMALL_SHIP_DEADLINE_DAYS="0.0001") as running_server:
        yield running_server


def test_the_worker_cancels_a_paid_order_not_shipped_in_time(hurried_server, mailbox):
    server = hurried_server
    shop = new_order_shop(server, mailbox)
    before = stock_of(server, shop.product)
    number, _, amount = paid_order(server, shop.buyer, shop.product)
    order, auth = shop.buyer.service(server, "Order")

    def cancelled():
        changes = order.getHistory(orderNumber=number, **auth)
        return changes[-1].toStatus == "CANCELLED" and changes

    changes = eventually(cancelled, f"order {number} cancelled by the worker", timeout=60, interval=0.5)
    assert changes[-1].actor == "job:cancel-unshipped-orders"
    refund = order.getRefund(orderNumber=number, **auth)
    assert (refund.reason, refund.status, refund.amount) == ("NOT_SHIPPED_IN_TIME", "DUE", amount)
    assert stock_of(server, shop.product) == before
    emails(mailbox, shop.buyer, f"Pesanan {number} dibatalkan")
    emails(mailbox, shop.seller, f"Pesanan {number} dibatalkan")
    shipping, auth = shop.seller.service(server, "Shipping")
    fault = fault_of(shipping.shipOrder, orderNumber=number, courier="jne", waybill="CGK1A12345678901", **auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "ORDER_NOT_SHIPPABLE")
