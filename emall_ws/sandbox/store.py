"""The sandboxes' own tables, in their own database: never the platform's models or schema.sql.

Everything a sandbox remembers lives here, including each served path's failure mode and a log
of calls, so that every worker process of the sandbox server sees the same state and tests can
count what reached the partner.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, delete, func, select)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from emall_ws.clock import utcnow
from emall_ws.db.session import Database


class SandboxBase(DeclarativeBase):
    """Separate from emall_ws.db.models.Base: the sandboxes are partners, not the platform."""


class Account(SandboxBase):
    __tablename__ = "sandbox_bank_accounts"
    __table_args__ = (UniqueConstraint("bank", "account_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank: Mapped[str] = mapped_column(String(10))
    account_number: Mapped[str] = mapped_column(String(20))
    holder_name: Mapped[str] = mapped_column(String(100))
    balance: Mapped[int] = mapped_column(BigInteger)
    opened_at: Mapped[datetime] = mapped_column(DateTime)


class LedgerEntry(SandboxBase):
    """One mutation of an account (its statement line)."""
    __tablename__ = "sandbox_bank_mutations"
    __table_args__ = (UniqueConstraint("bank", "mutation_id"), Index("ix_sandbox_mutation_time",
                                                                     "account_id", "posted_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank: Mapped[str] = mapped_column(String(10))
    account_id: Mapped[int] = mapped_column(ForeignKey("sandbox_bank_accounts.id"))
    mutation_id: Mapped[str | None] = mapped_column(String(64))  # set right after the insert
    posted_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    type: Mapped[str] = mapped_column(String(2))
    amount: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(200))
    balance: Mapped[int] = mapped_column(BigInteger)


class Shipment(SandboxBase):
    __tablename__ = "sandbox_shipments"
    __table_args__ = (UniqueConstraint("courier", "waybill"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    courier: Mapped[str] = mapped_column(String(10))
    waybill: Mapped[str] = mapped_column(String(40))
    origin_city: Mapped[str] = mapped_column(String(10))
    destination_city: Mapped[str] = mapped_column(String(10))
    service: Mapped[str] = mapped_column(String(20))
    receiver_name: Mapped[str | None] = mapped_column(String(100))
    step: Mapped[int] = mapped_column(Integer)  # index into the courier's script
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ShipmentEvent(SandboxBase):
    __tablename__ = "sandbox_shipment_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("sandbox_shipments.id"), index=True)
    time: Mapped[datetime] = mapped_column(DateTime)  # UTC
    location: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(50))


class SmsRecord(SandboxBase):
    __tablename__ = "sandbox_sms_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # set right after insert
    msisdn: Mapped[str] = mapped_column(String(20), index=True)
    text: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(100), unique=True)  # NULLs never collide
    status: Mapped[str] = mapped_column(String(20))
    parts: Mapped[int] = mapped_column(Integer)
    polls: Mapped[int] = mapped_column(Integer, default=0)  # getStatus calls so far
    received_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Person(SandboxBase):
    """A resident as the population registry (Dukcapil sandbox) knows them."""
    __tablename__ = "sandbox_dukcapil_persons"
    nik: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    deceased: Mapped[bool] = mapped_column(Boolean)


class Business(SandboxBase):
    """A business licence as business licensing (OSS sandbox) knows it."""
    __tablename__ = "sandbox_oss_businesses"
    nib: Mapped[str] = mapped_column(String(13), primary_key=True)
    business_name: Mapped[str] = mapped_column(String(200))
    owner_nik: Mapped[str] = mapped_column(String(16))
    kbli: Mapped[str] = mapped_column(String(600))  # 5-digit codes, comma-separated, as licensed
    status: Mapped[str] = mapped_column(String(10))


class FailureMode(SandboxBase):
    """What one served path plays (contracts.FAILURE_MODES); no row means NORMAL."""
    __tablename__ = "sandbox_failure_modes"
    path: Mapped[str] = mapped_column(String(100), primary_key=True)
    mode: Mapped[str] = mapped_column(String(20))
    delay_ms: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class CallRecord(SandboxBase):
    """One request that reached a served path (append-only: no write contention)."""
    __tablename__ = "sandbox_calls"
    __table_args__ = (Index("ix_sandbox_calls_path_op", "path", "operation"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(100))
    operation: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    failed_as: Mapped[str] = mapped_column(String(20))  # the failure mode in force


class SandboxDatabase(Database):
    """The platform's engine tuning and unit of work, over the sandboxes' own tables."""

    def create_schema(self) -> None:
        SandboxBase.metadata.create_all(self.engine)

    # --- failure modes and the call log (shared by every sandbox) -------------------------

    def failure_mode(self, path: str) -> tuple[str, int]:
        with self.unit_of_work() as session:
            row = session.get(FailureMode, path)
            return (row.mode, row.delay_ms) if row else ("NORMAL", 0)

    def set_failure_mode(self, path: str, mode: str, delay_ms: int = 0) -> None:
        with self.unit_of_work() as session:
            row = session.get(FailureMode, path)
            if row is None:
                row = FailureMode(path=path)
                session.add(row)
            row.mode, row.delay_ms, row.updated_at = mode, delay_ms, utcnow()

    def reset_failure_modes(self) -> None:
        with self.unit_of_work() as session:
            session.execute(delete(FailureMode))

    def record_call(self, path: str, operation: str, mode: str) -> None:
        with self.unit_of_work() as session:
            session.add(CallRecord(path=path, operation=operation[:64], at=utcnow(), failed_as=mode))

    def count_calls(self, path: str, operation: str | None = None) -> int:
        query = select(func.count()).select_from(CallRecord).where(CallRecord.path == path)
        if operation is not None:
            query = query.where(CallRecord.operation == operation)
        with self.unit_of_work() as session:
            return session.scalar(query) or 0
