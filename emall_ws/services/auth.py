"""Who is calling: login sessions, password checks with throttling, and the one authorisation rule."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from emall_ws.db.models import AuthSession, Member
from emall_ws.db.statements import rows_changed
from emall_ws.domain.errors import AuthenticationFailed, NotAuthorized
from emall_ws.domain.members import ADMIN, BUYER, SELLER, username_key
from emall_ws.domain.pipelines import MemberStatus
from emall_ws.logs import security_event
from emall_ws.passwords import Passwords
from emall_ws.services import throttle

SHOPPERS = (BUYER, SELLER)  # a seller buys as a buyer too


@dataclass(frozen=True)
class AuthPolicy:
    session_ttl: timedelta = timedelta(hours=12)
    # a username (registered or not) with this many failed logins within login_pause is paused
    # until the oldest of them is login_pause old
    max_failed_logins: int = 5
    login_pause: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Principal:
    member_id: int
    username: str
    role: str
    api_key: str | None = None  # the key id, when the caller proved itself with an API key

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


@dataclass(frozen=True)
class Credentials:
    """What a caller presented: a session token (SessionHeader), or a username and password
    (WS-Security UsernameToken: PasswordText, or a PasswordDigest over its Nonce and Created), or nothing."""
    token: str | None = None
    username: str | None = None
    password: str | None = None
    digest: bool = False  # `password` is Base64(SHA-1(nonce + created + secret))
    nonce: bytes = b""
    created: str = ""  # as sent: the digest covers its text

    def prove(self, secret: str) -> bool:
        """Whether the password, or the digest, was made from `secret`."""
        if self.digest:
            made = base64.b64encode(hashlib.sha1(self.nonce + self.created.encode() + secret.encode()).digest())
            return hmac.compare_digest(made, (self.password or "").encode())
        return hmac.compare_digest((self.password or "").encode(), secret.encode())


ANONYMOUS = Credentials()


def authorize(principal: Principal, *roles: str, owner_id: int | None = None) -> Principal:
    """The one authorisation rule: the caller has one of `roles` (any role when none is named)
    and, where an object belongs to someone (`owner_id`), is its owner or an admin."""
    if roles and principal.role not in roles:
        raise NotAuthorized("ROLE_REQUIRED", roles=", ".join(roles))
    if owner_id is not None and owner_id != principal.member_id and not principal.is_admin:
        raise NotAuthorized("NOT_OWNER")
    return principal


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _principal(member: Member) -> Principal:
    return Principal(member.id, member.username, member.role)


def check_password(session: Session, username: str, password: str, passwords: Passwords,
                   now: datetime, policy: AuthPolicy, refused_event: str = "login_failed") -> Member:
    """The active member with these credentials; throttles repeated failures per username.

    Failures are counted per username whether or not a member has it (services.throttle), so an
    unknown name is paused like a real one: unknown username, wrong password, pending and suspended
    all answer alike. Each check first reserves its try and commits it (throttle.reserve: counted
    and decided under the name's lock), so simultaneous guesses check exactly max_failed_logins
    hashes; the hash is then checked outside any transaction (it is slow by design), and the outcome
    committed at once: a failure counts although the call fails, a right password is no failure
    whatever the call does next. Each refusal is a security event
    `refused_event` naming the username as typed (never the password).
    """
    member = session.scalars(select(Member).where(Member.username_key == username_key(username))).first()
    reservation = throttle.reserve(session, throttle.LOGIN, username, now, policy.login_pause,
                                   policy.max_failed_logins)  # committed: no transaction spans the hash
    if reservation is None:
        passwords.verify(None, password or "")  # same cost as a real check
        security_event(refused_event, username=username, reason="LOGIN_PAUSED")
        raise AuthenticationFailed("LOGIN_PAUSED")
    valid = passwords.verify(member.password_hash if member else None, password or "")
    if valid:  # no failure, whatever the call does next; an active member's also clears the name's failures
        throttle.succeeded(session, throttle.LOGIN, username, reservation, now,
                           clear_failures=member is not None and member.status == MemberStatus.ACTIVE)
    else:
        throttle.failed(session, reservation, now)
        if reservation.number == policy.max_failed_logins:
            security_event("login_paused", username=username, failures=reservation.number,
                           minutes=round(policy.login_pause.total_seconds() / 60))
    if valid and member is not None and member.status == MemberStatus.SUSPENDED:
        # told only to whoever proved to hold the password: the owner learns why, a stranger nothing
        security_event(refused_event, username=username, reason="ACCOUNT_SUSPENDED")
        raise AuthenticationFailed("ACCOUNT_SUSPENDED")
    if member is None or not valid or member.status != MemberStatus.ACTIVE:
        security_event(refused_event, username=username, reason="BAD_CREDENTIALS")
        raise AuthenticationFailed("BAD_CREDENTIALS")
    if passwords.needs_rehash(member.password_hash):
        member.password_hash = passwords.hash(password)
    return member


def login(session: Session, username: str, password: str, passwords: Passwords, now: datetime,
          policy: AuthPolicy) -> tuple[str, datetime, Principal]:
    member = check_password(session, username, password, passwords, now, policy)
    token = secrets.token_urlsafe(32)
    expires_at = now + policy.session_ttl
    session.add(AuthSession(member_id=member.id, token_hash=token_hash(token), created_at=now,
                            expires_at=expires_at))
    return token, expires_at, _principal(member)


def principal_for_token(session: Session, token: str, now: datetime) -> Principal:
    found = session.execute(
        select(Member, AuthSession).join(AuthSession, AuthSession.member_id == Member.id)
        .where(AuthSession.token_hash == token_hash(token or ""), AuthSession.ended_at.is_(None),
               AuthSession.expires_at > now)).first()
    if found is None or found.Member.status != MemberStatus.ACTIVE:
        raise AuthenticationFailed("BAD_SESSION")
    return _principal(found.Member)


def principal_for_password(session: Session, username: str, password: str, passwords: Passwords,
                           now: datetime, policy: AuthPolicy) -> Principal:
    """For WS-Security UsernameToken: each request carries the credentials."""
    return _principal(check_password(session, username, password, passwords, now, policy,
                                      refused_event="wssecurity_refused"))


def caller(session: Session, credentials: Credentials, passwords: Passwords, now: datetime,
           policy: AuthPolicy) -> Principal:
    """Who presented `credentials`, or AuthenticationFailed (nothing presented: AUTHENTICATION_REQUIRED)."""
    if credentials.token:
        return principal_for_token(session, credentials.token, now)
    if credentials.username is None:
        raise AuthenticationFailed("AUTHENTICATION_REQUIRED")
    if credentials.digest:  # a digest proves knowledge of a secret kept readable: an API key's, not a password
        security_event("wssecurity_refused", username=credentials.username, reason="DIGEST_NEEDS_API_KEY")
        raise AuthenticationFailed("DIGEST_NEEDS_API_KEY")
    return principal_for_password(session, credentials.username, credentials.password or "", passwords, now,
                                  policy)


def logout(session: Session, token: str, now: datetime) -> None:
    session.execute(update(AuthSession).where(AuthSession.token_hash == token_hash(token or ""),
                                              AuthSession.ended_at.is_(None)).values(ended_at=now))


def end_all_sessions(session: Session, member_id: int, now: datetime, *, keep_token: str | None = None) -> int:
    """Ends the member's open sessions, but for the one of `keep_token` (the caller's own); how many ended."""
    kept = [AuthSession.token_hash != token_hash(keep_token)] if keep_token else []
    return rows_changed(session, update(AuthSession).where(AuthSession.member_id == member_id,
                                                           AuthSession.ended_at.is_(None), *kept)
                        .values(ended_at=now))
