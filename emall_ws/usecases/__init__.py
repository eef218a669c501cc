"""Use cases: what a caller can ask of the platform, each running its own unit of work.

A SOAP operation reads the caller's credentials, calls one use case and converts its answer. The use
case opens its transaction through `UseCases.transaction` (Database.run: the one place a deadlock
victim is run again), identifies the caller inside it and calls the services. What they need
(database, clock, adapters, policies from the settings) comes from the Platform, built once at start.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Callable, TypeVar

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from emall_ws.logs import add_call_fields
from emall_ws.services import api_keys, auth
from emall_ws.services.auth import Credentials, Principal

if TYPE_CHECKING:
    from emall_ws.platform import Platform

T = TypeVar("T")


def identify(platform: Platform, session: Session, credentials: Credentials, *roles: str,
             owner_id: int | None = None) -> Principal:
    """The caller who presented `credentials`, authorised for `roles` (and as owner of `owner_id`)."""
    if api_keys.is_key_id(credentials.username):
        principal = api_keys.principal_for_key(session, credentials, platform.secret_box)
    else:
        principal = auth.caller(session, credentials, platform.passwords, platform.clock(), platform.auth_policy)
    # the rest of the call's events (its access line too) say who it was, and with which key
    add_call_fields(member=principal.username, api_key=principal.api_key)
    return auth.authorize(principal, *roles, owner_id=owner_id)


class UseCases:
    """The base of each service's use cases: the platform's dependencies, and one way to run a transaction."""

    def __init__(self, platform: Platform):
        self.platform = platform

    def now(self) -> datetime:
        return self.platform.clock()

    def transaction(self, work: Callable[[Session], T]) -> T:
        """`work(session)` committed as one unit of work; a deadlock victim is run again, so `work`
        has no effect outside the session (partner calls come before or after it)."""
        return self.platform.db.run(work)

    def read(self, work: Callable[[Connection], T]) -> T:
        """`work(connection)` reading what is committed, outside a transaction (Database.read): for the
        anonymous reads, whose one statement needs no unit of work. `work` must not write."""
        return self.platform.db.read(work)

    def read_as_caller(self, credentials: Credentials, roles: tuple[str, ...],
                       work: Callable[[Session, Principal], T]) -> T:
        """`work(session, caller)` reading what is committed outside a unit of work (Database.read), so it
        takes no write lock (SQLite's BEGIN IMMEDIATE): for a member's reads. A session token or an API key
        is checked there too, by reading only; a password counts its tries (services.throttle), so it is
        checked in a transaction of its own first. `work` must not write."""
        known = self.identified(credentials, *roles) if _counts_tries(credentials) else None

        def in_session(connection: Connection) -> T:  # an ORM session on the read's connection: identify needs one
            with Session(bind=connection) as session:
                return work(session, known or self.caller(session, credentials, *roles))

        return self.read(in_session)

    def caller(self, session: Session, credentials: Credentials, *roles: str,
               owner_id: int | None = None) -> Principal:
        return identify(self.platform, session, credentials, *roles, owner_id=owner_id)

    def identified(self, credentials: Credentials, *roles: str) -> Principal:
        """The caller, identified in a transaction of its own: for a use case whose services run
        their own transactions around a partner call."""
        return self.transaction(lambda session: self.caller(session, credentials, *roles))


def _counts_tries(credentials: Credentials) -> bool:
    """Whether identifying the caller writes: a member's password counts its tries (auth.check_password);
    an API key (identify) and a session token (auth.caller) are only read."""
    return not api_keys.is_key_id(credentials.username) and not credentials.token and credentials.username is not None
