"""Each storefront visitor is a client of its own to the platform: the storefront sends the visitor's
address on in X-Forwarded-For, so a platform that trusts the storefront (EMALL_TRUSTED_PROXIES) counts
its per-address limits (registrations, codes sent) per visitor, not for the whole shop as one client;
an X-Forwarded-For the visitor writes itself moves nothing."""
from __future__ import annotations

import pytest

from storefront.app import create_app
from tests.e2e.members import form
from tests.e2e.server import RunningServer, serving
from tests.e2e.storefront_client import Browser, Page
from tests.hostile import registered as is_registered

LIMIT = 2  # registrations a client address may send an hour, here


@pytest.fixture(scope="module")
def trusting(database_factory, tmp_path_factory, mailbox):
    """A platform that trusts the storefront's address (loopback, as on one host) as a proxy."""
    with serving(database_factory, tmp_path_factory.mktemp("trusting"), mailbox, "visitors", EMALL_STOREFRONT="0",
                 EMALL_TRUSTED_PROXIES="127.0.0.1", EMALL_CLIENT_LIMIT_HOUR=str(LIMIT)) as running_server:
        yield running_server


def register(browser: Browser, values: dict) -> Page:
    page = browser.get("/daftar")
    return browser.post("/daftar", {"csrf": page.csrf(), **values})


def registered(server: RunningServer, values: dict) -> bool:
    with server.database() as db:
        return is_registered(db, values["username"])


def test_each_visitor_has_its_own_limit_and_a_forged_header_does_not_change_it(trusting, tmp_path):
    app = create_app(trusting.url, tmp_path / "state", secure_cookies=True)
    first = Browser(app, remote_addr="203.0.113.7")
    for _ in range(LIMIT):
        values = form()
        assert register(first, values).status == 303
        assert registered(trusting, values)

    values = form()
    refused = register(first, values)
    assert refused.status == 400 and "Terlalu banyak permintaan pendaftaran" in refused.text
    assert not registered(trusting, values)
    # the same visitor naming another address itself: the storefront vouches only for its peer
    forging = Browser(app, remote_addr="203.0.113.7", forwarded_for="198.51.100.9, 127.0.0.1")
    assert register(forging, values).status == 400
    assert not registered(trusting, values)

    other = Browser(app, remote_addr="203.0.113.8")  # another visitor of the same storefront
    assert register(other, values).status == 303
    assert registered(trusting, values)
    assert "call client=203.0.113.8 call=Member.register outcome=ok" in trusting.log()  # the access line
