# The two commands of the README: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

#: What WeasyPrint (the bilan's PDF, app/web/bilan_document.py) needs from Debian: Pango,
#: HarfBuzz's subsetter and a font.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

.PHONY: install run test lint system-packages

# Installed with apt-get when missing and run as root; otherwise the apt-get line, and a failure.
system-packages:
	@missing=$$(for package in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q 'ok installed' || echo $$package; \
	done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "--- installing the Debian packages the bilan's PDF needs:" $$missing; \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "The bilan's PDF (WeasyPrint) needs these Debian packages; install them with:" >&2; \
			echo "  sudo apt-get install -y" $$missing >&2; \
			exit 1; \
		fi; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: system-packages $(STAMP)

run: install
	$(BIN)/boussole db upgrade
	$(BIN)/boussole seed
	$(BIN)/boussole serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app tests
	$(BIN)/lint-imports

# The suite runs on SQLite, then again on PostgreSQL when it is available: a server given by
# BOUSSOLE_TEST_DATABASE_URL, or a throw-away one started from the local PostgreSQL binaries.
test: lint
	$(BIN)/pytest
	@if [ -n "$$BOUSSOLE_TEST_DATABASE_URL" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "--- the same suite on PostgreSQL"; \
		BOUSSOLE_TEST_BACKEND=postgresql $(BIN)/pytest; \
	else \
		echo "--- PostgreSQL not found (apt-get install postgresql): ran on SQLite only"; \
	fi
