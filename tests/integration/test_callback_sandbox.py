"""The callback receiver sandbox (/partners/callbacks): an inbox records each POST and lists it, checks
signatures on request, answers as its behaviour says (failures counted down, a delay), and only loopback
callers may steer or empty it."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from emall_ws.hooks.signature import signature
from emall_ws.sandbox import callback_store
from emall_ws.sandbox.callback_store import CallbackBehaviour, CallbackReceived
from emall_ws.sandbox.callbacks import MAX_CALLBACK_BYTES
from emall_ws.sandbox.server import create_sandbox_app
from tests.races import at_once
from tests.wsgi_client import call

SECRET = "rahasia-langganan-callback-0123"
OUTSIDER = "203.0.113.9"


@pytest.fixture
def sandbox(tmp_path):
    app = create_sandbox_app("http://sandbox.test", f"sqlite:///{tmp_path / 'sandbox.db'}")
    yield app
    app.db.dispose()


def json_call(app, method: str, path: str, document=None, remote_addr: str = "127.0.0.1", query: str = ""):
    answer = call(app, method, "/partners/callbacks" + path,
                  json.dumps(document).encode() if document is not None else b"",
                  content_type="application/json", remote_addr=remote_addr, query=query)
    return answer.status, json.loads(answer.body)


def deliver(app, inbox: str, event: dict | None = None, *, secret: str = SECRET, event_id: str = "evt-1",
            body: bytes | None = None, remote_addr: str = "198.51.100.7"):
    """POSTs an event signed as the platform's worker signs it (from anywhere: anyone may POST)."""
    body = body if body is not None else json.dumps(event or {"orderId": 42}, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    answer = call(app, "POST", f"/partners/callbacks/{inbox}", body, content_type="application/json",
                  remote_addr=remote_addr, headers={
                      "X-Emall-Timestamp": timestamp, "X-Emall-Signature": signature(secret, timestamp, body),
                      "X-Emall-Event-Id": event_id, "X-Emall-Event-Type": "order.paid",
                      "X-Emall-Subscription": "sub-7"})
    return answer.status, json.loads(answer.body)


def listed(app, inbox: str, secret: str | None = None) -> list[dict]:
    status, answer = json_call(app, "GET", f"/{inbox}", query=f"secret={secret}" if secret is not None else "")
    assert status == 200 and answer["inbox"] == inbox, answer
    return answer["received"]


def stored(app) -> tuple[int, int]:
    """(requests recorded, behaviours set), over every inbox."""
    with app.db.unit_of_work() as session:
        return (session.scalar(select(func.count()).select_from(CallbackReceived)) or 0,
                session.scalar(select(func.count()).select_from(CallbackBehaviour)) or 0)


def test_a_post_is_recorded_and_listed_oldest_first(sandbox):
    assert listed(sandbox, "toko-1") == []  # an inbox exists once used: reading first is no error
    first = deliver(sandbox, "toko-1", {"orderId": 1}, event_id="evt-1")
    second = deliver(sandbox, "toko-1", {"orderId": 2}, event_id="evt-2")
    assert first[0] == second[0] == 200 and second[1]["received"] > first[1]["received"]
    older, newer = listed(sandbox, "toko-1")
    assert (older["id"], newer["id"]) == (first[1]["received"], second[1]["received"])
    assert (older["eventId"], newer["eventId"]) == ("evt-1", "evt-2")
    assert json.loads(older["body"]) == {"orderId": 1}
    assert (older["answeredStatus"], older["eventType"], older["subscription"], older["contentType"]) == (
        200, "order.paid", "sub-7", "application/json")
    assert older["signature"] == signature(SECRET, older["timestamp"], older["body"].encode())
    assert older["receivedAt"].endswith("+07:00")
    assert "signatureValid" not in older  # only asked for with a secret


def test_a_listing_holds_the_newest_requests_oldest_first(sandbox, monkeypatch):
    monkeypatch.setattr(callback_store, "LISTED", 3)
    ids = [deliver(sandbox, "ramai", event_id=f"evt-{i}")[1]["received"] for i in range(5)]
    assert [row["id"] for row in listed(sandbox, "ramai")] == ids[2:]
    assert stored(sandbox)[0] == 5  # all kept: the listing is bounded, not the inbox


def test_the_signature_is_checked_with_the_secret_given_not_for_its_age(sandbox):
    deliver(sandbox, "toko-1")
    [genuine] = listed(sandbox, "toko-1", SECRET)
    assert genuine["signatureValid"] is True
    assert listed(sandbox, "toko-1", "rahasia-yang-salah-0000000")[0]["signatureValid"] is False
    # a body changed after signing: the signature of the original sent with another body
    timestamp = str(int(time.time()) - 3600)  # an hour old: stored deliveries are old, that is no fault
    original = b'{"amount":1000}'
    call(sandbox, "POST", "/partners/callbacks/toko-2", b'{"amount":9000}', content_type="application/json",
         headers={"X-Emall-Timestamp": timestamp, "X-Emall-Signature": signature(SECRET, timestamp, original)})
    call(sandbox, "POST", "/partners/callbacks/toko-2", original, content_type="application/json",
         headers={"X-Emall-Timestamp": timestamp, "X-Emall-Signature": signature(SECRET, timestamp, original)})
    call(sandbox, "POST", "/partners/callbacks/toko-2", original, content_type="application/json")  # unsigned
    assert [entry["signatureValid"] for entry in listed(sandbox, "toko-2", SECRET)] == [False, True, False]


def test_fail_times_answers_that_many_failures_then_200_each_recorded_with_its_status(sandbox):
    assert json_call(sandbox, "PUT", "/toko-1/behaviour", {"failTimes": 2, "failStatus": 503}) == (200, {
        "inbox": "toko-1", "behaviour": {"failTimes": 2, "failStatus": 503, "delayMs": 0}})
    answers = [deliver(sandbox, "toko-1", event_id=f"evt-{n}") for n in range(3)]
    assert [status for status, _ in answers] == [503, 503, 200]
    assert answers[0][1]["error"] == "FAILING_AS_TOLD"
    assert [(entry["eventId"], entry["answeredStatus"]) for entry in listed(sandbox, "toko-1")] == [
        ("evt-0", 503), ("evt-1", 503), ("evt-2", 200)]
    assert [entry["id"] for entry in listed(sandbox, "toko-1")] == [answer["received"] for _, answer in answers]


def test_failures_are_counted_down_once_across_processes_answering_at_once(sandbox, tmp_path):
    other = create_sandbox_app("http://sandbox.test", f"sqlite:///{tmp_path / 'sandbox.db'}")  # its own engine
    try:
        json_call(sandbox, "PUT", "/toko-1/behaviour", {"failTimes": 4})
        statuses = at_once(12, lambda i: deliver((sandbox, other)[i % 2], "toko-1", event_id=f"evt-{i}")[0])
        assert sorted(statuses) == [200] * 8 + [500] * 4
        assert sorted(entry["answeredStatus"] for entry in listed(other, "toko-1")) == [200] * 8 + [500] * 4
    finally:
        other.db.dispose()


def test_fail_times_minus_one_fails_always_until_reset(sandbox):
    json_call(sandbox, "PUT", "/toko-1/behaviour", {"failTimes": -1})
    assert [deliver(sandbox, "toko-1")[0] for _ in range(4)] == [500] * 4  # failStatus defaults to 500
    assert json_call(sandbox, "PUT", "/toko-1/behaviour", {})[0] == 200
    assert deliver(sandbox, "toko-1")[0] == 200
    assert [entry["answeredStatus"] for entry in listed(sandbox, "toko-1")] == [500] * 4 + [200]


def test_delay_ms_makes_the_answer_wait(sandbox):
    json_call(sandbox, "PUT", "/toko-1/behaviour", {"delayMs": 300})
    started = time.monotonic()
    assert deliver(sandbox, "toko-1")[0] == 200
    assert time.monotonic() - started >= 0.3


def test_steering_and_forgetting_answer_loopback_callers_only_and_change_nothing(sandbox):
    deliver(sandbox, "toko-1")
    json_call(sandbox, "PUT", "/toko-1/behaviour", {"failTimes": 1, "failStatus": 502})
    refused = (403, {"error": "SANDBOX_LOOPBACK_ONLY", "message": "sandbox-only: callers on this machine only"})
    assert json_call(sandbox, "PUT", "/toko-1/behaviour", {}, remote_addr=OUTSIDER) == refused
    assert json_call(sandbox, "DELETE", "/toko-1", remote_addr=OUTSIDER) == refused
    assert stored(sandbox) == (1, 1)
    assert deliver(sandbox, "toko-1")[0] == 502  # the failure told from this machine still stands
    # what anyone may do: POST (done above, from afar) and read
    assert json_call(sandbox, "GET", "/toko-1", remote_addr=OUTSIDER)[0] == 200
    assert json_call(sandbox, "DELETE", "/toko-1") == (200, {"inbox": "toko-1", "forgotten": 2})
    assert listed(sandbox, "toko-1") == [] and stored(sandbox) == (0, 0)
    assert deliver(sandbox, "toko-1")[0] == 200  # its behaviour forgotten too


def test_an_oversize_body_is_refused_and_not_recorded(sandbox):
    status, answer = deliver(sandbox, "toko-1", body=b"x" * (MAX_CALLBACK_BYTES + 1))
    assert (status, answer["error"]) == (413, "REQUEST_TOO_LARGE")
    answer = call(sandbox, "POST", "/partners/callbacks/toko-1", b"y" * (MAX_CALLBACK_BYTES + 1),
                  content_length=False)  # no Content-Length: the body itself tells
    assert answer.status == 413
    assert stored(sandbox) == (0, 0)
    assert deliver(sandbox, "toko-1", body=b"z" * MAX_CALLBACK_BYTES)[0] == 200  # the limit itself is fine


def test_inboxes_are_separate(sandbox):
    json_call(sandbox, "PUT", "/toko-a/behaviour", {"failTimes": -1, "failStatus": 410})
    deliver(sandbox, "toko-a", event_id="for-a")
    deliver(sandbox, "toko-b", event_id="for-b")
    assert [(e["eventId"], e["answeredStatus"]) for e in listed(sandbox, "toko-a")] == [("for-a", 410)]
    assert [(e["eventId"], e["answeredStatus"]) for e in listed(sandbox, "toko-b")] == [("for-b", 200)]
    json_call(sandbox, "DELETE", "/toko-b")
    assert len(listed(sandbox, "toko-a")) == 1


@pytest.mark.parametrize("path, status, code", [
    ("/bad.name", 400, "INVALID_INBOX"),
    ("/" + "x" * 61, 400, "INVALID_INBOX"),
    ("/toko-1/other", 404, "NOT_FOUND"),
    ("/toko-1/behaviour/more", 404, "NOT_FOUND"),
    ("", 404, "NOT_FOUND"),
])
def test_a_bad_inbox_or_path_is_refused(sandbox, path, status, code):
    answer_status, answer = json_call(sandbox, "POST", path, {"a": 1})
    assert (answer_status, answer["error"]) == (status, code)
    assert stored(sandbox) == (0, 0)


def test_a_wrong_method_is_405(sandbox):
    answer = call(sandbox, "PATCH", "/partners/callbacks/toko-1")
    assert (answer.status, json.loads(answer.body)["error"], answer.headers["Allow"]) == (
        405, "METHOD_NOT_ALLOWED", "POST, GET, DELETE")
    assert json_call(sandbox, "GET", "/toko-1/behaviour")[0] == 405


@pytest.mark.parametrize("document, code", [
    ({"failTimes": -2}, "INVALID_BEHAVIOUR"),
    ({"failTimes": "2"}, "INVALID_BEHAVIOUR"),
    ({"failTimes": True}, "INVALID_BEHAVIOUR"),
    ({"failTimes": 1.5}, "INVALID_BEHAVIOUR"),
    ({"failStatus": 200}, "INVALID_BEHAVIOUR"),
    ({"failStatus": 600}, "INVALID_BEHAVIOUR"),
    ({"delayMs": -1}, "INVALID_BEHAVIOUR"),
    ({"delayMs": 120_001}, "INVALID_BEHAVIOUR"),
    ({"failtimes": 2}, "INVALID_BEHAVIOUR"),  # misspelt: not silently a reset
    ([1, 2], "INVALID_JSON"),
])
def test_bad_behaviour_values_are_refused_and_change_nothing(sandbox, document, code):
    json_call(sandbox, "PUT", "/toko-1/behaviour", {"failTimes": 1, "failStatus": 502})
    status, answer = json_call(sandbox, "PUT", "/toko-1/behaviour", document)
    assert (status, answer["error"]) == (400, code)
    answer = call(sandbox, "PUT", "/partners/callbacks/toko-1/behaviour", b"{not json")
    assert (answer.status, json.loads(answer.body)["error"]) == (400, "INVALID_JSON")
    assert deliver(sandbox, "toko-1")[0] == 502 and deliver(sandbox, "toko-1")[0] == 200
