"""Order service: after payment. The seller rejects a paid order (the worker cancels one not shipped in
time), the buyer complains about a shipped or delivered one (the seller offers a remedy, an admin
decides when they do not agree), the refund due to the buyer runs its course (account, transfer,
confirmation or dispute), and the parties and admins read the refunds, complaints and the order's history."""
from __future__ import annotations

from spyne import Array, Boolean, DateTime, Integer32, Long, ServiceBase, Unicode, rpc

from emall_ws.clock import to_wib
from emall_ws.services.complaints import ComplaintView
from emall_ws.services.tracking import ParcelView
from emall_ws.services.order import RefundView
from emall_ws.soap.application import namespace_of, platform_of
from emall_ws.soap.codes import code_type
from emall_ws.soap.partner_bound import partner_bound
from emall_ws.soap.history import status_change_type, status_changes
from emall_ws.soap.security import credentials_of, session_header
from emall_ws.soap.types import Model, required

NAME = "Order"
DESCRIPTION = ("Pesanan setelah pembayaran: penolakan, pembatalan otomatis, komplain, pengembalian dana dan riwayat "
               "status")
TNS = namespace_of(NAME)
OrderStatus = code_type("OrderStatus", TNS)
RefundStatus = code_type("RefundStatus", TNS)
RefundReason = code_type("RefundReason", TNS)
ComplaintStatus = code_type("ComplaintStatus", TNS)
ComplaintReason = code_type("ComplaintReason", TNS)
Remedy = code_type("Remedy", TNS)
TrackingStatus = code_type("TrackingStatus", TNS)

# every operation on one order finds it first: a missing orderNumber is the schema's fault, naming it
OrderNumber = required(Unicode(max_len=40, type_name="OrderNumber", __namespace__=TNS))
Reason = Unicode(max_len=200, type_name="Reason", __namespace__=TNS)


class _Type(Model):
    __namespace__ = TNS


class Refund(_Type):
    """The refund due to the buyer of a cancelled paid order: the invoice's amountDue, due by dueAt
    (overdue: still owed after it); the buyer's account once given; the seller's transfer once recorded."""
    orderNumber = required(Unicode)
    invoiceNumber = required(Unicode)
    orderStatus = required(OrderStatus)
    buyer = required(Unicode)
    seller = required(Unicode)
    amount = required(Long)
    reason = required(RefundReason)
    note = required(Unicode)
    status = required(RefundStatus)
    dueAt = required(DateTime)
    overdue = required(Boolean)
    bankCode = Unicode
    accountNumber = Unicode
    accountHolder = Unicode
    transferReference = Unicode
    transferredAmount = Long
    transferredAt = DateTime
    disputeReason = Unicode
    createdAt = required(DateTime)
    updatedAt = required(DateTime)


class RefundPage(_Type):
    """One page of refunds; total counts every refund matching."""
    refunds = Array(Refund)
    total = required(Integer32)
    page = required(Integer32)


StatusChange = status_change_type(TNS, OrderStatus)


class Complaint(_Type):
    """A buyer's complaint about a shipped or delivered order. respondBy: the seller's deadline to answer
    (or, for a return, the next step's); paid: the invoice's amountDue, what a full refund gives back;
    decision and decisionAmount: the remedy it was resolved with and the amount refunded."""
    orderNumber = required(Unicode)
    orderStatus = required(OrderStatus)
    buyer = required(Unicode)
    seller = required(Unicode)
    paid = required(Long)
    reason = required(ComplaintReason)
    description = required(Unicode)
    status = required(ComplaintStatus)
    respondBy = required(DateTime)
    offer = Remedy
    offerAmount = Long
    sellerMessage = Unicode
    returnCourier = Unicode
    returnWaybill = Unicode
    decision = Remedy
    decisionAmount = Long
    resolutionNote = Unicode
    createdAt = required(DateTime)
    updatedAt = required(DateTime)


class ReturnEvent(_Type):
    """One event of the return's courier: its time (WIB), place and the courier's own words."""
    time = required(DateTime)
    location = required(Unicode)
    description = required(Unicode)


class ReturnTracking(_Type):
    """A complaint's return parcel as its courier tells it now: the status normalised as a shipment's is
    (none when the courier did not answer: messageCode TRACKING_STALE, or TRACKING_WAYBILL_UNKNOWN when it
    does not know the waybill), its own word and events."""
    courier = required(Unicode)
    courierName = required(Unicode)
    waybill = required(Unicode)
    status = TrackingStatus
    courierStatus = required(Unicode)
    delivered = required(Boolean)
    receivedBy = Unicode
    deliveredAt = DateTime
    events = Array(ReturnEvent)
    messageCode = Unicode


def _return_tracking(view: ParcelView) -> ReturnTracking:
    return ReturnTracking(
        courier=view.courier, courierName=view.courier_name, waybill=view.waybill, status=view.status,
        courierStatus=view.courier_status, delivered=view.delivered, receivedBy=view.received_by,
        deliveredAt=to_wib(view.delivered_at), messageCode=view.message_code,
        events=[ReturnEvent(time=to_wib(e.occurred_at), location=e.location, description=e.description)
                for e in view.events])


class ComplaintPage(_Type):
    """One page of complaints; total counts every complaint matching."""
    complaints = Array(Complaint)
    total = required(Integer32)
    page = required(Integer32)


def _complaint(view: ComplaintView) -> Complaint:
    return Complaint(
        orderNumber=view.order_number, orderStatus=view.order_status, buyer=view.buyer, seller=view.seller,
        paid=view.paid, reason=view.reason, description=view.description, status=view.status,
        respondBy=to_wib(view.respond_by), offer=view.offer, offerAmount=view.offer_amount,
        sellerMessage=view.seller_message, returnCourier=view.return_courier, returnWaybill=view.return_waybill,
        decision=view.decision, decisionAmount=view.decision_amount, resolutionNote=view.resolution_note,
        createdAt=to_wib(view.created_at), updatedAt=to_wib(view.updated_at))


def _refund(view: RefundView) -> Refund:
    return Refund(
        orderNumber=view.order_number, invoiceNumber=view.invoice_number, orderStatus=view.order_status,
        buyer=view.buyer, seller=view.seller, amount=view.amount, reason=view.reason, note=view.note,
        status=view.status, dueAt=to_wib(view.due_at), overdue=view.overdue, bankCode=view.bank_code,
        accountNumber=view.account_number, accountHolder=view.account_holder,
        transferReference=view.transfer_reference, transferredAmount=view.transferred_amount,
        transferredAt=to_wib(view.transferred_at), disputeReason=view.dispute_reason,
        createdAt=to_wib(view.created_at), updatedAt=to_wib(view.updated_at))


class OrderService(ServiceBase):
    __in_header__ = session_header(TNS)

    @rpc(OrderNumber, Reason, _returns=Refund, _out_variable_name="refund")
    def rejectOrder(ctx, orderNumber, reason):
        """The seller rejects a paid order not yet shipped: CANCELLED, the stock back, a refund of the
        invoice's amountDue due to the buyer; both told by email and SMS. Client.NotFound (ORDER_NOT_FOUND,
        someone else's order too), InvalidState (ORDER_NOT_REJECTABLE), Client.Validation (reason REQUIRED)."""
        return _refund(platform_of(ctx).order.reject_order(credentials_of(ctx), orderNumber, reason))

    @rpc(OrderNumber, Unicode(max_len=20), Unicode(max_len=30), Unicode(max_len=100), _returns=Refund,
         _out_variable_name="refund")
    def setRefundAccount(ctx, orderNumber, bankCode, accountNumber, accountHolder):
        """The buyer names the account to refund to (checked as a payout account at registration), once;
        the seller is told. Client.Authorization (NOT_OWNER), InvalidState (REFUND_ACCOUNT_ALREADY_SET),
        Client.NotFound (REFUND_NOT_FOUND), Client.Validation (UNKNOWN_BANK, ACCOUNT_NUMBER_FORMAT)."""
        return _refund(platform_of(ctx).order.set_refund_account(credentials_of(ctx), orderNumber, bankCode,
                                                                 accountNumber, accountHolder))

    @rpc(OrderNumber, Unicode(max_len=60), Long, DateTime, _returns=Refund, _out_variable_name="refund")
    def recordRefund(ctx, orderNumber, transferReference, amount, transferredAt):
        """The seller records the refund's transfer, of exactly its amount (again after a dispute); the buyer
        is told. Client.Authorization (NOT_OWNER), InvalidState (REFUND_ACCOUNT_MISSING, REFUND_NOT_TRANSFERABLE),
        Client.Validation (REFUND_AMOUNT_MISMATCH, TRANSFER_IN_FUTURE)."""
        return _refund(platform_of(ctx).order.record_refund(credentials_of(ctx), orderNumber, transferReference,
                                                            amount, transferredAt))

    @rpc(OrderNumber, _returns=Refund, _out_variable_name="refund")
    def confirmRefund(ctx, orderNumber):
        """The buyer confirms the refund arrived: CONFIRMED; the seller is told. Client.Authorization
        (NOT_OWNER), InvalidState (REFUND_NOT_CONFIRMABLE)."""
        return _refund(platform_of(ctx).order.confirm_refund(credentials_of(ctx), orderNumber))

    @rpc(OrderNumber, Reason, _returns=Refund, _out_variable_name="refund")
    def disputeRefund(ctx, orderNumber, reason):
        """The buyer disputes a recorded transfer: DISPUTED, the seller told to record it again.
        Client.Authorization (NOT_OWNER), InvalidState (REFUND_NOT_CONFIRMABLE), Client.Validation (reason)."""
        return _refund(platform_of(ctx).order.dispute_refund(credentials_of(ctx), orderNumber, reason))

    @rpc(OrderNumber, _returns=Refund, _out_variable_name="refund")
    def getRefund(ctx, orderNumber):
        """The order's refund, for its buyer, its seller or an admin. Client.NotFound (ORDER_NOT_FOUND,
        REFUND_NOT_FOUND)."""
        return _refund(platform_of(ctx).order.get_refund(credentials_of(ctx), orderNumber))

    @rpc(RefundStatus, Boolean, Integer32(ge=1, default=1), Integer32(ge=1, le=100, default=20),
         _returns=RefundPage, _out_variable_name="page")
    def listRefunds(ctx, status, overdueOnly, page, pageSize):
        """Refunds newest first, a page at a time: all for admins, a member's own (as buyer or seller)
        otherwise; overdueOnly: those still owed past their due time."""
        views, total = platform_of(ctx).order.list_refunds(credentials_of(ctx), status, overdueOnly, page or 1,
                                                           pageSize or 20)
        return RefundPage(refunds=[_refund(v) for v in views], total=total, page=page or 1)

    @rpc(OrderNumber, _returns=Array(StatusChange), _out_variable_name="changes")
    def getHistory(ctx, orderNumber):
        """The order's status changes, oldest first, with time, reason and who made each; for its buyer,
        its seller or an admin. Client.NotFound (ORDER_NOT_FOUND, someone else's order too)."""
        return status_changes(StatusChange, platform_of(ctx).order.get_history(credentials_of(ctx), orderNumber))

    # --- complaints

    @rpc(OrderNumber, required(ComplaintReason), Unicode(max_len=1000), _returns=Complaint,
         _out_variable_name="complaint")
    def openComplaint(ctx, orderNumber, reason, description):
        """The buyer complains about a shipped order, or one delivered at most EMALL_COMPLAINT_DAYS ago: OPEN,
        the order no longer completes by itself, the seller told (email, SMS) to answer within
        EMALL_COMPLAINT_RESPONSE_DAYS. Client.Authorization (NOT_OWNER), InvalidState (ORDER_NOT_COMPLAINABLE,
        COMPLAINT_WINDOW_CLOSED), Client.Conflict (COMPLAINT_EXISTS), Client.Validation (description)."""
        return _complaint(platform_of(ctx).order.open_complaint(credentials_of(ctx), orderNumber, reason,
                                                                description))

    @rpc(OrderNumber, Unicode(max_len=500), required(Remedy), Long, _returns=Complaint,
         _out_variable_name="complaint")
    def respondComplaint(ctx, orderNumber, message, offer, amount):
        """The seller answers an OPEN complaint: a message and an offer (amount only with PARTIAL_REFUND, less
        than paid): OFFERED, the buyer told. Client.Authorization (NOT_OWNER), InvalidState
        (COMPLAINT_NOT_ANSWERABLE), Client.Validation (AMOUNT_ONLY_FOR_PARTIAL_REFUND, PARTIAL_REFUND_RANGE)."""
        return _complaint(platform_of(ctx).order.respond_complaint(credentials_of(ctx), orderNumber, message, offer,
                                                                   amount))

    @rpc(OrderNumber, _returns=Complaint, _out_variable_name="complaint")
    def acceptOffer(ctx, orderNumber):
        """The buyer accepts the seller's offer: a refund offered resolves the complaint (a refund due, the order
        COMPLETED); RETURN_FOR_REFUND waits for the goods to go back (RETURN_REQUESTED). Client.Authorization
        (NOT_OWNER), InvalidState (OFFER_NOT_ACCEPTABLE)."""
        return _complaint(platform_of(ctx).order.accept_offer(credentials_of(ctx), orderNumber))

    @rpc(OrderNumber, Unicode(max_len=20), Unicode(max_len=60), _returns=Complaint, _out_variable_name="complaint")
    def setReturnWaybill(ctx, orderNumber, courier, waybill):
        """The buyer sent the goods back: the return's courier and waybill, RETURNING, the seller told.
        Client.Authorization (NOT_OWNER), InvalidState (RETURN_NOT_EXPECTED), Client.Validation (courier,
        waybill)."""
        return _complaint(platform_of(ctx).order.set_return_waybill(credentials_of(ctx), orderNumber, courier,
                                                                    waybill))

    @rpc(OrderNumber, _returns=ReturnTracking, _out_variable_name="tracking")
    @partner_bound
    def trackReturn(ctx, orderNumber):
        """The complaint's return parcel, read from its courier now, for the order's parties and admins.
        InvalidState (RETURN_NOT_SENT), Client.NotFound (ORDER_NOT_FOUND, COMPLAINT_NOT_FOUND)."""
        return _return_tracking(platform_of(ctx).order.track_return(credentials_of(ctx), orderNumber))

    @rpc(OrderNumber, _returns=Complaint, _out_variable_name="complaint")
    def confirmReturn(ctx, orderNumber):
        """The seller has the returned goods: RESOLVED, a full refund due, the order COMPLETED.
        Client.Authorization (NOT_OWNER), InvalidState (RETURN_NOT_EXPECTED)."""
        return _complaint(platform_of(ctx).order.confirm_return(credentials_of(ctx), orderNumber))

    @rpc(OrderNumber, Reason, _returns=Complaint, _out_variable_name="complaint")
    def escalateComplaint(ctx, orderNumber, reason):
        """The buyer takes the complaint to an admin: after refusing the offer, or when the seller (or the
        return) is past respondBy. ESCALATED. Client.Authorization (NOT_OWNER), InvalidState
        (COMPLAINT_NOT_ESCALATABLE), Client.Validation (reason REQUIRED)."""
        return _complaint(platform_of(ctx).order.escalate_complaint(credentials_of(ctx), orderNumber, reason))

    @rpc(OrderNumber, required(Remedy), Long, Reason, _returns=Complaint, _out_variable_name="complaint")
    def resolveComplaint(ctx, orderNumber, decision, amount, note):
        """An admin decides an unresolved complaint: FULL_REFUND, PARTIAL_REFUND (amount), NONE (each RESOLVED,
        the order COMPLETED), or RETURN_FOR_REFUND. Client.Authorization (ROLE_REQUIRED), InvalidState
        (COMPLAINT_ALREADY_RESOLVED), Client.Validation (note REQUIRED, amount)."""
        return _complaint(platform_of(ctx).order.resolve_complaint(credentials_of(ctx), orderNumber, decision,
                                                                   amount, note))

    @rpc(OrderNumber, _returns=Complaint, _out_variable_name="complaint")
    def getComplaint(ctx, orderNumber):
        """The order's complaint, for its buyer, its seller or an admin. Client.NotFound (ORDER_NOT_FOUND,
        COMPLAINT_NOT_FOUND)."""
        return _complaint(platform_of(ctx).order.get_complaint(credentials_of(ctx), orderNumber))

    @rpc(ComplaintStatus, Integer32(ge=1, default=1), Integer32(ge=1, le=100, default=20),
         _returns=ComplaintPage, _out_variable_name="page")
    def listComplaints(ctx, status, page, pageSize):
        """Complaints newest first, a page at a time: all for admins (status ESCALATED: those waiting for a
        decision), a member's own (as buyer or seller) otherwise."""
        views, total = platform_of(ctx).order.list_complaints(credentials_of(ctx), status, page or 1,
                                                              pageSize or 20)
        return ComplaintPage(complaints=[_complaint(v) for v in views], total=total, page=page or 1)
