"""The `emall-ws` command's offline sub-commands, run as a user runs them."""
import os
import subprocess
import sys

from sqlalchemy import create_engine, inspect

from emall_ws.db.migrate import current, head
from emall_ws.db.models import Base


def run(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "emall_ws.cli", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120, check=True)


def test_initdb_creates_every_table_in_the_embedded_default_at_the_newest_revision(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMALL_")}
    done = run("initdb", env=env, cwd=tmp_path)
    assert done.stdout.splitlines()[0] == f"emall-ws: created the schema at revision {head()}"
    engine = create_engine(f"sqlite:///{tmp_path / 'var' / 'emall.db'}")
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}
    with engine.connect() as connection:
        assert current(connection) == head()
    engine.dispose()


def test_export_commands_write_what_is_committed(tmp_path):
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    run("export-wsdl", "--out", str(tmp_path / "wsdl"))
    run("export-schema", "--out", str(tmp_path / "schema.sql"))
    for committed in (root / "wsdl").glob("*.wsdl"):
        assert (tmp_path / "wsdl" / committed.name).read_bytes() == committed.read_bytes()
    assert (tmp_path / "schema.sql").read_text() == (root / "schema.sql").read_text()


def test_settings_lists_every_environment_variable():
    from emall_ws.config import SETTINGS
    output = run("settings").stdout
    assert all(setting.name in output for setting in SETTINGS)


def test_settings_prints_the_readmes_table():
    from emall_ws.config import settings_table
    assert run("settings", "--markdown").stdout == settings_table() + "\n"


def test_make_refuses_an_older_python_at_once_naming_it(tmp_path):
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    old = tmp_path / "python"  # answers as CPython 3.10 does to the two questions make asks
    old.write_text('#!/bin/sh\n[ "$1" = "--version" ] && { echo "Python 3.10.13"; exit 0; }\n'
                   "exec python3 -c 'import sys; sys.exit(1)'\n")
    old.chmod(0o755)
    for target in ("serve", "test"):
        result = subprocess.run(["make", "--no-print-directory", f"PYTHON={old}", f"VENV={tmp_path / 'venv'}",
                                 target], cwd=root, capture_output=True, text=True, timeout=30)
        assert result.returncode != 0
        assert "needs Python 3.11 or newer" in result.stderr and "Python 3.10.13" in result.stderr
        assert not (tmp_path / "venv").exists()
