"""Who is asking: the address a request came from, for the access line, the logs and the limits.

It is the peer (REMOTE_ADDR), unless the peer is one of the operator's trusted proxies
(EMALL_TRUSTED_PROXIES): then X-Forwarded-For is read from the right, each trusted proxy's hop
skipped, and the first address that is not a trusted proxy is the client. Hops further left were
written by whoever that client is, so they are never believed: a client cannot choose its address
by sending the header itself. A hop that is not an address ends the walk at the last address the
proxies vouch for.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable, MutableMapping, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
RESOLVED = "emall.client"  # environ key: the address once resolved (it is asked for several times a call)


def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma-separated addresses and CIDR networks; ValueError for any other entry, or a network
    with host bits set (10.0.0.1/8 is a typo for either 10.0.0.1 or 10.0.0.0/8)."""
    return tuple(ipaddress.ip_network(entry.strip()) for entry in text.split(",") if entry.strip())


def client_address(environ: MutableMapping, trusted_proxies: Sequence[Network]) -> str:
    """The client's address for this request (see the module), resolved once per request."""
    resolved = environ.get(RESOLVED)
    if resolved is None:
        resolved = environ[RESOLVED] = _resolve(environ.get("REMOTE_ADDR") or "",
                                                environ.get("HTTP_X_FORWARDED_FOR") or "", trusted_proxies)
    return resolved


def _resolve(peer: str, forwarded_for: str, trusted: Sequence[Network]) -> str:
    vouched = _address(peer)
    if not trusted or vouched is None or not _is_trusted(vouched, trusted):
        return peer
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            break
        vouched = address
        if not _is_trusted(address, trusted):
            break
    return str(vouched)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:10.0.0.1 is 10.0.0.1
    return mapped or address


def _is_trusted(address: Address, trusted: Iterable[Network]) -> bool:
    return any(address in network for network in trusted)
