"""Reports over SOAP (Table II rows 1 and 2): two buyers check out from three sellers in three provinces;
one invoice is paid (a transfer at the bank sandbox, confirmPayment) and shipped (the courier sandbox's
waybill, shipOrder), one paid, one cancelled. Each member's report lists exactly their transactions
with the checkout's own figures, admins filter by seller and province, each shipped row carries what
Shipping.trackOrder/trackShipment take, bad periods get Client.Validation, and the CSV says the same."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
import zeep

from emall_ws.clock import WIB
from tests.e2e.catalog import ADMIN_PASSWORD, Member, create_admin, fixed_form, new_category, new_member
from tests.e2e.members import login
from tests.e2e.payments import cheapest, unique_account
from tests.e2e.soap import detail_code, fault_code, fault_of, field_errors

FORMULA_NAME = "=HYPERLINK(\"http://evil.example\",\"klik\")"
STATUSES = ("UNPAID", "PAID", "EXPIRED", "CANCELLED")


def today_wib():
    return datetime.now(WIB).date()


def period():  # a day either side: a checkout at 23:59:59 WIB is still in it a second later
    return {"fromDate": today_wib() - timedelta(days=1), "toDate": today_wib() + timedelta(days=1)}


def check_out(server, buyer, items):
    cart, cart_auth = buyer.service(server, "Cart")
    for product_id, quantity in items:
        cart.addItem(productId=product_id, quantity=quantity, **cart_auth)
    service, auth = buyer.service(server, "Checkout")
    quotes = service.quoteShipping(**auth)
    choices = [cheapest(quotes, q.sellerUsername)[0] for q in quotes]
    return {i.seller: i for i in service.checkout(choices={"ShippingChoice": choices}, **auth)}


def sandbox(server, kind: str, code: str):
    return zeep.Client(f"{server.sandbox_url}/partners/{kind}/{code}?wsdl",
                       settings=zeep.Settings(strict=False)).service


def opened_account(server, bank: str) -> str:
    account = unique_account(bank)
    sandbox(server, "bank", bank).openAccount(accountNumber=account, holderName="Koperasi", openingBalance=0)
    return account


def pay(server, buyer, invoice) -> None:
    """As buyers pay: the exact amount transferred at the bank sandbox, then confirmPayment."""
    sandbox(server, "bank", invoice.payeeBank).transfer(toAccount=invoice.payeeAccount, amount=invoice.amountDue,
                                                        description=invoice.invoiceNumber, fromName="Pembeli",
                                                        postedAt=None)
    payment, auth = buyer.service(server, "Payment")
    assert payment.confirmPayment(invoiceNumber=invoice.invoiceNumber, **auth).status == "PAID"


def ship(server, seller, invoice) -> tuple[str, str]:
    """The parcel handed to the buyer's courier (its sandbox gives the waybill), then shipOrder."""
    waybill = sandbox(server, "courier", invoice.courier).registerShipment(
        waybill=None, originCityCode=invoice.shipCityCode, destinationCityCode=invoice.shipCityCode,
        service=invoice.courierService, receiverName=invoice.shipName).waybill
    shipping, auth = seller.service(server, "Shipping")
    shipping.shipOrder(orderNumber=invoice.orderNumber, courier=invoice.courier, waybill=waybill, reason=None, **auth)
    return invoice.courier, waybill


@pytest.fixture(scope="module")
def trade(server, mailbox):
    admin_name = create_admin(server)
    admin = Member(admin_name, login(server, admin_name, ADMIN_PASSWORD))
    category = new_category(server, admin)
    jakarta = new_member(server, mailbox, seller=True, accountNumber=opened_account(server, "bca"))
    semarang = new_member(server, mailbox, seller=True, province="33", city="33.74", nik="3374011501900003",
                          accountNumber=opened_account(server, "bca"))
    bandung = new_member(server, mailbox, seller=True, province="32", city="32.73", nik="3273011501900004",
                         bankCode="BNI", accountNumber=opened_account(server, "bni"))
    products = {}
    for seller, key, form in ((jakarta, "keripik", fixed_form(category, stock=50)),
                              (semarang, "trick", fixed_form(category, name=FORMULA_NAME, price=30_000, stock=50)),
                              (bandung, "batik", fixed_form(category, name="Batik Cap", price=175_000, stock=50))):
        catalog, auth = seller.service(server, "Catalog")
        products[key] = catalog.sellProduct(form=form, **auth).productId
    budi, ani = new_member(server, mailbox), new_member(server, mailbox)
    budis = check_out(server, budi, [(products["keripik"], 2), (products["trick"], 1)])
    anis = check_out(server, ani, [(products["trick"], 3), (products["batik"], 1)])
    pay(server, budi, budis[jakarta.username])
    pay(server, ani, anis[bandung.username])
    courier, waybill = ship(server, jakarta, budis[jakarta.username])
    checkout, auth = ani.service(server, "Checkout")
    checkout.cancelInvoice(invoiceNumber=anis[semarang.username].invoiceNumber, **auth)
    # Bandung rejects Ani's paid order: CANCELLED, its invoice still PAID, a refund of it all DUE
    rejected = anis[bandung.username]
    order, auth = bandung.service(server, "Order")
    order.rejectOrder(orderNumber=rejected.orderNumber, reason="Stok habis", **auth)
    status = {budis[jakarta.username].invoiceNumber: "PAID", budis[semarang.username].invoiceNumber: "UNPAID",
              anis[semarang.username].invoiceNumber: "CANCELLED", anis[bandung.username].invoiceNumber: "PAID"}
    return {"admin": admin, "sellers": (jakarta, semarang, bandung), "buyers": (budi, ani), "waybill": waybill,
            "courier": courier, "invoices": {"budi": budis, "ani": anis}, "status": status,
            "refunds": {rejected.invoiceNumber: (rejected.amountDue, "DUE")}}


def report(server, member, operation, **arguments):
    service, auth = member.service(server, "Report")
    return getattr(service, operation)(**{**period(), **arguments}, **auth)


def rows_of(result):
    return list(result.rows.ReportRow) if result.rows else []


def assert_lists(result, invoices, status, refunds):
    """Exactly these checkout invoices, with the checkout's figures and their refunds (amount, status);
    totals added up from them."""
    rows = {r.invoiceNumber: r for r in rows_of(result)}
    assert set(rows) == {i.invoiceNumber for i in invoices}
    for invoice in invoices:
        row = rows[invoice.invoiceNumber]
        assert (row.orderNumber, row.buyer, row.seller) == (invoice.orderNumber, invoice.buyer, invoice.seller)
        assert (row.goodsTotal, row.shippingCost, row.uniqueCode, row.amountDue) == (
            invoice.goodsTotal, invoice.shippingCost, invoice.uniqueCode, invoice.amountDue)
        assert [(i.name, i.quantity, i.unitPrice, i.lineTotal) for i in row.items.ReportItem] == [
            (line.name, line.quantity, line.unitPrice, line.lineTotal) for line in invoice.lines.InvoiceLine]
        assert (row.courier, row.courierService) == (invoice.courier, invoice.courierService)
        assert row.invoiceStatus == status[invoice.invoiceNumber]
        assert row.issuedAt == invoice.issuedAt and row.issuedAt.utcoffset() == timedelta(hours=7)
        assert (row.paidAt is not None) == (row.invoiceStatus == "PAID")
        assert (row.refundAmount, row.refundStatus) == refunds.get(invoice.invoiceNumber, (None, None))
    totals = {t.status: t for t in result.totals.StatusTotal}
    assert tuple(totals) == STATUSES
    for name in STATUSES:
        chosen = [i for i in invoices if status[i.invoiceNumber] == name]
        assert (totals[name].count, totals[name].goods, totals[name].shipping, totals[name].amount) == (
            len(chosen), sum(i.goodsTotal for i in chosen), sum(i.shippingCost for i in chosen),
            sum(i.amountDue for i in chosen))
        owed = [refunds[i.invoiceNumber][0] for i in chosen if i.invoiceNumber in refunds]  # all DUE here
        assert (totals[name].refundCount, totals[name].refundAmount, totals[name].refundOwed,
                totals[name].refundTransferred, totals[name].refundConfirmed) == (len(owed), sum(owed), sum(owed), 0, 0)
    assert (result.overall.count, result.overall.amount) == (len(invoices), sum(i.amountDue for i in invoices))
    assert result.overall.refundAmount == sum(refunds[i.invoiceNumber][0] for i in invoices
                                              if i.invoiceNumber in refunds)
    assert result.totalRows == len(invoices)


def test_table2_row1_each_buyer_sees_their_purchases(server, trade):
    for name, buyer in zip(("budi", "ani"), trade["buyers"], strict=True):
        result = report(server, buyer, "purchaseReport")
        assert_lists(result, list(trade["invoices"][name].values()), trade["status"], trade["refunds"])
        assert {r.counterparty for r in rows_of(result)} == set(trade["invoices"][name])


def test_table2_row2_the_shipped_row_carries_what_tracking_takes(server, trade):
    jakarta = trade["sellers"][0]
    shipped = trade["invoices"]["budi"][jakarta.username]
    (row,) = [r for r in rows_of(report(server, trade["buyers"][0], "purchaseReport"))
              if r.invoiceNumber == shipped.invoiceNumber]
    # the worker's tracking poll (every second here) may already have read the courier's first event
    assert (row.orderStatus, row.waybill) == ("SHIPPED", trade["waybill"])
    assert row.shippingStatus in ("Pending", "InfoReceived")
    assert (row.tracking.orderNumber, row.tracking.courier, row.tracking.waybill) == (
        shipped.orderNumber, trade["courier"], trade["waybill"])
    # clicking the waybill: its tracking detail, by order and by courier + waybill
    shipping, auth = trade["buyers"][0].service(server, "Shipping")
    by_order = shipping.trackOrder(orderNumber=row.tracking.orderNumber, **auth)
    by_waybill = shipping.trackShipment(courier=row.tracking.courier, waybill=row.tracking.waybill, **auth)
    for tracking in (by_order, by_waybill):
        assert (tracking.orderNumber, tracking.waybill, tracking.status) == (
            shipped.orderNumber, trade["waybill"], "InfoReceived")
        assert tracking.events.TrackingEvent[0].description
    unshipped = [r for r in rows_of(report(server, trade["buyers"][1], "purchaseReport"))]
    assert all(r.tracking is None and r.waybill is None for r in unshipped)


def test_each_seller_sees_only_their_sales(server, trade):
    everything = [i for by_seller in trade["invoices"].values() for i in by_seller.values()]
    for seller in trade["sellers"]:
        result = report(server, seller, "salesReport")
        assert_lists(result, [i for i in everything if i.seller == seller.username], trade["status"],
                     trade["refunds"])
        assert {r.counterparty for r in rows_of(result)} <= {b.username for b in trade["buyers"]}


def test_admins_filter_by_seller_and_province(server, trade):
    admin = trade["admin"]
    jakarta, semarang, bandung = trade["sellers"]
    everything = [i for by_seller in trade["invoices"].values() for i in by_seller.values()]
    mine = [i for i in everything if i.seller == semarang.username]
    assert_lists(report(server, admin, "salesReport", seller=semarang.username), mine, trade["status"],
                 trade["refunds"])
    # other tests' sellers live in province 31: in 33 (Jawa Tengah) only Semarang's sales, all of them
    in_33 = {r.invoiceNumber for r in rows_of(report(server, admin, "salesReport", province="33", pageSize=200))}
    assert {i.invoiceNumber for i in mine} <= in_33
    assert not {i.invoiceNumber for i in everything if i.seller != semarang.username} & in_33
    paged = [report(server, admin, "purchaseReport", seller=semarang.username, page=n, pageSize=1) for n in (1, 2)]
    assert [p.totalPages for p in paged] == [2, 2]
    assert {rows_of(p)[0].invoiceNumber for p in paged} == {i.invoiceNumber for i in mine}


def test_a_buyer_may_not_ask_for_sales_and_nobody_without_a_session(server, trade):
    buyer = trade["buyers"][0]
    service, auth = buyer.service(server, "Report")
    for call in (service.salesReport, service.exportSalesReport):
        fault = fault_of(call, **period(), **auth)
        assert (fault_code(fault), detail_code(fault)) == ("Client.Authorization", "ROLE_REQUIRED")
    fault = fault_of(service.purchaseReport, **period())
    assert fault_code(fault) == "Client.Authentication"


def test_bad_periods_get_validation_faults_naming_each_field(server, trade):
    service, auth = trade["admin"].service(server, "Report")
    today = today_wib()
    fault = fault_of(service.salesReport, page=0, **auth)
    assert fault_code(fault) == "Client.Validation"
    assert {f: c for f, (c, _) in field_errors(fault).items()} == {
        "fromDate": "REQUIRED", "toDate": "REQUIRED", "page": "MIN_VALUE"}
    assert field_errors(fault)["fromDate"][1] == "Kolom Tanggal Awal wajib diisi"
    fault = fault_of(service.purchaseReport, fromDate=today, toDate=today - timedelta(days=1), **auth)
    assert field_errors(fault) == {"toDate": ("PERIOD_REVERSED", "Tanggal akhir periode tidak boleh sebelum "
                                                                 "tanggal awal")}
    fault = fault_of(service.exportSalesReport, fromDate=today - timedelta(days=366), toDate=today, **auth)
    assert {f: c for f, (c, _) in field_errors(fault).items()} == {"toDate": "PERIOD_TOO_LONG"}
    fault = fault_of(service.salesReport, **period(), seller="nobody_here", province="99", **auth)
    assert {f: c for f, (c, _) in field_errors(fault).items()} == {"seller": "UNKNOWN_SELLER",
                                                                    "province": "UNKNOWN_PROVINCE"}


def test_the_csv_export_lists_the_same_rows_and_neutralises_formulas(server, trade):
    semarang = trade["sellers"][1]
    exported = report(server, semarang, "exportSalesReport")
    assert exported.contentType == "text/csv; charset=utf-8" and exported.fileName.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"), newline="")))
    shown = rows_of(report(server, semarang, "salesReport"))
    assert exported.rowCount == len(rows) == len(shown) == 2
    assert [(r["invoiceNumber"], int(r["amountDue"]), r["invoiceStatus"]) for r in rows] == [
        (s.invoiceNumber, s.amountDue, s.invoiceStatus) for s in shown]
    assert all(r["items"].startswith("'=HYPERLINK") for r in rows)
    purchases = report(server, trade["buyers"][0], "exportPurchaseReport")
    assert purchases.fileName.startswith("laporan-pembelian-")
    bought = list(csv.DictReader(io.StringIO(purchases.content.decode("utf-8-sig"), newline="")))
    assert sum(int(r["amountDue"]) for r in bought) == sum(i.amountDue for i in trade["invoices"]["budi"].values())


def test_a_rejected_paid_order_shows_its_refund_in_the_reports_and_the_csv(server, trade):
    """Bandung rejected Ani's paid order: both parties' reports show the refund DUE on that row, and it
    counts in the PAID total (the invoice was paid; the order is CANCELLED) as owed."""
    bandung, ani = trade["sellers"][2], trade["buyers"][1]
    rejected = trade["invoices"]["ani"][bandung.username]
    for member, operation in ((ani, "purchaseReport"), (bandung, "salesReport"), (trade["admin"], "salesReport")):
        result = report(server, member, operation, seller=bandung.username)
        [row] = [r for r in rows_of(result) if r.invoiceNumber == rejected.invoiceNumber]
        assert (row.invoiceStatus, row.orderStatus, row.refundAmount, row.refundStatus) == (
            "PAID", "CANCELLED", rejected.amountDue, "DUE")
        paid = {t.status: t for t in result.totals.StatusTotal}["PAID"]
        assert (paid.refundCount, paid.refundOwed, result.overall.refundOwed) == (
            1, rejected.amountDue, rejected.amountDue)
    exported = report(server, bandung, "exportSalesReport")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"), newline="")))
    assert [(r["invoiceNumber"], r["refundAmount"], r["refundStatus"]) for r in rows] == [
        (rejected.invoiceNumber, str(rejected.amountDue), "DUE")]
