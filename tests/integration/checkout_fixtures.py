"""The checkout tests' shop, and what they look at after a checkout (the builders are in tests/builders.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from emall_ws.db.models import (CartLine, Invoice, InvoiceStatusHistory, Notification, Order, OrderLine,
                                OrderStatusHistory, Product, ShippingQuote)
from tests.builders import AUCTION_FORM, FIXED_FORM, NOW, Shop, add_category, add_member, add_seller, sell


def won_auction(db, seller, winner, amount: int = 2_100_000, **form) -> int:
    """An auction of `seller` closed with `winner` at `amount`, as the closing job leaves it: its id."""
    product_id = sell(db, seller, AUCTION_FORM, **form).product_id
    with db.unit_of_work() as session:
        product = session.get(Product, product_id)
        product.status, product.winner_id, product.current_price, product.closed_at = (
            "CLOSED", winner.member_id, amount, NOW)
    return product_id


DAY = timedelta(hours=24)
PHONES = {"semarang": "+6281100000001", "bandung": "+6281100000002", "buyer": "+6281100000003",
          "other": "+6281100000004"}


@pytest.fixture
def shop(db):
    """Two sellers with payout accounts (Semarang: kopi and teh; Bandung: batik), two buyers, an admin."""
    add_category(db)
    # everyone their own phone, so that an SMS to each side is a row of its own
    semarang = add_seller(db, "koperasi_semarang", "33.74", "bca", "1111111111", phone=PHONES["semarang"])
    bandung = add_seller(db, "ukm_bandung", "32.73", "mandiri", "2222222222", phone=PHONES["bandung"])
    return Shop(
        semarang=semarang, bandung=bandung, buyer=add_member(db, "budi", "BUYER", phone=PHONES["buyer"]),
        other=add_member(db, "ani", "BUYER", phone=PHONES["other"]), admin=add_member(db, "admin1", "ADMIN"),
        kopi=sell(db, semarang, FIXED_FORM).product_id,  # 85.000, 300 g, stock 10
        teh=sell(db, semarang, FIXED_FORM, name="Teh Kaligua", price=40_000, weight_grams=150, stock=5).product_id,
        batik=sell(db, bandung, FIXED_FORM, name="Batik Tulis", price=450_000, weight_grams=500, stock=2).product_id,
    )


def stock(db, product_id):
    with db.unit_of_work() as session:
        product = session.get(Product, product_id)
        return product.stock, product.status


def snapshot(db):
    """Everything a refused checkout must leave as it was."""
    with db.unit_of_work() as session:
        return (sorted(session.execute(select(Product.id, Product.stock, Product.status)).all()),
                sorted(session.execute(select(CartLine.buyer_id, CartLine.product_id, CartLine.quantity)).all()),
                sorted(session.execute(select(Invoice.number, Invoice.status, Invoice.stock_restored)).all()),
                sorted(session.execute(select(Order.number, Order.status)).all()),
                *(session.scalar(select(func.count()).select_from(m))
                  for m in (Order, OrderLine, Invoice, Notification, InvoiceStatusHistory, OrderStatusHistory,
                            ShippingQuote)))


def told(db, template):
    """The recipients (emails and phones) of every notification from `template`."""
    with db.unit_of_work() as session:
        return set(session.scalars(select(Notification.recipient).where(Notification.template == template)))
