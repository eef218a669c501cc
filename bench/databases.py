"""Throw-away MariaDB databases for the benchmarks: made fresh for a run, dropped after it."""
from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def _execute(server_url: str, statement: str) -> None:
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(statement))
    finally:
        server.dispose()


def fresh_database(server_url: str, name: str) -> str:
    """An empty utf8mb4 database `name` on the server (any old one dropped first); its URL."""
    drop_database(server_url, name)
    _execute(server_url, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    _execute(server_url, f"DROP DATABASE IF EXISTS `{name}`")


def rows_in(server_url: str, name: str, table: str) -> int | None:
    """How many rows `table` of database `name` holds; None when there is no such database."""
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            if connection.execute(text("SHOW DATABASES LIKE :d"), {"d": name}).first() is None:
                return None
            return connection.execute(text(f"SELECT count(*) FROM `{name}`.`{table}`")).scalar()
    finally:
        server.dispose()


def server_version(server_url: str) -> str:
    server = create_engine(server_url)
    try:
        with server.connect() as connection:
            return connection.execute(text("SELECT VERSION()")).scalar()
    finally:
        server.dispose()
