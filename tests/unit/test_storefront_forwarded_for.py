"""The X-Forwarded-For the storefront sends on with each call (storefront/web.py Request.forwarded_for):
the hops it was given, then its peer; at most the last five, none left of one that is not an address."""
from __future__ import annotations

import pytest

from storefront.web import Request


@pytest.mark.parametrize("given, peer, sent", [
    (None, "203.0.113.7", "203.0.113.7"),
    ("198.51.100.9", "127.0.0.1", "198.51.100.9, 127.0.0.1"),
    ("[2001:db8::1]", "::1", "[2001:db8::1], ::1"),
    ("1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4, 5.5.5.5, 6.6.6.6", "10.0.0.1",
     "3.3.3.3, 4.4.4.4, 5.5.5.5, 6.6.6.6, 10.0.0.1"),
    ("1.1.1.1, unknown, 2.2.2.2", "10.0.0.1", "2.2.2.2, 10.0.0.1"),  # the platform's walk stops there too
    ("x" * 9000, "10.0.0.1", "10.0.0.1"),
    ("2.2.2.2\r\nX-Injected: 1", "10.0.0.1", "10.0.0.1"),
])
def test_the_hops_sent_on(given, peer, sent):
    environ = {"REMOTE_ADDR": peer} | ({"HTTP_X_FORWARDED_FOR": given} if given is not None else {})
    assert Request.from_environ(environ).forwarded_for == sent
