# The two commands of the README, and the generators.
PYTHON ?= python3
VENV ?= .venv

.PHONY: serve test generate bench

$(VENV)/bin/emall-ws: setup.cfg pyproject.toml
	[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

serve: $(VENV)/bin/emall-ws   ## install, then serve on http://127.0.0.1:8000 (SQLite under ./var)
	$(VENV)/bin/emall-ws serve

test:                         ## install, then run the whole suite (SQLite, MariaDB, CPython 3.11-3.13)
	bash tests/run.sh

generate: $(VENV)/bin/emall-ws ## regenerate wsdl/*.wsdl and schema.sql
	$(VENV)/bin/emall-ws export-wsdl
	$(VENV)/bin/emall-ws export-schema

bench: $(VENV)/bin/emall-ws    ## benchmarks (bench/README.md)
	$(VENV)/bin/python bench/run.py
