"""HTTP plumbing of the storefront: a request read from the WSGI environ, a response, an HTTP error,
and the form and query fields cleaned of what XML (and so SOAP) cannot carry."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from storefront.sessions import Session

MAX_FORM_BYTES = 16 * 1024
FORWARDED_HOPS = 5  # X-Forwarded-For hops sent on to the platform (the peer included)
_ADDRESS = re.compile(r"\[?[0-9A-Fa-f:.]{2,45}\]?")  # an IPv4 or IPv6 address's characters
STATUS_LINES = {200: "200 OK", 303: "303 See Other", 400: "400 Bad Request", 403: "403 Forbidden",
                404: "404 Not Found", 405: "405 Method Not Allowed", 409: "409 Conflict", 413: "413 Content Too Large",
                500: "500 Internal Server Error", 502: "502 Bad Gateway", 503: "503 Service Unavailable"}

# C0 controls other than tab, newline and CR, the noncharacters U+FFFE/U+FFFF and lone surrogates:
# none may appear in XML, and lxml refuses a SOAP request holding one (ValueError)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(value: str) -> str:
    return _NOT_XML.sub("", value)


def parse_fields(text: str) -> dict[str, str]:
    """A query string's or a form's fields, first value of each, with what XML cannot carry removed."""
    return {xml_safe(k): xml_safe(v[0]) for k, v in parse_qs(text, keep_blank_values=True).items()}


@dataclass
class Request:
    environ: dict[str, Any]
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)
    session: Session | None = None
    cookies: list[str] = field(default_factory=list)  # Set-Cookie values to send

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        query = parse_fields(environ.get("QUERY_STRING", ""))
        path = environ.get("PATH_INFO", "/") or "/"
        try:  # PEP 3333: PATH_INFO arrives as latin-1 decoded bytes
            path = path.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
        return cls(environ, environ.get("REQUEST_METHOD", "GET").upper(), path, query)

    @property
    def forwarded_for(self) -> str:
        """The X-Forwarded-For a proxy sends on: the hops it was given, then the peer it heard from. The
        platform believes the hops only as far as its EMALL_TRUSTED_PROXIES vouch for them, reading from the
        right and stopping at the first that is not an address: so only the last FORWARDED_HOPS are sent,
        and none left of one that is not an address (a visitor's header cannot grow the platform's)."""
        hops = [hop.strip() for hop in self.environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops.append(self.environ.get("REMOTE_ADDR", ""))
        kept: list[str] = []
        for hop in reversed(hops[-FORWARDED_HOPS:]):
            if not _ADDRESS.fullmatch(hop):
                break
            kept.insert(0, hop)
        return ", ".join(kept)

    def cookie(self, name: str) -> str | None:
        """The cookie's value, read by hand: SimpleCookie stops at the first cookie it dislikes
        (`a={"x":1}`, `a=b c`, non-ASCII), and a site's other cookies must not cost the session."""
        for part in self.environ.get("HTTP_COOKIE", "").split(";"):
            key, equals, value = part.partition("=")
            if equals and key.strip() == name:
                value = value.strip()
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1]
                return value
        return None

    def read_form(self) -> None:
        try:
            length = int(self.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_FORM_BYTES:
            raise HTTPError(413, "Isian terlalu besar", "Isian formulir terlalu besar.")
        body = self.environ["wsgi.input"].read(length) if length > 0 else b""
        self.form = parse_fields(body.decode("utf-8", errors="replace"))


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


class HTTPError(Exception):
    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def not_found(message: str = "Halaman yang Anda cari tidak ada atau sudah dipindahkan.") -> HTTPError:
    return HTTPError(404, "Halaman tidak ditemukan", message)


def page_number(raw: str) -> int:
    """A list's page (the query's `hal`): 1 unless it is 1 to 6 ASCII digits above 0."""
    return int(raw) if re.fullmatch(r"[0-9]{1,6}", raw) and int(raw) > 0 else 1


def redirect(location: str) -> Response:
    """303 to a path of this site (after a POST, so that reloading does not send it again)."""
    return Response(303, b"", headers=[("Location", location)])


@dataclass(frozen=True)
class Route:
    method: str  # GET or POST (HEAD is served as GET)
    pattern: str  # the whole path, a regular expression; named groups become the handler's arguments
    handler: Callable[..., Response]  # (storefront, request, **groups)
