"""The change feed: each change told to the members it concerns, written in the transaction of the change
and numbered in the order the transactions commit.

A use case notes its changes as it makes them (`note_status_change`, called by status.change_status, and
`note_auction`); nothing is written until its transaction commits. Then, in the same transaction, the
notes become `change_event` rows (one per member told), numbered from the one `event_sequence` row. That
row stays locked until the commit, so a transaction numbering events waits for the one before it to
commit: numbers follow commit order, and a reader that saw event n has seen every event before n. A
cursor can therefore be a number: nothing is skipped or repeated, across server processes and under
concurrent writes. A rolled back transaction (or savepoint) takes its notes with it.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, event, insert, select, update
from sqlalchemy.orm import Session, SessionTransaction

from emall_ws.db.models import ChangeEvent, EventSequence
from emall_ws.db.session import Database
from emall_ws.db.statements import insert_if_absent, rows_changed
from emall_ws.domain import events as types
from emall_ws.domain.errors import FieldError, ValidationFailed

_NOTES = "emall_change_notes"  # session.info key: the changes noted in its transaction, not yet written
_SEQUENCE_ROW = 1
DEFAULT_LIMIT = 100
MAX_LIMIT = 500


@dataclass(frozen=True)
class _Note:
    type: str
    subject: Any  # the entity changed: its numbers and parties are read as the transaction commits
    status: str | None
    occurred_at: datetime
    noted_in: SessionTransaction  # a savepoint rolled back forgets what was noted in it
    member_ids: tuple[int, ...] = ()  # who is told, when it is not the subject's parties


def note_status_change(session: Session, entity: str, subject: Any, previous: str | None, status: str,
                       now: datetime) -> None:
    """Notes the change of `subject` (an entity of pipeline `entity`) from `previous` to `status`, if it is
    an event (domain.events); its parties are told when the transaction commits."""
    event_type = types.event_type(entity, previous, status)
    if event_type is not None:
        _note(session, _Note(event_type, subject, status, now, _current(session)))


def note_auction(session: Session, event_type: str, product: Any, member_id: int, now: datetime) -> None:
    """Notes an auction event told to one member: outbid (the bidder who led) or won (the winner)."""
    _note(session, _Note(event_type, product, None, now, _current(session), (member_id,)))


def _note(session: Session, note: _Note) -> None:
    session.info.setdefault(_NOTES, []).append(note)


def _current(session: Session) -> SessionTransaction:
    transaction = session.get_nested_transaction() or session.get_transaction()
    assert transaction is not None, "a change is made in a transaction"
    return transaction


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, rolled_back: SessionTransaction) -> None:
    notes = session.info.get(_NOTES)
    if notes:
        # a failed flush rolls back its own subtransaction: what went is the savepoint (or transaction) above it
        boundary: SessionTransaction | None = rolled_back
        while boundary is not None and not (boundary.nested or boundary.parent is None):
            boundary = boundary.parent
        notes[:] = [note for note in notes if not _within(note.noted_in, boundary or rolled_back)]


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: its notes wait for the transaction's commit
        return
    notes = session.info.pop(_NOTES, None)
    if not notes:
        return
    session.flush()  # the subjects' numbers and parties, as they are committed
    rows = [row for note in notes for row in _rows(note)]
    if rows:
        first = _take_numbers(session, len(rows))
        session.execute(insert(ChangeEvent), [dict(row, seq=first + i) for i, row in enumerate(rows)])


def _rows(note: _Note) -> list[dict[str, Any]]:
    numbers = _numbers(note.subject)
    told = note.member_ids or _parties(note.subject)
    return [dict(member_id=member_id, type=note.type, occurred_at=note.occurred_at, status=note.status, **numbers)
            for member_id in dict.fromkeys(told)]


def _numbers(subject: Any) -> dict[str, Any]:
    """What an integrator needs to fetch the object: its public numbers (never a database id, but the
    product's, which is its public number)."""
    numbers: dict[str, Any] = dict(invoice_number=None, order_number=None, courier=None, waybill=None,
                                   product_id=None)
    table = subject.__tablename__
    if table == "product":
        numbers["product_id"] = subject.id
    elif table == "invoice":
        numbers.update(invoice_number=subject.number, order_number=subject.order.number)
    elif table == "purchase_order":
        numbers.update(order_number=subject.number, courier=subject.courier)
    elif table == "shipment":
        numbers.update(order_number=subject.order.number, courier=subject.courier, waybill=subject.waybill)
    elif table == "refund":
        numbers.update(order_number=subject.order.number, invoice_number=subject.invoice.number)
    elif table == "complaint":
        numbers.update(order_number=subject.order.number, courier=subject.return_courier,
                       waybill=subject.return_waybill)
    return numbers


def _parties(subject: Any) -> tuple[int, ...]:
    if subject.__tablename__ == "product":
        return (subject.seller_id,)
    owner = subject.order if subject.__tablename__ == "shipment" else subject
    return (owner.buyer_id, owner.seller_id)


def _take_numbers(session: Session, count: int) -> int:
    """The first of `count` new event numbers. The sequence row stays locked until this transaction ends."""
    bump = (update(EventSequence).where(EventSequence.id == _SEQUENCE_ROW)
            .values(last_seq=EventSequence.last_seq + count))
    if rows_changed(session, bump) == 0:  # a new (or emptied) database: the row is made once, race-free
        table = cast(Table, EventSequence.__table__)
        session.execute(insert_if_absent(session, table, ("id",)), dict(id=_SEQUENCE_ROW, last_seq=0))
        rows_changed(session, bump)
    last = session.scalar(select(EventSequence.last_seq).where(EventSequence.id == _SEQUENCE_ROW))
    assert last is not None
    return last - count + 1


# --- Reading the feed --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cursor:
    """Where a member's reading stopped: the last event number it was given, and when."""
    member_id: int
    seq: int
    issued_at: int  # unix seconds

    def encode(self) -> str:
        return base64.urlsafe_b64encode(f"{self.member_id}:{self.seq}:{self.issued_at}".encode()).decode()

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            member_id, seq, issued_at = base64.urlsafe_b64decode(text.encode()).decode().split(":")
            return cls(int(member_id), int(seq), int(issued_at))
        except (binascii.Error, UnicodeError, ValueError):
            raise ValidationFailed([FieldError("cursor", "CURSOR_INVALID")]) from None


@dataclass(frozen=True)
class ChangePage:
    events: list[ChangeEvent]
    cursor: str  # to continue from, also when no event came: the next call starts after the last one
    has_more: bool


def list_changes(session: Session, member_id: int, cursor: str | None, limit: int | None, now: datetime,
                 retention: timedelta) -> ChangePage:
    """The events told to `member_id` after `cursor` (from the oldest kept, without one), oldest first, at
    most `limit` (as the paging rule: at least 1, capped at MAX_LIMIT). A cursor issued longer than
    `retention` ago may have lost events to forget_old: CURSOR_EXPIRED."""
    if limit is not None and limit < 1:
        raise ValidationFailed([FieldError("limit", "MIN_VALUE", {"min": 1})])
    limit = min(limit or DEFAULT_LIMIT, MAX_LIMIT)
    after = 0
    if cursor and cursor.strip():
        position = Cursor.decode(cursor.strip())
        if position.member_id != member_id:  # another member's: it says nothing of this one's feed
            raise ValidationFailed([FieldError("cursor", "CURSOR_INVALID")])
        if position.issued_at < (now - retention).timestamp():
            raise ValidationFailed([FieldError("cursor", "CURSOR_EXPIRED", {"days": retention.days})])
        after = position.seq
    found = list(session.scalars(select(ChangeEvent).where(ChangeEvent.member_id == member_id, ChangeEvent.seq > after)
                                 .order_by(ChangeEvent.seq).limit(limit + 1)))
    page = found[:limit]
    last = page[-1].seq if page else after
    return ChangePage(page, Cursor(member_id, last, int(now.timestamp())).encode(), len(found) > limit)


def forget_old(db: Database, now: datetime, retention: timedelta) -> int:
    """Deletes the events older than `retention`; returns how many."""
    with db.unit_of_work() as session:
        return rows_changed(session, delete(ChangeEvent).where(ChangeEvent.occurred_at < now - retention))


def event_json(row: ChangeEvent, occurred_at: str) -> dict[str, Any]:
    """An event as a callback's JSON body carries it (`occurred_at`: the time as the wire shows it)."""
    body: dict[str, Any] = {"id": row.seq, "type": row.type, "occurredAt": occurred_at, "status": row.status,
                            "invoiceNumber": row.invoice_number, "orderNumber": row.order_number,
                            "courier": row.courier, "waybill": row.waybill, "productId": row.product_id}
    return {key: value for key, value in body.items() if value is not None}
