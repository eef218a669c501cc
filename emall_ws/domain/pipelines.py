"""Explicit status pipelines: every status change of an entity must be one of these moves."""
from __future__ import annotations

from emall_ws.domain.errors import InvalidState


class Pipeline:
    def __init__(self, entity: str, moves: dict[str, set[str]]):
        self.entity = entity
        self.moves = moves

    def check(self, current: str | None, target: str) -> None:
        """Raises InvalidState unless current -> target is a move of this pipeline."""
        if target not in self.moves.get(current, set()):
            raise InvalidState("ILLEGAL_STATUS_CHANGE", entity=self.entity,
                               current=current or "-", target=target)


MEMBER = Pipeline("member", {
    None: {"PENDING", "ACTIVE"},  # ACTIVE at once only for admins made by the operator
    "PENDING": {"ACTIVE"},
    "ACTIVE": {"SUSPENDED"},
    "SUSPENDED": {"ACTIVE"},
})

PRODUCT = Pipeline("product", {
    None: {"ACTIVE"},
    "ACTIVE": {"SOLD_OUT", "WITHDRAWN", "CLOSED"},  # CLOSED: an auction after its end
    "SOLD_OUT": {"ACTIVE", "WITHDRAWN"},  # restocked, or taken off sale
})

INVOICE = Pipeline("invoice", {
    None: {"UNPAID"},
    "UNPAID": {"PAID", "EXPIRED", "CANCELLED"},
})

ORDER = Pipeline("order", {
    None: {"AWAITING_PAYMENT"},
    "AWAITING_PAYMENT": {"PAID", "CANCELLED"},
    "PAID": {"SHIPPED"},
    "SHIPPED": {"DELIVERED"},
    "DELIVERED": {"COMPLETED"},
})
