"""Pushed mutations without a database: the signature contract, the payload's checks, the settings that
configure pushes, and the server's front answering a hook in JSON."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from emall_ws.config import Settings
from emall_ws.hooks.mutation_push import MalformedPush, parse_push
from emall_ws.hooks.signature import (BAD_SIGNATURE, BAD_TIMESTAMP, NO_SIGNATURE, STALE_TIMESTAMP, refusal,
                                      signature)
from emall_ws.services.payments import ReconcilePolicy
from emall_ws.serving.front import AsyncFront
from tests.unit.test_front import Headers, Protocol, Recorder, Scope

SECRET = "rahasia-bersama-moota-0123"
NOW = 1_796_000_000
BODY = json.dumps({"account": {"bank": "bca", "accountNumber": "0123456789"}, "mutations": [
    {"mutationId": "BCA26120700000042", "postedAt": "2026-12-07T14:03:00+07:00", "type": "CR", "amount": 150123,
     "description": "TRSF E-BANKING CR", "balance": 1150123}]}).encode()


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex():
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, str(NOW), BODY) == "sha256=" + expected


def test_a_genuine_fresh_push_is_accepted_within_the_window_either_way():
    for sent_at in (NOW, NOW - 300, NOW + 300):
        assert refusal(SECRET, str(sent_at), signature(SECRET, str(sent_at), BODY), BODY, NOW, 300) is None


@pytest.mark.parametrize("timestamp, signed, body, reason", [
    (None, None, BODY, NO_SIGNATURE),
    (str(NOW), None, BODY, NO_SIGNATURE),
    (None, "sha256=00", BODY, NO_SIGNATURE),
    (str(NOW), signature("another-secret-0123456", str(NOW), BODY), BODY, BAD_SIGNATURE),
    (str(NOW), signature(SECRET, str(NOW), BODY), BODY + b" ", BAD_SIGNATURE),  # body changed after signing
    (str(NOW), signature(SECRET, str(NOW - 1), BODY), BODY, BAD_SIGNATURE),  # timestamp changed
    (str(NOW), signature(SECRET, str(NOW), BODY).upper(), BODY, BAD_SIGNATURE),
    (str(NOW), signature(SECRET, str(NOW), BODY)[len("sha256="):], BODY, BAD_SIGNATURE),  # no scheme
    ("soon", "sha256=00", BODY, BAD_TIMESTAMP),
    ("-5", "sha256=00", BODY, BAD_TIMESTAMP),
    ("9" * 30, "sha256=00", BODY, BAD_TIMESTAMP),
    (str(NOW - 301), signature(SECRET, str(NOW - 301), BODY), BODY, STALE_TIMESTAMP),
    (str(NOW + 301), signature(SECRET, str(NOW + 301), BODY), BODY, STALE_TIMESTAMP),
])
def test_a_push_that_is_not_genuine_or_not_fresh_is_refused_with_its_reason(timestamp, signed, body, reason):
    assert refusal(SECRET, timestamp, signed, body, NOW, 300) == reason


def test_a_push_is_read_into_the_bank_code_account_and_aware_mutations():
    push = parse_push(BODY)
    assert (push.bank, push.account) == ("bca", "0123456789")
    [mutation] = push.mutations
    assert (mutation.mutation_id, mutation.type, mutation.amount, mutation.balance) == (
        "BCA26120700000042", "CR", 150123, 1150123)
    assert mutation.posted_at.utcoffset() == timedelta(hours=7) and mutation.posted_at.hour == 14


def _with(**changes):
    document = json.loads(BODY)
    for key, value in changes.items():
        if key in document["mutations"][0] or key == "extra":
            document["mutations"][0][key] = value
        else:
            document[key] = value
    return json.dumps(document).encode()


@pytest.mark.parametrize("body, code", [
    (b"", "INVALID_JSON"), (b"{not json", "INVALID_JSON"), (b"\xff\xfe", "INVALID_JSON"),
    (b"[]", "INVALID_PUSH"), (b"{}", "INVALID_PUSH"),
    (_with(account={"bank": "bcx", "accountNumber": "0123456789"}), "UNKNOWN_BANK"),
    (_with(account={"bank": "bca", "accountNumber": "12345"}), "INVALID_ACCOUNT_NUMBER"),
    (_with(account={"bank": "bca", "accountNumber": 123456789}), "INVALID_ACCOUNT_NUMBER"),
    (_with(mutations=[]), "INVALID_PUSH"), (_with(mutations="BCA1"), "INVALID_PUSH"),
    (_with(mutations=[{"mutationId": "x"}]), "INVALID_MUTATION"),
    (_with(type="XX"), "INVALID_MUTATION"), (_with(amount=0), "INVALID_MUTATION"),
    (_with(amount=1.5), "INVALID_MUTATION"), (_with(amount="150123"), "INVALID_MUTATION"),
    (_with(amount=True), "INVALID_MUTATION"), (_with(balance=None), "INVALID_MUTATION"),
    (_with(postedAt="2026-12-07T14:03:00"), "INVALID_MUTATION"),  # no offset: whose time?
    (_with(postedAt="kemarin"), "INVALID_MUTATION"), (_with(mutationId=""), "INVALID_MUTATION"),
    (_with(mutationId="B" * 41), "INVALID_MUTATION"), (_with(description=None), "INVALID_MUTATION"),
])
def test_a_body_that_is_not_a_push_is_refused_naming_what_is_wrong(body, code):
    with pytest.raises(MalformedPush) as refused:
        parse_push(body)
    assert refused.value.code == code


def test_more_mutations_than_one_push_may_carry_are_refused():
    document = json.loads(BODY)
    document["mutations"] = document["mutations"] * 501
    with pytest.raises(MalformedPush, match="500"):
        parse_push(json.dumps(document).encode())


def test_pushes_are_off_by_default_and_every_account_is_read_each_round():
    settings = Settings.from_env({})
    assert settings.moota_secret is None and settings.pushed_accounts == frozenset()
    assert (settings.hook_timestamp_window, settings.push_fallback_interval) == (300, 3600)
    assert ReconcilePolicy.from_settings(settings).pushed == frozenset()


def test_pushed_accounts_are_bank_account_pairs_in_any_case_and_spacing():
    settings = Settings.from_env({"EMALL_MOOTA_SECRET": SECRET, "EMALL_PUSH_FALLBACK_INTERVAL": "600",
                                  "EMALL_PUSHED_ACCOUNTS": " BCA:0123456789 , bri : 012301000123456,,",
                                  "EMALL_HOOK_TIMESTAMP_WINDOW": "60"})
    assert settings.pushed_accounts == {("bca", "0123456789"), ("bri", "012301000123456")}
    assert (settings.moota_secret, settings.hook_timestamp_window) == (SECRET, 60)
    policy = ReconcilePolicy.from_settings(settings)
    assert policy.pushed == settings.pushed_accounts and policy.push_fallback == timedelta(minutes=10)


def test_pushed_accounts_without_the_secret_are_read_each_round_since_no_push_can_arrive():
    settings = Settings.from_env({"EMALL_PUSHED_ACCOUNTS": "bca:0123456789"})
    assert ReconcilePolicy.from_settings(settings).pushed == frozenset()


@pytest.mark.parametrize("value", ["bca", "bca:", "bcx:0123456789", "bca:012345678", "bca:01234567890",
                                   "mandiri:0123456789", "bca:01234a6789", "bca;0123456789"])
def test_a_pushed_account_that_cannot_be_one_is_refused_at_start(value):
    with pytest.raises(ValueError, match="EMALL_PUSHED_ACCOUNTS"):
        Settings.from_env({"EMALL_PUSHED_ACCOUNTS": value})


@pytest.mark.parametrize("name, value", [("EMALL_HOOK_TIMESTAMP_WINDOW", "0"), ("EMALL_HOOK_TIMESTAMP_WINDOW", "x"),
                                         ("EMALL_PUSH_FALLBACK_INTERVAL", "0"),
                                         ("EMALL_PUSH_FALLBACK_INTERVAL", "-1")])
def test_the_window_and_the_fallback_interval_are_positive_seconds(name, value):
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


def test_a_short_secret_is_refused_without_being_shown_and_a_secret_is_never_in_the_settings_repr():
    with pytest.raises(ValueError, match="EMALL_MOOTA_SECRET") as refused:
        Settings.from_env({"EMALL_MOOTA_SECRET": "pendek-sekali"})
    assert "pendek-sekali" not in str(refused.value)
    assert SECRET not in repr(Settings.from_env({"EMALL_MOOTA_SECRET": SECRET}))


def test_the_front_refuses_a_hook_body_over_the_limit_in_json_not_soap():
    protocol = Protocol([b"x" * 200])
    app = Recorder()
    front = AsyncFront(app, max_body_bytes=100, body_timeout=1)
    asyncio.run(front.__rsgi__(Scope(Headers({"content-length": "200"}), path="/hooks/mutations/moota"), protocol))
    [(status, headers, body)] = protocol.answers
    assert (status, headers["Content-Type"], json.loads(body)) == (413, "application/json",
                                                                   {"error": "REQUEST_TOO_LARGE"})
    assert app.calls == []


def test_the_front_hands_a_hook_its_whole_body_as_any_request():
    protocol = Protocol([BODY[:10], BODY[10:]])
    app = Recorder()
    asyncio.run(AsyncFront(app, max_body_bytes=10_000, body_timeout=1).__rsgi__(
        Scope(Headers({}), path="/hooks/mutations/moota"), protocol))
    [(environ, body)] = app.calls
    assert body == BODY and environ["PATH_INFO"] == "/hooks/mutations/moota"
