"""A database that cannot serve, told truthfully by the real server: /health proves a write and
answers 503 naming the database; a SOAP call is Server.Unavailable DATABASE_UNAVAILABLE (read-only,
dropped) or Server.Busy DATABASE_BUSY (SQLite locked past EMALL_SQLITE_BUSY_TIMEOUT), never
Server.Internal, and nothing changes."""
from __future__ import annotations

import json
import os
import sqlite3
import time

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from emall_ws.db.models import Member
from tests.builders import TEST_PASSWORD_HASH
from tests.databases import backend
from tests.e2e.members import form
from tests.e2e.server import serving
from tests.e2e.soap import client, detail_code, fault_code, fault_of
from tests.processes import fetch, free_port, running

sqlite_only = pytest.mark.skipif(backend() != "sqlite", reason="a SQLite file's own states")
mariadb_only = pytest.mark.skipif(backend() != "mariadb", reason="a MariaDB database dropped")


def health(server) -> tuple[int, dict]:
    status, body = fetch(server.url + "/health")
    return status, json.loads(body)


def members(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(Member)).scalar_one()
    finally:
        engine.dispose()


class _Server:
    """What the helpers of tests/e2e need of a server: its URL and WSDLs."""

    def __init__(self, url: str):
        self.url = url

    def wsdl_url(self, service: str) -> str:
        return f"{self.url}/ws/{service}?wsdl"


@sqlite_only
def test_a_read_only_sqlite_file_fails_health_and_every_write_with_database_unavailable(
        database_factory, tmp_path, mailbox):
    with serving(database_factory, tmp_path, mailbox, "read_only", EMALL_SANDBOX="0") as first:
        database_url = first.database_url  # made and published by a first, writable serve
    before = members(database_url)
    path = make_url(database_url).database
    os.chmod(path, 0o444)  # what an operator would do; root ignores it, so the server opens it read-only too
    port = free_port()
    env = dict(os.environ, EMALL_HOST="127.0.0.1", EMALL_PORT=str(port), EMALL_WORKERS="1", EMALL_SANDBOX="0",
               EMALL_VAR_DIR=str(tmp_path / "var"), EMALL_PASSWORD_HASH=TEST_PASSWORD_HASH,
               EMALL_DATABASE_URL=f"sqlite:///file:{path}?mode=ro&uri=true")
    server = _Server(f"http://127.0.0.1:{port}")
    with running(["-m", "emall_ws.cli", "server"], env, tmp_path, tmp_path / "read-only.log", server.url,
                 path="/"):
        status, document = health(server)
        assert status == 503 and "database" in document["failing"]
        assert document["components"]["database"] == {"status": "read-only", "error": "sqlite 8"}
        member = client(server, "Member").service
        assert len(member.listProvinces()) == 38  # reads still answer
        fault = fault_of(member.register, form=form())
        assert (fault_code(fault), detail_code(fault)) == ("Server.Unavailable", "DATABASE_UNAVAILABLE")
        assert "Coba lagi" in fault.message
    os.chmod(path, 0o644)
    assert members(database_url) == before


@sqlite_only
def test_a_locked_sqlite_answers_server_busy_after_the_busy_timeout_and_changes_nothing(
        database_factory, tmp_path, mailbox):
    with serving(database_factory, tmp_path, mailbox, "locked", EMALL_SANDBOX="0",
                 EMALL_SQLITE_BUSY_TIMEOUT="1") as server:
        member = client(server, "Member").service
        values = form()
        before = members(server.database_url)
        locker = sqlite3.connect(make_url(server.database_url).database, isolation_level=None)
        try:
            locker.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
            started = time.monotonic()
            fault = fault_of(member.register, form=values)
            waited = time.monotonic() - started
            assert (fault_code(fault), detail_code(fault)) == ("Server.Busy", "DATABASE_BUSY")
            assert 0.9 <= waited < 4, waited  # the busy timeout (1 s), not 30 s
            status, document = health(server)
            assert status == 503 and "database" in document["failing"]
            assert document["components"]["database"] == {"status": "busy", "error": "sqlite 5"}
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert members(server.database_url) == before  # the busy call left nothing
        member.register(form=values)  # and once the lock is gone, the same call goes through
        assert members(server.database_url) == before + 1
        assert health(server)[1]["components"]["database"] == {"status": "ok", "write": "proven"}


@mariadb_only
def test_a_dropped_mariadb_database_fails_health_and_calls_with_database_unavailable(
        database_factory, tmp_path, mailbox):
    with serving(database_factory, tmp_path, mailbox, "dropped", EMALL_SANDBOX="0") as server:
        member = client(server, "Member").service
        member.register(form=form())  # the server's pooled connections are open on the database
        assert health(server)[1]["components"]["database"] == {"status": "ok", "write": "proven"}
        url = make_url(server.database_url)
        engine = create_engine(url.set(database=None))
        with engine.connect() as connection:
            connection.execute(text(f"DROP DATABASE `{url.database}`"))
        engine.dispose()
        status, document = health(server)
        assert status == 503 and "database" in document["failing"]
        database = document["components"]["database"]
        assert database["status"] == "unavailable" and database["error"] in ("mysql 1049", "mysql 1146")
        for _ in range(3):  # whichever pooled connection, or a new one, takes the call
            fault = fault_of(member.register, form=form())
            assert (fault_code(fault), detail_code(fault)) == ("Server.Unavailable", "DATABASE_UNAVAILABLE")
            fault = fault_of(member.login, username="nobody", password="rahasia123")
            assert (fault_code(fault), detail_code(fault)) == ("Server.Unavailable", "DATABASE_UNAVAILABLE")
        assert "Server.Internal" not in server.log()
