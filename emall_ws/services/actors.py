"""Who made a status change, as the histories record it: "member:budi", "admin:root",
"job:cancel-unshipped-orders", "bank:bca", "courier:jne", "operator"."""
from __future__ import annotations

from typing import Protocol

from emall_ws.domain.members import ADMIN

OPERATOR = "operator"  # the command line (`emall-ws create-admin`)


class _Someone(Protocol):
    """A caller (services.auth.Principal) or a member's row: both have these."""
    @property
    def role(self) -> str: ...

    @property
    def username(self) -> str: ...


def member(someone: _Someone) -> str:
    """A member: an admin as admin:<username>, anyone else as member:<username>."""
    return f"{'admin' if someone.role == ADMIN else 'member'}:{someone.username}"


def job(name: str) -> str:
    """One of the worker's jobs (its name in emall_ws/worker.py)."""
    return f"job:{name}"


def bank(code: str) -> str:
    """A bank whose account mutation paid an invoice."""
    return f"bank:{code}"


def courier(code: str) -> str:
    """A courier whose tracking moved a shipment (and delivered its order)."""
    return f"courier:{code}"
