"""The circuit breaker per partner endpoint: opens after consecutive failures, skips without a
call, lets one trial through after the cool-down, closes on success; its state in the metrics."""
import time
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from adapters.breaker import CircuitBreaker, breaker_for, forget_breakers, observe_circuits
from adapters.courier import ZeepCourierAdapter
from adapters.errors import BadPartnerResponse, CircuitOpen, PartnerRejected, PartnerUnavailable
from tests.unit.canned_partners import COURIER_NS, Reply, replies, soap  # noqa: F401  (replies: a fixture)

ROOT = Path(__file__).resolve().parents[2]
COURIER_WSDL = str(ROOT / "wsdl/partners/courier.wsdl")
URL = "http://courier.test/partners/courier/jne"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def breaker(clock):
    return CircuitBreaker("courier:jne", URL, failures_to_open=3, cool_down=30, clock=clock)


def attempt(breaker: CircuitBreaker, raised: BaseException | None = None) -> list[str]:
    """One call through the breaker; the list says whether the call itself ran."""
    ran = []
    with breaker.guarding():
        ran.append("called")
        if raised is not None:
            raise raised
    return ran


def fail(breaker: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(PartnerUnavailable):
            attempt(breaker, PartnerUnavailable("courier:jne", "timed out"))


def test_it_opens_after_the_threshold_of_failures_in_a_row_and_then_skips_without_calling(breaker):
    fail(breaker, 2)
    assert not breaker.is_open
    assert attempt(breaker) == ["called"]  # a success in between: the count starts again
    fail(breaker, 2)
    assert not breaker.is_open
    fail(breaker)
    assert breaker.is_open
    ran = []
    with pytest.raises(CircuitOpen, match="courier:jne: skipped: 3 failures in a row, tried again in 30 s"):
        with breaker.guarding():
            ran.append("called")
    assert ran == []  # the partner was not called


@pytest.mark.parametrize("answer", [None, PartnerRejected("courier:jne", "unknown city", "Client.UnknownCity"),
                                    BadPartnerResponse("courier:jne", "garbage")])
def test_any_answer_of_the_partner_counts_as_up(breaker, answer):
    fail(breaker, 2)
    if answer is None:
        attempt(breaker)
    else:
        with pytest.raises(type(answer)):
            attempt(breaker, answer)
    fail(breaker, 2)
    assert not breaker.is_open


def test_after_the_cool_down_one_trial_goes_through_and_its_success_closes(breaker, clock):
    fail(breaker, 3)
    clock.now += 29.9
    with pytest.raises(CircuitOpen):
        attempt(breaker)
    clock.now += 0.2
    with breaker.guarding():  # the trial, still running ...
        with pytest.raises(CircuitOpen):  # ... while every other call is still skipped
            attempt(breaker)
    assert not breaker.is_open
    assert attempt(breaker) == ["called"]
    fail(breaker, 2)
    assert not breaker.is_open  # closed with its count at zero


def test_a_failed_trial_opens_it_for_another_cool_down(breaker, clock):
    fail(breaker, 3)
    clock.now += 31
    fail(breaker)  # the trial
    assert breaker.is_open
    with pytest.raises(CircuitOpen, match="tried again in 30 s"):
        attempt(breaker)
    clock.now += 31
    assert attempt(breaker) == ["called"]
    assert not breaker.is_open


def test_observers_are_told_when_it_opens_and_closes(breaker, clock):
    seen = []
    observe_circuits(lambda *args: seen.append(args))
    fail(breaker, 3)
    clock.now += 31
    attempt(breaker)
    (partner, url, open_until), closed = [s for s in seen if s[1] == URL][-2:]
    assert (partner, url) == ("courier:jne", URL) and open_until > 0
    assert closed == ("courier:jne", URL, 0.0)


def test_the_metrics_show_until_when_an_endpoint_is_skipped(breaker, clock):
    import emall_ws.partners  # noqa: F401  (wires the breakers to the metrics)

    labels = {"partner": "courier:jne"}
    fail(breaker, 3)
    shown = REGISTRY.get_sample_value("emall_partner_circuit_open_until_timestamp_seconds", labels)
    assert time.time() + 25 < shown <= time.time() + 30
    clock.now += 31
    attempt(breaker)
    assert REGISTRY.get_sample_value("emall_partner_circuit_open_until_timestamp_seconds", labels) == 0


# --- in the adapters: a request's policy --------------------------------------------------------

@pytest.fixture
def fresh_breakers():
    forget_breakers()
    yield
    forget_breakers()


def in_request() -> ZeepCourierAdapter:
    return ZeepCourierAdapter("jne", URL, retries=0, breaker=True, wsdl=COURIER_WSDL)


def test_an_endpoint_failing_in_requests_is_skipped_without_a_request(replies, fresh_breakers):  # noqa: F811
    import emall_ws.partners  # noqa: F401  (wires the adapters to the metrics)

    labels = {"partner": "courier:jne", "operation": "getTariff", "outcome": "circuit_open"}
    skipped_before = REGISTRY.get_sample_value("emall_partner_calls_total", labels) or 0.0
    replies.extend([Reply(503, b"<html/>")] * 5)
    for _ in range(5):  # each a request's single attempt, no retry
        with pytest.raises(PartnerUnavailable) as failed:
            in_request().get_tariff("31.74", "32.73", 1000)
        assert not isinstance(failed.value, CircuitOpen)
    assert len(replies.posted) == 5 and breaker_for("courier:jne", URL).is_open
    with pytest.raises(CircuitOpen):
        in_request().get_tariff("31.74", "32.73", 1000)
    assert len(replies.posted) == 5  # nothing sent
    assert REGISTRY.get_sample_value("emall_partner_calls_total", labels) == skipped_before + 1


def test_the_worker_policy_has_no_breaker_and_retries(replies, fresh_breakers):  # noqa: F811
    replies.extend([Reply(503, b"<html/>")] * 6 + [soap(COURIER_NS, "getTariff", "<t:options/>")])
    worker = ZeepCourierAdapter("jne", URL, retries=6, backoff=0, wsdl=COURIER_WSDL)
    assert worker.get_tariff("31.74", "32.73", 1000) == []
    assert len(replies.posted) == 7
