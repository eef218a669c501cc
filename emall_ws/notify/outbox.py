"""The outbox: a notification is a row written in the same transaction as the change it announces.

If the business change rolls back, so does its notification; if it commits, the dispatcher will
send it. The unique key (event_key, recipient, channel) makes enqueueing idempotent: a retried use
case, or two requests racing on the same event, leave one row.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, cast

import phonenumbers
from phonenumbers import PhoneNumberType
from sqlalchemy import Insert, Table, func, select
from sqlalchemy.orm import Session

from emall_ws.clock import utcnow
from emall_ws.db.models import Notification
from emall_ws.db.statements import insert_if_absent
from emall_ws.notify import templates

EMAIL = "EMAIL"
SMS = "SMS"
CHANNELS = (EMAIL, SMS)
PENDING, SENT, FAILED = "PENDING", "SENT", "FAILED"

_TABLE = cast(Table, Notification.__table__)
_BATCH = "emall_outbox_batch"  # session.info key of the notifications a batched() block collects
_UNIQUE_KEY = ("event_key", "recipient", "channel")


def enqueue(session: Session, *, event_key: str, channel: str, recipient: str, template: str,
            data: Mapping[str, Any]) -> None:
    """Adds a PENDING notification in the caller's transaction; a repeat of the key is a no-op.

    `data` must be JSON-serialisable; datetimes are stored as ISO text (naive UTC, as everywhere).
    Keys ending in `_at` are shown to people in WIB by the templates.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown notification channel {channel!r}")
    if not templates.exists(template, channel):
        # fail in the use case (a programming error), not hours later in the dispatcher
        raise ValueError(f"no {channel} template named {template!r}")
    now = utcnow()
    values = dict(event_key=event_key, channel=channel, recipient=recipient, template=template,
                  data=json.dumps(dict(data), ensure_ascii=False, sort_keys=True, default=_json_value),
                  status=PENDING, attempts=0, next_attempt_at=now, created_at=now)
    if _BATCH in session.info:
        session.info[_BATCH].append(values)
    else:
        session.execute(_insert_if_absent(session), values)


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Within it, notifications are collected and written together when it ends, still in the
    caller's transaction: for use cases that announce many events at once (one executemany instead
    of a statement each). Nested, the outermost writes."""
    if _BATCH in session.info:
        yield
        return
    session.info[_BATCH] = []
    try:
        yield
        rows = session.info[_BATCH]
        if rows:
            session.execute(_insert_if_absent(session), rows)  # executemany: batched by the driver
    finally:
        del session.info[_BATCH]


def notify_member(session: Session, event_key: str, email: str | None, phone: str | None,
                  template: str, data: Mapping[str, Any]) -> None:
    """One event to one member: EMAIL always (when an address is known), SMS to `phone` (E.164)
    when it is a mobile number and `template` has an SMS text (`<template>.sms.txt`: codes and
    time-critical events only, since every SMS costs). Adding or dropping an SMS text needs no
    change in the callers.
    """
    if email:
        enqueue(session, event_key=event_key, channel=EMAIL, recipient=email, template=template,
                data=data)
    if phone and templates.exists(template, SMS) and takes_sms(phone):  # the parse last: it costs most
        enqueue(session, event_key=event_key, channel=SMS, recipient=phone, template=template,
                data=data)


def takes_sms(phone: str) -> bool:
    """Whether an E.164 number can receive SMS: phonenumbers says mobile (or, in countries where the
    two cannot be told apart, fixed line or mobile). A landline such as +62215229002 cannot."""
    try:
        kind = phonenumbers.number_type(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return False
    return kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _insert_if_absent(session: Session) -> Insert:
    """The outbox's INSERT: a repeat of the unique key does nothing (db.statements.insert_if_absent)."""
    return insert_if_absent(session, _TABLE, _UNIQUE_KEY)


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"notification data: {type(value).__name__} is not JSON-serialisable")


BACKLOG_COUNT_CAP = 100_000  # rows counted at most per channel: a scrape stays cheap in any backlog


@dataclass(frozen=True)
class Backlog:
    waiting: int  # PENDING rows (due now or waiting for a retry), at most BACKLOG_COUNT_CAP
    oldest_seconds: float  # age of the oldest of them; 0 when none waits


def backlog(session: Session, now: datetime) -> dict[str, Backlog]:
    """Per channel, what waits to be sent: two index-only reads each (status, channel, created_at)."""
    result = {}
    for channel in CHANNELS:
        waiting = (Notification.status == PENDING, Notification.channel == channel)
        oldest = session.scalar(select(func.min(Notification.created_at)).where(*waiting))
        count = session.scalar(select(func.count()).select_from(
            select(Notification.id).where(*waiting).limit(BACKLOG_COUNT_CAP).subquery()))
        result[channel] = Backlog(count or 0, (now - oldest).total_seconds() if oldest else 0.0)
    return result
