"""Courier tariffs and tracking (Pos Indonesia, TIKI, JNE, FedEx, DHL, Wahana, PCP)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime


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
