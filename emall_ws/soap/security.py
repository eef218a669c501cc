"""The caller's credentials in a SOAP call: a SessionHeader token, or a WS-Security UsernameToken
(PasswordText, or PasswordDigest for an API key).

SessionHeader is declared on the operations that act for a member, and only there (see
member_operations); wsse:Security is the OASIS standard header that SoapUI and zeep add themselves, so
it is read from the raw header elements.
"""
from __future__ import annotations

import base64
import binascii
from datetime import datetime
from functools import cache
from typing import Any, NoReturn

from lxml import etree
from spyne import ComplexModel, Unicode

from emall_ws.clock import as_utc
from emall_ws.domain.errors import AuthenticationFailed
from emall_ws.logs import security_event
from emall_ws.services import nonces
from emall_ws.services.auth import ANONYMOUS, Credentials
from emall_ws.soap.application import language_of, platform_of
from emall_ws.soap.faults import client_fault
from emall_ws.soap.hardening import WSSE_NS  # the header it lets through with mustUnderstand

PASSWORD_TEXT = ("http://docs.oasis-open.org/wss/2004/01/"
                 "oasis-200401-wss-username-token-profile-1.0#PasswordText")
PASSWORD_DIGEST = ("http://docs.oasis-open.org/wss/2004/01/"
                   "oasis-200401-wss-username-token-profile-1.0#PasswordDigest")
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"


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
    """What the caller presented: the SessionHeader's token, else a WS-Security UsernameToken (its
    Timestamp and Created, if any, current; its Nonce, if any, never seen before), else nothing. Who
    that is, a use case decides."""
    _refuse_foreign_session_header(ctx)
    # SoapUI fills a header it generates with "?": a placeholder, empty or blank token is none at all,
    # so WS-Security credentials sent beside it apply
    token = (getattr(ctx.in_header, "token", None) or "").strip()
    if token and token != "?":
        return Credentials(token=token)
    for element in ctx.in_header_doc or ():
        username_token = element.find(f"{{{WSSE_NS}}}UsernameToken")
        if element.tag != f"{{{WSSE_NS}}}Security" or username_token is None:
            continue
        platform = platform_of(ctx)
        now = platform.clock()
        credentials = _username_token(username_token, now)
        _check_timestamp(element.find(f"{{{WSU_NS}}}Timestamp"), now, credentials.username or "")
        if credentials.nonce:  # last: a message refused for another reason has not used its Nonce
            nonces.remember(platform.db, credentials.username or "", credentials.nonce, now)
        return credentials
    return ANONYMOUS


def _username_token(element: etree._Element, now: datetime) -> Credentials:
    """A UsernameToken's credentials: PasswordText, or a PasswordDigest with the Nonce and Created it
    covers; its Created, if any, within FRESHNESS of `now`."""
    username = element.findtext(f"{{{WSSE_NS}}}Username") or ""
    password = element.find(f"{{{WSSE_NS}}}Password")
    kind = PASSWORD_TEXT if password is None else password.get("Type", PASSWORD_TEXT)
    if password is None or kind not in (PASSWORD_TEXT, PASSWORD_DIGEST):
        _refuse("PASSWORD_TYPE_UNSUPPORTED", username)
    created = element.findtext(f"{{{WSU_NS}}}Created")
    try:
        nonce = base64.b64decode(element.findtext(f"{{{WSSE_NS}}}Nonce") or "", validate=True)
    except binascii.Error:
        nonce = b""
        _refuse("NONCE_INVALID", username)
    digest = kind == PASSWORD_DIGEST
    if digest and not (nonce and created):
        _refuse("NONCE_INVALID", username)
    created_at = None if created is None else _time(created)
    if created is not None and (created_at is None or abs(created_at - now) > nonces.FRESHNESS):
        _refuse("TIMESTAMP_EXPIRED", username)
    return Credentials(username=username, password=password.text or "", digest=digest, nonce=nonce,
                       created=created or "")


def optional_credentials_of(ctx) -> Credentials:
    """What the caller of a public operation presented, for one that tells a member more (Auction's
    getAuction and listBids: their own bids). Such an operation declares no SessionHeader (xsdata and
    the index page would take a declared one for mandatory), so a SessionHeader sent anyway is read
    here from the raw header; otherwise as credentials_of, WS-Security included."""
    service_namespace = etree.QName(ctx.method_request_string).namespace
    for element in ctx.in_header_doc or ():
        if element.tag == f"{{{service_namespace}}}SessionHeader":
            # qualified as the schema says, or not, as hand-written envelopes often are
            token = (element.findtext(f"{{{service_namespace}}}token") or element.findtext("token") or "").strip()
            if token and token != "?":  # SoapUI's placeholder, as credentials_of reads it
                return Credentials(token=token)
    return credentials_of(ctx)


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
    FRESHNESS ahead of this server's clock (a message kept and replayed later is refused)."""
    if timestamp is None:
        return
    created, expires = (timestamp.findtext(f"{{{WSU_NS}}}{name}") for name in ("Created", "Expires"))
    created_at = now if created is None else _time(created)
    expires_at = datetime.max if expires is None else _time(expires)
    if created_at is None or expires_at is None or created_at > now + nonces.FRESHNESS or expires_at <= now:
        _refuse("TIMESTAMP_EXPIRED", username)


def _time(text: str) -> datetime | None:
    """An xs:dateTime as naive UTC (the clock's), taken as UTC without an offset; None if it is none
    (a time no one can read is no proof of a current message)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return as_utc(moment) if moment.tzinfo else moment


def _refuse(reason: str, username: str) -> NoReturn:
    security_event("wssecurity_refused", username=username, reason=reason)
    raise AuthenticationFailed(reason)
