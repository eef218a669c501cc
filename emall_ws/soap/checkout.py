"""Checkout service ("kasir"): shipping quotes, checkout into one order + invoice per seller, invoices."""
from __future__ import annotations

from spyne import Array, DateTime, Integer, Integer32, Long, ServiceBase, Unicode, rpc

from emall_ws.clock import to_wib
from emall_ws.services import invoices, quoting
from emall_ws.services.quoting import Choice, ShipTo
from emall_ws.soap.application import namespace_of, platform_of
from emall_ws.soap.codes import code_type
from emall_ws.soap.partner_bound import partner_bound
from emall_ws.soap.security import credentials_of, session_header
from emall_ws.soap.types import Model, required

NAME = "Checkout"
DESCRIPTION = "Kasir: ongkos kirim, checkout menjadi pesanan dan faktur per penjual, dan faktur"
TNS = namespace_of(NAME)
InvoiceStatus = code_type("InvoiceStatus", TNS)
OrderStatus = code_type("OrderStatus", TNS)
# the operations on one invoice or one won auction find it first: a missing key is the schema's fault
InvoiceNumber = required(Unicode(max_len=40))
ProductId = required(Long(type_name="ProductId"))


class _Type(Model):
    __namespace__ = TNS


class ShippingAddress(_Type):
    """Where to ship, when not to the registered address: both fields, cityCode a Kemendagri code; or
    addressId alone, an entry of the caller's address book (Member.listAddresses)."""
    address = Unicode(max_len=500)
    cityCode = Unicode(max_len=5)
    addressId = Long


class ShippingOption(_Type):
    """One courier service for a seller group: its cost in whole rupiah and estimated days in transit."""
    courier = required(Unicode)
    service = required(Unicode)
    description = required(Unicode)
    cost = required(Long)
    etdDays = required(Integer32)


class GroupQuote(_Type):
    """One seller's group of the cart with every courier option; couriers that did not answer listed.
    The options are kept for the caller until expiresAt: checkout charges the quoted cost."""
    sellerUsername = required(Unicode)
    originCityCode = required(Unicode)
    destinationCityCode = required(Unicode)
    weightGrams = required(Integer32)
    subtotal = required(Long)
    options = Array(ShippingOption)
    unavailableCouriers = Array(Unicode(type_name="courier"))
    expiresAt = required(DateTime)


class ShippingChoice(_Type):
    """The courier service chosen for one seller's group, as quoted (checkoutAuction needs no seller)."""
    sellerUsername = Unicode(max_len=32)
    courier = Unicode(max_len=20)
    service = Unicode(max_len=30)


class InvoiceLine(_Type):
    """One product of an invoice: quantity, unit price and line total in whole rupiah."""
    productId = required(Long)
    name = required(Unicode)
    quantity = required(Integer32)
    unitPrice = required(Long)
    lineTotal = required(Long)


class Invoice(_Type):
    """An invoice: transfer exactly amountDue (goods + shipping + uniqueCode) to the payee before dueAt."""
    invoiceNumber = required(Unicode)
    orderNumber = required(Unicode)
    status = required(InvoiceStatus)
    orderStatus = required(OrderStatus)
    buyer = required(Unicode)
    seller = required(Unicode)
    payeeBank = required(Unicode)
    payeeAccount = required(Unicode)
    payeeHolder = required(Unicode)
    goodsTotal = required(Long)
    shippingCost = required(Long)
    uniqueCode = required(Integer)  # rupiah added to the amount: money, whose types stay as they are
    amountDue = required(Long)
    courier = required(Unicode)
    courierService = required(Unicode)
    etdDays = required(Integer32)
    shipName = required(Unicode)
    shipAddress = required(Unicode)
    shipCityCode = required(Unicode)
    weightGrams = required(Integer32)
    issuedAt = required(DateTime)
    dueAt = required(DateTime)
    paidAt = DateTime
    closedAt = DateTime
    lines = Array(InvoiceLine)


def _ship_to(address) -> ShipTo | None:
    if address is None:
        return None
    return ShipTo(address=address.address, city_code=address.cityCode, address_id=address.addressId)


def _quotes(quotation: quoting.Quotation) -> list[GroupQuote]:
    return [GroupQuote(sellerUsername=q.group.seller_username, originCityCode=q.group.origin_city_code,
                       destinationCityCode=quotation.destination_city_code, weightGrams=q.group.weight_grams,
                       subtotal=q.group.subtotal,
                       options=[ShippingOption(courier=o.courier, service=o.service, description=o.description,
                                               cost=o.cost, etdDays=o.etd_days) for o in q.options],
                       unavailableCouriers=list(q.unavailable), expiresAt=to_wib(quotation.expires_at))
            for q in quotation.groups]


def _invoice(view: invoices.InvoiceView) -> Invoice:
    return Invoice(
        invoiceNumber=view.number, orderNumber=view.order_number, status=view.status, orderStatus=view.order_status,
        buyer=view.buyer, seller=view.seller, payeeBank=view.payee_bank, payeeAccount=view.payee_account,
        payeeHolder=view.payee_holder, goodsTotal=view.goods_total, shippingCost=view.shipping_cost,
        uniqueCode=view.unique_code, amountDue=view.amount_due, courier=view.courier,
        courierService=view.courier_service, etdDays=view.etd_days, shipName=view.ship_name,
        shipAddress=view.ship_address, shipCityCode=view.ship_city_code, weightGrams=view.weight_grams,
        issuedAt=to_wib(view.issued_at), dueAt=to_wib(view.due_at), paidAt=to_wib(view.paid_at),
        closedAt=to_wib(view.closed_at),
        lines=[InvoiceLine(productId=line.product_id, name=line.name, quantity=line.quantity,
                           unitPrice=line.unit_price, lineTotal=line.line_total) for line in view.lines])


class CheckoutService(ServiceBase):
    __in_header__ = session_header(TNS)

    @rpc(ShippingAddress, _returns=Array(GroupQuote), _out_variable_name="quotes")
    @partner_bound
    def quoteShipping(ctx, shippingAddress):
        """Courier options (service, cost, days) for each seller group of the caller's cart, kept for checkout;
        buyers and sellers. InvalidState (CART_EMPTY, SELLER_SUSPENDED); couriers that do not answer are listed."""
        return _quotes(platform_of(ctx).checkout.quote_shipping(credentials_of(ctx), _ship_to(shippingAddress)))

    @rpc(ProductId, ShippingAddress, _returns=GroupQuote, _out_variable_name="quote")
    @partner_bound
    def quoteAuctionShipping(ctx, productId, shippingAddress):
        """Courier options for an auction the caller won, kept for checkoutAuction; its winner only.
        InvalidState (SELLER_SUSPENDED) and the faults of an auction not won by the caller."""
        quotation = platform_of(ctx).checkout.quote_auction_shipping(credentials_of(ctx), productId,
                                                                     _ship_to(shippingAddress))
        return _quotes(quotation)[0]

    @rpc(Array(ShippingChoice), ShippingAddress, _returns=Array(Invoice), _out_variable_name="invoices")
    def checkout(ctx, choices, shippingAddress):
        """Checks the cart out: one order and one invoice per seller, each with its quoted courier service;
        buyers and sellers. InvalidState (CART_EMPTY, QUOTE_OUTDATED, QUOTE_EXPIRED, COURIER_NOT_QUOTED),
        Conflict (CHECKOUT_LINES_CHANGED, CART_CHANGED, TOO_MANY_UNPAID)."""
        chosen = [Choice(c.sellerUsername, c.courier, c.service) for c in (choices or ()) if c is not None]
        views = platform_of(ctx).checkout.checkout(credentials_of(ctx), chosen, _ship_to(shippingAddress))
        return [_invoice(v) for v in views]

    @rpc(ProductId, ShippingChoice, ShippingAddress, _returns=Invoice, _out_variable_name="invoice")
    def checkoutAuction(ctx, productId, choice, shippingAddress):
        """Checks out a won auction: a one-line order at the winning price, by the winner, shipped as quoted.
        The quote faults of checkout (QUOTE_EXPIRED, COURIER_NOT_QUOTED ...) and Conflict (TOO_MANY_UNPAID)."""
        choice = choice or ShippingChoice()
        return _invoice(platform_of(ctx).checkout.checkout_auction(
            credentials_of(ctx), productId, Choice(None, choice.courier, choice.service), _ship_to(shippingAddress)))

    @rpc(InvoiceNumber, _returns=Invoice, _out_variable_name="invoice")
    def getInvoice(ctx, invoiceNumber):
        """One invoice, for its buyer, its payee (the seller) or an admin.
        Client.NotFound (INVOICE_NOT_FOUND, someone else's invoice too)."""
        return _invoice(platform_of(ctx).checkout.get_invoice(credentials_of(ctx), invoiceNumber))

    @rpc(InvoiceStatus, _returns=Array(Invoice), _out_variable_name="invoices")
    def listInvoices(ctx, status):
        """The caller's invoices (as buyer or payee; admins: all), newest first, optionally by status.
        Client.Authentication without a valid session."""
        return [_invoice(v) for v in platform_of(ctx).checkout.list_invoices(credentials_of(ctx), status)]

    @rpc(InvoiceNumber, _returns=Invoice, _out_variable_name="invoice")
    def cancelInvoice(ctx, invoiceNumber):
        """The buyer cancels an unpaid invoice: its order is cancelled and the stock restored. Client.NotFound
        (INVOICE_NOT_FOUND, someone else's invoice too; an admin: Client.Authorization INVOICE_NOT_YOURS),
        InvalidState (INVOICE_NOT_CANCELLABLE)."""
        return _invoice(platform_of(ctx).checkout.cancel_invoice(credentials_of(ctx), invoiceNumber))
