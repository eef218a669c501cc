"""The worker loop: due jobs run, a failing job never stops the others."""
import threading

import pymysql
import pytest
from sqlalchemy.exc import OperationalError

from emall_ws.worker import Job, Worker


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_each_job_runs_at_start_then_after_its_interval():
    clock, runs = FakeClock(), []
    worker = Worker([Job("fast", 5, lambda: runs.append("fast")),
                     Job("slow", 60, lambda: runs.append("slow"))], clock=clock)
    assert worker.run_pending() == 5
    assert runs == ["fast", "slow"]
    clock.now += 4
    worker.run_pending()
    assert runs == ["fast", "slow"]
    clock.now += 1
    assert worker.run_pending() == 5
    assert runs == ["fast", "slow", "fast"]
    clock.now += 60
    worker.run_pending()
    assert runs[-2:] == ["fast", "slow"]


def test_a_failing_job_is_logged_and_the_others_still_run(caplog):
    clock, runs = FakeClock(), []

    def broken():
        raise RuntimeError("database away")

    worker = Worker([Job("broken", 10, broken), Job("fine", 10, lambda: runs.append(1))], clock=clock)
    worker.run_pending()
    clock.now += 10
    worker.run_pending()
    assert runs == [1, 1]
    assert caplog.text.count("job broken failed") == 2


def test_a_job_that_finds_the_database_unavailable_logs_one_line_without_a_traceback(caplog):
    def unreachable():
        raise OperationalError("SELECT 1", {}, pymysql.err.OperationalError(2003, "Can't connect to MySQL server"))

    worker = Worker([Job("reconcile", 10, unreachable)], clock=FakeClock())
    worker.run_pending()
    [record] = [r for r in caplog.records if r.name == "emall_ws.worker"]
    assert record.levelname == "WARNING" and record.exc_info is None
    assert "job reconcile: the database is unavailable" in record.getMessage()
    assert "Can't connect" in record.getMessage()


def test_run_forever_returns_when_asked_to_stop():
    stop, calls = threading.Event(), []

    def job():
        calls.append(1)
        if len(calls) == 3:
            stop.set()

    thread = threading.Thread(target=Worker([Job("tick", 0.01, job)]).run_forever, args=(stop,))
    thread.start()
    thread.join(5)
    assert not thread.is_alive() and len(calls) == 3


def test_job_names_are_unique():
    with pytest.raises(ValueError):
        Worker([Job("a", 1, print), Job("a", 2, print)])
