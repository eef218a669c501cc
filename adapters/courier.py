"""Courier tariffs and tracking (Pos Indonesia, TIKI, JNE, FedEx, DHL, Wahana, PCP)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from adapters.base import CallPolicy, ZeepEndpoint, field, integer, items, moment, optional_text, text


@dataclass(frozen=True)
class TariffOption:
    service: str
    description: str
    cost: int  # whole Rupiah
    etd_days: int


@dataclass(frozen=True)
class TrackingEvent:
    time: datetime  # aware
    location: str
    description: str  # the courier's own words
    status: str  # the courier's own status word


@dataclass(frozen=True)
class Tracking:
    waybill: str
    status: str  # the courier's own status word
    delivered: bool
    receiver: str | None
    delivered_at: datetime | None
    events: tuple[TrackingEvent, ...]


class CourierAdapter(ABC):
    courier: str  # pos, tiki, jne, fedex, dhl, wahana, pcp

    @abstractmethod
    def get_tariff(self, origin_city_code: str, destination_city_code: str, weight_grams: int) -> list[TariffOption]:
        ...

    @abstractmethod
    def track(self, waybill: str) -> Tracking:
        ...


class ZeepCourierAdapter(CourierAdapter):
    """A courier's tariff and tracking service over SOAP (wsdl/partners/courier.wsdl)."""

    def __init__(self, courier: str, url: str, **policy):
        """`policy`: the fields of adapters.base.CallPolicy (timeout, retries ...)."""
        self.courier = courier
        self._endpoint = ZeepEndpoint(f"courier:{courier}", url, CallPolicy(**policy))

    def get_tariff(self, origin_city_code: str, destination_city_code: str,
                   weight_grams: int) -> list[TariffOption]:
        e = self._endpoint
        answer = e.call("getTariff", origin_city_code, destination_city_code, weight_grams, result="options",
                        retry=True)
        # the contract's bounds (service maxLength 20): a quote stores these as they come
        return [TariffOption(service=text(e, o, "service", max_len=20), description=optional_text(e, o, "description"),
                             cost=integer(e, o, "cost", low=0), etd_days=integer(e, o, "etdDays", low=0, high=365))
                for o in items(e, answer, "TariffOption")]

    def track(self, waybill: str) -> Tracking:
        e = self._endpoint
        answer = e.call("track", waybill, result="tracking", retry=True)
        if answer is None:
            raise e.shape_error("no tracking result")
        events = tuple(TrackingEvent(time=moment(e, v, "time"), location=optional_text(e, v, "location"),
                                     description=optional_text(e, v, "description"),
                                     status=optional_text(e, v, "status"))
                       for v in items(e, field(e, answer, "events"), "TrackingEvent"))
        delivered = field(e, answer, "delivered")
        if not isinstance(delivered, bool | None):
            raise e.shape_error("delivered is not a boolean")
        return Tracking(waybill=text(e, answer, "waybill"), status=optional_text(e, answer, "status"),
                        delivered=bool(delivered), receiver=text(e, answer, "receiver", required=False),
                        delivered_at=moment(e, answer, "deliveredAt", required=False), events=events)
