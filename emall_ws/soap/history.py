"""A status history on the wire: each service that shows one (Order, Member, Catalog) has its own
`StatusChange` type, in its namespace and with its own code set for the statuses."""
from __future__ import annotations

from typing import Any

from spyne import DateTime, Unicode

from emall_ws.clock import to_wib
from emall_ws.services.status import HistoryEntry
from emall_ws.soap.types import Model, required


def status_change_type(namespace: str, status: Any, name: str = "StatusChange") -> Any:
    """The StatusChange type (or `name`, for a second history of one service) of the service of
    `namespace`, its statuses of the code set `status`."""

    class StatusChange(Model):
        """One status change: when (WIB), from and to, why, and who made it (member:<username>,
        admin:<username>, job:<job>, bank:<code>, courier:<code>, operator; empty on changes made before
        the platform recorded it)."""
        __namespace__ = namespace
        __type_name__ = name
        changedAt = required(DateTime)
        fromStatus = status
        toStatus = required(status)
        reason = required(Unicode)
        actor = Unicode

    return StatusChange


def status_changes(cls: Any, entries: list[HistoryEntry]) -> list[Any]:
    return [cls(changedAt=to_wib(e.changed_at), fromStatus=e.from_status, toStatus=e.to_status, reason=e.reason,
                actor=e.actor) for e in entries]
