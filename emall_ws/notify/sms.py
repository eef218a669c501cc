"""The dispatcher's SMS channel: renders `<template>.sms.txt` and hands it to the SMS gateway.

The gateway de-duplicates by `reference`: the dispatcher passes one that stays the same for every
attempt at a notification, so a re-send after a crash (message gone, outcome not recorded) or after
a garbled answer is answered with the first message's id instead of reaching the phone twice.
Bodies carry one-time codes, numbers are personal data: neither is logged here.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Callable, Mapping

from adapters.errors import BadPartnerResponse, PartnerRejected, PartnerUnavailable
from adapters.sms import SmsAdapter
from emall_ws.clock import utcnow
from emall_ws.notify.email import DeliveryError
from emall_ws.notify.templates import TemplateError, render_sms

# members' numbers are Indonesian, stored E.164 by registration (+62 then 8 to 13 digits)
E164_ID = re.compile(r"\+62[1-9][0-9]{7,12}")  # used with fullmatch: "$" would allow a final "\n"


class SmsSender:
    """Implements the dispatcher's Sender protocol over any SmsAdapter."""

    def __init__(self, adapter: SmsAdapter, *, clock: Callable[[], datetime] = utcnow):
        self.adapter = adapter
        self._clock = clock

    def deliver(self, recipient: str, template: str, data: Mapping[str, Any], reference: str) -> str:
        """Sends one SMS; returns the gateway's message id. Raises DeliveryError: permanent for a
        number that is not Indonesian E.164, a broken template, an expired code or the gateway
        refusing the request (a Client.* fault, e.g. an invalid number); temporary when the gateway
        is down, in trouble of its own (a Server.* fault) or answered nonsense."""
        if not E164_ID.fullmatch(recipient or ""):
            raise DeliveryError("recipient is not an Indonesian E.164 number (+62...)",
                                permanent=True)
        try:
            text = render_sms(template, data)
            expires_at = _expiry(data)
        except TemplateError as error:
            raise DeliveryError(str(error), permanent=True) from error
        # a code that ran out while the gateway was down is useless and confusing, and SMS costs:
        # give up rather than send it late (the email, being free, still goes)
        if expires_at is not None and expires_at <= self._clock():
            raise DeliveryError("expired before it could be sent", permanent=True)
        try:
            return self.adapter.send(recipient, text, reference)
        except PartnerRejected as error:
            code = f" [{error.code}]" if error.code else ""
            raise DeliveryError(f"SMS gateway refused{code}: {error}", permanent=True) from error
        except (PartnerUnavailable, BadPartnerResponse) as error:
            # a garbled answer may hide an accepted message: retrying with the same reference is
            # safe, the gateway answers it with the first message's id
            raise DeliveryError(f"SMS gateway: {type(error).__name__}: {error}") from error


def _expiry(data: Mapping[str, Any]) -> datetime | None:
    """The `expires_at` of a message carrying a code (naive UTC), if it has one."""
    value = data.get("expires_at")
    if value is None:
        return None
    try:
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise TemplateError(f"expires_at: not a time: {str(value)[:40]!r}") from None
