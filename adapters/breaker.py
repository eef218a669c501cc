"""A circuit breaker per partner endpoint, for the calls made inside a SOAP request.

After FAILURES_TO_OPEN calls in a row that found the partner unavailable (timeout, no connection,
HTTP 5xx, Server.* fault), the endpoint is open: calls fail at once with CircuitOpen, without
touching the network, for COOL_DOWN seconds. Then one trial call goes through (half-open; the
others still fail at once): its success closes the circuit, its failure opens it again.

The state is this process's own: each server worker learns of a dead partner by itself, at the
cost of FAILURES_TO_OPEN calls. Observers are told when an endpoint opens and closes (the
platform's metrics), so that the adapters know nothing of how that is shown.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from adapters.errors import CircuitOpen, PartnerUnavailable

FAILURES_TO_OPEN = 5  # few enough to stop waiting soon, more than a partner's passing hiccup
COOL_DOWN = 30.0  # seconds; long enough to spare the partner, short enough to notice it is back

# (partner, url, open_until) when an endpoint opens (open_until: Unix time) or closes (0.0)
CircuitObserver = Callable[[str, str, float], None]
_observers: list[CircuitObserver] = []


def observe_circuits(observer: CircuitObserver) -> None:
    if observer not in _observers:
        _observers.append(observer)


class CircuitBreaker:
    def __init__(self, partner: str, url: str, *, failures_to_open: int = FAILURES_TO_OPEN,
                 cool_down: float = COOL_DOWN, clock: Callable[[], float] = time.monotonic):
        self.partner, self.url = partner, url
        self.failures_to_open, self.cool_down = failures_to_open, cool_down
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._open_until: float | None = None  # None: closed
        self._trial_running = False

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    @contextmanager
    def guarding(self) -> Iterator[None]:
        """Around one call: refused at once while open; its outcome counted. Only
        PartnerUnavailable is a failure: any other answer, a refusal included, shows the partner is up."""
        trial = self._admit()
        try:
            yield
        except PartnerUnavailable:
            self._failed(trial)
            raise
        except BaseException:
            self._succeeded(trial)
            raise
        self._succeeded(trial)

    def _admit(self) -> bool:
        """Whether the call is the half-open trial; CircuitOpen when it may not go at all."""
        with self._lock:
            if self._open_until is None:
                return False
            left = self._open_until - self._clock()
            if left > 0 or self._trial_running:
                raise CircuitOpen(self.partner, f"skipped: {self._failures} failures in a row, "
                                                f"tried again in {max(left, 0):.0f} s")
            self._trial_running = True
            return True

    def _failed(self, trial: bool) -> None:
        with self._lock:
            self._failures += 1
            if trial:
                self._trial_running = False
            if not (trial or (self._open_until is None and self._failures >= self.failures_to_open)):
                return
            self._open_until = self._clock() + self.cool_down
            open_until = time.time() + self.cool_down
        self._tell(open_until)

    def _succeeded(self, trial: bool) -> None:
        with self._lock:
            self._failures = 0
            if trial:
                self._trial_running = False
            if self._open_until is None:
                return
            self._open_until = None
        self._tell(0.0)

    def _tell(self, open_until: float) -> None:
        for observer in _observers:
            observer(self.partner, self.url, open_until)


_breakers: dict[str, CircuitBreaker] = {}
_registry = threading.Lock()


def breaker_for(partner: str, url: str) -> CircuitBreaker:
    """The process's breaker of the endpoint at url."""
    breaker = _breakers.get(url)
    if breaker is None:
        with _registry:
            breaker = _breakers.setdefault(url, CircuitBreaker(partner, url))
    return breaker


def forget_breakers() -> None:
    """Every endpoint closed again (tests)."""
    with _registry:
        breakers = list(_breakers.values())
        _breakers.clear()
    for breaker in breakers:
        if breaker.is_open:
            breaker._tell(0.0)
