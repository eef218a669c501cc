"""The rules of callback subscriptions, without I/O: which URLs a subscription may name, which event types
it may ask for, which addresses the platform refuses to call, and how long it waits after a failure.

A callback URL is an http(s) URL with a host and no user or password in it. The platform calls it from
inside its own network, so an address there (loopback, private, link-local, reserved, multicast,
unspecified, or anything not globally routable) is refused, unless EMALL_ALLOW_PRIVATE_CALLBACKS says
otherwise: else a member could make the platform's worker probe the machines around it (SSRF).
"""
from __future__ import annotations

import ipaddress
from datetime import timedelta
from urllib.parse import SplitResult, urlsplit

from emall_ws.domain import events
from emall_ws.domain.errors import FieldError

URL_MAX = 500
SCHEMES = ("http", "https")
ALL_TYPES = "*"  # a subscription to every type, those added later too
LONGEST_RETRY = timedelta(hours=1)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def url_errors(url: str) -> list[FieldError]:
    """What is wrong with `url` (stripped) as a callback URL, by its text alone; [] when nothing."""
    if not url:
        return [FieldError("url", "REQUIRED")]
    if len(url) > URL_MAX:
        return [FieldError("url", "TOO_LONG", {"max": URL_MAX})]
    parts = split_url(url)
    if parts is None or parts.scheme.lower() not in SCHEMES or parts.username is not None or not parts.hostname:
        return [FieldError("url", "CALLBACK_URL_INVALID")]
    return []


def split_url(url: str) -> SplitResult | None:
    """`url`'s parts, or None when it is no URL a request can be sent to (a space or control character in
    it, a port that is no number)."""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        return None
    return parts


def default_port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme.lower() == "https" else 80)


def is_private(address: Address) -> bool:
    """Whether the platform must not call `address`: anything but a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback
    return (address.is_loopback or address.is_private or address.is_link_local or address.is_reserved
            or address.is_multicast or address.is_unspecified or not address.is_global)


def literal_address(host: str) -> Address | None:
    """The address a host written as an IP literal is (brackets of IPv6 taken off), None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return None


def parse_types(given: list[str] | None) -> tuple[tuple[str, ...], list[FieldError]]:
    """The event types asked for, in the documentation's order (TYPES), or (ALL_TYPES,) for "*"; and
    what is wrong with them: none given, an unknown one (named), "*" among others."""
    asked = list(dict.fromkeys(text.strip() for text in given or () if text and text.strip()))
    if not asked:
        return (), [FieldError("types", "REQUIRED")]
    if ALL_TYPES in asked:
        if len(asked) > 1:
            return (), [FieldError("types", "EVENT_TYPES_ALL_ALONE")]
        return (ALL_TYPES,), []
    unknown = [text for text in asked if text not in events.TYPES]
    if unknown:
        return (), [FieldError("types", "EVENT_TYPE_UNKNOWN", {"type": name, "types": ", ".join(events.TYPES)})
                    for name in unknown]
    return tuple(name for name in events.TYPES if name in asked), []


def stored_types(types: tuple[str, ...]) -> str:
    return ",".join(types)


def read_types(stored: str) -> tuple[str, ...]:
    return tuple(name for name in stored.split(",") if name)


def wants_all(types: tuple[str, ...]) -> bool:
    return ALL_TYPES in types


def retry_delay(failures: int, base: timedelta) -> timedelta:
    """The pause after the `failures`-th failed delivery in a row: `base`, doubling, at most an hour."""
    return min(base * (1 << min(max(0, failures - 1), 20)), LONGEST_RETRY)


def is_delivered(http_status: int | None) -> bool:
    """Only a 2xx answer takes an event: a redirect is not followed, and so is no delivery."""
    return http_status is not None and 200 <= http_status < 300
