"""Delivery reports: asks the SMS gateway what became of sent SMS, and stores it in delivery_status.

Which rows: channel SMS, status SENT, a gateway message id, a delivery_status that can still change
(none yet, ACCEPTED, SENT), sent within `window` (a phone off for longer will not be reported on).
A round asks about at most `batch_size` of them, oldest first, continuing after the last row of the
previous round and starting over at the end: with more messages in flight than one batch, every
one still gets its turn instead of the oldest batch being asked about again and again.

Several workers: a plain read, no claim. Two workers may ask about the same message (an extra
gateway call, nothing worse) because the update is idempotent and only moves forward:
ACCEPTED -> SENT -> anything else (DELIVERED, FAILED ...), which is final and never overwritten.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from adapters.errors import AdapterError, PartnerUnavailable
from adapters.sms import SmsAdapter
from emall_ws.clock import utcnow
from emall_ws.db.models import Notification
from emall_ws.db.session import Database
from emall_ws.db.statements import rows_changed
from emall_ws.notify.outbox import SENT, SMS

log = logging.getLogger(__name__)

# delivery states that can still change, in the order a message goes through them
PROGRESS = ("ACCEPTED", "SENT")
STATUS_LIMIT = 30  # Notification.delivery_status is String(30)


@dataclass(frozen=True)
class PollStats:
    asked: int = 0  # status calls answered
    updated: int = 0  # rows whose delivery_status changed
    errors: int = 0  # calls refused or answered with nonsense (asked again next time round)
    stopped: bool = False  # the gateway was unavailable, or the time budget used: ended early


class SmsStatusPoller:
    def __init__(self, db: Database, adapter: SmsAdapter, *, batch_size: int = 100,
                 window: timedelta = timedelta(days=2), budget_seconds: float = 20.0,
                 monotonic: Callable[[], float] = time.monotonic):
        if batch_size < 1 or window <= timedelta(0) or budget_seconds <= 0:
            raise ValueError("batch_size, window and budget_seconds must be positive")
        self.db = db
        self.adapter = adapter
        self.batch_size = batch_size
        self.window = window
        # the worker runs its jobs one after another: a slow gateway must not hold back the
        # dispatch of activation codes for 100 slow answers
        self.budget_seconds = budget_seconds
        self._monotonic = monotonic
        self._after: tuple[datetime, int] | None = None  # (sent_at, id) the last round ended at

    def run_once(self, now: datetime | None = None) -> PollStats:
        """One round; `now` (naive UTC) is for tests."""
        started_after = self._after
        rows = self._due(now or utcnow(), started_after)
        # a full batch: carry on after it next round; a short one reached the end: start over
        self._after = _key(rows[-1]) if len(rows) == self.batch_size else None
        found: dict[int, str] = {}
        asked = errors = 0
        ends = self._monotonic() + self.budget_seconds

        def stop(index: int, reason: object) -> PollStats:
            log.warning("sms status: round ended after %d call(s): %s", asked, reason)
            self._after = _key(rows[index - 1]) if index else started_after  # resume at this row
            return PollStats(asked, self._write(found), errors, stopped=True)

        for index, row in enumerate(rows):  # asked outside any transaction: the gateway may be slow
            if self._monotonic() >= ends:
                return stop(index, f"time budget of {self.budget_seconds:g} s used")
            try:
                delivery = self.adapter.status(row.provider_id)
            except PartnerUnavailable as error:
                return stop(index, error)
            except AdapterError as error:  # refused (e.g. an id it no longer knows) or garbled
                errors += 1
                log.info("sms status of notification %d not known: %s", row.id, error)
                continue
            asked += 1
            status = (delivery.status or "").strip().upper()[:STATUS_LIMIT]
            if status and _rank(status) > _rank(row.delivery_status):
                found[row.id] = status
        return PollStats(asked, self._write(found), errors)

    def _due(self, now: datetime, after: tuple[datetime, int] | None) -> list:
        query = (select(Notification.id, Notification.provider_id, Notification.delivery_status,
                        Notification.sent_at)
                 .where(Notification.channel == SMS, Notification.status == SENT,
                        Notification.provider_id.is_not(None), Notification.provider_id != "",
                        or_(Notification.delivery_status.is_(None),
                            Notification.delivery_status.in_(PROGRESS)),
                        Notification.sent_at >= now - self.window))
        if after is not None:
            sent_at, row_id = after
            query = query.where(or_(Notification.sent_at > sent_at,
                                    and_(Notification.sent_at == sent_at, Notification.id > row_id)))
        with self.db.unit_of_work() as session:
            return list(session.execute(query.order_by(Notification.sent_at, Notification.id)
                                        .limit(self.batch_size)).all())

    def _write(self, found: dict[int, str]) -> int:
        """Stores each new status unless the row already holds a later one (another worker, or
        an older answer arriving late): the WHERE makes the update idempotent and forward-only."""
        if not found:
            return 0

        def write(session: Session) -> int:
            written = 0
            for row_id, status in found.items():
                earlier = [state for state in PROGRESS if _rank(state) < _rank(status)]
                written += rows_changed(session,
                    update(Notification)
                    .where(Notification.id == row_id,
                           or_(Notification.delivery_status.is_(None),
                               Notification.delivery_status.in_(earlier)))
                    .values(delivery_status=status))
            return written

        return self.db.run(write)


def _key(row) -> tuple[datetime, int]:
    return row.sent_at, row.id


def _rank(status: str | None) -> int:
    """None 0, ACCEPTED 1, SENT 2, any other (final) status 3."""
    if status is None:
        return 0
    return PROGRESS.index(status) + 1 if status in PROGRESS else len(PROGRESS) + 1
