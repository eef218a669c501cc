"""Statements that differ between the databases the platform runs on."""
from __future__ import annotations

from typing import cast

from sqlalchemy import CursorResult, Executable, Insert, Table
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.orm import Session


def insert_if_absent(session: Session, table: Table, unique_key: tuple[str, ...]) -> Insert:
    """An INSERT (executed with one row or many) that silently does nothing where `unique_key` exists.

    Rather than check-then-insert in a SAVEPOINT: one statement, no exception to catch, and no
    dependence on how the engine begins SQLite transactions (under pysqlite's own deferred BEGIN a
    SAVEPOINT issued before the first write *opens* the transaction and its RELEASE commits it, so
    a row outlived the caller's rollback: measured on the outbox, 1 row left on SQLite, 0 on
    MariaDB). Race-safe too: a concurrent inserter of the same key waits on the unique index, then
    does nothing.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=unique_key)
    if dialect in ("mysql", "mariadb"):
        # not INSERT IGNORE: that would also swallow truncation and other data errors
        return mysql.insert(table).on_duplicate_key_update({unique_key[0]: table.c[unique_key[0]]})
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=unique_key)
    raise NotImplementedError(f"no conflict-ignoring INSERT for the {dialect} dialect")


def rows_changed(session: Session, statement: Executable) -> int:
    """Runs an UPDATE or DELETE and returns how many rows it changed (its cursor's rowcount)."""
    return cast(CursorResult, session.execute(statement)).rowcount  # type: ignore[type-arg]
