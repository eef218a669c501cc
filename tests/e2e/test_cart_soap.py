"""Cart over SOAP: a multi-seller cart, flags after the seller changes things, and bad input with nothing changed."""
from dataclasses import dataclass

import pytest
import zeep

from tests.e2e.catalog import Member, Shop, auction_form, fixed_form, new_member, new_shop
from tests.e2e.members import login
from tests.e2e.soap import client, detail_code, fault_code, fault_of, field_errors


@dataclass(frozen=True)
class CartShop(Shop):
    sellers: list[Member]
    products: dict[str, int]  # keripik, sambal (the first seller's), batik, lukisan (an auction)


@pytest.fixture(scope="module")
def shop(server, mailbox) -> CartShop:
    shop = new_shop(server)
    category = shop.category
    sellers = [new_member(server, mailbox, seller=True), new_member(server, mailbox, seller=True)]
    products = {}
    for seller, key, form in ((sellers[0], "keripik", fixed_form(category)),
                              (sellers[0], "sambal", fixed_form(category, name="Sambal Bawang", price=18_000,
                                                                weightGrams=200, stock=4)),
                              (sellers[1], "batik", fixed_form(category, name="Batik Cap Pekalongan",
                                                               price=175_000, weightGrams=400, stock=3)),
                              (sellers[1], "lukisan", auction_form(category))):
        catalog, auth = seller.service(server, "Catalog")
        products[key] = catalog.sellProduct(form=form, **auth).productId
    return CartShop(shop.admin, category, sellers, products)


def cart_of(server, member):
    cart, auth = member.service(server, "Cart")
    return zeep.helpers.serialize_object(cart.getCart(**auth))


def lines_of(cart) -> dict:
    return {line["productId"]: line for group in (cart["groups"] or {"SellerGroup": []})["SellerGroup"]
            for line in group["lines"]["CartLine"]}


def test_a_two_seller_cart_groups_by_seller(server, mailbox, shop):
    buyer = new_member(server, mailbox)
    cart, auth = buyer.service(server, "Cart")
    p = shop.products
    cart.addItem(productId=p["keripik"], quantity=2, **auth)
    cart.addItem(productId=p["batik"], quantity=1, **auth)
    cart.addItem(productId=p["sambal"], quantity=1, **auth)
    answer = cart.updateItem(productId=p["sambal"], quantity=3, **auth)
    groups = answer.groups.SellerGroup
    assert sorted(g.sellerUsername for g in groups) == sorted(s.username for s in shop.sellers)
    first = next(g for g in groups if g.sellerUsername == shop.sellers[0].username)
    assert (first.subtotal, first.weightGrams, first.itemCount) == (2 * 25_000 + 3 * 18_000, 1200, 5)
    assert (answer.total, answer.weightGrams, answer.itemCount) == (104_000 + 175_000, 1600, 6)
    after_removal = cart.removeItem(productId=p["batik"], **auth)
    assert after_removal.total == 104_000 and len(after_removal.groups.SellerGroup) == 1
    cleared = cart.clearCart(**auth)
    assert cleared.total == 0 and not cleared.groups and cleared.readyForCheckout is False


def test_the_cart_outlives_the_session_it_was_filled_in(server, mailbox, shop):
    """Logged out and back in (a new token): the same lines, quantities and prices."""
    buyer = new_member(server, mailbox)
    cart, auth = buyer.service(server, "Cart")
    cart.addItem(productId=shop.products["keripik"], quantity=2, **auth)
    cart.addItem(productId=shop.products["batik"], quantity=1, **auth)
    filled = cart_of(server, buyer)
    member, member_auth = buyer.service(server, "Member")
    assert member.logout(**member_auth) == "LOGGED_OUT"
    fault = fault_of(cart.getCart, **auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.Authentication", "BAD_SESSION")
    again = Member(buyer.username, login(server, buyer.username))
    assert again.token != buyer.token
    assert cart_of(server, again) == filled
    assert sorted(lines_of(filled)) == sorted([shop.products["keripik"], shop.products["batik"]])


def test_seller_changes_are_flagged_with_a_message_not_applied(server, mailbox, shop):
    seller = new_member(server, mailbox, seller=True)
    catalog, seller_auth = seller.service(server, "Catalog")
    category = catalog.getProduct(productId=shop.products["keripik"]).categoryCode
    ids = [catalog.sellProduct(form=fixed_form(category, name=f"Dodol Garut {i}", price=30_000, stock=5),
                               **seller_auth).productId for i in range(3)]
    buyer = new_member(server, mailbox)
    cart, auth = buyer.service(server, "Cart")
    for product_id in ids:
        cart.addItem(productId=product_id, quantity=2, **auth)
    catalog.updateProduct(productId=ids[0], changes={"price": 32_500}, **seller_auth)
    catalog.updateProduct(productId=ids[1], changes={"stock": 1}, **seller_auth)
    catalog.withdrawProduct(productId=ids[2], **seller_auth)

    lines = lines_of(cart_of(server, buyer))
    flags = {pid: [(f["code"], f["message"]) for f in line["flags"]["Flag"]] for pid, line in lines.items()}
    assert flags[ids[0]] == [("REPRICED", "Harga berubah dari Rp 30.000 menjadi Rp 32.500 sejak dimasukkan "
                                          "ke keranjang.")]
    assert flags[ids[1]] == [("NOT_ENOUGH_STOCK", "Stok tersisa 1, kurang dari jumlah di keranjang.")]
    assert flags[ids[2]] == [("WITHDRAWN", "Produk ini telah ditarik oleh penjual.")]
    assert (lines[ids[0]]["unitPrice"], lines[ids[0]]["priceWhenAdded"], lines[ids[0]]["quantity"]) == (
        32_500, 30_000, 2)
    shown = cart_of(server, buyer)
    assert shown["total"] == 65_000 and shown["readyForCheckout"] is False


def test_admins_and_anonymous_callers_have_no_cart(server, shop):
    fault = fault_of(client(server, "Cart").service.getCart)
    assert (fault_code(fault), detail_code(fault)) == ("Client.Authentication", "AUTHENTICATION_REQUIRED")
    cart, auth = shop.admin.service(server, "Cart")
    fault = fault_of(cart.addItem, productId=shop.products["keripik"], quantity=1, **auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.Authorization", "ROLE_REQUIRED")


@pytest.mark.parametrize("call, product, quantity, expected", [
    ("addItem", "keripik", 0, ("Client.Validation", "quantity", "MIN_VALUE")),
    ("addItem", "keripik", -3, ("Client.Validation", "quantity", "MIN_VALUE")),
    ("addItem", "keripik", 13, ("Client.Conflict", "NOT_ENOUGH_STOCK")),
    ("addItem", "lukisan", 1, ("Client.InvalidState", "AUCTION_NOT_FOR_CART")),
    ("addItem", 0, 1, ("Client.NotFound", "UNKNOWN_PRODUCT")),
    ("addItem", -1, 1, ("Client.NotFound", "UNKNOWN_PRODUCT")),
    ("addItem", 123_456_789, 1, ("Client.NotFound", "UNKNOWN_PRODUCT")),
    ("addItem", None, 1, ("Client.Validation", "productId", "REQUIRED")),
    ("addItem", None, 0, ("Client.Validation", "productId", "REQUIRED")),  # and quantity: every field named
    ("updateItem", None, 1, ("Client.Validation", "productId", "REQUIRED")),
    ("updateItem", "keripik", 0, ("Client.Validation", "quantity", "MIN_VALUE")),
    ("updateItem", "keripik", 99, ("Client.Conflict", "NOT_ENOUGH_STOCK")),
    ("updateItem", "batik", 1, ("Client.NotFound", "NOT_IN_CART")),
    ("removeItem", "batik", None, ("Client.NotFound", "NOT_IN_CART")),
    ("removeItem", 0, None, ("Client.NotFound", "UNKNOWN_PRODUCT")),
    # removeItem's productId is required in the schema (issue 15): its absence is the schema's fault
    ("removeItem", None, None, ("Client.Validation", "productId", "SCHEMA_INVALID")),
])
def test_bad_cart_calls_get_their_fault_and_the_cart_stays(server, mailbox, shop, call, product, quantity, expected):
    buyer = new_member(server, mailbox)
    cart, auth = buyer.service(server, "Cart")
    cart.addItem(productId=shop.products["keripik"], quantity=2, **auth)
    before = cart_of(server, buyer)
    product_id = shop.products.get(product, product)
    args = {"productId": product_id} if quantity is None else {"productId": product_id, "quantity": quantity}
    # SkipValue: zeep would refuse to send a request without a required field; a client may
    fault = fault_of(getattr(cart, call), **{k: zeep.xsd.SkipValue if v is None else v for k, v in args.items()},
                     **auth)
    if expected[0] == "Client.Validation":
        assert (fault_code(fault), field_errors(fault)[expected[1]][0]) == (expected[0], expected[2])
        if quantity is not None and quantity < 1:
            assert field_errors(fault)["quantity"][0] == "MIN_VALUE"
    else:
        assert (fault_code(fault), detail_code(fault)) == expected
    assert cart_of(server, buyer) == before


def test_a_seller_cannot_put_their_own_product_in_the_cart(server, shop):
    seller = shop.sellers[0]
    cart, auth = seller.service(server, "Cart")
    fault = fault_of(cart.addItem, productId=shop.products["keripik"], quantity=1, **auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.Authorization", "CART_OWN_PRODUCT")
    assert cart.addItem(productId=shop.products["batik"], quantity=1, **auth).itemCount == 1  # others' are fine
