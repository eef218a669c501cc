"""The caller's credentials in a SOAP call: a SessionHeader token, or WS-Security UsernameToken (PasswordText).

SessionHeader is declared on the operations that act for a member, and only there (see
member_operations); wsse:Security is the OASIS standard header that SoapUI and zeep add themselves, so
it is read from the raw header elements.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from spyne import ComplexModel, Unicode

from emall_ws.domain.errors import AuthenticationFailed
from emall_ws.logs import security_event
from emall_ws.services.auth import ANONYMOUS, Credentials

WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = ("http://docs.oasis-open.org/wss/2004/01/"
                 "oasis-200401-wss-username-token-profile-1.0#PasswordText")


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
    (PasswordText only: a digest is refused), else nothing. Who that is, a use case decides."""
    token = getattr(ctx.in_header, "token", None)
    if token:
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
        return Credentials(username=username, password=password.text or "")
    return ANONYMOUS

