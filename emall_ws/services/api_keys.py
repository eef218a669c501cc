"""API keys: a member's machine credentials for shops and portals.

Each is used as a WS-Security UsernameToken whose Username is the key id and whose password is the
secret, as PasswordText or as a PasswordDigest over a Nonce and Created. The secret is shown once, at
creation, and kept sealed (emall_ws.secret_box), so checking one costs a row read and microseconds of
AES-GCM and SHA-1, not an Argon2 verification. Keys are managed with a login: a key neither makes nor
revokes keys, so a leaked one cannot entrench itself.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emall_ws.db.models import ApiKey, Member
from emall_ws.domain.errors import AuthenticationFailed, Conflict, FieldError, NotAuthorized, NotFound, \
    ValidationFailed
from emall_ws.domain.pipelines import MemberStatus
from emall_ws.logs import security_event
from emall_ws.secret_box import SecretBox, SecretUnreadable
from emall_ws.services.auth import Credentials, Principal

KEY_ID_PREFIX = "key-"  # a username starts with a letter and has no "-": no key id is one
MAX_ACTIVE_KEYS = 10
LABEL_MAX = 100

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApiKeyView:
    key_id: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


def is_key_id(username: str | None) -> bool:
    return (username or "").startswith(KEY_ID_PREFIX)


def _view(key: ApiKey) -> ApiKeyView:
    return ApiKeyView(key.key_id, key.label, key.created_at, key.revoked_at)


def _refuse_key_callers(principal: Principal) -> None:
    if principal.api_key:
        raise NotAuthorized("LOGIN_REQUIRED_FOR_KEYS")


def create(session: Session, principal: Principal, label: str | None, box: SecretBox,
           now: datetime) -> tuple[ApiKeyView, str]:
    """A new key of the caller's and its secret (returned now and never again)."""
    _refuse_key_callers(principal)
    label = (label or "").strip()
    if not label:
        raise ValidationFailed([FieldError("label", "REQUIRED")])
    if len(label) > LABEL_MAX:
        raise ValidationFailed([FieldError("label", "TOO_LONG", {"max": LABEL_MAX})])
    # the member's row, locked: two creations at once count each other's key
    session.execute(select(Member.id).where(Member.id == principal.member_id).with_for_update())
    active = session.scalar(select(func.count()).select_from(ApiKey).where(
        ApiKey.member_id == principal.member_id, ApiKey.revoked_at.is_(None)))
    if (active or 0) >= MAX_ACTIVE_KEYS:
        raise Conflict("TOO_MANY_API_KEYS", limit=MAX_ACTIVE_KEYS)
    key_id = KEY_ID_PREFIX + secrets.token_hex(10)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(key_id=key_id, member_id=principal.member_id, label=label,
                 sealed_secret=box.seal(secret, key_id), created_at=now)
    session.add(key)
    return _view(key), secret


def list_keys(session: Session, principal: Principal) -> list[ApiKeyView]:
    """The caller's keys, revoked ones too, newest first."""
    keys = session.scalars(select(ApiKey).where(ApiKey.member_id == principal.member_id)
                           .order_by(ApiKey.created_at.desc(), ApiKey.id.desc()))
    return [_view(key) for key in keys]


def revoke(session: Session, principal: Principal, key_id: str, now: datetime) -> ApiKeyView:
    """Revokes one of the caller's keys (again: answered as it is). Another's key is NotFound, as one
    that does not exist."""
    _refuse_key_callers(principal)
    key = session.scalars(select(ApiKey).where(ApiKey.key_id == key_id,
                                               ApiKey.member_id == principal.member_id)).first()
    if key is None:
        raise NotFound("API_KEY_NOT_FOUND")
    if key.revoked_at is None:
        key.revoked_at = now
    return _view(key)


def principal_for_key(session: Session, credentials: Credentials, box: SecretBox) -> Principal:
    """The member whose live key the credentials prove; BAD_CREDENTIALS for any unknown, revoked or
    wrong key, or a member no longer active (alike: the answer tells nothing)."""
    key_id = credentials.username or ""
    found = session.execute(select(ApiKey, Member).join(Member, Member.id == ApiKey.member_id)
                            .where(ApiKey.key_id == key_id)).first()
    if found is None or found.ApiKey.revoked_at is not None or found.Member.status != MemberStatus.ACTIVE:
        _refuse(key_id, "KEY_NOT_LIVE")
    try:
        proved = credentials.prove(box.open(found.ApiKey.sealed_secret, key_id))
    except SecretUnreadable:
        log.error("API key %s: its secret was sealed under another EMALL_SECRET_KEY than this "
                  "instance's, so it cannot be checked", key_id)
        _refuse(key_id, "SECRET_UNREADABLE")
    if not proved:
        _refuse(key_id, "WRONG_SECRET")
    member = found.Member
    return Principal(member.id, member.username, member.role, api_key=found.ApiKey.key_id)  # as created


def _refuse(key_id: str, reason: str) -> NoReturn:
    security_event("api_key_refused", api_key=key_id, reason=reason)
    raise AuthenticationFailed("BAD_CREDENTIALS")
