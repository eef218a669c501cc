"""Shipping service: the seller ships a paid order, buyer/seller/admin track it, the buyer confirms receipt."""
from __future__ import annotations

from spyne import Array, Boolean, DateTime, ServiceBase, Unicode, rpc

from emall_ws.clock import to_wib
from emall_ws.messages import translate
from emall_ws.services.tracking import TrackingView
from emall_ws.soap.application import language_of, namespace_of, platform_of
from emall_ws.soap.codes import code_type
from emall_ws.soap.partner_bound import partner_bound
from emall_ws.soap.security import credentials_of, session_header
from emall_ws.soap.types import Model, required

NAME = "Shipping"
DESCRIPTION = "Pengiriman dengan nomor resi dan pelacakan kiriman di tujuh kurir"
TNS = namespace_of(NAME)
OrderStatus = code_type("OrderStatus", TNS)
TrackingStatus = code_type("TrackingStatus", TNS)

# every operation on one order finds it first: a missing orderNumber is the schema's fault, naming it;
# courier and waybill stay optional, their rules naming every failing one in one fault
OrderNumber = required(Unicode(max_len=40, type_name="OrderNumber", __namespace__=TNS))
CourierCode = Unicode(max_len=20, type_name="CourierCode", __namespace__=TNS)
WaybillNumber = Unicode(max_len=60, type_name="WaybillNumber", __namespace__=TNS)  # room for the spaces people copy


class _Type(Model):
    __namespace__ = TNS


class TrackingEvent(_Type):
    """One event of the courier: its time (WIB), place and the courier's own words."""
    time = required(DateTime)
    location = required(Unicode)
    description = required(Unicode)


class Tracking(_Type):
    """A shipment's normalised status, courier's own word and events; checkFailed: last known status, and
    messageCode why: TRACKING_STALE (the courier did not answer) or TRACKING_WAYBILL_UNKNOWN (it does not
    know the waybill)."""
    orderNumber = Unicode
    invoiceNumber = Unicode
    orderStatus = OrderStatus
    courier = required(Unicode)
    courierName = required(Unicode)
    waybill = required(Unicode)
    status = required(TrackingStatus)
    courierStatus = required(Unicode)
    delivered = required(Boolean)
    receivedBy = Unicode
    deliveredAt = DateTime
    shippedAt = required(DateTime)
    lastCheckedAt = DateTime
    checkFailed = required(Boolean)
    message = Unicode
    events = Array(TrackingEvent)
    messageCode = Unicode  # added after the contract's first fields: optional


def _tracking(view: TrackingView, language: str) -> Tracking:
    return Tracking(
        orderNumber=view.order_number, invoiceNumber=view.invoice_number, orderStatus=view.order_status,
        courier=view.courier, courierName=view.courier_name, waybill=view.waybill, status=view.status,
        courierStatus=view.courier_status, delivered=view.delivered, receivedBy=view.received_by,
        deliveredAt=to_wib(view.delivered_at), shippedAt=to_wib(view.shipped_at),
        lastCheckedAt=to_wib(view.last_checked_at), checkFailed=view.check_failed,
        message=_message(view, language),
        events=[TrackingEvent(time=to_wib(e.occurred_at), location=e.location, description=e.description)
                for e in view.events],
        messageCode=view.message_code)


def _message(view: TrackingView, language: str) -> str | None:
    if view.message_code is None:
        return None
    return translate(view.message_code, language, courier=view.courier_name, waybill=view.waybill)


class ShippingService(ServiceBase):
    __in_header__ = session_header(TNS)

    @rpc(OrderNumber, CourierCode, WaybillNumber,
         Unicode(max_len=200, type_name="CourierChangeReason", __namespace__=TNS),
         _returns=Tracking, _out_variable_name="tracking")
    def shipOrder(ctx, orderNumber, courier, waybill, reason):
        """The seller ships a paid order; another courier than the buyer's choice needs a reason. InvalidState
        (ORDER_NOT_SHIPPABLE), Client.Validation (COURIER_CHANGE_REASON, WAYBILL_FORMAT), Conflict (WAYBILL_IN_USE)."""
        view = platform_of(ctx).shipping.ship_order(credentials_of(ctx), orderNumber, courier, waybill, reason)
        return _tracking(view, language_of(ctx))

    @rpc(OrderNumber, _returns=Tracking, _out_variable_name="tracking")
    @partner_bound
    def trackOrder(ctx, orderNumber):
        """Tracking of an order's shipment, for its buyer, its seller or an admin; a courier that is down
        gives the last known status. Client.NotFound (ORDER_NOT_FOUND), InvalidState (ORDER_NOT_SHIPPED)."""
        return _tracking(platform_of(ctx).shipping.track_order(credentials_of(ctx), orderNumber), language_of(ctx))

    @rpc(CourierCode, WaybillNumber, _returns=Tracking, _out_variable_name="tracking")
    @partner_bound
    def trackShipment(ctx, courier, waybill):
        """Tracking of a shipment of the mall by courier and waybill, for any logged-in member.
        Client.NotFound (SHIPMENT_NOT_FOUND), Client.Validation (UNKNOWN_COURIER)."""
        view = platform_of(ctx).shipping.track_shipment(credentials_of(ctx), courier, waybill)
        return _tracking(view, language_of(ctx))

    @rpc(OrderNumber, _returns=OrderStatus, _out_variable_name="orderStatus")
    def confirmReceived(ctx, orderNumber):
        """The buyer confirms the goods arrived: the order is completed. Client.NotFound (ORDER_NOT_FOUND,
        someone else's order too), InvalidState (ORDER_NOT_RECEIVABLE)."""
        return platform_of(ctx).shipping.confirm_received(credentials_of(ctx), orderNumber)
