"""Who made a status change, as the histories record it: "member:budi", "admin:root",
"job:cancel-unshipped-orders"."""
from __future__ import annotations

from emall_ws.domain.members import ADMIN
from emall_ws.services.auth import Principal


def member(principal: Principal) -> str:
    """A logged-in caller: an admin as admin:<username>, anyone else as member:<username>."""
    return f"{'admin' if principal.role == ADMIN else 'member'}:{principal.username}"


def job(name: str) -> str:
    """One of the worker's jobs (its name in emall_ws/worker.py)."""
    return f"job:{name}"
