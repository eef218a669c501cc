"""The message limits' counter against the database (SQLite, MariaDB): exact, windowed, atomic."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from emall_ws.db.models import LimitCount
from emall_ws.domain.errors import TooManyRequests
from emall_ws.services import limits
from emall_ws.services.limits import DAY, HOUR, MessageLimits
from tests.races import at_once

NOW = datetime(2026, 11, 28, 3, 20, 0)  # 10:20 WIB
LIMITS = MessageLimits(per_target=((HOUR, 3), (DAY, 5)), per_client=((HOUR, 4),))
PHONE, EMAIL = "+6285700000001", "siti@example.co.id"


def message(db, now=NOW, phone=PHONE, email=EMAIL, limits_=LIMITS) -> str:
    """"ok", or the code of the refusal (its unit of work rolled back, as a request's is)."""
    try:
        with db.unit_of_work() as session:
            limits.take_messages(session, limits.RESET, phone, email, now, limits_)
        return "ok"
    except TooManyRequests as refused:
        return refused.code


def request(db, client, now=NOW) -> str:
    try:
        with db.unit_of_work() as session:
            limits.take_request(session, client, now, LIMITS)
        return "ok"
    except TooManyRequests as refused:
        return f"{refused.code} {refused.params['minutes']}"


def counts(db) -> list:
    """(kind, window seconds, count) of every window row."""
    with db.unit_of_work() as session:
        return sorted((row.kind, row.window_seconds, row.count) for row in session.scalars(select(LimitCount)))


def test_the_limit_is_reached_at_exactly_n(db):
    assert [request(db, "198.51.100.1") for _ in range(5)] == ["ok"] * 4 + ["TOO_MANY_REQUESTS 40"]
    assert request(db, "198.51.100.2") == "ok"  # another client has its own count
    assert counts(db) == [("CLIENT", 3600, 1), ("CLIENT", 3600, 4)]  # the refusal counted nothing


def test_a_window_ends_on_the_hour_and_the_day_caps_the_hours(db):
    assert [message(db) for _ in range(4)] == ["ok"] * 3 + ["TOO_MANY_MESSAGES"]
    next_hour = NOW.replace(minute=0) + HOUR
    assert message(db, next_hour - timedelta(microseconds=1)) == "TOO_MANY_MESSAGES"
    assert [message(db, next_hour) for _ in range(3)] == ["ok"] * 2 + ["TOO_MANY_MESSAGES"]  # 5 a day
    assert message(db, next_hour + 5 * HOUR) == "TOO_MANY_MESSAGES"
    assert message(db, datetime(2026, 11, 29)) == "ok"  # the next UTC day


def test_a_refusal_undoes_the_counts_the_same_call_raised(db):
    assert [message(db, email=f"u{i}@example.co.id") for i in range(3)] == ["ok"] * 3
    before = counts(db)
    # the phone is spent: the fresh address's count, raised just before, goes back
    assert message(db, phone=PHONE, email="fresh@example.co.id") == "TOO_MANY_MESSAGES"
    with db.unit_of_work() as session:
        limits.take_request(session, "198.51.100.1", NOW, LIMITS)
        with pytest.raises(TooManyRequests):
            limits.take_messages(session, limits.RESET, PHONE, "other@example.co.id", NOW, LIMITS)
        # committed, as a reset request that answers alike is: its client count stays, no other
    assert counts(db) == sorted([*before, ("CLIENT", 3600, 1)])


def test_only_hashes_are_stored(db):
    message(db)
    request(db, "198.51.100.1")
    with db.unit_of_work() as session:
        stored = " ".join(f"{row.kind} {row.key_hash}" for row in session.scalars(select(LimitCount)))
    for value in (PHONE, "85700000001", EMAIL, "198.51.100.1"):
        assert value not in stored


@pytest.mark.parametrize("workers", [8])
def test_concurrent_requests_never_pass_the_limit(db, workers):
    outcomes = at_once(workers, lambda _i: request(db, "198.51.100.1"))
    assert sorted(outcomes) == ["TOO_MANY_REQUESTS 40"] * (workers - 4) + ["ok"] * 4
    assert counts(db) == [("CLIENT", 3600, 4)]


def test_windows_are_forgotten_once_a_day_old(db):
    message(db)  # a phone and an address, each an hour window (03:00) and a day window (00:00)
    request(db, "198.51.100.1", now=NOW + HOUR)  # an hour window (04:00)
    day_start = limits.window_start(NOW, DAY)
    assert limits.forget_old(db, day_start + DAY - timedelta(microseconds=1)) == 0
    assert limits.forget_old(db, day_start + DAY) == 2  # the day windows; the hour windows started later
    assert limits.forget_old(db, NOW + HOUR + DAY) == 3
    assert counts(db) == []


def test_windows_are_aligned_to_utc():
    assert limits.window_start(NOW, HOUR) == datetime(2026, 11, 28, 3, 0)
    assert limits.window_start(NOW, DAY) == datetime(2026, 11, 28)
    assert limits.window_start(datetime(2026, 11, 28, 4), HOUR) == datetime(2026, 11, 28, 4)
