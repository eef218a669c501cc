"""Events service: integrators are told what happens to their invoices, orders, parcels, auctions,
complaints and refunds, by a change feed they read with a cursor, or by signed callbacks the worker
POSTs to their endpoints (docs/services/Events.md)."""
from __future__ import annotations

from spyne import Array, Boolean, DateTime, Integer32, Long, ServiceBase, Unicode, rpc

from emall_ws.clock import to_wib
from emall_ws.db.models import ChangeEvent
from emall_ws.services.callbacks import DeliveryView, SubscriptionView
from emall_ws.soap.application import namespace_of, platform_of
from emall_ws.soap.codes import code_type
from emall_ws.soap.partner_bound import partner_bound
from emall_ws.soap.security import credentials_of, session_header
from emall_ws.soap.types import Model, required

NAME = "Events"
DESCRIPTION = "Umpan perubahan dan callback bertanda tangan: faktur, pesanan, kiriman, lelang, komplain dan refund"
TNS = namespace_of(NAME)
EventType = code_type("EventType", TNS)

Cursor = Unicode(max_len=200, type_name="Cursor", __namespace__=TNS)
# every operation on one subscription finds it first: a missing subscriptionId is the schema's fault, naming it
SubscriptionId = required(Unicode(max_len=40, type_name="SubscriptionId", __namespace__=TNS))
CallbackUrl = Unicode(max_len=600, type_name="CallbackUrl", __namespace__=TNS)  # the rules name a longer one
EventTypes = Array(Unicode(type_name="eventType"))  # EventType words, or "*" alone: all (the rules check them)


class _Type(Model):
    __namespace__ = TNS


class Change(_Type):
    """One event told to the caller. eventId: its number, the same in every reading and in callbacks
    (X-Emall-Event-Id), for de-duplication; status: the object's status after it (the invoice's, the
    order's, the parcel's tracking status ...); the numbers fetch the object: invoiceNumber
    (Checkout.getInvoice), orderNumber (Shipping.trackOrder, Order.getHistory), courier and waybill
    (Shipping.trackShipment; a complaint's return parcel), productId (Catalog, Auction)."""
    eventId = required(Long)
    type = required(EventType)
    occurredAt = required(DateTime)
    status = Unicode
    invoiceNumber = Unicode
    orderNumber = Unicode
    courier = Unicode
    waybill = Unicode
    productId = Long


class ChangePage(_Type):
    """Events after the cursor given, oldest first. cursor: where the next call continues (given also when
    no event came); hasMore: more are there now, call again at once."""
    changes = Array(Change)
    cursor = required(Unicode)
    hasMore = required(Boolean)


def _change(row: ChangeEvent) -> Change:
    return Change(eventId=row.seq, type=row.type, occurredAt=to_wib(row.occurred_at), status=row.status,
                  invoiceNumber=row.invoice_number, orderNumber=row.order_number, courier=row.courier,
                  waybill=row.waybill, productId=row.product_id)


class Subscription(_Type):
    """A callback endpoint of the caller's: the event types it is sent ("*": every type), ACTIVE, SUSPENDED
    (after failing deliveries: resumeSubscription) or ENDED; failures: failed deliveries in a row;
    nextAttemptAt: when the worker may next send (a retry waits); the last attempt and how it went."""
    subscriptionId = required(Unicode)
    url = required(Unicode)
    types = required(EventTypes)
    status = required(Unicode)
    failures = required(Integer32)
    createdAt = required(DateTime)
    suspendedAt = DateTime
    endedAt = DateTime
    nextAttemptAt = required(DateTime)
    lastDeliveryAt = DateTime
    lastOutcome = Unicode


class NewSubscription(_Type):
    """A new subscription and its signing secret, shown this once: each delivery's X-Emall-Signature is
    sha256=<hex HMAC-SHA256(secret, X-Emall-Timestamp + "." + raw body)>."""
    subscription = required(Subscription)
    secret = required(Unicode)


class Delivery(_Type):
    """One attempt to deliver an event (eventId; none for a test event): DELIVERED (the endpoint answered
    2xx) or FAILED, the HTTP status it answered, or why no answer came (error), and how long it took."""
    eventId = Long
    eventType = required(Unicode)
    attemptedAt = required(DateTime)
    attempt = required(Integer32)
    outcome = required(Unicode)
    httpStatus = Integer32
    error = Unicode
    durationMs = required(Integer32)


class DeliveryPage(_Type):
    """One page of a subscription's deliveries, newest first; total counts them all (kept
    EMALL_EVENT_RETENTION_DAYS)."""
    deliveries = Array(Delivery)
    total = required(Integer32)
    page = required(Integer32)


def _subscription(view: SubscriptionView) -> Subscription:
    return Subscription(subscriptionId=view.subscription_id, url=view.url, types=list(view.types),
                        status=view.status, failures=view.failures, createdAt=to_wib(view.created_at),
                        suspendedAt=to_wib(view.suspended_at), endedAt=to_wib(view.ended_at),
                        nextAttemptAt=to_wib(view.next_attempt_at), lastDeliveryAt=to_wib(view.last_delivery_at),
                        lastOutcome=view.last_outcome)


def _delivery(view: DeliveryView) -> Delivery:
    return Delivery(eventId=view.event_id, eventType=view.event_type, attemptedAt=to_wib(view.attempted_at),
                    attempt=view.attempt, outcome=view.outcome, httpStatus=view.http_status, error=view.error or None,
                    durationMs=view.duration_ms)


class EventsService(ServiceBase):
    __in_header__ = session_header(TNS)

    @rpc(Cursor, Integer32, _returns=ChangePage, _out_variable_name="page")
    def listChanges(ctx, cursor, limit):
        """The caller's events after cursor (none: from the oldest kept), oldest first, at most limit (100
        when left out; more than 500 gives 500). Events are kept EMALL_EVENT_RETENTION_DAYS. Client.Validation
        (CURSOR_INVALID, CURSOR_EXPIRED: read from the start again, MIN_VALUE)."""
        page = platform_of(ctx).events.list_changes(credentials_of(ctx), cursor, limit)
        return ChangePage(changes=[_change(row) for row in page.events], cursor=page.cursor, hasMore=page.has_more)

    @rpc(CallbackUrl, EventTypes, _returns=NewSubscription, _out_variable_name="subscribed")
    @partner_bound  # waits on DNS for the url's host (up to EMALL_CALLBACK_TIMEOUT)
    def subscribe(ctx, url, types):
        """The worker POSTs each of the caller's events of these types ("*": all) to url, signed, in order,
        from now on; the secret is answered this once. Client.Validation (CALLBACK_URL_INVALID,
        CALLBACK_URL_PRIVATE, CALLBACK_URL_UNRESOLVED, CALLBACK_URL_UNRESOLVED_IN_TIME: DNS did not answer
        within EMALL_CALLBACK_TIMEOUT, EVENT_TYPE_UNKNOWN), Conflict (SUBSCRIPTION_EXISTS, TOO_MANY_SUBSCRIPTIONS)."""
        new = platform_of(ctx).events.subscribe(credentials_of(ctx), url, types)
        return NewSubscription(subscription=_subscription(new.subscription), secret=new.secret)

    @rpc(_returns=Array(Subscription), _out_variable_name="subscriptions")
    def listSubscriptions(ctx):
        """The caller's subscriptions not ended, oldest first; never their secrets."""
        return [_subscription(view) for view in platform_of(ctx).events.list_subscriptions(credentials_of(ctx))]

    @rpc(SubscriptionId, _returns=Subscription, _out_variable_name="subscription")
    def unsubscribe(ctx, subscriptionId):
        """Ends one of the caller's subscriptions: nothing more is sent to it. Client.NotFound
        (SUBSCRIPTION_NOT_FOUND, someone else's too)."""
        return _subscription(platform_of(ctx).events.unsubscribe(credentials_of(ctx), subscriptionId))

    @rpc(SubscriptionId, _returns=Subscription, _out_variable_name="subscription")
    def resumeSubscription(ctx, subscriptionId):
        """A SUSPENDED subscription is sent its events again, from the first it missed. Client.NotFound
        (SUBSCRIPTION_NOT_FOUND), InvalidState (SUBSCRIPTION_NOT_SUSPENDED)."""
        return _subscription(platform_of(ctx).events.resume_subscription(credentials_of(ctx), subscriptionId))

    @rpc(SubscriptionId, _returns=Delivery, _out_variable_name="delivery")
    @partner_bound
    def sendTestEvent(ctx, subscriptionId):
        """POSTs a signed event of type "test" to the subscription's url now and answers how it went (logged
        too), within EMALL_CALLBACK_TIMEOUT, DNS included; its failures count nothing. Client.NotFound
        (SUBSCRIPTION_NOT_FOUND), InvalidState (SUBSCRIPTION_ENDED)."""
        return _delivery(platform_of(ctx).events.send_test_event(credentials_of(ctx), subscriptionId))

    @rpc(SubscriptionId, Integer32, Integer32, _returns=DeliveryPage, _out_variable_name="page")
    def listDeliveries(ctx, subscriptionId, page, pageSize):
        """The subscription's delivery log, newest first, pages of 50 (at most 200). Client.NotFound
        (SUBSCRIPTION_NOT_FOUND)."""
        found = platform_of(ctx).events.list_deliveries(credentials_of(ctx), subscriptionId, page, pageSize)
        return DeliveryPage(deliveries=[_delivery(view) for view in found.deliveries], total=found.total,
                            page=found.page)
