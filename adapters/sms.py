"""Sending SMS: the interface, with the gateway (zeep) and Gammu SMSD implementations."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from adapters.base import CallPolicy, ZeepEndpoint, moment
from adapters.base import text as text_field


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


SMS_STATUSES = ("ACCEPTED", "SENT", "DELIVERED", "FAILED")


class ZeepSmsAdapter(SmsAdapter):
    """The SMS gateway over SOAP (wsdl/partners/sms.wsdl). send is never retried here: a send
    that timed out may have gone; sending again with the same reference is safe (the gateway
    de-duplicates), and that is the dispatcher's call."""

    def __init__(self, url: str, **policy):
        """`policy`: the fields of adapters.base.CallPolicy (timeout, retries ...)."""
        self._endpoint = ZeepEndpoint("sms:gateway", url, CallPolicy(**policy))

    def send(self, msisdn: str, text: str, reference: str) -> str:
        answer = self._endpoint.call("sendSms", msisdn, text, reference, result="messageId")
        if not isinstance(answer, str) or not answer:
            raise self._endpoint.shape_error("no message id")
        return answer

    def status(self, message_id: str) -> SmsDelivery:
        e = self._endpoint
        answer = e.call("getStatus", message_id, result="status", retry=True)
        if answer is None:
            raise e.shape_error("no status")
        status = text_field(e, answer, "status")
        if status not in SMS_STATUSES:
            raise e.shape_error(f"status {status!r}")
        return SmsDelivery(message_id=text_field(e, answer, "messageId"), status=status,
                           updated_at=moment(e, answer, "updatedAt", required=False))
