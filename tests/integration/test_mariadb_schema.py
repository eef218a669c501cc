"""schema.sql builds the models' database on MariaDB, and MariaDB engines are set up as docs/production.md says."""
import re
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from emall_ws.db.models import Base
from emall_ws.db.session import create_platform_engine
from tests.databases import backend

SCHEMA_SQL = (Path(__file__).resolve().parents[2] / "schema.sql").read_text(encoding="utf-8")


def statements(sql: str) -> list[str]:
    code = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    return [s.strip() for s in code.split(";\n") if s.strip()]


def test_mariadb_engines_ping_recycle_speak_utf8mb4_and_read_committed():
    engine = create_platform_engine("mysql+pymysql://emall@127.0.0.1:3306/emall")  # connects lazily
    assert engine.url.query["charset"] == "utf8mb4"
    assert engine.pool._pre_ping is True
    assert engine.pool._recycle == 1800
    assert engine.dialect._on_connect_isolation_level == "READ COMMITTED"
    engine.dispose()


def test_schema_sql_builds_every_table_and_column_of_the_models(database_factory):
    expected = {table.name: {column.name for column in table.columns} for table in Base.metadata.sorted_tables}
    if backend() != "mariadb":  # schema.sql is MariaDB's DDL: here, only its text is checked
        created = re.findall(r"CREATE TABLE `?(\w+)`?", SCHEMA_SQL)
        assert sorted(created) == sorted(expected)
        return
    url = database_factory.new_url("schema_sql")
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in statements(SCHEMA_SQL):
            connection.execute(text(statement))
    inspector = inspect(engine)
    assert {name: {c["name"] for c in inspector.get_columns(name)} for name in inspector.get_table_names()} \
        == expected
    engine.dispose()

    platform = create_platform_engine(url)  # and a 4-byte character survives the round trip
    with platform.begin() as connection:
        connection.execute(text("CREATE TABLE utf8_check (v VARCHAR(10)) CHARACTER SET utf8mb4"))
        connection.execute(text("INSERT INTO utf8_check VALUES ('kopi ☕🙂')"))
        assert connection.execute(text("SELECT v FROM utf8_check")).scalar_one() == "kopi ☕🙂"
    platform.dispose()
