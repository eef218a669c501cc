"""Cart rules (no I/O): quantities, what is wrong with a line now, and the cart grouped by seller.

A line keeps the price the buyer saw when adding it. When the product changed since (withdrawn,
sold out, too little stock, another price), the line is flagged, never changed behind the buyer's
back; the buyer's next addItem/updateItem of that product accepts its current state.
"""
from __future__ import annotations

from dataclasses import dataclass

from emall_ws.domain.catalog import FIXED
from emall_ws.domain.errors import FieldError, ValidationFailed
from emall_ws.domain.pipelines import ProductStatus

# line flags; each but REPRICED means the line cannot be bought as it stands
FLAG_WITHDRAWN, FLAG_SOLD_OUT, FLAG_UNAVAILABLE = "WITHDRAWN", "SOLD_OUT", "UNAVAILABLE"
FLAG_NOT_ENOUGH_STOCK, FLAG_REPRICED = "NOT_ENOUGH_STOCK", "REPRICED"
FLAG_SELLER_SUSPENDED = "SELLER_SUSPENDED"  # off sale until the seller is reinstated
FLAGS = (FLAG_WITHDRAWN, FLAG_SOLD_OUT, FLAG_UNAVAILABLE, FLAG_NOT_ENOUGH_STOCK, FLAG_REPRICED,
         FLAG_SELLER_SUSPENDED)


@dataclass(frozen=True)
class CartPolicy:
    lines_max: int = 50  # distinct products in one cart
    quantity_max: int = 10_000  # per line, before the stock is even looked at


def validate_item(product_id: int | None, quantity: int | None, policy: CartPolicy) -> int:
    """addItem's and updateItem's own fields, every problem at once (as placeBid checks its own): a
    product, and a quantity within 1..quantity_max. Returns the quantity."""
    errors = [FieldError("productId", "REQUIRED")] if product_id is None else []
    if quantity is None:
        errors.append(FieldError("quantity", "REQUIRED"))
    elif quantity < 1:
        errors.append(FieldError("quantity", "MIN_VALUE", {"min": 1}))
    elif quantity > policy.quantity_max:
        errors.append(FieldError("quantity", "MAX_VALUE", {"max": policy.quantity_max}))
    if errors:
        raise ValidationFailed(errors)
    assert quantity is not None  # a missing one is an error above
    return quantity


@dataclass(frozen=True)
class LineState:
    """A cart line together with its product as it is now."""
    product_id: int
    name: str
    photo_url: str | None
    seller_username: str
    seller_city_code: str
    sale_method: str
    status: str
    stock: int
    price: int  # the product's price now
    price_when_added: int
    quantity: int
    unit_weight_grams: int
    seller_suspended: bool = False


def flags_of(line: LineState) -> tuple[str, ...]:
    if line.seller_suspended:
        return (FLAG_SELLER_SUSPENDED,)
    if line.status == ProductStatus.WITHDRAWN:
        return (FLAG_WITHDRAWN,)
    if line.status == ProductStatus.SOLD_OUT:
        return (FLAG_SOLD_OUT,)
    if line.status != ProductStatus.ACTIVE or line.sale_method != FIXED:
        return (FLAG_UNAVAILABLE,)
    flags = []
    if line.quantity > line.stock:
        flags.append(FLAG_NOT_ENOUGH_STOCK)
    if line.price != line.price_when_added:
        flags.append(FLAG_REPRICED)
    return tuple(flags)


def is_buyable(flags: tuple[str, ...]) -> bool:
    return all(flag == FLAG_REPRICED for flag in flags)


@dataclass(frozen=True)
class Line:
    state: LineState
    flags: tuple[str, ...]

    @property
    def total(self) -> int:
        return self.state.price * self.state.quantity

    @property
    def weight_grams(self) -> int:
        return self.state.unit_weight_grams * self.state.quantity


@dataclass(frozen=True)
class SellerGroup:
    """The lines of one seller: one order each at checkout. Sums count buyable lines only."""
    seller_username: str
    seller_city_code: str
    lines: tuple[Line, ...]
    subtotal: int
    weight_grams: int
    item_count: int


@dataclass(frozen=True)
class Cart:
    groups: tuple[SellerGroup, ...]
    total: int
    weight_grams: int
    item_count: int
    # nothing flagged, not even a price change: the buyer has seen what checkout will charge
    ready_for_checkout: bool


def build_cart(states: list[LineState]) -> Cart:
    """Lines grouped by seller (sellers by username, lines as they were added)."""
    by_seller: dict[str, list[Line]] = {}
    for state in states:
        by_seller.setdefault(state.seller_username, []).append(Line(state, flags_of(state)))
    groups = tuple(_group(lines) for _, lines in sorted(by_seller.items(), key=lambda kv: kv[0].lower()))
    flagged = any(line.flags for group in groups for line in group.lines)
    return Cart(groups=groups, total=sum(g.subtotal for g in groups),
                weight_grams=sum(g.weight_grams for g in groups), item_count=sum(g.item_count for g in groups),
                ready_for_checkout=bool(groups) and not flagged)


def _group(lines: list[Line]) -> SellerGroup:
    buyable = [line for line in lines if is_buyable(line.flags)]
    first = lines[0].state
    return SellerGroup(seller_username=first.seller_username, seller_city_code=first.seller_city_code,
                       lines=tuple(lines), subtotal=sum(line.total for line in buyable),
                       weight_grams=sum(line.weight_grams for line in buyable),
                       item_count=sum(line.state.quantity for line in buyable))
