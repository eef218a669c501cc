"""The callback receiver sandbox's own tables (in the sandboxes' database), and the statements that keep
them right when several server processes answer the same inbox at once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from typing import cast

from sqlalchemy import DateTime, Index, Integer, String, Table, Text, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from emall_ws.clock import utcnow
from emall_ws.db.statements import insert_if_absent, rows_changed
from emall_ws.sandbox.store import SandboxBase

ALWAYS = -1  # fail_remaining: fail every request until told otherwise
DEFAULT_FAIL_STATUS = 500
HEADER_LENGTH = 200  # what a header column keeps: anyone may POST, and MariaDB refuses a longer value


class CallbackReceived(SandboxBase):
    """One request an inbox received, as it came, and the status it was answered (append-only)."""
    __tablename__ = "sandbox_callback_received"
    __table_args__ = (Index("ix_sandbox_callback_inbox", "inbox", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inbox: Mapped[str] = mapped_column(String(60))
    received_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    answered_status: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str | None] = mapped_column(String(HEADER_LENGTH))
    event_type: Mapped[str | None] = mapped_column(String(HEADER_LENGTH))
    subscription: Mapped[str | None] = mapped_column(String(HEADER_LENGTH))
    timestamp: Mapped[str | None] = mapped_column(String(HEADER_LENGTH))
    signature: Mapped[str | None] = mapped_column(String(HEADER_LENGTH))
    content_type: Mapped[str | None] = mapped_column(String(HEADER_LENGTH))
    body: Mapped[str] = mapped_column(Text)


class CallbackBehaviour(SandboxBase):
    """How an inbox answers; no row: 200 at once."""
    __tablename__ = "sandbox_callback_behaviour"
    inbox: Mapped[str] = mapped_column(String(60), primary_key=True)
    fail_remaining: Mapped[int] = mapped_column(Integer)  # failures still to answer; ALWAYS: every one
    fail_status: Mapped[int] = mapped_column(Integer)
    delay_ms: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


_BEHAVIOUR = cast(Table, CallbackBehaviour.__table__)


@dataclass(frozen=True)
class Behaviour:
    fail_times: int = 0
    fail_status: int = DEFAULT_FAIL_STATUS
    delay_ms: int = 0


@dataclass(frozen=True)
class Request:
    """What a POST brought: the X-Emall-* headers and Content-Type as sent, and its body."""
    event_id: str | None
    event_type: str | None
    subscription: str | None
    timestamp: str | None
    signature: str | None
    content_type: str | None
    body: str


def receive(session: Session, inbox: str, request: Request) -> tuple[CallbackReceived, int]:
    """Records `request` with the status it is to be answered, and the delay (ms) to answer it after.

    A failure due is consumed by one conditional UPDATE (fail_remaining > 0): two processes answering at
    once cannot both take the last one, as a read-then-write would let them."""
    failing = rows_changed(session, update(CallbackBehaviour).where(
        CallbackBehaviour.inbox == inbox, CallbackBehaviour.fail_remaining > 0).values(
        fail_remaining=CallbackBehaviour.fail_remaining - 1)) == 1
    behaviour = session.execute(select(CallbackBehaviour.fail_remaining, CallbackBehaviour.fail_status,
                                       CallbackBehaviour.delay_ms).where(CallbackBehaviour.inbox == inbox)
                                ).one_or_none()
    status, delay_ms = 200, 0
    if behaviour is not None:
        failing = failing or behaviour.fail_remaining == ALWAYS
        status, delay_ms = (behaviour.fail_status if failing else 200), behaviour.delay_ms
    row = CallbackReceived(inbox=inbox, received_at=utcnow(), answered_status=status, body=request.body,
                           event_id=_clip(request.event_id), event_type=_clip(request.event_type),
                           subscription=_clip(request.subscription), timestamp=_clip(request.timestamp),
                           signature=_clip(request.signature), content_type=_clip(request.content_type))
    session.add(row)
    session.flush()  # its id, for the answer
    return row, delay_ms


LISTED = 500  # the newest requests an inbox lists: anyone may POST, and a listing must stay one answer


def received(session: Session, inbox: str) -> list[CallbackReceived]:
    """What `inbox` received, its newest LISTED requests, oldest first."""
    newest = list(session.scalars(select(CallbackReceived).where(CallbackReceived.inbox == inbox)
                                  .order_by(CallbackReceived.id.desc()).limit(LISTED)))
    return newest[::-1]


def set_behaviour(session: Session, inbox: str, behaviour: Behaviour) -> None:
    """`inbox` answers as `behaviour` says from its next request; the default one removes the row."""
    if behaviour == Behaviour():
        session.execute(delete(CallbackBehaviour).where(CallbackBehaviour.inbox == inbox))
        return
    values = {"fail_remaining": behaviour.fail_times, "fail_status": behaviour.fail_status,
              "delay_ms": behaviour.delay_ms, "updated_at": utcnow()}
    # insert-if-absent then update: race-safe without catching a duplicate key, the last writer wins
    session.execute(insert_if_absent(session, _BEHAVIOUR, ("inbox",)).values(inbox=inbox, **values))
    session.execute(update(CallbackBehaviour).where(CallbackBehaviour.inbox == inbox).values(**values))


def forget(session: Session, inbox: str) -> int:
    """Removes what `inbox` received and its behaviour; how many requests it had received."""
    session.execute(delete(CallbackBehaviour).where(CallbackBehaviour.inbox == inbox))
    return rows_changed(session, delete(CallbackReceived).where(CallbackReceived.inbox == inbox))


def _clip(header: str | None) -> str | None:
    return None if header is None else header[:HEADER_LENGTH]
