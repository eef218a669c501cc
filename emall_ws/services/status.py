"""The one mechanism by which any entity's status changes, and the one way its history is read."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from emall_ws.db.models import Base
from emall_ws.domain.pipelines import Pipeline
from emall_ws.services import events


class WithStatus(Protocol):
    status: str  # None only on a row not yet given its first status (a member being registered)


def change_status(session: Session, pipeline: Pipeline, entity: WithStatus, history: type[Base], target: str,
                  now: datetime, reason: str, actor: str) -> str | None:
    """Checks the move against `pipeline`, makes it, and records it in `history` (a model whose
    relationship to the entity is named like the pipeline's entity) with why and who made it (`actor`,
    services.actors: "member:budi", "admin:root", "job:cancel-unshipped-orders", "bank:bca" ...), and
    tells the change feed (services.events).
    Returns the old status."""
    current: str | None = entity.status
    pipeline.check(current, target)
    entity.status = target
    session.add(history(**{pipeline.entity: entity}, from_status=current, to_status=target,
                        reason=reason[:200], changed_at=now, actor=actor[:80]))
    events.note_status_change(session, pipeline.entity, entity, current, target, now)  # the feed's, on commit
    return current


@dataclass(frozen=True)
class HistoryEntry:
    changed_at: datetime
    from_status: str | None
    to_status: str
    reason: str
    actor: str | None  # None on changes made before the platform recorded who made them


def read_history(session: Session, history: Any, owner: Any, owner_id: int) -> list[HistoryEntry]:
    """Every change in `history` (a history model) of the entity whose `owner` column is `owner_id`,
    oldest first."""
    rows = session.scalars(select(history).where(owner == owner_id).order_by(history.changed_at, history.id))
    return [HistoryEntry(row.changed_at, row.from_status, row.to_status, row.reason, row.actor) for row in rows]
