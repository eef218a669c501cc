"""Authentication of SOAP calls: a SessionHeader token, or WS-Security UsernameToken (PasswordText).

SessionHeader is declared in every WSDL that needs it; wsse:Security is the OASIS standard
header that SoapUI and zeep add themselves, so it is read from the raw header elements.
"""
from __future__ import annotations

from functools import cache

from spyne import ComplexModel, Unicode
from sqlalchemy.orm import Session

from emall_ws.domain.errors import AuthenticationFailed
from emall_ws.logs import add_call_fields, security_event
from emall_ws.services import auth
from emall_ws.services.auth import Principal

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


def _username_token(ctx) -> tuple[str, str] | None:
    for element in ctx.in_header_doc or ():
        if element.tag != f"{{{WSSE_NS}}}Security":
            continue
        token = element.find(f"{{{WSSE_NS}}}UsernameToken")
        if token is None:
            continue
        password = token.find(f"{{{WSSE_NS}}}Password")
        if password is None or password.get("Type", PASSWORD_TEXT) != PASSWORD_TEXT:
            security_event("wssecurity_refused", username=token.findtext(f"{{{WSSE_NS}}}Username"),
                           reason="PASSWORD_TEXT_ONLY")
            raise AuthenticationFailed("PASSWORD_TEXT_ONLY")
        return token.findtext(f"{{{WSSE_NS}}}Username") or "", password.text or ""
    return None


def session_token(ctx) -> str | None:
    header = ctx.in_header
    return getattr(header, "token", None) or None


def authenticate(ctx, session: Session, *roles: str, owner_id: int | None = None) -> Principal:
    """The caller, authorised for `roles` (and as owner of `owner_id`), or a Client fault."""
    platform = ctx.app.platform
    now = platform.clock()
    token = session_token(ctx)
    if token:
        principal = auth.principal_for_token(session, token, now)
    else:
        credentials = _username_token(ctx)
        if credentials is None:
            raise AuthenticationFailed("AUTHENTICATION_REQUIRED")
        principal = auth.principal_for_password(session, *credentials, platform.passwords, now,
                                                platform.auth_policy)
    add_call_fields(member=principal.username)  # the rest of the call's events say who it was
    return auth.authorize(principal, *roles, owner_id=owner_id)
