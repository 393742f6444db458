# The two commands of the README: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

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
