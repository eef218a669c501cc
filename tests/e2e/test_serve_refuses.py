"""`emall-ws serve`, `server` and `sandbox` refuse to start on a taken port, a bad setting or an unusable
database: one line that says what to change, a non-zero exit, and nothing said of serving."""
from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import make_url

from tests.databases import MYSQL_SERVER_URL
from tests.processes import free_port, running


def start(command: str, tmp_path, **settings: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMALL_")}
    env.update({"EMALL_HOST": "127.0.0.1", "EMALL_PORT": str(free_port()), "EMALL_SANDBOX_PORT": str(free_port()),
                "EMALL_WEB_PORT": str(free_port()), "EMALL_VAR_DIR": str(tmp_path / "var"), **settings})
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
                                               ("serve", "EMALL_SANDBOX_PORT"), ("sandbox", "EMALL_SANDBOX_PORT"),
                                               ("serve", "EMALL_WEB_PORT"), ("storefront", "EMALL_WEB_PORT")])
def test_a_port_taken_by_another_program_is_refused(tmp_path, listener, command, variable):
    assert_refused(start(command, tmp_path, **{variable: str(listener)}), 2, variable, str(listener))


@pytest.mark.parametrize("variable, other", [("EMALL_SANDBOX_PORT", "EMALL_PORT"), ("EMALL_WEB_PORT", "EMALL_PORT"),
                                             ("EMALL_WEB_PORT", "EMALL_SANDBOX_PORT")])
def test_two_children_on_one_port_are_refused_before_serving(tmp_path, variable, other):
    port = str(free_port())
    assert_refused(start("serve", tmp_path, **{variable: port, other: port}), 2, variable, port, other)


@pytest.mark.parametrize("variable, value, expected", [
    ("EMALL_PORT", "abc", "a port number"),
    ("EMALL_WORKERS", "0", "at least 1"),
    ("EMALL_BODY_TIMEOUT", "soon", "a number"),
    ("EMALL_PARTNER_TIMEOUT", "0", "a number greater than 0"),
    ("EMALL_SANDBOX", "maybe", "1 or 0"),
    ("EMALL_PUBLIC_URL", "mall.example", "a URL"),
    ("EMALL_LOG_LEVEL", "LOUD", "INFO"),
    ("EMALL_BANK_BCA_URL", "bca", "a URL"),
    ("EMALL_DATABASE_URL", "emall.db", "an SQLAlchemy URL"),
    ("EMALL_CLIENT_LIMIT_HOUR", "0", "at least 1"),
    ("EMALL_TRUSTED_PROXIES", "10.0.0.1/8", "CIDR networks"),
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


PARTNER_VARIABLES = [f"EMALL_BANK_{code}_URL" for code in ("BCA", "MANDIRI", "BNI", "BRI")] + [
    f"EMALL_COURIER_{code}_URL" for code in ("POS", "TIKI", "JNE", "FEDEX", "DHL", "WAHANA", "PCP")] + [
    "EMALL_SMS_URL", "EMALL_DUKCAPIL_URL", "EMALL_OSS_URL"]


@pytest.mark.parametrize("public", [{"EMALL_HOST": "0.0.0.0"}, {"EMALL_PUBLIC_URL": "https://emall.example.go.id"}],
                         ids=["binds 0.0.0.0", "public URL"])
@pytest.mark.parametrize("command", ["serve", "server", "worker"])
def test_a_public_server_refuses_partners_that_would_be_the_sandbox(tmp_path, public, command):
    output = assert_refused(start(command, tmp_path, **public), 2, *PARTNER_VARIABLES, "EMALL_SANDBOX=1")
    assert "public" in output
    # one partner left to the sandbox is enough to refuse, and it is the one named
    configured = {name: "https://partner.example/ws" for name in PARTNER_VARIABLES if name != "EMALL_BANK_BRI_URL"}
    output = assert_refused(start(command, tmp_path, **public, **configured), 2, "EMALL_BANK_BRI_URL")
    assert "EMALL_BANK_BCA_URL" not in output


@pytest.mark.parametrize("command", ["serve", "server", "worker"])
def test_a_public_server_refuses_to_start_without_a_secret_key_or_with_a_placeholder(tmp_path, command):
    partners = {name: "https://partner.example/ws" for name in PARTNER_VARIABLES}
    output = assert_refused(start(command, tmp_path, EMALL_HOST="0.0.0.0", **partners), 2, "EMALL_SECRET_KEY",
                            "openssl rand -base64 32")
    assert "public" in output
    output = assert_refused(start(command, tmp_path, EMALL_HOST="0.0.0.0", EMALL_SECRET_KEY="CHANGE-ME-later",
                                  **partners), 2, "EMALL_SECRET_KEY", "(hidden)")
    assert "CHANGE-ME-later" not in output


@contextmanager
def public_serve(tmp_path, **settings: str) -> Iterator[tuple[str, Path]]:
    """`emall-ws serve` listening on every address (called here on loopback): its URL and its log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMALL_")}
    port = free_port()
    env.update({"EMALL_HOST": "0.0.0.0", "EMALL_PORT": str(port), "EMALL_SANDBOX_PORT": str(free_port()),
                "EMALL_WEB_PORT": str(free_port()), "EMALL_VAR_DIR": str(tmp_path / "var"),
                "EMALL_SECRET_KEY": base64.b64encode(os.urandom(32)).decode(), **settings})
    url = f"http://127.0.0.1:{port}"
    with running(["-m", "emall_ws.cli", "serve"], env, tmp_path, tmp_path / "serve.log", url):
        yield url, tmp_path / "serve.log"


def test_a_public_demo_says_in_words_that_payments_are_simulated(tmp_path):
    with public_serve(tmp_path, EMALL_SANDBOX="1") as (url, log):
        index = urllib.request.urlopen(url + "/", timeout=10).read().decode()
        assert "payments are SIMULATED" in log.read_text()
    assert "payments are simulated" in index


def test_a_public_server_with_every_partner_configured_starts_and_says_nothing_is_simulated(server, tmp_path):
    partners = {name: server.sandbox_url + "/partners/" + name[len("EMALL_"):-len("_URL")].lower().replace("_", "/")
                for name in PARTNER_VARIABLES}
    with public_serve(tmp_path, EMALL_SANDBOX="0", **partners) as (url, log):
        index = urllib.request.urlopen(url + "/", timeout=10).read().decode()
        assert "SIMULATED" not in log.read_text()
    assert "simulated" not in index
