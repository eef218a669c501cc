"""Cart use cases: a member's persistent cart of fixed-price products, grouped by seller.

Buyers and sellers may buy (a seller buys from others, never their own products); admins do not
shop. Each operation answers with the whole cart, as getCart shows it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from emall_ws.db.models import CartLine, Member, Product, ProductPhoto
from emall_ws.domain.cart import Cart, CartPolicy, LineState, build_cart, validate_item
from emall_ws.domain.catalog import AUCTION
from emall_ws.domain.errors import Conflict, InvalidState, NotAuthorized, NotFound
from emall_ws.domain.pipelines import MemberStatus, ProductStatus
from emall_ws.services.auth import SHOPPERS, Principal, authorize
from emall_ws.services.catalog import ensure_seller_on_sale, product_by_id


def add_item(session: Session, buyer: Principal, product_id: int | None, quantity: int | None, now: datetime,
             policy: CartPolicy) -> Cart:
    """Adds `quantity` of a product (to what the cart already holds of it), at its current price."""
    authorize(buyer, *SHOPPERS)
    quantity = validate_item(product_id, quantity, policy)
    _lock_cart(session, buyer)  # the cart's line count stays true until this call ends
    product = _buyable(session, buyer, product_id)  # locked before its line: see services/checkout.py
    line = _line(session, buyer, product.id)
    wanted = quantity + (line.quantity if line else 0)
    _check_stock(product, wanted)
    if line is None:
        lines = session.execute(select(func.count()).select_from(CartLine)
                                .where(CartLine.buyer_id == buyer.member_id)).scalar_one()
        if lines >= policy.lines_max:
            raise Conflict("CART_FULL", max=policy.lines_max)
        try:
            with session.begin_nested():  # the same buyer adding the same product twice at once
                session.add(CartLine(buyer_id=buyer.member_id, product_id=product.id, quantity=wanted,
                                     price_when_added=product.price, added_at=now, updated_at=now))
        except IntegrityError:
            raise Conflict("CART_CHANGED") from None
    else:
        _accept(line, product, wanted, now)
    return get_cart(session, buyer)


def update_item(session: Session, buyer: Principal, product_id: int | None, quantity: int | None,
                now: datetime, policy: CartPolicy) -> Cart:
    """Sets a line's quantity; the buyer thereby accepts the product's current price."""
    authorize(buyer, *SHOPPERS)
    quantity = validate_item(product_id, quantity, policy)
    product = product_by_id(session, product_id, lock=True)  # before its line: see services/checkout.py
    line = _line(session, buyer, product.id)
    if line is None:
        raise NotFound("NOT_IN_CART", productId=product.id)
    _ensure_on_sale(session, product)
    _check_stock(product, quantity)
    _accept(line, product, quantity, now)
    return get_cart(session, buyer)


def remove_item(session: Session, buyer: Principal, product_id: int | None) -> Cart:
    authorize(buyer, *SHOPPERS)
    product = product_by_id(session, product_id, lock=True)  # before its line: see services/checkout.py
    line = _line(session, buyer, product.id)
    if line is None:
        raise NotFound("NOT_IN_CART", productId=product.id)
    session.delete(line)
    session.flush()
    return get_cart(session, buyer)


def clear_cart(session: Session, buyer: Principal) -> Cart:
    authorize(buyer, *SHOPPERS)
    session.execute(delete(CartLine).where(CartLine.buyer_id == buyer.member_id))
    return get_cart(session, buyer)


def get_cart(session: Session, buyer: Principal) -> Cart:
    """The cart as it stands now, every line checked against its product (flags, not changes)."""
    authorize(buyer, *SHOPPERS)
    rows = session.execute(
        select(CartLine, Product, Member.username, Member.status)
        .join(Product, Product.id == CartLine.product_id)
        .join(Member, Member.id == Product.seller_id)
        .where(CartLine.buyer_id == buyer.member_id)
        .order_by(CartLine.id)).all()
    photos = dict(session.execute(select(ProductPhoto.product_id, ProductPhoto.url).where(
        ProductPhoto.product_id.in_([r.Product.id for r in rows]), ProductPhoto.position == 0)).all()) \
        if rows else {}
    return build_cart([
        LineState(product_id=product.id, name=product.name, photo_url=photos.get(product.id),
                  seller_username=username, seller_city_code=product.seller_city_code,
                  sale_method=product.sale_method, status=product.status, stock=product.stock or 0,
                  price=product.list_price, price_when_added=line.price_when_added, quantity=line.quantity,
                  unit_weight_grams=product.weight_grams, seller_suspended=seller_status == MemberStatus.SUSPENDED)
        for line, product, username, seller_status in rows])


def _lock_cart(session: Session, buyer: Principal) -> None:
    """Locks the buyer's member row, which stands for the cart: simultaneous addItem calls of one
    buyer count its lines one after another, so the cart never passes lines_max. Taken first, as
    checkout takes it (members, then products, then cart lines)."""
    session.execute(select(Member.id).where(Member.id == buyer.member_id).with_for_update())


def _buyable(session: Session, buyer: Principal, product_id: int | None) -> Product:
    product = product_by_id(session, product_id, lock=True)
    if product.sale_method == AUCTION:
        raise InvalidState("AUCTION_NOT_FOR_CART")
    if product.seller_id == buyer.member_id:
        raise NotAuthorized("CART_OWN_PRODUCT")
    _ensure_on_sale(session, product)
    return product


def _ensure_on_sale(session: Session, product: Product) -> None:
    ensure_seller_on_sale(session.get_one(Member, product.seller_id))
    if product.status != ProductStatus.ACTIVE:
        raise InvalidState("PRODUCT_NOT_AVAILABLE", status=product.status)


def _check_stock(product: Product, quantity: int) -> None:
    if quantity > (product.stock or 0):
        raise Conflict("NOT_ENOUGH_STOCK", stock=product.stock or 0)


def _line(session: Session, buyer: Principal, product_id: int) -> CartLine | None:
    return session.scalars(select(CartLine).where(CartLine.buyer_id == buyer.member_id,
                                                  CartLine.product_id == product_id)).first()


def _accept(line: CartLine, product: Product, quantity: int, now: datetime) -> None:
    if product.price is None:  # only an auction has no price, and _buyable refused those
        raise InvalidState("AUCTION_NOT_FOR_CART")
    line.quantity = quantity
    line.price_when_added = product.price  # the buyer acted on the product as it is now
    line.updated_at = now
