"""Engines and units of work for SQLite (embedded default) and MariaDB/MySQL."""
from __future__ import annotations

import random
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from emall_ws.db import product_terms  # noqa: F401  (keeps the text index with every flush)


T = TypeVar("T")
# what a read runs its statements on: a unit of work's session, or Database.read's connection
Reader = Session | Connection


def dialect_name(reader: Reader) -> str:
    return (reader.dialect if isinstance(reader, Connection) else reader.get_bind().dialect).name


# MariaDB: the pool of the writers' engine and that of the reads' (create_read_engine), one setting for
# both; a process may hold up to twice pool_size + max_overflow connections (docs/production.md)
_POOL: dict[str, Any] = dict(pool_recycle=1800, pool_size=5, max_overflow=10, hide_parameters=True)


# seconds a SQLite statement waits for another connection's write lock before it fails with "database
# is locked" (Server.Busy DATABASE_BUSY); EMALL_SQLITE_BUSY_TIMEOUT
SQLITE_BUSY_TIMEOUT = 5.0


def create_platform_engine(url: str, *, sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT) -> Engine:
    # hide_parameters: a failed statement is logged without its values (codes, personal data)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # a "file:" URI (?uri=true, e.g. ?mode=ro) names no folder to make
        if parsed.database and parsed.database != ":memory:" and "uri" not in parsed.query:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": sqlite_busy_timeout}, hide_parameters=True)
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    if parsed.get_backend_name() == "mysql" and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    # pre_ping and (_POOL's) recycle: MariaDB closes idle connections (wait_timeout).
    # READ COMMITTED: no gap locks on index ranges, so a worker's locking scan (SKIP LOCKED claims)
    # does not block or deadlock with requests inserting next to it; every decision that needs a
    # stable value reads it from a row locked FOR UPDATE anyway.
    # pool_reset_on_return=None: _rollback_if_open resets a returned connection instead
    engine = create_engine(parsed, pool_pre_ping=True, **_POOL, isolation_level="READ COMMITTED",
                           pool_reset_on_return=None)
    for name, listener in (("checkout", _checked_out), ("begin", _began), ("commit", _ended),
                           ("rollback", _ended), ("handle_error", _errored), ("reset", _rollback_if_open)):
        event.listen(engine, name, listener)
    return engine


# Marks the read path's connections on SQLite, which shares the writers' engine and pool
_READ_ONLY = "emall_read_only"


def create_read_engine(engine: Engine) -> Engine:
    """The engine of `Database.read`: statements run in autocommit, so a read sends no BEGIN, COMMIT
    or ROLLBACK and each SELECT sees what was committed before it. MariaDB: a pool of its own whose
    connections stay in autocommit (switching a pooled connection costs a round trip each way), and
    no ping at checkout: a lost connection fails the read, which `Database.read` runs once more.
    SQLite: the same engine, marked so that no BEGIN IMMEDIATE takes the write lock for a read."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{_READ_ONLY: True})
    return create_engine(engine.url, **_POOL, isolation_level="AUTOCOMMIT", skip_autocommit_rollback=True)


# The pool resets a returned connection with a ROLLBACK, a round trip to MariaDB on every call even
# after the unit of work has committed. Whether a transaction may still be open is known here: one may
# be from the checkout (whatever used the connection), from each BEGIN and after any error (the commit
# and rollback events come before the COMMIT or ROLLBACK is sent, and SQLAlchemy sends no ROLLBACK
# after a failed COMMIT); none after a COMMIT or ROLLBACK.
_OPEN = "emall_transaction_open"


def _checked_out(_dbapi_connection, record, _proxy) -> None:
    record.info[_OPEN] = True


def _began(connection) -> None:
    _mark(connection, True)


def _ended(connection) -> None:
    _mark(connection, False)


def _errored(context) -> None:
    if context.connection is not None and not context.is_disconnect:
        _mark(context.connection, True)


def _mark(connection, transaction_open: bool) -> None:
    # an invalidated connection (lost, 2013) has no record to mark: asking for its info would raise
    # in the middle of the unit of work's rollback, and the pool discards it anyway
    if not connection.invalidated:
        connection.info[_OPEN] = transaction_open


def _rollback_if_open(dbapi_connection, record, reset_state) -> None:
    if not (reset_state.terminate_only or reset_state.transaction_was_reset) and record.info.get(_OPEN, True):
        dbapi_connection.rollback()


MYSQL_DEADLOCK = 1213  # ER_LOCK_DEADLOCK (also a Galera certification conflict): rolled back whole
# ER_SP_DOES_NOT_EXIST: rolling back to a savepoint of a transaction the server had already rolled back
# whole (Galera aborts a transaction inside session.begin_nested; the 1213 is hidden behind this)
MYSQL_SAVEPOINT_GONE = 1305
# the database cannot serve now: a Galera node not ready (1047), unreachable (2002, 2003, 2005), gone
# (2006, 2013), access withdrawn (1044, 1045), the database dropped (1049 on connecting, 1146 on a
# connection opened before), writes refused (1290: --read-only, 1792: a read-only transaction)
MYSQL_UNAVAILABLE = frozenset({1044, 1045, 1047, 1049, 1146, 1290, 1792, 2002, 2003, 2005, 2006, 2013})
MYSQL_LOCK_WAIT_TIMEOUT = 1205  # innodb_lock_wait_timeout passed: the row stayed locked by another
# SQLite's primary result codes: the file cannot be written (READONLY 8) or read (IOERR 10, CORRUPT 11,
# FULL 13, CANTOPEN 14, NOTADB 26); another connection holds the lock past the busy timeout (BUSY 5,
# LOCKED 6)
SQLITE_UNUSABLE = frozenset({8, 10, 11, 13, 14, 26})
SQLITE_BUSY_CODES = frozenset({5, 6})
# a transaction rolled back whole is run at most this often: 50 buyers racing for one product through
# two Galera nodes abort each other at every sale on the other node, and needed up to 6 attempts
# (tests/e2e/test_galera_two_nodes.py); 5 attempts 10 ms apart left 2 of 50 with Server.Internal
DEADLOCK_ATTEMPTS = 8
RERUN_PAUSE = 0.02  # seconds: the first rerun waits up to this, each next one up to twice as long


def mysql_code(error: BaseException) -> int | None:
    """The MariaDB/MySQL error number of a database error, None for any other error."""
    args: tuple[Any, ...] = getattr(getattr(error, "orig", None), "args", None) or ()
    return args[0] if isinstance(error, DBAPIError) and args and isinstance(args[0], int) else None


def sqlite_code(error: BaseException) -> int | None:
    """The SQLite primary result code of a database error, None for any other error."""
    code = getattr(getattr(error, "orig", None), "sqlite_errorcode", None)
    return code & 0xFF if isinstance(error, DBAPIError) and isinstance(code, int) else None


def is_deadlock(error: BaseException) -> bool:
    """True for a transaction the database rolled back whole (a deadlock victim, a Galera conflict),
    so that running it again is safe."""
    return mysql_code(error) in (MYSQL_DEADLOCK, MYSQL_SAVEPOINT_GONE)


def is_deadlock_or_duplicate(error: BaseException) -> bool:
    """Also true for a duplicate key: another writer inserted the same row first, and this
    transaction, rolled back, will find it there when run again."""
    return isinstance(error, IntegrityError) or is_deadlock(error)


def is_unavailable(error: BaseException) -> bool:
    """True when the database cannot serve now (unreachable, connection lost, node not ready, dropped,
    read-only)."""
    return mysql_code(error) in MYSQL_UNAVAILABLE or sqlite_code(error) in SQLITE_UNUSABLE


def is_busy(error: BaseException) -> bool:
    """True when another connection held a lock longer than this one would wait (SQLite's busy
    timeout, MariaDB's innodb_lock_wait_timeout): the database works, it was busy."""
    return sqlite_code(error) in SQLITE_BUSY_CODES or mysql_code(error) == MYSQL_LOCK_WAIT_TIMEOUT


def pause_before_rerun(attempt: int) -> None:
    """A random pause, longer after each attempt: transactions that met each other are not run
    again in step (on Galera, two nodes' writers keep conflicting otherwise)."""
    time.sleep(random.uniform(0, RERUN_PAUSE * 2 ** (attempt - 1)))


def _tune_sqlite(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling defers BEGIN to the first write, which breaks
    # SAVEPOINT semantics; take over (SQLAlchemy's documented recipe) and BEGIN in _begin_sqlite
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite(connection) -> None:
    if connection.get_execution_options().get(_READ_ONLY):
        return  # pysqlite in autocommit: each SELECT reads on its own
    # IMMEDIATE takes the write lock up front: several processes never deadlock upgrading a
    # read transaction to a write one (SQLite is the embedded default; MariaDB is for scale)
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One engine and session factory per process."""

    def __init__(self, url: str, *, sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT):
        self.engine = create_platform_engine(url, sqlite_busy_timeout=sqlite_busy_timeout)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_engine = create_read_engine(self.engine)

    def create_schema(self) -> None:
        """The newest schema in an empty database, marked current (emall_ws.db.migrate); a
        database with tables is left as it is: `emall-ws migrate` upgrades it."""
        from emall_ws.db.migrate import create

        create(self)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session whose work is committed together, or not at all."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def run(self, work: Callable[[Session], T], rerun_if: Callable[[Exception], bool] = is_deadlock) -> T:
        """`work(session)` as one unit of work. The one place a transaction is run again: a deadlock
        victim was rolled back whole (and so was any error `rerun_if` accepts), so it is run again
        after a short random pause, at most DEADLOCK_ATTEMPTS times. `work` must not have effects
        outside the session."""
        for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
            try:
                with self.unit_of_work() as session:
                    return work(session)
            except Exception as error:
                if not rerun_if(error) or attempt == DEADLOCK_ATTEMPTS:
                    raise
                from emall_ws.observability.metrics import count_rerun  # (metrics reads the database too)

                count_rerun()
                pause_before_rerun(attempt)
        raise AssertionError("unreachable")

    def read(self, work: Callable[[Connection], T]) -> T:
        """`work(connection)` reading what is committed, outside any transaction (create_read_engine):
        for the anonymous catalogue reads, whose one statement needs no unit of work; a connection, not
        an ORM session, since a session costs a read more than its round trip to MariaDB. `work` must
        not write. A connection found lost (MariaDB closed it, a node restarted) is replaced and the
        read run once more, which the writers' pool does with a ping before every unit of work."""
        for attempt in (1, 2):
            try:
                with self.read_engine.connect() as connection:
                    return work(connection)
            except DBAPIError as error:
                if not error.connection_invalidated or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def is_reachable(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
