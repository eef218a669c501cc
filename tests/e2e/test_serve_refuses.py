"""`emall-ws serve`, `server` and `sandbox` refuse to start on a taken port, a bad setting or an unusable
database: one line that says what to change, a non-zero exit, and nothing said of serving."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import make_url

from tests.databases import MYSQL_SERVER_URL
from tests.processes import free_port


def start(command: str, tmp_path, **settings: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMALL_")}
    env.update({"EMALL_HOST": "127.0.0.1", "EMALL_PORT": str(free_port()),
                "EMALL_SANDBOX_PORT": str(free_port()), "EMALL_VAR_DIR": str(tmp_path / "var"), **settings})
    return subprocess.run([sys.executable, "-m", "emall_ws.cli", command], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def assert_refused(result: subprocess.CompletedProcess, status: int, *words: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == status, output
    assert len(output.strip().splitlines()) == 1, output
    assert "Traceback" not in output and "serving" not in output
    assert all(word in output for word in words), output
    return output


@pytest.fixture
def listener():
    """A port some other program listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_second_serve_on_the_port_of_a_running_one_is_refused(server, tmp_path):
    port = str(urlsplit(server.url).port)
    assert_refused(start("serve", tmp_path, EMALL_PORT=port), 2, "EMALL_PORT", port, "another process")


@pytest.mark.parametrize("command, variable", [("serve", "EMALL_PORT"), ("server", "EMALL_PORT"),
                                               ("serve", "EMALL_SANDBOX_PORT"), ("sandbox", "EMALL_SANDBOX_PORT")])
def test_a_port_taken_by_another_program_is_refused(tmp_path, listener, command, variable):
    assert_refused(start(command, tmp_path, **{variable: str(listener)}), 2, variable, str(listener))


@pytest.mark.parametrize("variable, value, expected", [
    ("EMALL_PORT", "abc", "a port number"),
    ("EMALL_WORKERS", "0", "at least 1"),
    ("EMALL_BODY_TIMEOUT", "soon", "a number"),
    ("EMALL_SANDBOX", "maybe", "1 or 0"),
    ("EMALL_PUBLIC_URL", "mall.example", "a URL"),
    ("EMALL_LOG_LEVEL", "LOUD", "INFO"),
    ("EMALL_BANK_BCA_URL", "bca", "a URL"),
    ("EMALL_DATABASE_URL", "emall.db", "an SQLAlchemy URL"),
])
def test_a_bad_setting_is_named_with_its_value_and_what_is_expected(tmp_path, variable, value, expected):
    assert_refused(start("serve", tmp_path, **{variable: value}), 2, variable, repr(value), expected)
    assert not (tmp_path / "var").exists()  # refused before anything was made


@pytest.mark.parametrize("url, cause", [
    ("nosuchdb://host/emall", "unknown database driver 'nosuchdb'"),
    ("mysql+mysqldb://root@127.0.0.1/emall", "driver missing: Python module 'MySQLdb'"),
    ("mysql+pymysql://root@127.0.0.1:1/emall", "unreachable"),
    ("sqlite:////proc/emall/emall.db", "cannot create the folder"),
])
@pytest.mark.parametrize("command", ["serve", "worker"])
def test_a_database_that_cannot_be_used_is_named_with_the_cause(tmp_path, command, url, cause):
    assert_refused(start(command, tmp_path, EMALL_DATABASE_URL=url), 1, "EMALL_DATABASE_URL", cause)


@pytest.mark.skipif(not MYSQL_SERVER_URL, reason="MariaDB's own refusals need the MariaDB pass")
def test_mariadb_unknown_database_and_wrong_password_are_told_apart(tmp_path):
    server = make_url(MYSQL_SERVER_URL)
    unknown = server.set(database="emall_no_such_database")
    assert_refused(start("serve", tmp_path, EMALL_DATABASE_URL=unknown.render_as_string(False)), 1,
                   "EMALL_DATABASE_URL", "unknown database")
    wrong = server.set(username="emall_nobody", password="wrong-password", database="test")
    output = assert_refused(start("serve", tmp_path, EMALL_DATABASE_URL=wrong.render_as_string(False)), 1,
                            "EMALL_DATABASE_URL", "access denied")
    assert "wrong-password" not in output
