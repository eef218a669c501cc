"""The callback rules without I/O: backoff, the addresses never called, URLs and types asked for."""
from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest

from emall_ws.domain import callbacks as rules


def test_the_pause_after_failures_doubles_from_the_base_up_to_an_hour():
    base = timedelta(seconds=30)
    assert [rules.retry_delay(n, base).total_seconds() for n in (1, 2, 3, 4, 7, 8, 50)] == [
        30, 60, 120, 240, 1920, 3600, 3600]


@pytest.mark.parametrize("address, private", [
    ("127.0.0.1", True), ("10.1.2.3", True), ("172.16.0.1", True), ("192.168.1.1", True),
    ("169.254.169.254", True), ("100.64.0.1", True), ("0.0.0.0", True), ("224.0.0.1", True),
    ("255.255.255.255", True), ("::1", True), ("fe80::1", True), ("fc00::1", True), ("::ffff:10.0.0.1", True),
    ("93.184.216.34", False), ("2606:2800:220:1:248:1893:25c8:1946", False), ("::ffff:93.184.216.34", False),
])
def test_only_public_unicast_addresses_are_called(address, private):
    assert rules.is_private(ipaddress.ip_address(address)) is private


@pytest.mark.parametrize("url, code", [
    ("", "REQUIRED"), ("x" * 501, "TOO_LONG"), ("ftp://example.id/x", "CALLBACK_URL_INVALID"),
    ("https://a:b@example.id/", "CALLBACK_URL_INVALID"), ("https://example.id:99999/", "CALLBACK_URL_INVALID"),
    ("https://example.id/\nx", "CALLBACK_URL_INVALID"), ("example.id/hook", "CALLBACK_URL_INVALID"),
])
def test_a_url_the_platform_cannot_call_is_refused_by_its_text(url, code):
    assert [error.code for error in rules.url_errors(url)] == [code]


def test_types_are_kept_in_the_documentations_order_and_star_means_every_one():
    assert rules.parse_types([" order.paid", "invoice.paid", "order.paid"]) == (("invoice.paid", "order.paid"), [])
    assert rules.parse_types(["*"]) == (("*",), [])
    assert rules.read_types(rules.stored_types(("invoice.paid", "order.paid"))) == ("invoice.paid", "order.paid")
    assert rules.wants_all(("*",)) and not rules.wants_all(("invoice.paid",))
