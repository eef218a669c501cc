"""The one mechanism by which any entity's status changes."""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from emall_ws.db.models import Base
from emall_ws.domain.pipelines import Pipeline


class WithStatus(Protocol):
    status: str  # None only on a row not yet given its first status (a member being registered)


def change_status(session: Session, pipeline: Pipeline, entity: WithStatus, history: type[Base], target: str,
                  now: datetime, reason: str = "", actor: str | None = None) -> str | None:
    """Checks the move against `pipeline`, makes it, and records it in `history` (a model whose
    relationship to the entity is named like the pipeline's entity). `actor`: who made the move
    ("member:budi", "admin:root", "job:cancel-unshipped-orders"), for the histories that record it.
    Returns the old status."""
    current: str | None = entity.status
    pipeline.check(current, target)
    entity.status = target
    extra = {} if actor is None else {"actor": actor[:80]}
    session.add(history(**{pipeline.entity: entity}, from_status=current, to_status=target,
                        reason=reason[:200], changed_at=now, **extra))
    return current
