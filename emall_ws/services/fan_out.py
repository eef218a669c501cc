"""Asking several partners at once, within one deadline, on a bounded pool of this process.

A question still running at the deadline is left to finish on its own (its partner call has the
same deadline, so its thread is soon free again); one not begun yet is never begun.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Callable, Hashable, Mapping, TypeVar

THREADS = 32  # partner calls in flight per process: 4 full quotes (7 couriers each) at once, and some
K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:  # made on first use, in the process that uses it (after any fork)
        if _pool is None:
            _pool = ThreadPoolExecutor(THREADS, thread_name_prefix="emall-partner-call")
        return _pool


def ask_all(questions: Mapping[K, Callable[[], T]], within: float) -> dict[K, Future[T]]:
    """The questions that finished within `within` seconds, each with its future (answer or error);
    the others are missing."""
    pool = _executor()
    futures = {key: pool.submit(ask) for key, ask in questions.items()}
    done, late = wait(futures.values(), timeout=within)
    for future in late:
        future.cancel()
    return {key: future for key, future in futures.items() if future in done}
