"""Sending SMS through a GSM modem run by Gammu SMSD, by writing to its database.

Gammu's tables are Gammu's (gammu-smsd-tables(7); MySQL/MariaDB, PostgreSQL or SQLite): this
adapter only inserts into `outbox` (+ `outbox_multipart`) and reads `outbox`/`sentitems`.

- A text that fits one SMS is one `outbox` row with TextDecoded and Coding
  (Default_No_Compression for GSM-7, Unicode_No_Compression otherwise).
- A longer text is split here (153 GSM-7 septets / 67 UCS-2 units per part): part 1 goes to
  `outbox` with MultiPart='true', parts 2.. to `outbox_multipart` under the same ID, each with
  a concatenation UDH "050003 <ref> <total> <seq>" (hex) as Gammu's manual describes.
  The first row is inserted on hold (SendingDateTime in 2037) and released once every part is
  in, because Gammu's MySQL tables are MyISAM: no transaction stops the daemon from picking up
  part 1 alone.
- The message id is the outbox ID (Gammu keeps it when it moves the parts to `sentitems`).
- CreatorID carries "emall-ws:<reference>", so a repeated send is recognised.
- status: in `outbox` -> ACCEPTED; in `sentitems` -> SENT, DELIVERED (every part DeliveryOK)
  or FAILED (any part SendingError, DeliveryFailed or Error).
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator

from sqlalchemy import (Column, DateTime, Engine, Insert, Integer, MetaData, String, Table, Text, cast, create_engine,
                        func, select, union_all, update)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError

from adapters.errors import BadPartnerResponse, PartnerRejected, PartnerUnavailable
from adapters.sms import SmsAdapter, SmsDelivery
from adapters.sms_text import GSM7, coding_of, split_sms

PARTNER = "sms:gammu"
CODINGS = {GSM7: "Default_No_Compression"}  # anything else: Unicode_No_Compression
ON_HOLD = datetime(2037, 12, 31)  # before MySQL's TIMESTAMP ends (2038-01-19)
FAILED_STATUSES = frozenset({"SendingError", "DeliveryFailed", "Error"})

metadata = MetaData()  # Gammu's columns this adapter uses; Gammu's SQL scripts create the tables
outbox = Table(
    "outbox", metadata,
    Column("ID", Integer, primary_key=True, autoincrement=True),
    Column("InsertIntoDB", DateTime), Column("SendingDateTime", DateTime),
    Column("DestinationNumber", String(20)), Column("TextDecoded", Text), Column("Coding", String(30)),
    Column("UDH", Text), Column("Class", Integer), Column("MultiPart", String(5)),
    Column("DeliveryReport", String(10)), Column("CreatorID", Text))
outbox_multipart = Table(
    "outbox_multipart", metadata,
    Column("ID", Integer, primary_key=True, autoincrement=False),
    Column("SequencePosition", Integer, primary_key=True, autoincrement=False),
    Column("TextDecoded", Text), Column("Coding", String(30)), Column("UDH", Text), Column("Class", Integer))
sentitems = Table(
    "sentitems", metadata,
    Column("ID", Integer, primary_key=True, autoincrement=False),
    Column("SequencePosition", Integer, primary_key=True, autoincrement=False),
    Column("UpdatedInDB", DateTime), Column("DestinationNumber", String(20)), Column("Status", String(20)),
    Column("CreatorID", Text))


def udh(reference: int, total: int, sequence: int) -> str:
    """The concatenated-SMS User Data Header (8-bit reference), as hex."""
    return f"050003{reference & 0xFF:02X}{total:02X}{sequence:02X}"


class GammuSmsdAdapter(SmsAdapter):
    def __init__(self, database_url: str, *, timeout: float = 10.0, creator: str = "emall-ws",
                 engine: Engine | None = None):
        self._engine = engine or _engine(database_url, timeout)
        self._creator = creator

    def send(self, msisdn: str, text: str, reference: str) -> str:
        creator = f"{self._creator}:{reference}"
        parts = split_sms(text)
        coding = CODINGS.get(coding_of(text), "Unicode_No_Compression")
        with _database_errors(), self._engine.begin() as connection:
            known = connection.scalar(union_all(
                select(outbox.c.ID).where(outbox.c.CreatorID == creator),
                select(sentitems.c.ID).where(sentitems.c.DestinationNumber == msisdn,  # indexed by Gammu
                                             sentitems.c.CreatorID == creator)).limit(1))
            if known is not None:
                return str(known)
            first = dict(DestinationNumber=msisdn, TextDecoded=parts[0], Coding=coding, Class=-1,
                         DeliveryReport="yes", CreatorID=creator)
            if len(parts) == 1:
                return str(_inserted_id(connection, outbox.insert().values(MultiPart="false", **first)))
            held = outbox.insert().values(MultiPart="true", SendingDateTime=ON_HOLD, UDH=udh(0, len(parts), 1),
                                          **first)
            message_id = _inserted_id(connection, held)
            connection.execute(outbox_multipart.insert(), [
                dict(ID=message_id, SequencePosition=n, TextDecoded=part, Coding=coding, Class=-1,
                     UDH=udh(message_id, len(parts), n)) for n, part in enumerate(parts[1:], start=2)])
            connection.execute(update(outbox).where(outbox.c.ID == message_id).values(
                UDH=udh(message_id, len(parts), 1), SendingDateTime=func.current_timestamp()))
            return str(message_id)

    def status(self, message_id: str) -> SmsDelivery:
        if not message_id.isdigit():
            raise PartnerRejected(PARTNER, f"unknown message id {message_id!r}", code="UNKNOWN_MESSAGE")
        number = int(message_id)
        with _database_errors(), self._engine.connect() as connection:
            rows = connection.execute(select(sentitems.c.Status, self._epoch(sentitems.c.UpdatedInDB))
                                      .where(sentitems.c.ID == number)).all()
            if rows:
                statuses = {status for status, _ in rows}
                if statuses & FAILED_STATUSES:
                    state = "FAILED"
                elif statuses == {"DeliveryOK"}:
                    state = "DELIVERED"
                else:
                    state = "SENT"
                return SmsDelivery(message_id, state, _aware(max(epoch or 0 for _, epoch in rows)))
            queued = connection.execute(select(self._epoch(outbox.c.InsertIntoDB))
                                        .where(outbox.c.ID == number)).first()
        if queued is None:
            raise PartnerRejected(PARTNER, f"unknown message id {message_id}", code="UNKNOWN_MESSAGE")
        return SmsDelivery(message_id, "ACCEPTED", _aware(queued[0]))

    def _epoch(self, column):
        # Gammu writes local time on MySQL (TIMESTAMP: UNIX_TIMESTAMP() undoes the session's zone)
        # and UTC on SQLite (datetime('now')): read both as seconds since the epoch
        if self._engine.dialect.name == "sqlite":
            return cast(func.strftime("%s", column), Integer)
        return func.unix_timestamp(column)


def _aware(epoch) -> datetime | None:
    return datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else None


def _engine(url: str, timeout: float) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "mysql":
        if "charset" not in parsed.query:
            parsed = parsed.update_query_dict({"charset": "utf8mb4"})
        # a database that hangs is as down as one that refuses: bounded waits, like zeep's
        return create_engine(parsed, pool_pre_ping=True, pool_recycle=1800, hide_parameters=True,
                             connect_args={"connect_timeout": int(max(1, timeout)),
                                           "read_timeout": int(max(1, timeout)),
                                           "write_timeout": int(max(1, timeout))})
    if parsed.get_backend_name() == "sqlite":
        return create_engine(parsed, connect_args={"timeout": timeout}, hide_parameters=True)
    return create_engine(parsed, pool_pre_ping=True, hide_parameters=True)


@contextmanager
def _database_errors() -> Iterator[None]:
    try:
        yield
    except (ProgrammingError, DataError, IntegrityError) as error:
        # tables or columns not as Gammu's schema has them, or a value they cannot hold
        raise BadPartnerResponse(PARTNER, f"{type(error).__name__}: {error.orig}") from error
    except OperationalError as error:
        if "no such table" in str(error.orig) or "no such column" in str(error.orig):  # SQLite's words
            raise BadPartnerResponse(PARTNER, str(error.orig)) from error
        raise PartnerUnavailable(PARTNER, type(error).__name__) from error
    except SQLAlchemyError as error:  # cannot connect, lost connection, lock timeout, ...
        raise PartnerUnavailable(PARTNER, type(error).__name__) from error


def _inserted_id(connection: Connection, statement: Insert) -> Any:
    key = connection.execute(statement).inserted_primary_key
    assert key is not None  # an INSERT of one row has one
    return key[0]
