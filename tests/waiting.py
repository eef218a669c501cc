"""Waiting for what a server does in the background (its worker, its dispatcher), up to a deadline."""
from __future__ import annotations

import time
from typing import Callable, TypeVar, Union

Seen = TypeVar("Seen")

# seconds the e2e server's background work may take (its dispatcher runs every 0.2 s, the payment
# reconcile and tracking polls every 1 s, the auction closing every 5 s)
DEADLINE = 30


def eventually(check: Callable[[], Seen], what: Union[str, Callable[[], str]], timeout: float = DEADLINE,
               interval: float = 0.2) -> Seen:
    """What `check()` returned once it was truthy, asked every `interval` seconds. Past `timeout`
    seconds the test fails, naming `what` was waited for (a callable `what` is asked then, so that it
    can tell the state things were left in)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout}s: {what() if callable(what) else what}")
        time.sleep(interval)
