"""The mutation service sandbox's own tables (in the sandboxes' database, beside the bank's ledger)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from emall_ws.sandbox.store import SandboxBase


class MootaAccount(SandboxBase):
    """A bank account the service reads and pushes (it need not be opened at the bank yet)."""
    __tablename__ = "sandbox_moota_accounts"
    __table_args__ = (UniqueConstraint("bank", "account_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank: Mapped[str] = mapped_column(String(10))
    account_number: Mapped[str] = mapped_column(String(20))
    registered_at: Mapped[datetime] = mapped_column(DateTime)


class MootaWebhook(SandboxBase):
    """Where pushes go, and the secret they are signed with: one row (id 1) or none."""
    __tablename__ = "sandbox_moota_webhook"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))  # a sandbox's: stored as given, never answered
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class MootaDelivery(SandboxBase):
    """One push: its body as first built, and the request last sent (for an exact replay)."""
    __tablename__ = "sandbox_moota_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank: Mapped[str] = mapped_column(String(10))
    account_number: Mapped[str] = mapped_column(String(20))
    mutation_ids: Mapped[str] = mapped_column(String(500))  # comma-separated, for listing
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))  # PENDING, RETRYING, DELIVERED, FAILED, NO_WEBHOOK
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)  # the webhook's HTTP status; 0: no answer
    sent_url: Mapped[str | None] = mapped_column(String(500))
    sent_timestamp: Mapped[str | None] = mapped_column(String(20))
    sent_signature: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
