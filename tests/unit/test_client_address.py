"""The client's address: the peer, or behind trusted proxies the right-most address they vouch for."""
import pytest

from emall_ws.client_address import RESOLVED, client_address, parse_networks

PROXIES = parse_networks("10.0.0.0/8, 192.168.1.7")


def resolved(peer: str, forwarded_for: str | None = None, trusted=PROXIES) -> str:
    environ = {"REMOTE_ADDR": peer}
    if forwarded_for is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client_address(environ, trusted)


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says():
    assert resolved("203.0.113.9", trusted=()) == "203.0.113.9"
    assert resolved("10.0.0.2", "198.51.100.1", trusted=()) == "10.0.0.2"


def test_a_peer_that_is_not_a_trusted_proxy_cannot_name_another_client():
    assert resolved("203.0.113.9", "198.51.100.1") == "203.0.113.9"
    assert resolved("10.0.0.2.evil", "198.51.100.1") == "10.0.0.2.evil"  # not even an address


def test_behind_a_trusted_proxy_the_forwarded_client_is_the_client():
    assert resolved("10.0.0.2", "198.51.100.1") == "198.51.100.1"
    assert resolved("192.168.1.7", " 198.51.100.1 ") == "198.51.100.1"


def test_the_right_most_address_that_is_not_a_trusted_proxy_wins_over_what_the_client_wrote():
    # the client wrote 1.2.3.4 itself; the outer proxy 10.0.0.5 appended the client's real address,
    # the inner proxy 10.0.0.2 (the peer) appended 10.0.0.5
    assert resolved("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.5") == "198.51.100.1"
    # two headers arrive joined by a comma, as the front and WSGI servers join them
    assert resolved("10.0.0.2", "1.2.3.4,198.51.100.1") == "198.51.100.1"


def test_a_chain_of_trusted_proxies_only_names_the_first_of_them():
    assert resolved("10.0.0.2", "10.0.0.9, 10.0.0.5") == "10.0.0.9"


@pytest.mark.parametrize("forwarded_for, client", [
    ("", "10.0.0.2"),  # no header: the proxy itself
    ("unknown", "10.0.0.2"),
    ("198.51.100.1:4711", "10.0.0.2"),  # a port is not an address
    ("198.51.100.1, junk, 10.0.0.5", "10.0.0.5"),  # stops at the last address the proxies vouch for
    ("198.51.100.1, , 10.0.0.5", "10.0.0.5"),
    ("999.1.1.1", "10.0.0.2"),
])
def test_a_malformed_hop_stops_the_walk_at_the_last_trusted_address(forwarded_for, client):
    assert resolved("10.0.0.2", forwarded_for) == client


def test_ipv6_and_ipv4_mapped_addresses():
    trusted = parse_networks("2001:db8:1::/48, 10.0.0.0/8")
    assert resolved("2001:db8:1::5", "[2001:db8:2::7]", trusted) == "2001:db8:2::7"
    assert resolved("::ffff:10.0.0.2", "198.51.100.1", trusted) == "198.51.100.1"
    assert resolved("2001:db8:1::5", "::ffff:198.51.100.1", trusted) == "198.51.100.1"


def test_resolved_once_per_request():
    environ = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert client_address(environ, PROXIES) == "198.51.100.1" == environ[RESOLVED]
    environ["HTTP_X_FORWARDED_FOR"] = "198.51.100.2"
    assert client_address(environ, PROXIES) == "198.51.100.1"


def test_trusted_proxies_are_addresses_and_networks():
    assert [str(n) for n in parse_networks(" 10.0.0.5 ,192.168.0.0/24,,2001:db8::/32")] == [
        "10.0.0.5/32", "192.168.0.0/24", "2001:db8::/32"]
    assert parse_networks("") == ()


@pytest.mark.parametrize("text", ["proxy.local", "10.0.0.1/8", "10.0.0.0/33", "10.0.0.5;10.0.0.6"])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        parse_networks(text)
