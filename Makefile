# Outcry: `make demo` sets everything up and runs the demo; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo install install-dev test lint bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	DEBUG=1 $(BIN)/outcry migrate --no-input -v0
	DEBUG=1 $(BIN)/outcry demo_load
	DEBUG=1 $(BIN)/outcry serve_demo

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	env -u DATABASE_URL DEBUG=1 $(BIN)/outcry makemigrations --check --dry-run -v0

test: install-dev
	bash scripts/ensure-chromium.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install-dev
	bash scripts/ensure-wrk.sh
	$(BIN)/python bench/run.py
	$(BIN)/python bench/delivery_package.py
	$(BIN)/python bench/mailing.py

# Interface translations: edit src/outcry/locale/*/LC_MESSAGES/django.po (or an app's own
# src/outcry/<app>/locale/), then run this; it compiles every catalogue under src/outcry.
messages: install-dev
	cd src/outcry && OUTCRY_VAR_DIR=$(CURDIR)/var ../../$(BIN)/outcry compilemessages -v0

clean:
	rm -rf $(VENV) var
