"""Delivery reports: which SMS are asked about, what is stored, and that it only moves forward."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from emall_ws.clock import utcnow
from emall_ws.db.models import Notification
from emall_ws.notify.sms_status import PollStats, SmsStatusPoller
from tests.sms import FakeGateway

NOW = utcnow().replace(microsecond=0)


def sent_sms(db, count, *, sent_at=None, channel="SMS", status="SENT", delivery_status=None,
             step=timedelta(seconds=1)):
    """SENT SMS rows with gateway ids MSG0001..., the oldest first; returns their ids."""
    start = sent_at or NOW - timedelta(hours=1)
    with db.unit_of_work() as session:
        first = session.query(Notification).count()
        added = [Notification(event_key=f"event:{first + n}", channel=channel,
                              recipient=f"+62812345{first + n:05d}", template="member_activation",
                              data="{}", status=status, attempts=1, next_attempt_at=start,
                              provider_id=f"MSG{first + n + 1:04d}", delivery_status=delivery_status,
                              created_at=start, sent_at=start + step * n)
                 for n in range(count)]
        session.add_all(added)
        session.flush()
        return [row.id for row in added]


def gateway_knowing(db, status="ACCEPTED"):
    gateway = FakeGateway()
    with db.unit_of_work() as session:
        for provider_id in session.scalars(select(Notification.provider_id)):
            gateway.statuses[provider_id] = status
    return gateway


def delivery(db):
    with db.unit_of_work() as session:
        return dict(session.execute(select(Notification.provider_id, Notification.delivery_status)
                                    .order_by(Notification.id)).all())


def test_delivered_is_stored_and_a_final_status_is_not_asked_about_again(db):
    sent_sms(db, 2)
    gateway = gateway_knowing(db, "DELIVERED")
    gateway.statuses["MSG0002"] = "SENT"
    poller = SmsStatusPoller(db, gateway)
    assert poller.run_once(NOW) == PollStats(asked=2, updated=2)
    assert delivery(db) == {"MSG0001": "DELIVERED", "MSG0002": "SENT"}
    gateway.statuses["MSG0002"] = "FAILED"
    assert poller.run_once(NOW) == PollStats(asked=1, updated=1)
    assert gateway.status_calls == ["MSG0001", "MSG0002", "MSG0002"]
    assert delivery(db) == {"MSG0001": "DELIVERED", "MSG0002": "FAILED"}
    assert poller.run_once(NOW) == PollStats()


def test_an_unchanged_status_is_not_written_again(db):
    sent_sms(db, 1, delivery_status="ACCEPTED")
    assert SmsStatusPoller(db, gateway_knowing(db, "ACCEPTED")).run_once(NOW) == PollStats(asked=1)


def test_only_sent_sms_with_a_gateway_id_from_the_last_two_days_are_asked_about(db):
    sent_sms(db, 1, sent_at=NOW - timedelta(days=2, seconds=1))  # too old: MSG0001
    sent_sms(db, 1, sent_at=NOW - timedelta(days=2))  # just in: MSG0002
    sent_sms(db, 1, channel="EMAIL")  # MSG0003
    sent_sms(db, 1, status="PENDING")  # MSG0004
    sent_sms(db, 1, status="FAILED")  # MSG0005
    sent_sms(db, 1, delivery_status="DELIVERED")  # MSG0006
    sent_sms(db, 1, delivery_status="FAILED")  # MSG0007
    sent_sms(db, 1, delivery_status="SENT")  # MSG0008: may still change
    ids = sent_sms(db, 2)  # MSG0009, MSG0010: no gateway id
    with db.unit_of_work() as session:
        session.execute(update(Notification).where(Notification.id == ids[0]).values(provider_id=None))
        session.execute(update(Notification).where(Notification.id == ids[1]).values(provider_id=""))
    gateway = gateway_knowing(db, "DELIVERED")
    SmsStatusPoller(db, gateway).run_once(NOW)
    assert gateway.status_calls == ["MSG0002", "MSG0008"]


def test_a_round_is_bounded_oldest_first_and_the_next_one_carries_on_after_it(db):
    sent_sms(db, 5)
    gateway = gateway_knowing(db, "SENT")  # not final: every row stays to be asked about
    poller = SmsStatusPoller(db, gateway, batch_size=2)
    for _ in range(3):
        poller.run_once(NOW)
    assert gateway.status_calls == ["MSG0001", "MSG0002", "MSG0003", "MSG0004", "MSG0005"]
    poller.run_once(NOW)  # the end was reached: starts over
    assert gateway.status_calls[5:] == ["MSG0001", "MSG0002"]


def test_rows_sent_in_the_same_instant_are_each_asked_about_once_per_turn(db):
    sent_sms(db, 5, step=timedelta(0))  # equal sent_at: the id breaks the tie
    gateway = gateway_knowing(db, "SENT")
    poller = SmsStatusPoller(db, gateway, batch_size=2)
    for _ in range(3):
        poller.run_once(NOW)
    assert sorted(gateway.status_calls) == ["MSG0001", "MSG0002", "MSG0003", "MSG0004", "MSG0005"]


def test_the_gateway_down_ends_the_round_and_the_next_one_resumes_where_it_stopped(db):
    sent_sms(db, 4)
    gateway = gateway_knowing(db, "DELIVERED")

    def fail_on_third(message_id):
        gateway.down = message_id == "MSG0003" and len(gateway.status_calls) == 3

    gateway.on_status = fail_on_third
    poller = SmsStatusPoller(db, gateway, batch_size=4)
    assert poller.run_once(NOW) == PollStats(asked=2, updated=2, stopped=True)
    assert delivery(db) == {"MSG0001": "DELIVERED", "MSG0002": "DELIVERED", "MSG0003": None,
                            "MSG0004": None}  # what was learnt before the failure is kept
    assert poller.run_once(NOW) == PollStats(asked=2, updated=2)
    assert set(delivery(db).values()) == {"DELIVERED"}


def test_an_id_the_gateway_does_not_know_is_skipped_and_the_others_go_on(db):
    sent_sms(db, 3)
    gateway = gateway_knowing(db, "DELIVERED")
    del gateway.statuses["MSG0002"]  # e.g. a sandbox restarted since
    assert SmsStatusPoller(db, gateway).run_once(NOW) == PollStats(asked=2, updated=2, errors=1)
    assert delivery(db) == {"MSG0001": "DELIVERED", "MSG0002": None, "MSG0003": "DELIVERED"}


@pytest.mark.parametrize("stored, late_answer", [("DELIVERED", "SENT"), ("SENT", "ACCEPTED"),
                                                  ("FAILED", "DELIVERED")])
def test_a_late_answer_never_moves_a_status_back(db, stored, late_answer):
    """Two workers ask at once (no claim): one stores a later status while the other's older
    answer is still on its way; the older one must not overwrite it."""
    sent_sms(db, 1)
    gateway = gateway_knowing(db, late_answer)

    def other_worker_first(_message_id):
        with db.unit_of_work() as session:
            session.execute(update(Notification).values(delivery_status=stored))

    gateway.on_status = other_worker_first
    assert SmsStatusPoller(db, gateway).run_once(NOW).updated == 0
    assert delivery(db) == {"MSG0001": stored}


def test_two_pollers_over_the_same_rows_store_the_same_result(db):
    sent_sms(db, 6)
    gateway = gateway_knowing(db, "DELIVERED")
    first, second = SmsStatusPoller(db, gateway, batch_size=4), SmsStatusPoller(db, gateway, batch_size=4)
    updated = first.run_once(NOW).updated + second.run_once(NOW).updated
    updated += first.run_once(NOW).updated + second.run_once(NOW).updated
    assert updated == 6 and set(delivery(db).values()) == {"DELIVERED"}


def test_a_slow_gateway_ends_the_round_at_its_time_budget_and_the_next_resumes(db):
    sent_sms(db, 4)
    gateway, clock = gateway_knowing(db, "DELIVERED"), [0.0]

    def slow(_message_id):
        clock[0] += 8  # each answer takes 8 s of a 20 s budget

    gateway.on_status = slow
    poller = SmsStatusPoller(db, gateway, budget_seconds=20, monotonic=lambda: clock[0])
    assert poller.run_once(NOW) == PollStats(asked=3, updated=3, stopped=True)
    assert poller.run_once(NOW) == PollStats(asked=1, updated=1)
    assert gateway.status_calls == ["MSG0001", "MSG0002", "MSG0003", "MSG0004"]
