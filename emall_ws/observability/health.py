"""GET /health: each component's state as JSON; 200 when every one is fine, 503 naming the others.

  database  writable: a row inserted in a short transaction of its own and rolled back (probe_database);
            503 "read-only", "busy" (its lock held past the busy timeout) or "unavailable"
            (unreachable, dropped, access refused), with the driver's error code
  worker    a worker's heartbeat (written every few seconds, see jobs.py) is recent; each job's runs
  sandbox   the partner sandboxes answer, when this deployment runs them (EMALL_SANDBOX=1)
  partners  the endpoint variables left to the sandbox (simulated partners), and a notice when
            payments are simulated
  outbox    notifications waiting per channel and the oldest one's age: reported, never failing
            (a partner down for long must not take the SOAP server out of service: alert on
            emall_outbox_oldest_waiting_seconds instead)
"""
from __future__ import annotations

import json
import urllib.request
from datetime import datetime
from typing import Any, Callable

from emall_ws.clock import to_wib, utcnow
from emall_ws.config import SIMULATED_PAYMENTS, Settings
from sqlalchemy import insert

from emall_ws.db.models import WorkerJob
from emall_ws.db.session import Database, is_busy, mysql_code, sqlite_code
from emall_ws.notify import outbox
from emall_ws.observability.jobs import job_records

# seconds without a heartbeat before the worker counts as gone: it beats every 5 s between jobs,
# but one long job (a dispatch drain, a slow partner at its timeout) holds it for a while
STALE_AFTER = 120.0
# seconds after start during which a worker not seen yet is "starting", not failing: the server
# answers before the worker process beside it has written its first heartbeat
STARTUP_GRACE = 30.0
SANDBOX_TIMEOUT = 1.0  # seconds
# "unknown": what the database holds, when it is down (the database is the one failing then)
_FINE = ("ok", "starting", "unknown")
# the name of the row /health inserts and rolls back; no worker job is called so
PROBE_ROW = "~health-write-probe"
# errors meaning the database refuses writes: SQLite READONLY, MariaDB --read-only (1290, 1792)
_READ_ONLY_SQLITE = frozenset({8})
_READ_ONLY_MYSQL = frozenset({1290, 1792})


def probe_url(url: str, timeout: float = SANDBOX_TIMEOUT) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except Exception:  # refused, timed out, not HTTP ...: all mean down
        return False


def probe_database(db: Database, now: datetime) -> dict[str, Any]:
    """The database component: a write proven, or why none can be. SELECT 1 is not enough: a
    read-only SQLite file, a read-only MariaDB or a dropped database all answer it. The row is rolled
    back, so nothing stays; on SQLite the transaction takes the write lock (BEGIN IMMEDIATE)."""
    try:
        with db.engine.connect() as connection:
            transaction = connection.begin()
            try:
                connection.execute(insert(WorkerJob).values(name=PROBE_ROW, interval_seconds=0, runs=0,
                                                            failures=0, heartbeat_at=now))
            finally:
                transaction.rollback()
    except Exception as error:  # whatever it is, a call would meet it too
        return {"status": _failure_status(error), "error": _error_code(error)}
    return {"status": "ok", "write": "proven"}


def _failure_status(error: Exception) -> str:
    if sqlite_code(error) in _READ_ONLY_SQLITE or mysql_code(error) in _READ_ONLY_MYSQL:
        return "read-only"
    return "busy" if is_busy(error) else "unavailable"


def _error_code(error: Exception) -> str:
    """The driver's error number: enough to look up, and no text that could name users or hosts."""
    if sqlite_code(error) is not None:
        return f"sqlite {sqlite_code(error)}"
    if mysql_code(error) is not None:
        return f"mysql {mysql_code(error)}"
    return type(error).__name__


class Health:
    def __init__(self, db: Database, settings: Settings, *, clock: Callable[[], datetime] = utcnow,
                 probe: Callable[[str], bool] = probe_url):
        self._db = db
        self._settings = settings
        self._clock = clock
        self._probe = probe
        self._started_at = clock()

    def check(self) -> tuple[bool, dict[str, Any]]:
        """(all fine, the JSON document)."""
        now = self._clock()
        components: dict[str, dict[str, Any]] = {}
        components["database"] = probe_database(self._db, now)
        try:
            if components["database"]["status"] != "ok":
                raise ConnectionError
            with self._db.unit_of_work() as session:
                jobs, backlog = job_records(session), outbox.backlog(session, now)
        except Exception:  # unreachable, or gone since the probe: what it holds is unknown
            components["worker"] = components["outbox"] = {"status": "unknown"}
        else:
            components["worker"] = self._worker(jobs, now)
            components["outbox"] = {"status": "ok", "waiting": {c: b.waiting for c, b in backlog.items()},
                                    "oldestSeconds": max((b.oldest_seconds for b in backlog.values()),
                                                         default=0.0)}
        if self._settings.sandbox_enabled:
            up = self._probe(self._settings.sandbox_url + "/health")
            components["sandbox"] = {"status": "ok" if up else "unreachable"}
        simulated = self._settings.partners_left_to_the_sandbox()
        # deliberate (EMALL_SANDBOX=1 or a loopback server), so never failing, but said in words
        components["partners"] = {"status": "ok", "simulated": simulated}
        failing = [name for name, state in components.items() if state["status"] not in _FINE]
        document: dict[str, Any] = {"status": "degraded" if failing else "ok", "components": components}
        if self._settings.payments_simulated:
            document["notice"] = SIMULATED_PAYMENTS
        if failing:
            document["failing"] = failing
        return not failing, document

    def _worker(self, jobs, now: datetime) -> dict[str, Any]:
        beat = max((job.heartbeat_at for job in jobs), default=None)
        if beat is not None and (now - beat).total_seconds() <= STALE_AFTER:
            status = "ok"
        elif (now - self._started_at).total_seconds() < STARTUP_GRACE:
            status = "starting"
        else:
            status = "stale" if beat is not None else "missing"
        return {"status": status, "heartbeatAt": _time(beat), "staleAfterSeconds": STALE_AFTER,
                "jobs": {job.name: {"lastSuccessAt": _time(job.last_success_at),
                                    "lastFailureAt": _time(job.last_failure_at),
                                    "runs": job.runs, "failures": job.failures} for job in jobs}}

    def answer(self) -> tuple[str, bytes]:
        """(HTTP status line, JSON body)."""
        fine, document = self.check()
        return ("200 OK" if fine else "503 Service Unavailable"), json.dumps(document).encode()


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else to_wib(moment).isoformat()
