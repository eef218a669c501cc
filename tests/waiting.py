"""Waiting for what a server does in the background (its worker, its dispatcher), up to a deadline."""
from __future__ import annotations

import time
from datetime import datetime
from typing import Callable, TypeVar

from emall_ws.clock import utcnow
from emall_ws.db.models import WorkerJob
from emall_ws.db.session import Database

Seen = TypeVar("Seen")

# seconds the e2e server's background work may take (its dispatcher runs every 0.2 s, the payment
# reconcile, tracking, auction closing and invoice expiry every 1 s, tests/e2e/server.py)
DEADLINE = 30


def eventually(check: Callable[[], Seen], what: str | Callable[[], str], timeout: float = DEADLINE,
               interval: float = 0.2) -> Seen:
    """What `check()` returned once it was truthy, asked every `interval` seconds. Past `timeout`
    seconds the test fails, naming `what` was waited for (a callable `what` is asked then, so that it
    can tell the state things were left in)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout}s: {what() if callable(what) else what}")
        time.sleep(interval)


def after_the_worker_ran(db: Database, job: str, since: datetime | None = None, timeout: float = DEADLINE) -> None:
    """Returns once the worker has recorded a run of `job` (a name in emall_ws/worker.py) that started
    after `since` (default: now): whatever that run would do is done, so a test may then assert that
    something did not happen. The record is written every EMALL_HEARTBEAT_INTERVAL seconds."""
    since = since or utcnow()

    def last_started() -> datetime | None:
        with db.unit_of_work() as session:
            row = session.get(WorkerJob, job)
            return row.last_started_at if row else None

    eventually(lambda: (started := last_started()) is not None and started > since,
               lambda: f"a run of the worker's {job} started after {since} (last: {last_started()})", timeout)
