"""A reader follows a member's change feed with its cursor while writers commit: every event it was given
along the way, in order, to hold against the whole feed read afterwards (nothing skipped or repeated)."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    """One reading of the feed: its events' ids, the cursor to continue from, whether more are there now."""
    event_ids: list[int]
    cursor: str
    has_more: bool


def follow_while(write: Callable[[], T], read_page: Callable[[str | None], Page],
                 start: str | None = None) -> tuple[T, list[int]]:
    """Runs `write()` while a reader reads the feed page by page (`read_page(cursor)`) from `start`, and
    on after `write` ended until a page has no more: what `write` answered, and the ids the reader was
    given, in order. An error of the reader's is raised here."""
    done = threading.Event()
    followed: list[int] = []
    failed: list[Exception] = []

    def follow() -> None:
        cursor = start
        try:
            while True:
                finished = done.is_set()  # one more reading after the writers ended: their last commits too
                page = read_page(cursor)
                followed.extend(page.event_ids)
                cursor = page.cursor
                if finished and not page.has_more:
                    return
        except Exception as error:  # noqa: BLE001 - raised again in the test's thread
            failed.append(error)

    reader = threading.Thread(target=follow)
    reader.start()
    try:
        written = write()
    finally:
        done.set()
        reader.join()
    if failed:
        raise failed[0]
    return written, followed
