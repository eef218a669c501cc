"""The caller's credentials in a SOAP call: a SessionHeader token, or WS-Security UsernameToken (PasswordText).

SessionHeader is declared on the operations that act for a member, and only there (see
member_operations); wsse:Security is the OASIS standard header that SoapUI and zeep add themselves, so
it is read from the raw header elements.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from lxml import etree
from spyne import ComplexModel, Unicode

from emall_ws.clock import as_utc
from emall_ws.domain.errors import AuthenticationFailed
from emall_ws.logs import security_event
from emall_ws.services.auth import ANONYMOUS, Credentials
from emall_ws.soap.application import language_of, platform_of
from emall_ws.soap.faults import client_fault

WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = ("http://docs.oasis-open.org/wss/2004/01/"
                 "oasis-200401-wss-username-token-profile-1.0#PasswordText")
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
TIMESTAMP_SKEW = timedelta(minutes=5)  # how far ahead of this clock a sender's may run


@cache
def session_header(namespace: str) -> type[ComplexModel]:
    """The SessionHeader{token} type (the token Member.login returned), in a service's namespace:
    spyne writes header messages into the service's own namespace, so the type must live there."""
    return type("SessionHeader", (ComplexModel,), {
        "__namespace__": namespace, "__doc__": "The token Member.login returned.",
        "token": Unicode(max_len=100)})


def member_header(namespace: str) -> tuple[type[ComplexModel], ...]:
    """The `_in_header` of an operation that acts for a member: @rpc(..., _in_header=member_header(TNS))."""
    return (session_header(namespace),)


def member_operations(service_class: Any) -> list[str]:  # a spyne ServiceBase
    """The operations that act for a member, so declare the SessionHeader: each by its own
    @rpc(_in_header=...), or all of a service whose every operation does (its __in_header__).
    A public operation declares none (xsdata, for one, makes a declared header mandatory) and, sent
    one anyway, ignores it: spyne reads only the headers an operation declares."""
    return [name for name, method in service_class.public_methods.items()
            if method.in_header or service_class.__in_header__]


def credentials_of(ctx) -> Credentials:
    """What the caller presented: the SessionHeader's token, else a WS-Security UsernameToken
    (PasswordText only: a digest is refused; its Timestamp, if any, current), else nothing. Who
    that is, a use case decides."""
    _refuse_foreign_session_header(ctx)
    # SoapUI fills a header it generates with "?": a placeholder, empty or blank token is none at all,
    # so WS-Security credentials sent beside it apply
    token = (getattr(ctx.in_header, "token", None) or "").strip()
    if token and token != "?":
        return Credentials(token=token)
    for element in ctx.in_header_doc or ():
        if element.tag != f"{{{WSSE_NS}}}Security":
            continue
        username_token = element.find(f"{{{WSSE_NS}}}UsernameToken")
        if username_token is None:
            continue
        username = username_token.findtext(f"{{{WSSE_NS}}}Username") or ""
        password = username_token.find(f"{{{WSSE_NS}}}Password")
        if password is None or password.get("Type", PASSWORD_TEXT) != PASSWORD_TEXT:
            security_event("wssecurity_refused", username=username, reason="PASSWORD_TEXT_ONLY")
            raise AuthenticationFailed("PASSWORD_TEXT_ONLY")
        _check_timestamp(element.find(f"{{{WSU_NS}}}Timestamp"), platform_of(ctx).clock(), username)
        return Credentials(username=username, password=password.text or "")
    return ANONYMOUS


def _refuse_foreign_session_header(ctx) -> None:
    """A SessionHeader in another namespace than the service's is a mistake to name, not a header to
    ignore (spyne reads only its own): the call would otherwise run as a stranger's."""
    expected = etree.QName(ctx.method_request_string).namespace  # the service's, as its header's
    for element in ctx.in_header_doc or ():
        name = etree.QName(element)
        if name.localname == "SessionHeader" and name.namespace != expected:
            raise client_fault("BadRequest", "SESSION_HEADER_NAMESPACE", language_of(ctx),
                               received=name.namespace or "", expected=expected)


def _check_timestamp(timestamp: etree._Element | None, now: datetime, username: str) -> None:
    """A WS-Security Timestamp, when sent, must be current: Expires not passed, Created not more than
    TIMESTAMP_SKEW ahead of this server's clock (a message kept and replayed later is refused)."""
    if timestamp is None:
        return
    try:
        created, expires = (_utc(timestamp.findtext(f"{{{WSU_NS}}}{name}")) for name in ("Created", "Expires"))
    except ValueError:  # a time no one can read is no proof of a current message
        current = False
    else:
        current = (expires is None or expires > now) and (created is None or created <= now + TIMESTAMP_SKEW)
    if not current:
        security_event("wssecurity_refused", username=username, reason="TIMESTAMP_EXPIRED")
        raise AuthenticationFailed("TIMESTAMP_EXPIRED")


def _utc(text: str | None) -> datetime | None:
    """An xs:dateTime as naive UTC (the clock's); without an offset it is taken as UTC. ValueError if the
    text is not one."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text.strip())
    return as_utc(moment) if moment.tzinfo else moment
