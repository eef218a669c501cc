# The two commands of the README, and the generators.
PYTHON ?= python3
VENV ?= .venv

.PHONY: serve test unit quick lint generate bench check-python

check-python:                 ## an older pip would install for minutes before failing: say it at once
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "emall-ws needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1)." \
	       "Name another with PYTHON=, e.g. make PYTHON=python3.11 serve" >&2; exit 2; }

$(VENV)/bin/emall-ws: setup.cfg pyproject.toml | check-python
	[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

serve: $(VENV)/bin/emall-ws   ## install, then serve on http://127.0.0.1:8000 (SQLite under ./var)
	$(VENV)/bin/emall-ws serve

test: check-python           ## install, then run the whole suite (SQLite, MariaDB, CPython 3.11-3.13)
	PYTHON=$(PYTHON) bash tests/run.sh

unit: $(VENV)/bin/emall-ws     ## the unit tests only: no database, no sockets, seconds
	$(VENV)/bin/python -m pytest -q tests/unit

quick: $(VENV)/bin/emall-ws    ## unit and integration tests (SQLite unless EMALL_TEST_MYSQL_URL): no server started
	$(VENV)/bin/python -m pytest -q tests/unit tests/integration

lint: $(VENV)/bin/emall-ws     ## ruff and mypy, as the suite's first stage runs them
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

generate: $(VENV)/bin/emall-ws ## regenerate wsdl/*.wsdl and schema.sql
	$(VENV)/bin/emall-ws export-wsdl
	$(VENV)/bin/emall-ws export-schema

bench: $(VENV)/bin/emall-ws    ## benchmarks (bench/README.md)
	$(VENV)/bin/python bench/run.py
