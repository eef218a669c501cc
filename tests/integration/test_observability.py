"""Worker job records, the outbox backlog, /health and /metrics against the database (SQLite, MariaDB)."""
import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from emall_ws.clock import utcnow
from emall_ws.db.models import Notification, WorkerJob
from emall_ws.db.session import Database
from emall_ws.notify.outbox import EMAIL, SMS, backlog, enqueue
from emall_ws.observability.health import STALE_AFTER, STARTUP_GRACE, Health
from emall_ws.observability.jobs import JobRecorder
from emall_ws.soap.app import create_app
from emall_ws.worker import Job, Worker
from tests.wsgi_client import call

T0 = datetime(2026, 3, 2, 1, 0, 0)


class Clock:
    def __init__(self, now: datetime = T0):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def records(db) -> dict[str, WorkerJob]:
    with db.unit_of_work() as session:
        return {row.name: row for row in session.scalars(select(WorkerJob))}


def broken():
    raise RuntimeError("partner down")


def test_a_worker_records_each_job_run_failure_and_heartbeat(db):
    clock = Clock()
    jobs = [Job("fine", 5, lambda: None), Job("broken", 10, broken)]
    recorder = JobRecorder(db, {job.name: job.interval for job in jobs}, clock=clock, flush_every=0)
    Worker(jobs, recorder=recorder).run_pending()
    fine, failing = records(db)["fine"], records(db)["broken"]
    assert (fine.runs, fine.failures, fine.interval_seconds) == (1, 0, 5)
    assert fine.last_success_at == T0 and fine.last_failure_at is None and fine.heartbeat_at == T0
    assert (failing.runs, failing.failures, failing.last_success_at, failing.last_failure_at) == (1, 1, None, T0)


def test_runs_are_written_at_most_every_flush_and_summed_over_workers(db):
    clock = Clock()
    first = JobRecorder(db, {"dispatch": 0.2}, clock=clock, flush_every=5)
    second = JobRecorder(db, {"dispatch": 0.2}, clock=clock, flush_every=5)  # another machine's worker
    first.beat()  # a worker's first beat writes at once
    for _ in range(3):
        first.ran("dispatch", clock(), ok=True)
    assert records(db)["dispatch"].runs == 0  # within 5 s of the last write: kept in memory
    clock.advance(5)
    first.ran("dispatch", clock(), ok=False)
    second.ran("dispatch", clock(), ok=True)
    row = records(db)["dispatch"]
    assert (row.runs, row.failures, row.last_success_at, row.heartbeat_at) == (5, 1, clock.now, clock.now)
    second.ran("dispatch", clock(), ok=True)
    second.beat(force=True)  # as a stopping worker does
    assert records(db)["dispatch"].runs == 6


def test_two_workers_starting_together_both_write_their_first_records(db, caplog):
    """Both see no row and insert one: the second insert's duplicate key is the race, not a failure."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite: one writer at a time, the second worker reads the first one's row")
    clock = Clock()
    first = JobRecorder(db, {"dispatch": 0.2}, clock=clock, flush_every=5)
    second = JobRecorder(db, {"dispatch": 0.2}, clock=clock, flush_every=5)
    write = second._write

    def first_inserts_meanwhile(session, now):
        write(session, now)  # found no row: a new one is added, to be inserted at commit
        if not records(db):
            first.ran("dispatch", clock(), ok=True)  # another worker's insert commits first

    second._write = first_inserts_meanwhile
    second.ran("dispatch", clock(), ok=False)
    row = records(db)["dispatch"]
    assert (row.runs, row.failures) == (2, 1)
    assert "not written" not in caplog.text


def test_a_database_that_fails_never_stops_the_worker(tmp_path, caplog):
    down = Database(f"sqlite:///{tmp_path}")  # a folder: cannot be opened
    runs = []
    jobs = [Job("fine", 5, lambda: runs.append(1))]
    worker = Worker(jobs, recorder=JobRecorder(down, {"fine": 5}, flush_every=0))
    worker.run_pending()
    assert runs == [1]
    assert "worker job records not written" in caplog.text


@pytest.fixture
def app(db, settings):
    app = create_app(replace(settings, sandbox_enabled=False), db)
    yield app


def health_of(app, db, clock, **kwargs) -> tuple[int, dict]:
    app.health = Health(db, app.platform.settings, clock=clock, **kwargs)
    return health_now(app)


def health_now(app) -> tuple[int, dict]:
    response = call(app, "GET", "/health")
    assert response.headers["Content-Type"] == "application/json"
    return response.status, json.loads(response.body)


def test_health_is_ok_with_a_recent_heartbeat_and_lists_each_job(app, db):
    clock = Clock()
    JobRecorder(db, {"close-auctions": 5}, clock=clock).ran("close-auctions", T0, ok=True)
    status, document = health_of(app, db, clock)
    assert status == 200 and document["status"] == "ok" and "failing" not in document
    assert set(document["components"]) == {"database", "worker", "outbox", "partners"}  # no sandbox run
    worker = document["components"]["worker"]
    assert worker["status"] == "ok" and worker["heartbeatAt"] == "2026-03-02T08:00:00+07:00"
    assert worker["jobs"] == {"close-auctions": {"lastSuccessAt": "2026-03-02T08:00:00+07:00",
                                                 "lastFailureAt": None, "runs": 1, "failures": 0}}


def test_health_names_the_worker_when_its_heartbeat_is_stale(app, db):
    clock = Clock()
    JobRecorder(db, {"close-auctions": 5}, clock=clock).beat()
    health_of(app, db, clock)
    clock.advance(STALE_AFTER - 1)
    assert health_now(app)[0] == 200
    clock.advance(2)  # the worker stopped beating STALE_AFTER + 1 seconds ago
    status, document = health_now(app)
    assert status == 503 and document["status"] == "degraded" and document["failing"] == ["worker"]
    assert document["components"]["worker"]["status"] == "stale"
    assert document["components"]["database"] == {"status": "ok", "write": "proven"}


def test_a_worker_never_seen_is_starting_then_missing(app, db):
    clock = Clock()
    status, document = health_of(app, db, clock)
    assert status == 200 and document["components"]["worker"]["status"] == "starting"
    clock.advance(STARTUP_GRACE)
    status, document = health_now(app)
    assert status == 503 and document["failing"] == ["worker"]
    assert document["components"]["worker"] == {"status": "missing", "heartbeatAt": None,
                                                "staleAfterSeconds": STALE_AFTER, "jobs": {}}


def test_health_names_the_sandbox_when_it_does_not_answer(app, db):
    clock = Clock()
    JobRecorder(db, {"close-auctions": 5}, clock=clock).beat()
    app.platform.settings = replace(app.platform.settings, sandbox_enabled=True)
    asked = []
    status, document = health_of(app, db, clock, probe=lambda url: asked.append(url) and False)
    assert status == 503 and document["failing"] == ["sandbox"]
    assert asked == [app.platform.settings.sandbox_url + "/health"]


def pending(db, channel, recipient, created_at):
    with db.unit_of_work() as session:
        enqueue(session, event_key=f"test:{recipient}", channel=channel, recipient=recipient,
                template="member_activation", data={"name": "Siti", "username": "siti", "code": "123456",
                                                     "expires_at": T0})
    with db.unit_of_work() as session:
        row = session.scalars(select(Notification).where(Notification.recipient == recipient)).one()
        row.created_at = created_at


def test_the_outbox_backlog_counts_waiting_rows_per_channel_and_the_oldest_age(app, db):
    pending(db, EMAIL, "a@example.id", T0 - timedelta(seconds=90))
    pending(db, EMAIL, "b@example.id", T0 - timedelta(seconds=30))
    pending(db, SMS, "+6281234567890", T0 - timedelta(seconds=10))
    pending(db, EMAIL, "sent@example.id", T0 - timedelta(hours=5))
    with db.unit_of_work() as session:
        sent = session.scalars(select(Notification).where(Notification.recipient == "sent@example.id")).one()
        sent.status = "SENT"
        waiting = backlog(session, T0)
    assert {c: (b.waiting, b.oldest_seconds) for c, b in waiting.items()} == {EMAIL: (2, 90.0), SMS: (1, 10.0)}
    clock = Clock()
    JobRecorder(db, {"dispatch-notifications": 5}, clock=clock).beat()
    status, document = health_of(app, db, clock)
    assert status == 200  # a backlog is reported, never failing
    assert document["components"]["outbox"] == {"status": "ok", "waiting": {EMAIL: 2, SMS: 1},
                                                 "oldestSeconds": 90.0}


def sample(text: str, series: str) -> float:
    """The value of one series (name and labels as written) on a metrics page."""
    [value] = [line.split()[-1] for line in text.splitlines() if line.startswith(series + " ")]
    return float(value)


def test_the_metrics_page_reads_the_outbox_and_the_jobs_from_the_database(app, db):
    pending(db, SMS, "+6281234567890", utcnow() - timedelta(hours=1))
    clock = Clock()
    recorder = JobRecorder(db, {"poll-tracking": 30}, clock=clock, flush_every=0)
    recorder.ran("poll-tracking", T0, ok=True)
    recorder.ran("poll-tracking", T0, ok=False)
    text = call(app, "GET", "/metrics").body.decode()
    assert sample(text, 'emall_outbox_waiting{channel="SMS"}') == 1
    assert sample(text, 'emall_outbox_waiting{channel="EMAIL"}') == 0
    assert 3600 <= sample(text, 'emall_outbox_oldest_waiting_seconds{channel="SMS"}') < 3660
    assert sample(text, 'emall_worker_job_runs_total{job="poll-tracking"}') == 2
    assert sample(text, 'emall_worker_job_failures_total{job="poll-tracking"}') == 1
    assert sample(text, 'emall_worker_job_last_success_timestamp_seconds{job="poll-tracking"}') == \
        (T0 - datetime(1970, 1, 1)).total_seconds()
    assert sample(text, "emall_database_up") == 1


def test_the_metrics_page_still_answers_when_the_database_is_down(settings, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    down = create_app(replace(settings, sandbox_enabled=False), Database(f"sqlite:///{tmp_path}"))
    response = call(down, "GET", "/metrics")
    assert response.status == 200 and sample(response.body.decode(), "emall_database_up") == 0
    assert "emall_outbox_waiting" not in response.body.decode()


def test_health_says_in_words_which_partners_and_whether_payments_are_simulated(app, db):
    status, document = health_of(app, db, Clock())
    partners = document["components"]["partners"]
    assert status == 200 and partners["status"] == "ok" and "EMALL_BANK_BCA_URL" in partners["simulated"]
    assert document["notice"] == "payments are SIMULATED: the banks are the sandbox's, no money moves"

    settings = app.platform.settings
    real = replace(settings, partner_url_overrides={name: "https://partner.example/" + name.lower()
                                                    for name in settings.partners_left_to_the_sandbox()})
    app.health = Health(db, real, clock=Clock())
    status, document = health_now(app)
    assert status == 200 and document["components"]["partners"] == {"status": "ok", "simulated": []}
    assert "notice" not in document
