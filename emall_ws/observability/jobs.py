"""Each worker job's record in the database (table worker_job): runs, failures, last start, success
and failure, and a heartbeat, for /health and /metrics in any process on any machine.

A worker keeps its counts in memory and writes them at most once per `flush_every` seconds, in one
short transaction of its own: a dispatcher running every 0.2 s must not mean five writes a second
(on SQLite each one takes the database's write lock). A write that fails is logged and tried again
with the next; it never stops the worker.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from emall_ws.clock import utcnow
from emall_ws.db.models import WorkerJob
from emall_ws.db.session import Database, is_deadlock_or_duplicate

log = logging.getLogger(__name__)
FLUSH_EVERY = 5.0  # seconds between a worker's writes (and so its heartbeats); EMALL_HEARTBEAT_INTERVAL
MAX_JOBS_READ = 100  # job names ever recorded; bounds the reads of /health and /metrics


@dataclass
class _Pending:
    runs: int = 0
    failures: int = 0
    last_started_at: datetime | None = None
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None


class JobRecorder:
    """What one worker tells the database about its jobs (name -> interval in seconds)."""

    def __init__(self, db: Database, intervals: Mapping[str, float], *,
                 clock: Callable[[], datetime] = utcnow, flush_every: float = FLUSH_EVERY):
        self._db = db
        self._intervals = dict(sorted(intervals.items()))  # one lock order for every worker
        self._clock = clock
        self._flush_every = flush_every
        self._pending = {name: _Pending() for name in self._intervals}
        self._flushed_at: datetime | None = None  # never yet: the first beat writes at once

    def ran(self, name: str, started_at: datetime, ok: bool) -> None:
        pending = self._pending[name]
        pending.runs += 1
        pending.last_started_at = started_at
        if ok:
            pending.last_success_at = self._clock()
        else:
            pending.failures += 1
            pending.last_failure_at = self._clock()
        self.beat()

    def beat(self, force: bool = False) -> None:
        """Writes the counts and the heartbeat when `flush_every` has passed since the last write."""
        now = self._clock()
        if not force and self._flushed_at is not None \
                and (now - self._flushed_at).total_seconds() < self._flush_every:
            return
        try:
            # workers starting together insert the same new row (IntegrityError): it exists the next time
            self._db.run(lambda session: self._write(session, now), rerun_if=is_deadlock_or_duplicate)
        except Exception:  # the database is down ...: next time
            log.warning("worker job records not written; trying again in %.0f s", self._flush_every,
                        exc_info=True)
            self._flushed_at = now
            return
        self._flushed_at = now
        self._pending = {name: _Pending() for name in self._intervals}

    def _write(self, session: Session, now: datetime) -> None:
        rows = {row.name: row for row in session.scalars(
            select(WorkerJob).where(WorkerJob.name.in_(self._intervals)).order_by(WorkerJob.name)
            .with_for_update())}
        for name, interval in self._intervals.items():
            row = rows.get(name)
            if row is None:
                row = WorkerJob(name=name, runs=0, failures=0)
                session.add(row)
            pending = self._pending[name]
            row.interval_seconds = interval
            row.heartbeat_at = now
            row.runs += pending.runs
            row.failures += pending.failures
            row.last_started_at = pending.last_started_at or row.last_started_at
            row.last_success_at = pending.last_success_at or row.last_success_at
            row.last_failure_at = pending.last_failure_at or row.last_failure_at


def job_records(session: Session) -> list[WorkerJob]:
    """Every job ever recorded (by any worker), by name."""
    return list(session.scalars(select(WorkerJob).order_by(WorkerJob.name).limit(MAX_JOBS_READ)))
