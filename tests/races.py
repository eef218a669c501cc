"""Running one call from several threads at once, for tests of races."""
from __future__ import annotations

import threading
from typing import Callable


def at_once(count: int, attempt: Callable[[int], object]) -> list:
    """What `attempt(i)` gave for each i < count, run in threads released together; an exception it
    raised is its outcome."""
    outcomes: list = [None] * count
    start = threading.Barrier(count)

    def run(i: int) -> None:
        start.wait()
        try:
            outcomes[i] = attempt(i)
        except Exception as error:  # noqa: BLE001 - the error is the outcome
            outcomes[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
