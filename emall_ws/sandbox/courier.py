"""Courier sandbox: tariffs, shipments moving through the courier's own status words, tracking."""
from __future__ import annotations

from spyne import Array, Boolean, Integer32, ServiceBase, Unicode, rpc
from sqlalchemy import select

from emall_ws.clock import to_wib, utcnow
from emall_ws.data.regions import load_regions
from emall_ws.domain.errors import ValidationFailed
from emall_ws.domain.shipping import check_waybill
from emall_ws.sandbox.application import failure_mode_operation, partner_of, rejected
from emall_ws.sandbox.contracts import COURIERS, TariffOption, TrackingEvent, TrackingResult
from emall_ws.sandbox.courier_profiles import MAX_WEIGHT_GRAMS, PROFILES, Step, new_waybill, place_name, quote
from emall_ws.sandbox.store import Shipment, ShipmentEvent

CityCode = Unicode(max_len=10, min_occurs=1, nillable=False)
Waybill = Unicode(max_len=40, min_occurs=1, nillable=False)
DEFAULT_RECEIVER = "YBS"  # "yang bersangkutan": the addressee in person, as couriers write it


def _place(code: str) -> str:
    city = load_regions().city(code)
    if city is None:
        raise rejected("UnknownCity", f"Unknown city code {code} (Kemendagri, e.g. 31.74)", "UNKNOWN_CITY")
    return place_name(city.name)


def _places(*codes: str) -> None:
    for code in codes:
        _place(code)


def _waybill(courier: str, waybill: str) -> str:
    try:
        return check_waybill(courier, waybill)
    except ValidationFailed:
        raise rejected("InvalidWaybill", f"{waybill!r} is not a {COURIERS[courier]} waybill number",
                       "INVALID_WAYBILL") from None


def _shipment(session, courier: str, waybill: str) -> Shipment:
    shipment = session.scalar(select(Shipment).where(Shipment.courier == courier,
                                                     Shipment.waybill == waybill))
    if shipment is None:
        raise rejected("UnknownWaybill", f"Waybill {waybill} not found", "UNKNOWN_WAYBILL")
    return shipment


def _add_event(session, courier: str, shipment: Shipment, step: Step) -> None:
    profile = PROFILES[courier]
    now = utcnow().replace(microsecond=0)  # MariaDB keeps whole seconds; so does SQLite, then
    origin, destination = _place(shipment.origin_city), _place(shipment.destination_city)
    if profile.upper_case:
        origin, destination = origin.upper(), destination.upper()
    words = step.words.format(origin=origin, destination=destination, time=f"{to_wib(now):%d-%m-%Y %H:%M}",
                              receiver=shipment.receiver_name or DEFAULT_RECEIVER)
    session.add(ShipmentEvent(shipment_id=shipment.id, time=now, status=step.status, description=words[:300],
                              location=origin if step.at == "origin" else destination))
    if step is profile.script[-1]:
        shipment.delivered_at = now


def _result(session, shipment: Shipment) -> TrackingResult:
    session.flush()
    events = session.scalars(select(ShipmentEvent).where(ShipmentEvent.shipment_id == shipment.id)
                             .order_by(ShipmentEvent.id)).all()
    delivered = shipment.delivered_at is not None
    return TrackingResult(
        waybill=shipment.waybill, status=events[-1].status if events else None, delivered=delivered,
        receiver=(shipment.receiver_name or DEFAULT_RECEIVER) if delivered else None,
        deliveredAt=to_wib(shipment.delivered_at) if delivered else None,
        events=[TrackingEvent(time=to_wib(e.time), location=e.location, description=e.description,
                              status=e.status) for e in events])


class CourierService(ServiceBase):
    setFailureMode = failure_mode_operation()  # sandbox only, on every contract

    @rpc(CityCode, CityCode, Integer32(min_occurs=1, nillable=False), _returns=Array(TariffOption),
         _out_variable_name="options")
    def getTariff(ctx, originCityCode, destinationCityCode, weightGrams):  # noqa: N802,N803
        """Each service's cost and days for a parcel of weightGrams between two Kemendagri cities.
        Client.InvalidWeight, Client.UnknownCity."""
        partner = partner_of(ctx)
        _places(originCityCode, destinationCityCode)
        if not 0 < weightGrams <= MAX_WEIGHT_GRAMS:
            raise rejected("InvalidWeight", f"Weight must be 1-{MAX_WEIGHT_GRAMS} grams", "INVALID_WEIGHT")
        return [TariffOption(service=q.service, description=q.description, cost=q.cost, etdDays=q.etd_days)
                for q in quote(partner.code, originCityCode, destinationCityCode, weightGrams)]

    @rpc(Waybill, _returns=TrackingResult, _out_variable_name="tracking")
    def track(ctx, waybill):
        """The shipment's status and every event so far, oldest first. Client.UnknownWaybill,
        Client.InvalidWaybill."""
        partner = partner_of(ctx)
        with partner.database.unit_of_work() as session:
            return _result(session, _shipment(session, partner.code, _waybill(partner.code, waybill)))

    @rpc(Unicode(max_len=40), CityCode, CityCode, Unicode(max_len=20, min_occurs=1, nillable=False),
         Unicode(max_len=100), _returns=TrackingResult, _out_variable_name="tracking")
    def registerShipment(ctx, waybill, originCityCode, destinationCityCode, service,  # noqa: N802,N803
                         receiverName):
        """Sandbox only: the courier accepts a parcel and records its first event."""
        # an empty waybill gets a new number in the courier's format
        partner = partner_of(ctx)
        profile = PROFILES[partner.code]
        _places(originCityCode, destinationCityCode)
        if service not in {s.code for s in profile.services}:
            raise rejected("UnknownService", f"{COURIERS[partner.code]} offers: "
                           + ", ".join(s.code for s in profile.services), "UNKNOWN_SERVICE")
        number = _waybill(partner.code, waybill) if waybill else new_waybill(partner.code)
        with partner.database.unit_of_work() as session:
            if session.scalar(select(Shipment.id).where(Shipment.courier == partner.code,
                                                        Shipment.waybill == number)):
                raise rejected("DuplicateWaybill", f"Waybill {number} exists", "DUPLICATE_WAYBILL")
            shipment = Shipment(courier=partner.code, waybill=number, origin_city=originCityCode,
                                destination_city=destinationCityCode, service=service,
                                receiver_name=receiverName, step=0, created_at=utcnow())
            session.add(shipment)
            session.flush()
            _add_event(session, partner.code, shipment, profile.script[0])
            return _result(session, shipment)

    @rpc(Waybill, Boolean, _returns=TrackingResult, _out_variable_name="tracking")
    def advanceShipment(ctx, waybill, failAttempt):  # noqa: N802,N803
        """Sandbox only: the next event of the journey (failAttempt: nobody home)."""
        # failAttempt, while the parcel is out for delivery, records the courier's failed-attempt
        # event instead; the next advance takes it out for delivery again
        partner = partner_of(ctx)
        script = PROFILES[partner.code].script
        with partner.database.unit_of_work() as session:
            shipment = _shipment(session, partner.code, _waybill(partner.code, waybill))
            if shipment.delivered_at is not None:
                raise rejected("InvalidState", f"Waybill {shipment.waybill} is delivered",
                               "ALREADY_DELIVERED")
            out_for_delivery = len(script) - 2
            if failAttempt:
                if shipment.step != out_for_delivery:
                    raise rejected("InvalidState", "Only a parcel out for delivery can fail an attempt",
                                   "NOT_OUT_FOR_DELIVERY")
                _add_event(session, partner.code, shipment, PROFILES[partner.code].failed_attempt)
                shipment.step = out_for_delivery - 1  # the next advance takes it out again
            else:
                shipment.step += 1
                _add_event(session, partner.code, shipment, script[shipment.step])
            return _result(session, shipment)
