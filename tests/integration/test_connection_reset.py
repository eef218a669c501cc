"""A pooled connection comes back without an open transaction. On MariaDB the pool no longer sends a
ROLLBACK after every committed unit of work (tests/integration/test_round_trips_soap.py shows it),
so here is the other half: what did not end its transaction is still rolled back when returned, and
its locks released. On SQLite the pool's own reset does it; these tests are the control there."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from emall_ws.db.models import Category
from emall_ws.db.session import is_unavailable
from tests.databases import MYSQL_SERVER_URL
from tests.builders import NOW


def add_kopi(session) -> None:
    session.add(Category(code="kopi", name="Kopi", created_at=NOW))
    session.flush()


def assert_no_kopi_left_nor_locked(db) -> None:
    """Nothing of the kopi category was kept, and its unique code can be taken at once."""
    with db.unit_of_work() as session:
        if db.engine.dialect.name == "mysql":  # a row lock left behind fails this at once, not in 50 s
            session.execute(text("SET SESSION innodb_lock_wait_timeout = 2"))
        assert session.scalar(select(func.count()).select_from(Category)) == 0
        add_kopi(session)  # the same unique code: waits for a lock that was never released
    with db.unit_of_work() as session:
        assert session.scalars(select(Category.code)).all() == ["kopi"]


def test_a_connection_returned_inside_its_transaction_is_rolled_back_and_its_locks_released(db):
    raw = db.engine.raw_connection()  # used as a driver's connection: no unit of work ends it
    cursor = raw.cursor()
    if db.engine.dialect.name == "sqlite":
        cursor.execute("BEGIN IMMEDIATE")  # the driver runs in autocommit mode (emall_ws.db.session)
    cursor.execute("INSERT INTO category (code, name, created_at) VALUES ('kopi', 'Kopi', '2026-11-28 03:00:00')")
    cursor.close()
    raw.close()  # back to the pool, the INSERT neither committed nor rolled back
    assert_no_kopi_left_nor_locked(db)


def test_a_commit_that_failed_is_rolled_back_when_its_connection_returns(db, monkeypatch):
    """The driver's COMMIT fails without reaching the server (the transaction stays open there), and
    SQLAlchemy sends no ROLLBACK after a failed COMMIT: the pool's reset must."""
    dialect = db.engine.dialect

    def failing_commit(_dbapi_connection) -> None:
        raise dialect.loaded_dbapi.OperationalError(1180, "Got error 6 during COMMIT")

    monkeypatch.setattr(dialect, "do_commit", failing_commit)
    with pytest.raises(OperationalError):
        with db.unit_of_work() as session:
            add_kopi(session)
    monkeypatch.undo()
    assert_no_kopi_left_nor_locked(db)


def test_a_unit_of_work_that_failed_leaves_nothing_behind_on_its_connection(db):
    try:
        with db.unit_of_work() as session:
            add_kopi(session)
            raise RuntimeError("the work fails after its write")
    except RuntimeError:
        pass
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Category)) == 0


@pytest.mark.skipif(not MYSQL_SERVER_URL, reason="a connection the server drops: the MariaDB pass")
def test_a_connection_lost_inside_a_unit_of_work_is_reported_as_unavailable(db):
    """The server drops the connection mid-work (a node killed, a restart): the unit of work ends with
    the driver's 2013, which the SOAP layer answers as Server.Unavailable, not with an error of the
    rollback that follows it."""
    with pytest.raises(OperationalError) as raised:
        with db.unit_of_work() as session:
            connection_id = session.scalar(text("SELECT CONNECTION_ID()"))
            with db.engine.connect() as other:
                other.execute(text(f"KILL CONNECTION {int(connection_id)}"))
            session.execute(text("SELECT 1"))
    assert is_unavailable(raised.value), raised.value
    assert_no_kopi_left_nor_locked(db)  # and the pool serves again
