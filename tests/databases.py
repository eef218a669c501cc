"""Test databases: SQLite files by default, MariaDB when EMALL_TEST_MYSQL_URL names a server.

In MariaDB mode every database gets a run-unique name (EMALL_TEST_DB_PREFIX) and is
dropped at the end; an unreachable server is an error, never a skip.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

MYSQL_SERVER_URL = os.environ.get("EMALL_TEST_MYSQL_URL", "")
# pytest-xdist's workers share the run's prefix: each adds its own name (gw0, gw1, ...) to it
PREFIX = (os.environ.get("EMALL_TEST_DB_PREFIX") or f"emall_test_{uuid.uuid4().hex[:8]}") \
    + os.environ.get("PYTEST_XDIST_WORKER", "")


def backend() -> str:
    return "mariadb" if MYSQL_SERVER_URL else "sqlite"


class DatabaseFactory:
    """Creates empty databases for one test session, and drops them after."""

    def __init__(self, tmp_dir: Path):
        self.tmp_dir = tmp_dir
        self.created: list[str] = []
        self._server = create_engine(MYSQL_SERVER_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True) \
            if MYSQL_SERVER_URL else None

    def check_reachable(self) -> None:
        if self._server is not None:
            with self._server.connect() as connection:  # raises: MariaDB must be there
                connection.execute(text("SELECT 1"))

    def new_url(self, name: str) -> str:
        if self._server is None:
            return f"sqlite:///{self.tmp_dir / (name + '.db')}"
        database = f"{PREFIX}_{name}"
        with self._server.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{database}`"))
            connection.execute(text(
                f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        self.created.append(database)
        return make_url(MYSQL_SERVER_URL).set(database=database).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self._server is None:
            return
        with self._server.connect() as connection:
            for database in self.created:
                connection.execute(text(f"DROP DATABASE IF EXISTS `{database}`"))
        self._server.dispose()
