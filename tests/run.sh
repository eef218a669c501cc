#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs, then runs pytest
#   0. ruff and mypy, which must find nothing,
#   1. on SQLite with the default python3 (3.11+),
#   2. on MariaDB (EMALL_TEST_MYSQL_URL, default root@127.0.0.1:3306) in throw-away databases,
#   3. on a 3-node MariaDB Galera cluster on loopback ports (deploy/galera.py, run as root: its nodes
#      run as the mysql user): EMALL_GALERA_SUITE on node 1, then two servers on two nodes racing,
#      and a node killed under load (tests/e2e/test_galera_two_nodes.py),
#   4. on SQLite with CPython 3.12 and 3.13 (found on PATH or through pyenv).
# Under CI=true a missing MariaDB or interpreter fails the run; elsewhere it is reported and passed over.
set -euo pipefail
cd "$(dirname "$0")/.."

# pytest-xdist: a stage's test files spread over worker processes, each file's tests on one worker (its
# module fixtures, e.g. a served platform, started once). EMALL_TEST_WORKERS=0 runs a stage in one process.
PARALLEL=(-n "${EMALL_TEST_WORKERS:-3}" --dist loadfile)
suite() {  # python: the whole suite, the tests that bound wall-clock seconds (marked timing) alone after the rest
  "$1" -m pytest -q "${PARALLEL[@]}" -m "not galera and not timing"
  "$1" -m pytest -q -m "timing and not galera"
}

MYSQL_URL=${EMALL_TEST_MYSQL_URL:-mysql+pymysql://root@127.0.0.1:3306}
unset EMALL_TEST_MYSQL_URL  # set only for the MariaDB pass
export EMALL_TEST_DB_PREFIX="emall_t$(date +%s)_$$"
CI=${CI:-false}
unset EMALL_DATABASE_URL EMALL_PUBLIC_URL  # tests choose their own

say() { printf '\n=== %s\n' "$*"; }
missing() {  # what: fail in CI, note elsewhere
  if [ "$CI" = "true" ]; then echo "FAILED: $1" >&2; exit 1; fi
  echo "NOT RUN (not in CI): $1" >&2
}

venv_for() {  # interpreter venv-dir: a virtualenv with the platform and its test tools
  [ -x "$2/bin/python" ] || "$1" -m venv "$2"
  "$2/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[test]"
}

find_python() {  # 3.12 -> a working CPython 3.12 interpreter, or nothing
  local candidate
  for candidate in $(command -v pyenv >/dev/null 2>&1 && ls -d "$(pyenv root)/versions/$1".*/bin/"python$1" 2>/dev/null | sort -rV) \
                   $(command -v "python$1" 2>/dev/null); do
    if "$candidate" -c 'import sys' >/dev/null 2>&1; then echo "$candidate"; return; fi
  done
}

drop_leftover_databases() {
  [ -x .venv/bin/python ] || return 0
  EMALL_TEST_MYSQL_URL="$MYSQL_URL" .venv/bin/python - <<'PY' || true
import os
from sqlalchemy import create_engine, text
engine = create_engine(os.environ["EMALL_TEST_MYSQL_URL"], isolation_level="AUTOCOMMIT")
try:
    with engine.connect() as c:
        for (name,) in c.execute(text("SHOW DATABASES LIKE :p"), {"p": os.environ["EMALL_TEST_DB_PREFIX"] + "%"}):
            c.execute(text(f"DROP DATABASE `{name}`"))
except Exception:
    pass
PY
}
GALERA_DIR=""
stop_galera() {
  [ -n "$GALERA_DIR" ] || return 0
  [ -x .venv/bin/python ] && .venv/bin/python deploy/galera.py stop "$GALERA_DIR" || true
  rm -rf "$GALERA_DIR"
}
trap 'drop_leftover_databases; stop_galera' EXIT

PYTHON=${PYTHON:-python3}
say "install ($PYTHON: $($PYTHON --version))"
venv_for "$PYTHON" .venv

say "lint and types (ruff, mypy: configured in pyproject.toml)"
.venv/bin/ruff check .
.venv/bin/mypy

say "suite on SQLite, $(.venv/bin/python --version)"
suite .venv/bin/python

say "suite on MariaDB ($MYSQL_URL)"
if .venv/bin/python -c "import sys, sqlalchemy; sqlalchemy.create_engine(sys.argv[1]).connect().close()" \
    "$MYSQL_URL" 2>/dev/null; then
  EMALL_TEST_MYSQL_URL="$MYSQL_URL" suite .venv/bin/python
else
  missing "MariaDB is not reachable at $MYSQL_URL"
fi

# the suite's tests of races and of every service's transactions: the rest adds time, not Galera cases
GALERA_SUITE=${EMALL_GALERA_SUITE:-tests/integration tests/e2e/test_checkout_race.py tests/e2e/test_auction_race.py}
say "suite on a 3-node MariaDB Galera cluster: $GALERA_SUITE on node 1, then two servers on two nodes"
have_all() { local tool; for tool; do command -v "$tool" >/dev/null || return 1; done; }
if [ "$(id -u)" = 0 ] && have_all mariadbd rsync haproxy socat && [ -e /usr/lib/galera/libgalera_smm.so ]; then
  GALERA_DIR=/tmp/emall-galera-stage  # one folder: a cluster an interrupted run left there is stopped first
  node1=$(.venv/bin/python deploy/galera.py start "$GALERA_DIR" | sed -n 1p)
  # shellcheck disable=SC2086  # the suite is a list of paths
  EMALL_TEST_MYSQL_URL="$node1" .venv/bin/python -m pytest -q "${PARALLEL[@]}" $GALERA_SUITE
  EMALL_TEST_MYSQL_URL="$node1" EMALL_TEST_GALERA_DIR="$GALERA_DIR" \
    .venv/bin/python -m pytest -q -m galera tests/e2e/test_galera_two_nodes.py
  stop_galera
  GALERA_DIR=""
else
  missing "the Galera stage needs root, mariadbd, galera-4, rsync, haproxy and socat (apt-get install mariadb-server galera-4 rsync haproxy socat)"
fi

for version in 3.12 3.13; do
  interpreter=$(find_python "$version" || true)
  if [ -z "$interpreter" ]; then missing "no CPython $version found"; continue; fi
  say "suite on SQLite, CPython $version ($interpreter)"
  venv_for "$interpreter" ".venv-$version"
  suite ".venv-$version/bin/python"
done
