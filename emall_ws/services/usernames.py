"""Members' usernames by id, for the views that name buyers, sellers and bidders: one query for a whole page."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from emall_ws.db.models import Member


def usernames(session: Session, member_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in member_ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Member.id, Member.username).where(Member.id.in_(ids))).all())
