"""A month of trade between two buyers and three sellers, for the report tests: what each invoice must
show, written down from the fixtures' own prices and the fake courier's tariff, not from the reports."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from emall_ws.db.models import Invoice, Shipment
from emall_ws.services import invoices
from emall_ws.services.quoting import Choice
from emall_ws.services.invoices import set_invoice_status, set_order_status
from tests.builders import FIXED_FORM, add_category, add_member, add_seller, check_out, put, sell

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))  # WIB days
FIRST_SECOND = datetime(2026, 10, 31, 17, 0, 0)  # 1 Nov 00:00:00 WIB, in UTC
MIDDLE = datetime(2026, 11, 15, 5, 0, 0)
LAST_SECOND = datetime(2026, 11, 30, 16, 59, 59)  # 30 Nov 23:59:59 WIB
BEFORE = FIRST_SECOND - timedelta(seconds=1)  # 31 Oct 23:59:59 WIB
AFTER = LAST_SECOND + timedelta(seconds=1)  # 1 Dec 00:00:00 WIB
JNE_PER_KG = 9_000  # FakeCourier("jne"), REG: per started kilogram
FORMULA_NAME = "=HYPERLINK(\"http://evil.example\",\"klik\")"
WAYBILL = "JNE0011223344"


@dataclass
class Expected:
    """One invoice as the reports must show it."""
    number: str
    order_number: str
    buyer: str
    seller: str
    items: list[tuple[str, int, int]]  # name, quantity, unit price
    shipping: int
    unique_code: int
    status: str = "UNPAID"
    order_status: str = "AWAITING_PAYMENT"
    paid_at: datetime | None = None
    waybill: str | None = None
    shipping_status: str | None = None
    issued_at: datetime | None = None

    @property
    def goods(self) -> int:
        return sum(q * p for _, q, p in self.items)

    @property
    def amount(self) -> int:
        return self.goods + self.shipping + self.unique_code


def jne(weight_grams: int) -> int:
    return JNE_PER_KG * -(-weight_grams // 1000)


def _buy(db, buyer, items, sellers, now, expected_items):
    for product_id, quantity in items:
        put(db, buyer, product_id, quantity)
    views = check_out(db, buyer, [Choice(s, "jne", "REG") for s in sellers], now=now)
    found = {}
    for view in views:
        lines, weight = expected_items[view.seller]
        found[view.seller] = Expected(view.number, view.order_number, buyer.username, view.seller, lines,
                                      jne(weight), view.unique_code, issued_at=now)
    return [found[seller] for seller in sellers]  # in the order asked, whatever the checkout's


def _invoice(session, number: str) -> Invoice:
    return session.scalars(select(Invoice).where(Invoice.number == number)).one()


def build(db) -> dict:
    """Invoices A-E in November (WIB), F just before it and G just after; A and D paid, A shipped, C
    cancelled."""
    add_category(db)
    semarang = add_seller(db, "koperasi_semarang", "33.74", "bca", "1111111111")
    bandung = add_seller(db, "ukm_bandung", "32.73", "mandiri", "2222222222000")
    solo = add_seller(db, "batik_solo", "33.72", "bni", "3333333333")
    budi, ani = add_member(db, "budi", "BUYER"), add_member(db, "ani", "BUYER")
    admin = add_member(db, "admin1", "ADMIN")
    kopi = sell(db, semarang, FIXED_FORM).product_id  # 85.000, 300 g
    teh = sell(db, semarang, FIXED_FORM, name="Teh Kaligua", price=40_000, weight_grams=150).product_id
    batik = sell(db, bandung, FIXED_FORM, name="Batik Tulis", price=450_000, weight_grams=500).product_id
    trick = sell(db, solo, FIXED_FORM, name=FORMULA_NAME, price=30_000, weight_grams=400).product_id

    a, b = _buy(db, budi, [(kopi, 2), (teh, 1), (batik, 1)], ["koperasi_semarang", "ukm_bandung"], FIRST_SECOND,
                {"koperasi_semarang": ([("Kopi Gayo Arabika 250 g", 2, 85_000), ("Teh Kaligua", 1, 40_000)], 750),
                 "ukm_bandung": ([("Batik Tulis", 1, 450_000)], 500)})
    c, d = _buy(db, ani, [(batik, 1), (trick, 3)], ["ukm_bandung", "batik_solo"], MIDDLE,
                {"ukm_bandung": ([("Batik Tulis", 1, 450_000)], 500),
                 "batik_solo": ([(FORMULA_NAME, 3, 30_000)], 1200)})
    (e,) = _buy(db, budi, [(teh, 2)], ["koperasi_semarang"], LAST_SECOND,
                {"koperasi_semarang": ([("Teh Kaligua", 2, 40_000)], 300)})
    (f,) = _buy(db, ani, [(kopi, 1)], ["koperasi_semarang"], BEFORE,
                {"koperasi_semarang": ([("Kopi Gayo Arabika 250 g", 1, 85_000)], 300)})
    (g,) = _buy(db, budi, [(trick, 1)], ["batik_solo"], AFTER, {"batik_solo": ([(FORMULA_NAME, 1, 30_000)], 400)})

    paid_at = MIDDLE + timedelta(hours=1)
    with db.unit_of_work() as session:
        for paid in (a, d):
            invoice = _invoice(session, paid.number)
            set_invoice_status(session, invoice, "PAID", paid_at, "paid (test)", "bank:bca")
            set_order_status(session, invoice.order, "PAID", paid_at, "paid (test)", "bank:bca")
            paid.status, paid.order_status, paid.paid_at = "PAID", "PAID", paid_at
        invoice = _invoice(session, a.number)
        set_order_status(session, invoice.order, "SHIPPED", paid_at + timedelta(hours=2), "shipped (test)",
                         "member:seller")
        session.add(Shipment(order_id=invoice.order_id, courier="jne", waybill=WAYBILL, status="InTransit",
                             courier_status="ON PROCESS", final=False, shipped_at=paid_at + timedelta(hours=2),
                             next_check_at=paid_at + timedelta(hours=3)))
        a.order_status, a.waybill, a.shipping_status = "SHIPPED", WAYBILL, "InTransit"
    with db.unit_of_work() as session:
        invoices.cancel_invoice(session, ani, c.number, MIDDLE + timedelta(hours=2))
        c.status, c.order_status = "CANCELLED", "CANCELLED"
    return {"sellers": {"semarang": semarang, "bandung": bandung, "solo": solo},
            "budi": budi, "ani": ani, "admin": admin,
            "invoices": dict(zip("ABCDEFG", (a, b, c, d, e, f, g), strict=True))}


def expected_totals(invoices: list[Expected]) -> dict[str, tuple[int, int, int, int]]:
    """(count, goods, shipping, amount) per invoice status and ALL, from the fixtures."""
    totals = {}
    for status in ("UNPAID", "PAID", "EXPIRED", "CANCELLED", "ALL"):
        chosen = [i for i in invoices if status in (i.status, "ALL")]
        totals[status] = (len(chosen), sum(i.goods for i in chosen), sum(i.shipping for i in chosen),
                          sum(i.amount for i in chosen))
    return totals
