"""Shared fixtures: settings, databases (SQLite or MariaDB), and the socket guard."""
from __future__ import annotations

import logging
import socket

import pytest

from emall_ws.config import Settings
from emall_ws.db.models import Base
from emall_ws.db.session import Database
from tests.builders import TEST_PASSWORD_HASH
from tests.databases import DatabaseFactory, backend


def pytest_report_header(config):
    return f"emall_ws test database backend: {backend()}"


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory):
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    factory.check_reachable()
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def shared_db(database_factory):
    db = Database(database_factory.new_url("integration"))
    db.create_schema()
    yield db
    db.dispose()


@pytest.fixture
def db(shared_db):
    """The integration database, emptied before each test."""
    with shared_db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    return shared_db


@pytest.fixture
def settings(tmp_path):
    return Settings.from_env({"EMALL_VAR_DIR": str(tmp_path), "EMALL_PUBLIC_URL": "http://emall.test",
                              "EMALL_PASSWORD_HASH": TEST_PASSWORD_HASH})


@pytest.fixture(autouse=True)
def _logging_handlers_taken_back():
    """A test that configures logging (emall_ws.logs.configure_logging, as `serve` does) hands the root logger
    a handler on the stderr pytest captured for that test, closed once it ends: taken back after the test, so
    that a later record (aiosmtpd's thread still running) is not written to a closed file and reported as a
    "Logging error" in another test's stderr."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture(autouse=True)
def _no_sockets_in_unit_tests(request, monkeypatch):
    """Unit tests must not touch the network (zeep's habit): connecting fails loudly."""
    if "unit" not in request.node.path.parts:
        return

    def refuse(*_args, **_kwargs):
        raise RuntimeError("unit tests must not open network connections")

    monkeypatch.setattr(socket.socket, "connect", refuse)
