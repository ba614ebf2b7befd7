# The two set-up commands are `make run` and `make test`; both create the virtual environment,
# install what is needed and compile the catalogues first. Nothing else needs installing by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Reinstall when pyproject.toml changes.
INSTALLED := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PO_FILES := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test bench lint typecheck catalogues messages clean help

help:
	@echo "make run    - start the bot (the sandbox and its web chat without TELEGRAM_BOT_TOKEN)"
	@echo "make test   - ruff, mypy and the whole test suite"
	@echo "make bench  - benchmarks, printing BENCH <name> <value> <unit> lines"
	@echo "make messages - extract new strings and merge them into every catalogue"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po | $(INSTALLED)
	$(BIN)/pybabel compile --domain messages --directory locales --locale $*

catalogues: $(INSTALLED) $(MO_FILES)

messages: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output \
		--project="Diaspora Outreach Bot" -o locales/messages.pot bot handlers broadcasts
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete

run: catalogues
	$(PY) main.py run --sandbox

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

test: catalogues lint typecheck
	@command -v chromium >/dev/null 2>&1 || echo '*** NOTE: Chromium is not installed: the browser test will be SKIPPED (apt-get install chromium). ***'
	$(BIN)/pytest

bench: catalogues
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) $(MO_FILES) .mypy_cache .ruff_cache .pytest_cache
