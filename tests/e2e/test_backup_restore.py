"""Backing up the platform's database while it serves, and restoring it, as the operator does it.
The commands below are the ones the tests run (the constants, with the tests' paths and names).

SQLite, the embedded default (EMALL_VAR_DIR=/var/lib/emall-ws). The database runs in WAL mode:
what was written lately may still be in emall.db-wal, so copying emall.db alone is no backup. An
online backup, the platform running:

    sqlite3 /var/lib/emall-ws/emall.db ".backup '/var/backups/emall-ws/emall.db'"
    sqlite3 /var/backups/emall-ws/emall.db "PRAGMA integrity_check"      # prints: ok

Restore: stop every emall-ws server and worker, then

    cp /var/backups/emall-ws/emall.db /var/lib/emall-ws/emall.db
    rm -f /var/lib/emall-ws/emall.db-wal /var/lib/emall-ws/emall.db-shm
    emall-ws initdb                                                      # prints: emall-ws: database ready at ...

and start them again.

MariaDB (EMALL_DATABASE_URL=mysql+pymysql://emall:...@db:3306/emall): a consistent dump while the
platform runs (one transaction, no table locked):

    mariadb-dump -h db -u emall -p --single-transaction --quick --routines --triggers --default-character-set=utf8mb4 emall | gzip > /var/backups/emall-ws/emall.sql.gz
    gunzip -c /var/backups/emall-ws/emall.sql.gz | tail -n 1             # prints: -- Dump completed on ...

Restore into a new database, then point EMALL_DATABASE_URL at it and restart:

    mariadb -h db -u root -p -e "CREATE DATABASE emall_restored CHARACTER SET utf8mb4"
    gunzip -c /var/backups/emall-ws/emall.sql.gz | mariadb -h db -u root -p emall_restored
    EMALL_DATABASE_URL=mysql+pymysql://emall:...@db:3306/emall_restored emall-ws initdb   # prints: ... database ready at ...

(the database's user needs its privileges on emall_restored: GRANT ALL ON emall_restored.* TO 'emall'@'...')

The tests prove, on a database holding rows the platform wrote (an administrator, members
registered over SOAP, a session), that the backup taken while a server was running has every row of
every table (Alembic's revision included), that the restored database is the backup's (a change made
after the backup is not in it), and that `emall-ws initdb` then says the database is ready.
"""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import zeep
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import make_url

from tests.databases import MYSQL_SERVER_URL, PREFIX
from tests.e2e.members import form
from tests.processes import required, free_port, wait_until_healthy


SQLITE_BACKUP = "sqlite3 {var}/emall.db \".backup '{backup}'\""
SQLITE_CHECK = "sqlite3 {backup} \"PRAGMA integrity_check\""
SQLITE_RESTORE = ("cp {backup} {var}/emall.db",
                  "rm -f {var}/emall.db-wal {var}/emall.db-shm")
INITDB = "emall-ws initdb"

MARIADB_DUMP = ("mariadb-dump {client} --single-transaction --quick --routines --triggers "
                "--default-character-set=utf8mb4 {database} | gzip > {backup}")
MARIADB_DUMP_CHECK = "gunzip -c {backup} | tail -n 1"
MARIADB_RESTORE = ("mariadb {client} -e \"CREATE DATABASE {restored} CHARACTER SET utf8mb4\"",
                   "gunzip -c {backup} | mariadb {client} {restored}")

ADMIN_PASSWORD = "Rahasia-Admin-2024"
BIN = Path(sys.executable).parent  # where this checkout's `emall-ws` is


def operator_env(**settings: str) -> dict[str, str]:
    """A shell as the operator's: `emall-ws` on PATH, no EMALL_* but the ones given."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("EMALL_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(settings)
    return env


def sh(command: str, env: dict[str, str], cwd: Path) -> str:
    """Runs one operator command in bash (a failing command in a pipe fails it); its output."""
    done = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"
    return done.stdout + done.stderr


def rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in a fixed order."""
    engine = create_engine(url)
    try:
        tables = MetaData()
        tables.reflect(engine)
        with engine.connect() as connection:
            return {table.name: [tuple(row) for row in connection.execute(select(table).order_by(*table.columns))]
                    for table in tables.sorted_tables}
    finally:
        engine.dispose()


def counts(snapshot: dict[str, list]) -> dict[str, int]:
    return {name: len(table) for name, table in snapshot.items()}


@contextmanager
def platform_serving(env: dict[str, str], home: Path, crash: bool = False) -> Iterator[zeep.Client]:
    """`emall-ws server` on a free port (the database in use); a Member client for it. Alone, without
    worker or sandboxes (so /health says degraded): nothing but the calls made here writes. Stopped
    at the end as systemd stops it, or with `crash` killed (SIGKILL), its open files left as they are."""
    port = free_port()
    env = dict(env, EMALL_PORT=str(port), EMALL_CLIENT_LIMIT_HOUR="1000", EMALL_SANDBOX="0")
    url = f"http://127.0.0.1:{port}"
    with open(home / "server.log", "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "emall_ws.cli", "server"], env=env, cwd=home,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_healthy(url, process, home / "server.log", path="/ws/Member?wsdl")
        yield zeep.Client(f"{url}/ws/Member?wsdl")
    finally:
        if not crash:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(process.pid, signal.SIGKILL)  # and granian's worker processes
        except ProcessLookupError:
            pass
        process.wait()


def make_rows(env: dict[str, str], home: Path) -> None:
    """The schema (`emall-ws initdb`, as a first installation) and an administrator (create-admin)."""
    assert "database ready" in sh(INITDB, env, home)
    assert "created" in sh("emall-ws create-admin --username admin --email admin@example.go.id",
                           dict(env, EMALL_ADMIN_PASSWORD=ADMIN_PASSWORD), home)


def register_and_login(member: zeep.Client, registrations: int) -> list[str]:
    """Members registered over SOAP (member, verification code, queued notifications, limit counts)
    and a session of the administrator; the usernames."""
    usernames = []
    for _ in range(registrations):
        values = form()
        member.service.register(form=values)
        usernames.append(values["username"])
    assert member.service.login(username="admin", password=ADMIN_PASSWORD).token
    return usernames


def assert_same_rows(restored: dict, backed_up: dict) -> None:
    assert counts(restored) == counts(backed_up)
    assert restored == backed_up


def test_sqlite_online_backup_and_restore(tmp_path):
    required("sqlite3")
    var, backup = tmp_path / "var", tmp_path / "backups" / "emall.db"
    backup.parent.mkdir()
    paths = {"var": var, "backup": backup}
    env = operator_env(EMALL_VAR_DIR=str(var))  # the default database: sqlite:///<var>/emall.db
    database = f"sqlite:///{var / 'emall.db'}"
    make_rows(env, tmp_path)
    # the server then dies (SIGKILL): the restore follows a disaster, and its WAL is left behind,
    # holding what was written after the backup
    with platform_serving(env, tmp_path, crash=True) as member:
        register_and_login(member, 3)
        # in use: the server holds the database open, its latest writes still in the WAL
        assert (var / "emall.db-wal").stat().st_size > 0
        backed_up = rows(database)
        sh(SQLITE_BACKUP.format(**paths), env, tmp_path)
        late = register_and_login(member, 1)  # after the backup: not in it
    assert sh(SQLITE_CHECK.format(**paths), env, tmp_path).strip() == "ok"
    assert counts(backed_up)["member"] == 4 and counts(backed_up)["auth_session"] == 1
    assert (var / "emall.db-wal").stat().st_size > 0 and (var / "emall.db-shm").exists()

    for command in SQLITE_RESTORE:
        sh(command.format(**paths), env, tmp_path)
    assert not (var / "emall.db-wal").exists() and not (var / "emall.db-shm").exists()
    assert "database ready" in sh(INITDB, env, tmp_path)
    restored = rows(database)
    assert_same_rows(restored, backed_up)
    assert late[0] not in str(restored["member"])
    with platform_serving(env, tmp_path) as member:  # and it serves
        assert member.service.login(username="admin", password=ADMIN_PASSWORD).token


def client_options(url: str) -> tuple[str, dict[str, str]]:
    """The mariadb/mariadb-dump options naming the server of a SQLAlchemy URL, and the environment
    carrying its password (MYSQL_PWD: never on a command line)."""
    parsed = make_url(url)
    options = f"-h {parsed.host or '127.0.0.1'} -P {parsed.port or 3306} -u {shlex.quote(parsed.username or 'root')}"
    return options, ({"MYSQL_PWD": parsed.password} if parsed.password else {})


@pytest.fixture
def restored_database():
    """The name of the database a restore creates (the suite's prefix: tests/run.sh drops leftovers),
    dropped after the test."""
    name = f"{PREFIX}_restored"
    server = create_engine(MYSQL_SERVER_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    yield name
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    server.dispose()


@pytest.mark.skipif(not MYSQL_SERVER_URL, reason="MariaDB's dump and restore need the MariaDB pass")
def test_mariadb_dump_while_serving_and_restore_into_a_new_database(database_factory, restored_database, tmp_path):
    required("mariadb-dump"), required("mariadb")
    source = database_factory.new_url("backup_source")
    client, password = client_options(MYSQL_SERVER_URL)
    backup = tmp_path / "emall.sql.gz"
    names = {"client": client, "database": make_url(source).database, "backup": backup,
             "restored": restored_database}
    env = operator_env(EMALL_VAR_DIR=str(tmp_path / "var"), EMALL_DATABASE_URL=source, **password)
    make_rows(env, tmp_path)
    with platform_serving(env, tmp_path) as member:
        register_and_login(member, 3)
        backed_up = rows(source)
        sh(MARIADB_DUMP.format(**names), env, tmp_path)
        register_and_login(member, 1)  # after the dump: not in it
    assert sh(MARIADB_DUMP_CHECK.format(**names), env, tmp_path).startswith("-- Dump completed")
    assert counts(backed_up)["member"] == 4 and counts(backed_up)["auth_session"] == 1
    assert len(backed_up["alembic_version"]) == 1

    for command in MARIADB_RESTORE:
        sh(command.format(**names), env, tmp_path)
    restored_url = make_url(source).set(database=restored_database).render_as_string(hide_password=False)
    assert "database ready" in sh(INITDB, dict(env, EMALL_DATABASE_URL=restored_url), tmp_path)
    restored = rows(restored_url)
    assert_same_rows(restored, backed_up)
    assert restored["alembic_version"] == backed_up["alembic_version"]
    assert counts(rows(source))["member"] == 5  # the source went on; the restore is the dump's
