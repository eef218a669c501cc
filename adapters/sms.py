"""Sending SMS: the interface, with the gateway (zeep) and Gammu SMSD implementations."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SmsDelivery:
    message_id: str
    status: str  # ACCEPTED, SENT, DELIVERED, FAILED
    updated_at: datetime | None


class SmsAdapter(ABC):
    @abstractmethod
    def send(self, msisdn: str, text: str, reference: str) -> str:
        """Sends `text` to `msisdn` (E.164); returns the provider's message id. `reference` is
        unique per message, so a repeated send can be recognised by the provider."""

    @abstractmethod
    def status(self, message_id: str) -> SmsDelivery:
        ...
