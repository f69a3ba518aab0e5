# Outcry: `make demo` sets everything up and runs the demo; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo install install-dev test lint bench messages clean

# A production environment for `check --deploy` (DEBUG off, HTTPS, every secret set; the
# values are placeholders the check never uses), run as each tier.
DEPLOY_CHECK_ENV := env -u DATABASE_URL DEBUG=0 HTTPS=1 SITE_URL=https://outcry.example \
	ALLOWED_HOSTS=outcry.example CLIENT_IP_HEADER=HTTP_X_FORWARDED_FOR \
	SECRET_KEY=deploy-check-placeholder-0123456789abcdefghijklmnopqrstuvwxyz \
	PERSONAL_DATA_PUBLIC_KEY=deploy-check-placeholder BLIND_INDEX_KEY=deploy-check-placeholder \
	IP_HASH_KEY=deploy-check-placeholder

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
	$(DEPLOY_CHECK_ENV) OUTCRY_TIER=staff PERSONAL_DATA_PRIVATE_KEYS=deploy-check-placeholder \
		$(BIN)/outcry check --deploy --fail-level WARNING
	$(DEPLOY_CHECK_ENV) OUTCRY_TIER=public PERSONAL_DATA_PRIVATE_KEYS= ADMIN_ENABLED=0 \
		$(BIN)/outcry check --deploy --fail-level WARNING

test: install-dev
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-nginx.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install-dev
	bash scripts/ensure-wrk.sh
	$(BIN)/python bench/run.py
	$(BIN)/python bench/run.py --backend postgres
	$(BIN)/python bench/delivery_package.py --signatures 1000000
	$(BIN)/python bench/mailing.py
	$(BIN)/python bench/scale_out.py

# Interface translations: edit src/outcry/locale/*/LC_MESSAGES/django.po (or an app's own
# src/outcry/<app>/locale/), then run this; it compiles every catalogue under src/outcry.
messages: install-dev
	cd src/outcry && OUTCRY_VAR_DIR=$(CURDIR)/var ../../$(BIN)/outcry compilemessages -v0

clean:
	rm -rf $(VENV) var
