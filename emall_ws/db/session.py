"""Engines and units of work for SQLite (embedded default) and MariaDB/MySQL."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker


T = TypeVar("T")


def create_platform_engine(url: str) -> Engine:
    # hide_parameters: a failed statement is logged without its values (codes, personal data)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    if parsed.get_backend_name() == "mysql" and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    # pre_ping and recycle: MariaDB closes idle connections (wait_timeout).
    # READ COMMITTED: no gap locks on index ranges, so a worker's locking scan (SKIP LOCKED claims)
    # does not block or deadlock with requests inserting next to it; every decision that needs a
    # stable value reads it from a row locked FOR UPDATE anyway.
    return create_engine(parsed, pool_pre_ping=True, pool_recycle=1800, pool_size=5, max_overflow=10,
                         hide_parameters=True, isolation_level="READ COMMITTED")


MYSQL_DEADLOCK = 1213  # ER_LOCK_DEADLOCK: the server rolled the whole transaction back
DEADLOCK_ATTEMPTS = 3  # a transaction chosen as a deadlock victim is run at most this often


def is_deadlock(error: BaseException) -> bool:
    """True for a transaction the database chose as a deadlock victim: it was rolled back whole,
    so running it again is safe."""
    args: tuple[Any, ...] = getattr(getattr(error, "orig", None), "args", None) or ()
    return isinstance(error, OperationalError) and bool(args) and args[0] == MYSQL_DEADLOCK


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
    # IMMEDIATE takes the write lock up front: several processes never deadlock upgrading a
    # read transaction to a write one (SQLite is the embedded default; MariaDB is for scale)
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One engine and session factory per process."""

    def __init__(self, url: str):
        self.engine = create_platform_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

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
        victim was rolled back whole (and so was any error `rerun_if` accepts), so it is run again, at
        most DEADLOCK_ATTEMPTS times. `work` must not have effects outside the session."""
        for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
            try:
                with self.unit_of_work() as session:
                    return work(session)
            except Exception as error:
                if not rerun_if(error) or attempt == DEADLOCK_ATTEMPTS:
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
