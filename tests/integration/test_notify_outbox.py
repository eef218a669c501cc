"""The outbox: notifications commit or roll back with the business change; one row per key."""
import json
import threading
from datetime import datetime

import pytest
from sqlalchemy import func, select

from emall_ws.db.models import Notification
from emall_ws.notify.outbox import EMAIL, enqueue, notify_member

ACTIVATION = dict(name="Siti", username="siti", code="123456", expires_at=datetime(2025, 3, 5, 7, 30))


def add(session, event_key="member:1:activation:1", recipient="siti@example.id", **extra):
    enqueue(session, event_key=event_key, channel=EMAIL, recipient=recipient,
            template="member_activation", data=extra or ACTIVATION)


def rows(db):
    with db.unit_of_work() as session:
        return session.scalars(select(Notification).order_by(Notification.id)).all()


def test_enqueue_writes_a_pending_row_due_now(db):
    with db.unit_of_work() as session:
        add(session)
    [row] = rows(db)
    assert (row.status, row.attempts, row.channel, row.template) == ("PENDING", 0, "EMAIL",
                                                                       "member_activation")
    assert row.next_attempt_at == row.created_at
    assert json.loads(row.data) == dict(ACTIVATION, expires_at="2025-03-05T07:30:00")


def test_enqueue_twice_leaves_one_row_and_the_transaction_usable(db):
    with db.unit_of_work() as session:
        add(session)
        add(session)  # same key in the same transaction
        add(session, recipient="budi@example.id")  # the transaction goes on after the repeat
    with db.unit_of_work() as session:
        add(session)  # same key, already committed
    assert sorted(row.recipient for row in rows(db)) == ["budi@example.id", "siti@example.id"]


def test_rollback_of_the_business_transaction_takes_the_notification_with_it(db):
    # the enqueue is the transaction's first write: where a SAVEPOINT-based enqueue leaked on
    # SQLite under pysqlite's deferred BEGIN
    with pytest.raises(RuntimeError):
        with db.unit_of_work() as session:
            add(session)
            raise RuntimeError("business rule broken after the enqueue")
    assert rows(db) == []


def test_rollback_after_a_repeated_enqueue_leaves_nothing_either(db):
    with pytest.raises(RuntimeError):
        with db.unit_of_work() as session:
            add(session)
            add(session)
            raise RuntimeError("rolled back")
    assert rows(db) == []


def test_two_transactions_racing_on_one_key_both_commit_with_one_row(db):
    first_written, errors = threading.Event(), []

    def second():
        try:
            first_written.wait(5)
            with db.unit_of_work() as session:
                add(session)  # waits for the first transaction's lock (row lock, or SQLite's writer)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    thread = threading.Thread(target=second)
    thread.start()
    with db.unit_of_work() as session:
        add(session)
        first_written.set()
        thread.join(0.5)  # let the second one block on us before we commit
    thread.join(30)
    assert errors == [] and len(rows(db)) == 1


def test_notify_member_writes_no_sms_for_an_event_without_an_sms_text(db):
    # the welcome has no member_activated.sms.txt; codes do (tests/integration/test_notify_sms.py)
    with db.unit_of_work() as session:
        notify_member(session, "member:7:activated", "budi@example.id", "+6281234567890",
                      "member_activated", dict(name="Budi", username="budi", role="SELLER"))
        notify_member(session, "member:8:activated", None, "+6281234567891",
                      "member_activated", dict(name="Ani", username="ani", role="BUYER"))
    assert [(row.channel, row.recipient) for row in rows(db)] == [("EMAIL", "budi@example.id")]


def test_unknown_templates_and_channels_fail_in_the_use_case(db):
    with db.unit_of_work() as session:
        with pytest.raises(ValueError):
            enqueue(session, event_key="e", channel=EMAIL, recipient="a@b.id", template="nope", data={})
        with pytest.raises(ValueError):
            enqueue(session, event_key="e", channel="FAX", recipient="a@b.id",
                    template="member_activation", data={})
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 0
