"""Database.read, the anonymous catalogue reads' path: no transaction, no write lock, and a lost
connection replaced without the caller seeing it."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from emall_ws.db.models import Category
from tests.builders import NOW
from tests.databases import MYSQL_SERVER_URL


def test_a_read_sees_what_was_committed_and_opens_no_transaction(db):
    with db.unit_of_work() as session:
        session.add(Category(code="kopi", name="Kopi", created_at=NOW))
    assert db.read(lambda session: session.scalars(select(Category.code)).all()) == ["kopi"]
    if db.engine.dialect.name == "mysql":  # autocommit: the server holds no transaction after a read
        def read_state(session):
            session.scalar(select(Category.code))
            return session.scalar(text("SELECT @@in_transaction")), session.scalar(text("SELECT @@autocommit"))

        assert db.read(read_state) == (0, 1)


def test_a_read_does_not_wait_for_a_writer(db):
    """A unit of work holds its write lock (SQLite's BEGIN IMMEDIATE; a row lock on MariaDB): a read
    runs at once and sees the last committed state, not the writer's."""
    with db.unit_of_work() as session:
        session.add(Category(code="kopi", name="Kopi", created_at=NOW))
    with db.unit_of_work() as writer:
        writer.get_one(Category, writer.scalar(select(Category.id))).name = "Kopi Gayo"
        writer.flush()  # the UPDATE is sent and its lock taken; not committed
        assert db.read(lambda session: session.scalars(select(Category.name)).all()) == ["Kopi"]
    assert db.read(lambda session: session.scalars(select(Category.name)).all()) == ["Kopi Gayo"]


def test_a_read_does_not_run_again_after_an_error_of_its_own(db):
    calls = []

    def broken(session):
        calls.append(1)
        return session.execute(text("SELECT no_such_column FROM category")).all()

    with pytest.raises(OperationalError):
        db.read(broken)
    assert len(calls) == 1


@pytest.mark.skipif(not MYSQL_SERVER_URL, reason="a connection the server drops: the MariaDB pass")
def test_a_read_whose_connection_was_lost_runs_once_more_on_a_new_one(db):
    """The read path pings no connection before use: MariaDB closed one (wait_timeout, a restart, a
    node killed), the read fails on it and runs again on a fresh one, once."""
    def connection_id(session):
        return session.scalar(text("SELECT CONNECTION_ID()"))

    lost = db.read(connection_id)  # back in the read pool, idle
    with db.engine.connect() as other:
        other.execute(text(f"KILL CONNECTION {int(lost)}"))
    calls = []

    def counted(session):
        calls.append(1)
        return connection_id(session)

    assert db.read(counted) != lost
    assert len(calls) == 2
