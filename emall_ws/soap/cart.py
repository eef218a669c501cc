"""Cart service: a logged-in member's cart of fixed-price products, grouped by seller for checkout."""
from __future__ import annotations

from spyne import Array, Boolean, Integer32, Long, ServiceBase, Unicode, rpc

from emall_ws.domain.auction import rupiah
from emall_ws.domain.cart import FLAG_NOT_ENOUGH_STOCK, FLAG_REPRICED, Cart as CartState, Line
from emall_ws.messages import translate
from emall_ws.soap.application import language_of, namespace_of, platform_of
from emall_ws.soap.codes import code_type
from emall_ws.soap.security import credentials_of, session_header
from emall_ws.soap.types import Model, required

NAME = "Cart"
DESCRIPTION = "Keranjang belanja: produk harga tetap dari banyak penjual, dikelompokkan per penjual"
TNS = namespace_of(NAME)
CartFlag = code_type("CartFlag", TNS)
ProductStatus = code_type("ProductStatus", TNS)

# addItem and updateItem check productId and quantity together (every failing field in one fault):
# optional there; removeItem has nothing else to check, so a missing productId is the schema's fault
ProductId = Long(type_name="ProductId")


class _Type(Model):
    __namespace__ = TNS


class Flag(_Type):
    """What changed since the line was added: WITHDRAWN, SOLD_OUT, UNAVAILABLE, NOT_ENOUGH_STOCK
    (these keep the line out of the sums) or REPRICED (accept it with updateItem or addItem)."""
    code = required(CartFlag)
    message = required(Unicode)


class CartLine(_Type):
    """One product in the cart: prices in whole rupiah (unitPrice now, priceWhenAdded as added), its
    quantity, the line's total and weight, the product's stock and status, and its flags."""
    productId = required(Long)
    name = required(Unicode)
    photoUrl = Unicode
    unitPrice = required(Long)  # the product's price now
    priceWhenAdded = required(Long)
    quantity = required(Integer32)
    lineTotal = required(Long)
    weightGrams = required(Integer32)
    stock = required(Integer32)
    status = required(ProductStatus)
    flags = Array(Flag)


class SellerGroup(_Type):
    """One seller's lines: one order each at checkout. Sums count lines that can be bought."""
    sellerUsername = required(Unicode)
    sellerCityCode = required(Unicode)
    lines = Array(CartLine)
    subtotal = required(Long)
    weightGrams = required(Integer32)
    itemCount = required(Integer32)


class Cart(_Type):
    """The caller's cart: its seller groups, and the sums (whole rupiah, grams, items) of the lines that
    can be bought; readyForCheckout when no line is flagged."""
    groups = Array(SellerGroup)
    total = required(Long)
    weightGrams = required(Integer32)
    itemCount = required(Integer32)
    readyForCheckout = required(Boolean)


def _flag(code: str, line: Line, language: str) -> Flag:
    params: dict[str, object] = {"stock": line.state.stock}
    if code == FLAG_REPRICED:
        params = {"was": rupiah(line.state.price_when_added), "now": rupiah(line.state.price)}
    elif code != FLAG_NOT_ENOUGH_STOCK:
        params = {}
    return Flag(code=code, message=translate(f"CART_{code}", language, **params))


def _cart(state: CartState, language: str) -> Cart:
    return Cart(
        groups=[SellerGroup(
            sellerUsername=group.seller_username, sellerCityCode=group.seller_city_code,
            lines=[CartLine(productId=line.state.product_id, name=line.state.name, photoUrl=line.state.photo_url,
                            unitPrice=line.state.price, priceWhenAdded=line.state.price_when_added,
                            quantity=line.state.quantity, lineTotal=line.total, weightGrams=line.weight_grams,
                            stock=line.state.stock, status=line.state.status,
                            flags=[_flag(code, line, language) for code in line.flags])
                   for line in group.lines],
            subtotal=group.subtotal, weightGrams=group.weight_grams, itemCount=group.item_count)
            for group in state.groups],
        total=state.total, weightGrams=state.weight_grams, itemCount=state.item_count,
        readyForCheckout=state.ready_for_checkout)


class CartService(ServiceBase):
    __in_header__ = session_header(TNS)

    @rpc(ProductId, Integer32, _returns=Cart, _out_variable_name="cart")
    def addItem(ctx, productId, quantity):
        """Adds a fixed-price product to the caller's cart (or more of it) and returns the cart;
        buyers and sellers. Conflict (NOT_ENOUGH_STOCK, CART_FULL), InvalidState (PRODUCT_NOT_AVAILABLE,
        SELLER_SUSPENDED, AUCTION_NOT_FOR_CART), Client.Authorization (CART_OWN_PRODUCT)."""
        return _cart(platform_of(ctx).cart.add_item(credentials_of(ctx), productId, quantity), language_of(ctx))

    @rpc(ProductId, Integer32, _returns=Cart, _out_variable_name="cart")
    def updateItem(ctx, productId, quantity):
        """Sets a cart line's quantity, accepting its price now; buyers and sellers.
        Client.NotFound (NOT_IN_CART), Conflict (NOT_ENOUGH_STOCK), InvalidState (SELLER_SUSPENDED)."""
        return _cart(platform_of(ctx).cart.update_item(credentials_of(ctx), productId, quantity), language_of(ctx))

    @rpc(required(ProductId), _returns=Cart, _out_variable_name="cart")
    def removeItem(ctx, productId):
        """Removes a product from the caller's cart; buyers and sellers. Client.NotFound (NOT_IN_CART)."""
        return _cart(platform_of(ctx).cart.remove_item(credentials_of(ctx), productId), language_of(ctx))

    @rpc(_returns=Cart, _out_variable_name="cart")
    def getCart(ctx):
        """The caller's cart grouped by seller, lines changed since adding flagged; buyers and sellers."""
        return _cart(platform_of(ctx).cart.get_cart(credentials_of(ctx)), language_of(ctx))

    @rpc(_returns=Cart, _out_variable_name="cart")
    def clearCart(ctx):
        """Empties the caller's cart; buyers and sellers."""
        return _cart(platform_of(ctx).cart.clear_cart(credentials_of(ctx)), language_of(ctx))
