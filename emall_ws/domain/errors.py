"""Errors the rules and use cases raise; the SOAP layer maps each to its fault.

Each carries a machine-readable ``code`` (a key of ``emall_ws.messages``) and the
values its message needs; the text itself is chosen in the caller's language.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    params: dict[str, object] = dataclasses.field(default_factory=dict)  # `field` is a member's name here


class DomainError(Exception):
    reason = "Internal"  # the <Reason> of the fault code Client.<Reason>
    side = "Client"  # "Server" when a partner, not the caller, failed

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class ValidationFailed(DomainError):
    reason = "Validation"

    def __init__(self, errors: list[FieldError]):
        super().__init__("VALIDATION_FAILED", count=len(errors))
        self.errors = list(errors)


class NotFound(DomainError):
    reason = "NotFound"


class Conflict(DomainError):
    reason = "Conflict"


class InvalidState(DomainError):
    reason = "InvalidState"


class AuthenticationFailed(DomainError):
    reason = "Authentication"


class NotAuthorized(DomainError):
    reason = "Authorization"


class TooManyRequests(DomainError):
    """A limit on messages a stranger can make the platform send (services.limits) was reached."""
    reason = "TooManyRequests"
