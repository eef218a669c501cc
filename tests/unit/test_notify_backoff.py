"""The dispatcher's retry delays."""
from datetime import timedelta

from emall_ws.notify.dispatcher import DispatchStats, backoff


def test_backoff_doubles_from_the_base_up_to_the_cap():
    delays = [backoff(n) for n in range(1, 9)]
    assert delays == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60)]
    # 7 waits between 8 attempts: about two hours of retries before a message is given up
    assert sum(delays[:7], timedelta()) == timedelta(minutes=123)


def test_backoff_takes_its_base_and_cap():
    assert backoff(1, timedelta(seconds=10), timedelta(seconds=35)) == timedelta(seconds=10)
    assert backoff(3, timedelta(seconds=10), timedelta(seconds=35)) == timedelta(seconds=35)


def test_backoff_of_no_failure_is_zero_and_of_huge_counts_is_the_cap():
    assert backoff(0) == timedelta(0)
    assert backoff(10_000) == timedelta(hours=1)


def test_stats_add_up():
    assert DispatchStats(1, 2, 3, 4, 10) + DispatchStats(1, 1, 1, 1, 4) == DispatchStats(2, 3, 4, 5, 14)
