"""The dispatcher against a real database: send, retry, give up, share work, survive crashes."""
import json
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import select, update

from emall_ws.clock import utcnow
from emall_ws.db.models import Notification
from emall_ws.db.session import Database
from emall_ws.notify.dispatcher import Dispatcher, DispatchStats
from emall_ws.notify.email import DeliveryError, EmailSender
from emall_ws.notify.outbox import EMAIL, SMS, enqueue

LEASE = timedelta(minutes=5)


class RecordingSender(EmailSender):
    """Records every message; can sleep, fail, or crash after recording."""

    def __init__(self, *, sleep=0.0, fail_with=None, crash_once=False):
        self.sent: list[tuple[str, str, str, str]] = []
        self.sleep = sleep
        self.fail_with = fail_with
        self.crash_once = crash_once
        self._lock = threading.Lock()

    def send(self, to, subject, text, html, reference=""):
        time.sleep(self.sleep)
        with self._lock:
            self.sent.append((to, subject, text, html))
            number = len(self.sent)
        if self.crash_once:
            self.crash_once = False
            raise Crash("the process died after the message left")
        if self.fail_with is not None:
            raise self.fail_with
        return f"<msg-{number}@test>"


class Crash(BaseException):
    """Like SIGKILL or KeyboardInterrupt for the dispatcher: nothing after the send runs."""


def enqueue_activations(db, count, *, first=1):
    with db.unit_of_work() as session:
        for number in range(first, first + count):
            enqueue(session, event_key=f"member:{number}:activation:1", channel=EMAIL,
                    recipient=f"member{number}@example.id", template="member_activation",
                    data=dict(name=f"Anggota {number}", username=f"user{number}",
                              code=f"{100000 + number}", expires_at=datetime(2025, 3, 5, 7, 30)))


def all_rows(db):
    with db.unit_of_work() as session:
        return session.scalars(select(Notification).order_by(Notification.id)).all()


def frozen():  # a monotonic clock that never moves: `now` stays exactly what the test passes
    return 0.0


def test_due_rows_are_rendered_sent_and_marked_sent(db):
    enqueue_activations(db, 3)
    sender = RecordingSender()
    now = utcnow() + timedelta(seconds=1)
    stats = Dispatcher(db, {EMAIL: sender}, monotonic=frozen).run_once(now)
    assert stats == DispatchStats(sent=3, claimed=3)
    to, subject, text, html = sender.sent[0]
    assert to == "member1@example.id" and subject == "Kode aktivasi akun Emall KUKM Anda"
    assert "100001" in text and "100001" in html and "14.30 WIB" in text
    rows = all_rows(db)
    assert [row.status for row in rows] == ["SENT"] * 3
    assert [row.provider_id for row in rows] == ["<msg-1@test>", "<msg-2@test>", "<msg-3@test>"]
    assert all(row.sent_at == now and row.attempts == 1 and row.error is None for row in rows)
    assert Dispatcher(db, {EMAIL: sender}).run_once() == DispatchStats()  # nothing left


def test_rows_not_yet_due_and_channels_without_a_sender_wait(db):
    enqueue_activations(db, 1)
    with db.unit_of_work() as session:  # an SMS row, and a dispatcher without an SMS sender
        session.add(Notification(event_key="x", channel=SMS, recipient="+6281234567890",
                                 template="member_activation", data="{}", next_attempt_at=utcnow(),
                                 created_at=utcnow()))
    sender = RecordingSender()
    assert Dispatcher(db, {EMAIL: sender}).run_once(utcnow() - timedelta(minutes=1)).claimed == 0
    assert Dispatcher(db, {EMAIL: sender}).run_once().sent == 1
    assert [(row.channel, row.status, row.attempts) for row in all_rows(db)] == [
        ("EMAIL", "SENT", 1), ("SMS", "PENDING", 0)]


def test_batches_are_limited_and_oldest_first(db):
    enqueue_activations(db, 5)
    sender = RecordingSender()
    dispatcher = Dispatcher(db, {EMAIL: sender}, batch_size=2)
    assert dispatcher.run_once().sent == 2
    assert [to for to, *_ in sender.sent] == ["member1@example.id", "member2@example.id"]
    assert dispatcher.run_once().sent == 2 and dispatcher.run_once().sent == 1


def test_temporary_failures_back_off_exponentially_then_fail_for_good(db):
    enqueue_activations(db, 1)
    sender = RecordingSender(fail_with=DeliveryError("SMTP 421 try later"))
    dispatcher = Dispatcher(db, {EMAIL: sender}, max_attempts=3, backoff_base=timedelta(minutes=1),
                            monotonic=frozen)
    t0 = utcnow() + timedelta(seconds=1)

    assert dispatcher.run_once(t0) == DispatchStats(retried=1, claimed=1)
    [row] = all_rows(db)
    assert (row.status, row.attempts, row.next_attempt_at) == ("PENDING", 1, t0 + timedelta(minutes=1))
    assert row.error == "SMTP 421 try later"

    assert dispatcher.run_once(t0 + timedelta(seconds=59)).claimed == 0  # backing off
    t1 = t0 + timedelta(minutes=1)
    assert dispatcher.run_once(t1).retried == 1
    [row] = all_rows(db)
    assert (row.attempts, row.next_attempt_at) == (2, t1 + timedelta(minutes=2))  # doubled

    t2 = t1 + timedelta(minutes=2)
    assert dispatcher.run_once(t2) == DispatchStats(failed=1, claimed=1)
    [row] = all_rows(db)
    assert (row.status, row.attempts, row.sent_at) == ("FAILED", 3, None)
    assert dispatcher.run_once(t2 + timedelta(days=1)).claimed == 0
    assert len(sender.sent) == 3


def test_permanent_errors_fail_at_once_and_long_errors_are_cut(db):
    enqueue_activations(db, 1)
    sender = RecordingSender(fail_with=DeliveryError("550 " + "x" * 1000, permanent=True))
    assert Dispatcher(db, {EMAIL: sender}).run_once().failed == 1
    [row] = all_rows(db)
    assert row.status == "FAILED" and row.attempts == 1 and len(row.error) == 500


def test_a_broken_template_data_row_fails_without_stopping_the_batch(db):
    enqueue_activations(db, 2)
    with db.unit_of_work() as session:  # data missing the code: rendering can never succeed
        session.execute(update(Notification).where(Notification.recipient == "member1@example.id")
                        .values(data='{"name": "x"}'))
    sender = RecordingSender()
    stats = Dispatcher(db, {EMAIL: sender}).run_once()
    assert (stats.failed, stats.sent) == (1, 1)
    assert [row.status for row in all_rows(db)] == ["FAILED", "SENT"]
    assert "no value for" in all_rows(db)[0].error


def test_an_unexpected_sender_error_is_retried_not_lost(db):
    enqueue_activations(db, 1)
    stats = Dispatcher(db, {EMAIL: RecordingSender(fail_with=RuntimeError("bug"))}).run_once()
    assert stats.retried == 1
    [row] = all_rows(db)
    assert row.status == "PENDING" and row.error == "RuntimeError: bug"


def test_two_dispatchers_at_once_send_every_row_exactly_once(db):
    """Two processes in small (two engines, two connection pools); on MariaDB the claims
    go through SELECT ... FOR UPDATE SKIP LOCKED, on SQLite through BEGIN IMMEDIATE."""
    enqueue_activations(db, 40)
    second_db = Database(db.engine.url.render_as_string(hide_password=False))
    sender = RecordingSender(sleep=0.01)
    dispatchers = [Dispatcher(db, {EMAIL: sender}, batch_size=3),
                   Dispatcher(second_db, {EMAIL: sender}, batch_size=3)]
    start, errors, per_dispatcher = threading.Barrier(2), [], [0, 0]

    def drain(index):
        try:
            start.wait()
            while (stats := dispatchers[index].run_once()).claimed:
                per_dispatcher[index] += stats.sent
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=drain, args=(index,)) for index in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        second_db.dispose()
    assert errors == []
    recipients = [to for to, *_ in sender.sent]
    assert len(recipients) == 40 and len(set(recipients)) == 40
    assert all(row.status == "SENT" and row.attempts == 1 for row in all_rows(db))
    assert sum(per_dispatcher) == 40
    if db.engine.dialect.name != "sqlite":  # SQLite's busy wait may let one writer take it all
        assert min(per_dispatcher) > 0  # both did take rows at the same time


def test_a_crash_between_send_and_mark_resends_after_the_lease_never_loses(db):
    enqueue_activations(db, 1)
    sender = RecordingSender(crash_once=True)
    dispatcher = Dispatcher(db, {EMAIL: sender}, lease=LEASE, monotonic=frozen)
    t0 = utcnow() + timedelta(seconds=1)
    try:
        dispatcher.run_once(t0)
        raise AssertionError("the crash should have propagated")
    except Crash:
        pass
    [row] = all_rows(db)
    assert (row.status, row.attempts, row.next_attempt_at) == ("PENDING", 1, t0 + LEASE)

    assert dispatcher.run_once(t0 + LEASE - timedelta(seconds=1)).claimed == 0  # still leased
    assert dispatcher.run_once(t0 + LEASE).sent == 1  # lease over: sent again (at least once)
    [row] = all_rows(db)
    assert (row.status, row.attempts) == ("SENT", 2)
    assert len(sender.sent) == 2 and sender.sent[0] == sender.sent[1]


def test_an_abandoned_claim_is_taken_over_after_the_lease(db):
    enqueue_activations(db, 2)
    t0 = utcnow() + timedelta(seconds=1)
    abandoned = Dispatcher(db, {EMAIL: RecordingSender()}, lease=LEASE)._claim(t0)  # then "dies"
    assert len(abandoned) == 2
    sender = RecordingSender()
    other = Dispatcher(db, {EMAIL: sender}, lease=LEASE)
    assert other.run_once(t0 + timedelta(minutes=1)).claimed == 0
    assert other.run_once(t0 + LEASE + timedelta(seconds=1)).sent == 2


def test_a_live_slow_dispatcher_renews_its_lease_so_no_other_sends_its_rows_again(db):
    enqueue_activations(db, 1)
    short = timedelta(seconds=0.6)  # renewed every 0.2 s
    slow = RecordingSender(sleep=2.0)  # the send outlasts the lease three times over
    round_done = []
    first = threading.Thread(target=lambda: round_done.append(Dispatcher(db, {EMAIL: slow}, lease=short).run_once()))
    first.start()
    time.sleep(1.2)  # twice the lease: without renewal, the row would be due again now
    other = RecordingSender()
    assert Dispatcher(db, {EMAIL: other}, lease=short).run_once().claimed == 0
    first.join()
    assert round_done == [DispatchStats(sent=1, claimed=1)] and other.sent == []
    [row] = all_rows(db)
    assert (row.status, row.attempts) == ("SENT", 1)


def test_the_default_lease_retries_a_dead_dispatchers_claim_within_a_minute(db):
    enqueue_activations(db, 1)
    t0 = utcnow() + timedelta(seconds=1)
    assert len(Dispatcher(db, {EMAIL: RecordingSender()})._claim(t0)) == 1  # then killed: no renewal
    sender = RecordingSender()
    other = Dispatcher(db, {EMAIL: sender})
    assert other.run_once(t0 + timedelta(seconds=30)).claimed == 0  # still leased
    # due at t0 + 45 s: a worker round (every EMALL_DISPATCH_INTERVAL, 5 s) sends it before 60 s
    assert other.run_once(t0 + timedelta(seconds=50)).sent == 1
    assert len(sender.sent) == 1


def test_unsent_rows_are_released_when_the_lease_runs_out(db):
    enqueue_activations(db, 5)
    clock = [0.0]

    class SlowSender(RecordingSender):
        def send(self, *message):
            clock[0] += 100  # each message takes 100 s of a 300 s lease
            return super().send(*message)

    sender = SlowSender()
    dispatcher = Dispatcher(db, {EMAIL: sender}, lease=timedelta(seconds=300),
                            monotonic=lambda: clock[0])
    t0 = utcnow() + timedelta(seconds=1)
    assert dispatcher.run_once(t0) == DispatchStats(sent=3, released=2, claimed=5)
    released = [row for row in all_rows(db) if row.status == "PENDING"]
    assert [(row.attempts, row.next_attempt_at) for row in released] == \
        [(0, t0 + timedelta(seconds=300))] * 2
    assert dispatcher.run_once(t0 + timedelta(seconds=300)).sent == 2
    assert len(sender.sent) == 5


def test_a_late_failure_does_not_overwrite_another_dispatchers_claim(db):
    enqueue_activations(db, 1)

    class TakenOverSender(RecordingSender):
        def send(self, *message):  # while we send, our lease ends and someone else claims the row
            with db.unit_of_work() as session:
                session.execute(update(Notification).values(attempts=Notification.attempts + 1))
            raise DeliveryError("timeout")

    Dispatcher(db, {EMAIL: TakenOverSender()}).run_once()
    [row] = all_rows(db)
    assert (row.status, row.attempts, row.error) == ("PENDING", 2, None)


def test_data_that_is_not_json_fails_for_good(db):
    enqueue_activations(db, 1)
    with db.unit_of_work() as session:
        session.execute(update(Notification).values(data="{not json"))
    assert Dispatcher(db, {EMAIL: RecordingSender()}).run_once().failed == 1
    [row] = all_rows(db)
    assert row.status == "FAILED" and row.error.startswith("unreadable data")
    assert row.data == "{not json"  # kept as it was


def test_a_code_is_redacted_once_its_row_is_sent_or_failed(db):
    enqueue_activations(db, 2)
    t0 = utcnow() + timedelta(seconds=1)
    assert Dispatcher(db, {EMAIL: RecordingSender()}, batch_size=1, monotonic=frozen).run_once(t0).sent == 1
    failing = Dispatcher(db, {EMAIL: RecordingSender(fail_with=DeliveryError("SMTP 421 try later"))},
                         max_attempts=2, monotonic=frozen)
    assert failing.run_once(t0).retried == 1
    sent, retried = [json.loads(row.data) for row in all_rows(db)]
    assert sent == {"name": "Anggota 1", "username": "user1", "code": "******",
                    "expires_at": "2025-03-05T07:30:00"}
    assert retried["code"] == "100002"  # still needed for the next try
    assert failing.run_once(t0 + timedelta(minutes=1)).failed == 1
    [_, failed] = all_rows(db)
    assert failed.status == "FAILED" and json.loads(failed.data) == {**retried, "code": "******"}
