"""Who is told of each partner call: the platform counts them (its metrics); the adapters know
nothing of how. Free of zeep, so that wiring an observer loads no SOAP client."""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator

from adapters.errors import BadPartnerResponse, CircuitOpen, PartnerRejected, PartnerUnavailable

# (partner, operation, outcome, seconds) after every attempt of a partner call; outcome: ok,
# rejected, unavailable, circuit_open (skipped without a call), bad_response, or error (anything
# else: a bug)
CallObserver = Callable[[str, str, str, float], None]
_observers: list[CallObserver] = []
_OUTCOMES = {PartnerRejected: "rejected", PartnerUnavailable: "unavailable", CircuitOpen: "circuit_open",
             BadPartnerResponse: "bad_response"}


def observe_calls(observer: CallObserver) -> None:
    """Has `observer` told of every partner call attempt of this process (once, however often asked)."""
    if observer not in _observers:
        _observers.append(observer)


@contextmanager
def observed(partner: str, operation: str) -> Iterator[None]:
    """Around one attempt: tells every observer how it ended and how long it took."""
    started, outcome = time.monotonic(), "ok"
    try:
        yield
    except BaseException as error:
        outcome = _OUTCOMES.get(type(error), "error")
        raise
    finally:
        for observer in _observers:
            observer(partner, operation, outcome, time.monotonic() - started)
