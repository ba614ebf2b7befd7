# The two set-up commands are `make run` and `make test`; both create the virtual environment,
# install what is needed and compile the catalogues first. Nothing else needs installing by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP_INSTALL = $(1)/bin/python -m pip install --quiet --disable-pip-version-check
PIP_CHECK = $(PY) -m pip check --disable-pip-version-check >/dev/null || { $(PY) -m pip check; \
	echo "error: the locks in requirements/ no longer satisfy pyproject.toml: run make lock" >&2; exit 1; }
# The locks (README "Dependencies"): every third-party package is installed from them, pinned
# and hash-checked; `make lock` rewrites them, `make audit` checks them for known advisories.
LOCK_PIP := requirements/pip.txt
LOCK_RUN := requirements/run.txt
LOCK_DEV := requirements/dev.txt
LOCK_TOOLS := requirements/tools.txt
# Reinstall when pyproject.toml or a lock changes.
checksum = $(shell cat $(1) | cksum | cut -d' ' -f1)
RUN_INSTALLED := $(VENV)/.installed-run-$(call checksum,pyproject.toml $(LOCK_PIP) $(LOCK_RUN))
DEV_INSTALLED := $(VENV)/.installed-dev-$(call checksum,pyproject.toml $(LOCK_PIP) $(LOCK_RUN) $(LOCK_DEV))
# pip-tools and pip-audit live in a virtual environment of their own, made only by `make lock`
# and `make audit`, so neither `make run` nor `make test` installs them.
TOOLS := $(VENV)/tools
TOOLS_INSTALLED := $(TOOLS)/.installed-$(call checksum,$(LOCK_PIP) $(LOCK_TOOLS))
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(TOOLS)/bin/pip-compile --quiet \
	--generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
	$(LOCK_ARGS)
PO_FILES := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test test-postgresql bench lint typecheck catalogues messages lock audit clean help

help:
	@echo "make run    - start the bot against the local sandbox and its web chat (main.py run --sandbox)"
	@echo "make test   - ruff, mypy and the whole test suite, on SQLite and on a throwaway PostgreSQL"
	@echo "make test-postgresql - the whole suite on PostgreSQL alone"
	@echo "make bench  - benchmarks, printing BENCH <name> <value> <unit> lines"
	@echo "make messages - extract new strings and merge them into every catalogue"
	@echo "make lock   - rewrite requirements/*.txt from pyproject.toml (LOCK_ARGS=--upgrade: newest allowed)"
	@echo "make audit  - pip-audit the locked packages against PyPI's advisory database"

$(PY):
	$(PYTHON) -m venv $(VENV)

# pip first (it installs the rest), then the runtime lock, then the project itself, editable,
# with no dependencies of its own to fetch and the locked setuptools as its build backend.
# pip check fails when the lock no longer satisfies pyproject.toml (run `make lock`).
$(RUN_INSTALLED): pyproject.toml $(LOCK_PIP) $(LOCK_RUN) | $(PY)
	$(call PIP_INSTALL,$(VENV)) --require-hashes -r $(LOCK_PIP)
	$(call PIP_INSTALL,$(VENV)) --require-hashes -r $(LOCK_RUN)
	$(call PIP_INSTALL,$(VENV)) --no-deps --no-build-isolation -e .
	@$(PIP_CHECK)
	rm -f $(VENV)/.installed-run-*
	touch $@

$(DEV_INSTALLED): $(LOCK_DEV) $(RUN_INSTALLED)
	$(call PIP_INSTALL,$(VENV)) --require-hashes -r $(LOCK_DEV)
	@$(PIP_CHECK)
	rm -f $(VENV)/.installed-dev-*
	touch $@

$(TOOLS_INSTALLED): $(LOCK_PIP) $(LOCK_TOOLS)
	$(PYTHON) -m venv $(TOOLS)
	$(call PIP_INSTALL,$(TOOLS)) --require-hashes -r $(LOCK_PIP)
	$(call PIP_INSTALL,$(TOOLS)) --require-hashes -r $(LOCK_TOOLS)
	rm -f $(TOOLS)/.installed-*
	touch $@

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po | $(RUN_INSTALLED)
	$(BIN)/pybabel compile --domain messages --directory locales --locale $*

catalogues: $(RUN_INSTALLED) $(MO_FILES)

messages: $(RUN_INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k format -k nformat:1,2 --no-location --sort-output \
		--project="Diaspora Outreach Bot" -o locales/messages.pot bot polls handlers broadcasts console
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete

run: catalogues
	$(PY) main.py run --sandbox --demo

lint: $(DEV_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_INSTALLED)
	$(BIN)/mypy

# PostgreSQL's server binaries: on PATH, or where Debian's postgresql package puts them.
HAS_POSTGRES = command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1

test: catalogues lint typecheck
	@command -v chromium >/dev/null 2>&1 || echo '*** NOTE: Chromium is not installed: the browser test will be SKIPPED (apt-get install chromium). ***'
	@$(HAS_POSTGRES) || echo '*** NOTE: PostgreSQL is not installed: the tests on PostgreSQL will be SKIPPED (apt-get install postgresql). ***'
	$(COMPILE)
	$(PYTEST) $(PYTEST_WORKERS)

# The tests start hundreds of Python processes (bots, the command line, benchmarks). Where
# PYTHONDONTWRITEBYTECODE is set (CI's machines set it), each one compiled every module of
# the project again: about a quarter of a second of CPU per start. So the code is compiled
# once before the run, and the run may keep what it compiles (__pycache__ is git-ignored).
COMPILE = $(PY) -m compileall -q -j 0 bot handlers broadcasts sandbox benchmarks tests main.py
PYTEST = env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest

# Three test processes per core: most tests wait on sockets, subprocesses and the database
# server far more than they compute, so with one per core the cores sit half idle. An idle
# process takes tests from a busy one's queue (worksteal), so no long test starts last alone.
PYTEST_WORKERS = --numprocesses $(shell echo $$(( $$(nproc) * 3 ))) --dist worksteal

# The whole suite with every test's database on a throwaway PostgreSQL server alone
# (make test runs every test with a database on both engines).
test-postgresql: catalogues
	@$(HAS_POSTGRES) || { echo 'error: PostgreSQL is not installed (apt-get install postgresql)' >&2; exit 1; }
	$(COMPILE)
	BOT_TEST_BACKENDS=postgresql $(PYTEST) $(PYTEST_WORKERS)

bench: catalogues
	$(PY) -m benchmarks

# Keeps every pin that still satisfies pyproject.toml; LOCK_ARGS=--upgrade moves everything to
# the newest release allowed, LOCK_ARGS='--upgrade-package NAME' just one package.
lock: $(TOOLS_INSTALLED)
	$(PIP_COMPILE) --output-file $(LOCK_PIP) requirements/pip.in
	$(PIP_COMPILE) --build-deps-for editable --output-file $(LOCK_RUN) pyproject.toml
	$(PIP_COMPILE) --build-deps-for editable --extra dev --constraint $(LOCK_RUN) \
		--output-file $(LOCK_DEV) pyproject.toml
	$(PIP_COMPILE) --constraint $(LOCK_PIP) --output-file $(LOCK_TOOLS) requirements/tools.in

audit: $(TOOLS_INSTALLED)
	@$(TOOLS)/bin/python requirements/check_advisory_source.py
	$(TOOLS)/bin/pip-audit --strict --disable-pip --require-hashes --progress-spinner off \
		-r $(LOCK_PIP) -r $(LOCK_DEV) -r $(LOCK_TOOLS)

clean:
	rm -rf $(VENV) $(MO_FILES) .mypy_cache .ruff_cache .pytest_cache
