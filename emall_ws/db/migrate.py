"""The schema's revisions (Alembic, emall_ws/db/migrations): upgrade a database, write the DDL for a
DBA, and check at start that a database and the code agree.

A database made before the revisions existed (tables but no alembic_version) is taken to be at
BASELINE, the schema the first revision creates. After every upgrade the database is compared
with the models: a difference left (a database older than the baseline, a hand-made change) is
an error naming it, never a silent "ready".
"""
from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url

from emall_ws.db import product_terms
from emall_ws.db.models import Base
from emall_ws.db.session import Database

BASELINE = "0001"
VERSION_TABLE = "alembic_version"
CREATED = "created the schema at revision"  # what `upgrade` says of an empty database
# MariaDB/MySQL: one migration of a database at a time across processes and machines; a lock's name is
# the server's (64 characters at most), so it names the database: others on the server migrate meanwhile
_LOCK = "emall_ws.migrate:"
_LOCK_SECONDS = 60


class SchemaOutOfDate(Exception):
    """The database's revision is not the code's: one line saying what to do."""


class SchemaMismatch(Exception):
    """After the upgrade, the database still differs from the models."""


def alembic_config(**attributes) -> Config:
    """Alembic's configuration for the platform's revisions; `attributes` reach env.py (connection ...)."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    config.attributes.update(attributes)
    return config


def for_dialect(dialect: str):
    """Alembic's include_object for a database of `dialect`: leaves out of autogenerate and of the
    comparison what the models create on other databases only (`ddl_if`)."""
    def include(obj, name, type_, reflected, _compare_to) -> bool:
        only_on = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
        return only_on is None or only_on == dialect
    return include


def head() -> str:
    current = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current is not None  # the platform ships its revisions
    return current


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _has_tables(connection: Connection) -> bool:
    return bool(set(inspect(connection).get_table_names()) - {VERSION_TABLE})


def upgrade(db: Database) -> list[str]:
    """Brings the database to the newest revision; what was done, one line each (empty: nothing)."""
    done: list[str] = []

    def applied(*, step, **_):
        done.append(f"applied {step.up_revision_id}: {step.up_revision.doc}")

    with _migrating(db) as connection:
        if not _has_tables(connection):
            _create(connection)
            return [f"{CREATED} {head()}"]
        if current(connection) is None:
            command.stamp(alembic_config(connection=connection), BASELINE)
            done.append(f"a database without revisions taken to be at the baseline {BASELINE}")
        command.upgrade(alembic_config(connection=connection, on_version_apply=applied), "head")
        differences = compare_metadata(MigrationContext.configure(connection, opts={
            "include_object": for_dialect(connection.dialect.name), "compare_type": True}), Base.metadata)
        if product_terms.missing(connection):  # revision 0006's table (made again by 0007), new here or made by a DBA
            done.append(f"made the text index of {product_terms.fill(connection)} products")
    if differences:
        raise SchemaMismatch(f"the database still differs from the models after the upgrade: {differences}")
    return done


def upgrade_sql(db: Database) -> str:
    """The DDL that `upgrade` would run on this MariaDB/MySQL database, for a DBA to review and run.
    SQLite has none to give: its ALTERs copy tables, which needs the live database."""
    if db.engine.dialect.name == "sqlite":
        raise SchemaOutOfDate("`emall-ws migrate --sql` writes DDL for MariaDB/MySQL; the embedded SQLite "
                              "database is upgraded by `emall-ws migrate` itself")
    with db.engine.connect() as connection:
        start = current(connection)
        unversioned = start is None and _has_tables(connection)
    output = io.StringIO()
    config = alembic_config()
    config.output_buffer = output
    config.set_main_option("sqlalchemy.url", make_url(db.engine.url).render_as_string(hide_password=False)
                           .replace("%", "%%"))
    if unversioned:  # as `upgrade` does: the revision table first, at the baseline
        command.stamp(config, BASELINE, sql=True)
        start = BASELINE
    command.upgrade(config, f"{start}:head" if start else "head", sql=True)
    return output.getvalue()


def check(db: Database, variable: str, *, upgrade_allowed: bool) -> list[str]:
    """At start: a database at the code's revision passes; an empty one gets the newest schema; an
    older one is upgraded when `upgrade_allowed` (the embedded SQLite), else refused with
    SchemaOutOfDate naming `emall-ws migrate`; a newer one is always refused. Returns what was done."""
    with db.engine.connect() as connection:
        empty, at = not _has_tables(connection), current(connection)
    code = head()
    if at == code:
        return []
    if at is not None and at not in {script.revision for script in
                                     ScriptDirectory.from_config(alembic_config()).walk_revisions()}:
        raise SchemaOutOfDate(f"{variable}: the database is at revision {at}, newer than this code's {code}: "
                              "run the newer emall-ws, or restore the database it was made from")
    if empty or upgrade_allowed:
        return upgrade(db)
    raise SchemaOutOfDate(f"{variable}: the database is at revision {at or BASELINE + ' (made before revisions)'}, "
                          f"this code needs {code}: run `emall-ws migrate` first")


def create(db: Database) -> None:
    """The newest schema in an empty database, marked current; a database with tables is left alone."""
    with _migrating(db) as connection:
        if not _has_tables(connection):
            _create(connection)


def _create(connection: Connection) -> None:
    Base.metadata.create_all(connection)
    command.stamp(alembic_config(connection=connection), "head")


def new_revision(message: str) -> Path:
    """A revision file (autogenerated: the models against a scratch database at the newest revision)
    in emall_ws/db/migrations/versions, numbered after the newest; to be read and adjusted."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        scratch = Database(f"sqlite:///{folder}/scratch.db")
        with scratch.engine.begin() as connection:
            command.upgrade(alembic_config(connection=connection), "head")
            config = alembic_config(connection=connection)
            config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
            script = command.revision(config, message=message, autogenerate=True, rev_id=f"{int(head()) + 1:04d}")
        scratch.engine.dispose()
    assert isinstance(script, Script)  # one revision asked for, one made
    return Path(script.path)


@contextmanager
def _migrating(db: Database) -> Iterator[Connection]:
    """A connection in a transaction for the upgrade. SQLite: its BEGIN IMMEDIATE serializes
    migrating processes, and foreign keys are off meanwhile (a batch alteration copies a table and
    drops the old one, which rows elsewhere refer to), then checked. MariaDB/MySQL, whose DDL
    commits by itself: a named lock serializes them instead."""
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        driver = connection.connection.driver_connection
        if sqlite and driver is not None:  # only outside a transaction does SQLite take it
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            lock = (_LOCK + (connection.engine.url.database or ""))[:64]
            with connection.begin():
                if not sqlite and connection.execute(text("SELECT GET_LOCK(:name, :seconds)"), {
                        "name": lock, "seconds": _LOCK_SECONDS}).scalar() != 1:
                    raise SchemaOutOfDate(f"another `emall-ws migrate` held the lock for {_LOCK_SECONDS} s")
                try:
                    yield connection
                    if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                        raise SchemaMismatch("the upgrade left rows whose foreign keys point nowhere")
                finally:
                    if not sqlite:
                        connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": lock})
        finally:
            if sqlite and driver is not None:
                driver.execute("PRAGMA foreign_keys=ON")
