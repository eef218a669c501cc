"""The platform's Prometheus metrics, and the page GET /metrics answers.

Counted where they happen, in every process (in multiprocess mode, see multiprocess.py: files
that the scrape sums): SOAP calls, partner calls, requests refused by a message limit. Read from the
database at scrape time, because the workers that make them may run on other machines: the outbox
backlog and the worker jobs.
"""
from __future__ import annotations

import logging
import os
from typing import Callable, Iterable
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, \
    generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from emall_ws.clock import utcnow
from emall_ws.db.session import Database
from emall_ws.notify import outbox
from emall_ws.observability.jobs import job_records
from emall_ws.observability.multiprocess import ENV

log = logging.getLogger(__name__)
CONTENT_TYPE = CONTENT_TYPE_LATEST
# seconds: from a cached answer (ms) to a partner call at its deadline (EMALL_PARTNER_TIMEOUT, 5 s),
# and a worker's call with its retries
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

SOAP_CALLS = Counter("emall_soap_calls", "SOAP calls answered, by outcome: ok or the faultcode",
                     ("service", "operation", "outcome"))
SOAP_SECONDS = Histogram("emall_soap_call_seconds", "Time from a SOAP request's arrival to its whole answer",
                         ("service", "operation"), buckets=BUCKETS)
PARTNER_CALLS = Counter("emall_partner_calls", "Partner calls (each attempt), by outcome: "
                        "ok, rejected, unavailable, bad_response", ("partner", "operation", "outcome"))
PARTNER_SECONDS = Histogram("emall_partner_call_seconds", "Time of a partner call (each attempt)",
                            ("partner", "operation"), buckets=BUCKETS)
LIMITED = Counter("emall_limited_requests", "Requests refused by a message limit, by the limit met: CLIENT "
                  "(per client address), ACTIVATION_PHONE, ACTIVATION_EMAIL, RESET_PHONE, RESET_EMAIL", ("limit",))

RERUNS = Counter("emall_transaction_reruns", "Transactions run again after the database rolled them back whole "
                 "(a deadlock, a Galera certification conflict, another writer's rows met)")


def count_rerun() -> None:
    RERUNS.inc()


def count_limited(limit: str) -> None:
    LIMITED.labels(limit).inc()
# Each process keeps its own breakers. A 0/1 gauge would need its dead processes' files removed
# (live* modes), which nothing here does: a worker gone with an open circuit would show it open
# for ever. A time instead expires by itself; "max" gives the latest any process has set.
PARTNER_CIRCUIT = Gauge("emall_partner_circuit_open_until_timestamp_seconds",
                        "Until when (Unix time) a server process skips the partner endpoint, which kept failing; "
                        "open while later than now, 0 or past: closed", ("partner",), multiprocess_mode="max")


def count_soap_call(service: str, operation: str, outcome: str, seconds: float) -> None:
    _count(SOAP_CALLS, SOAP_SECONDS, service, operation, outcome, seconds)


def count_partner_call(partner: str, operation: str, outcome: str, seconds: float) -> None:
    _count(PARTNER_CALLS, PARTNER_SECONDS, partner, operation, outcome, seconds)


def show_partner_circuit(partner: str, _url: str, open_until: float) -> None:
    """adapters.breaker's observer: a circuit opened (until `open_until`) or closed (0)."""
    PARTNER_CIRCUIT.labels(partner).set(open_until)


# (counter, who, operation, outcome) -> the counter's and the histogram's series: `labels()` takes a
# lock and builds its key on every call, a third of a counted call's cost; the label values are
# bounded (the platform's own names and outcomes), so is this
_series: dict[tuple, tuple[Counter, Histogram]] = {}


def _count(calls: Counter, seconds_: Histogram, who: str, operation: str, outcome: str, seconds: float) -> None:
    key = (calls, who, operation, outcome)
    series = _series.get(key)
    if series is None:
        series = _series[key] = (calls.labels(who, operation, outcome), seconds_.labels(who, operation))
    series[0].inc()
    series[1].observe(seconds)


class DatabaseCollector:
    """The series read from the database at each scrape (a few index reads, bounded)."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow):
        self._db = db
        self._clock = clock

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("emall_database_up", "1 when the database answered this scrape's reads")
        now = self._clock()
        try:
            with self._db.unit_of_work() as session:
                backlog = outbox.backlog(session, now)
                jobs = job_records(session)
        except Exception:
            log.warning("metrics: the database could not be read", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        waiting = GaugeMetricFamily("emall_outbox_waiting", "Notifications waiting to be sent, by channel",
                                    labels=("channel",))
        oldest = GaugeMetricFamily("emall_outbox_oldest_waiting_seconds",
                                   "Age of the oldest notification waiting, by channel", labels=("channel",))
        for channel, state in backlog.items():
            waiting.add_metric([channel], state.waiting)
            oldest.add_metric([channel], state.oldest_seconds)
        runs = CounterMetricFamily("emall_worker_job_runs", "Worker job runs (every worker)", labels=("job",))
        failures = CounterMetricFamily("emall_worker_job_failures", "Worker job runs that failed",
                                       labels=("job",))
        success = GaugeMetricFamily("emall_worker_job_last_success_timestamp_seconds",
                                    "When the job last ran without error (Unix time)", labels=("job",))
        heartbeat = GaugeMetricFamily("emall_worker_job_heartbeat_timestamp_seconds",
                                      "When a worker running the job was last seen alive (Unix time)",
                                      labels=("job",))
        for job in jobs:
            runs.add_metric([job.name], job.runs)
            failures.add_metric([job.name], job.failures)
            heartbeat.add_metric([job.name], _unix(job.heartbeat_at))
            if job.last_success_at is not None:
                success.add_metric([job.name], _unix(job.last_success_at))
        yield from (waiting, oldest, runs, failures, success, heartbeat)


class _ThisProcess:
    """This process's own metrics, when there is no multiprocess folder (tests, a lone process)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def render(db: Database) -> bytes:
    """The text GET /metrics answers: every process's counts, and the database's series."""
    registry = CollectorRegistry()
    if os.environ.get(ENV):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseCollector(db))
    return generate_latest(registry)


def _unix(moment: datetime) -> float:
    return (moment - datetime(1970, 1, 1)).total_seconds()
