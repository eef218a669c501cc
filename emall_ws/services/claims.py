"""The worker jobs' one way of handling due rows (auctions to close, invoices to expire, orders to
complete) exactly once, however many workers run."""
from __future__ import annotations

import logging
from typing import Callable, Protocol, TypeVar

from sqlalchemy import Select, inspect
from sqlalchemy.orm import Session

from emall_ws.db.session import Database

log = logging.getLogger(__name__)

class _Claimable(Protocol):
    """A row with an integer primary key `id` (a product, invoice or order)."""
    @property
    def id(self) -> int: ...


Row = TypeVar("Row", bound=_Claimable)


def handle_each_claimed(db: Database, due: Select[Row], model: type[Row], handle: Callable[[Session, Row], bool | None],
                        *, limit: int, what: str) -> int:
    """Runs `handle` on each row `due` selects (ordered, oldest first), one row per short transaction.

    Each row is claimed with SELECT ... FOR UPDATE SKIP LOCKED (MariaDB; SQLite has one writer at a
    time) and read afresh under the lock, so `handle` sees its current state and a row is handled
    once; others' claims are skipped, not waited for. A row whose handling fails is logged, left for
    the next run and not claimed again in this one: one bad row must not stop the rest. Returns how
    many were handled (`handle` returning False does not count), at most `limit`.
    """
    handled = 0
    failed: set[int] = set()
    claimed: int | None = None

    def claim_and_handle(session: Session) -> bool | None:
        """Whether the claimed row counts; None when no row is due."""
        nonlocal claimed
        claimed = None
        query = due.limit(1).with_for_update(skip_locked=True, of=model).execution_options(populate_existing=True)
        if failed:
            query = query.where(inspect(model).primary_key[0].not_in(failed))  # its id
        row = session.scalars(query).first()
        if row is None:
            return None
        claimed = row.id
        return handle(session, row) is not False

    for _ in range(limit):
        try:
            # run again when rolled back whole: on Galera, SKIP LOCKED skips only this node's locks,
            # so two nodes' workers can claim one row and the second to commit is refused
            counted = db.run(claim_and_handle)
        except Exception:
            if claimed is None:
                raise  # the claim itself failed (e.g. the database is away): the job's turn ends
            log.exception("%s %d: failed; tried again at the next run", what, claimed)
            failed.add(claimed)
            continue
        if counted is None:
            break
        handled += counted  # counted once committed
    return handled
