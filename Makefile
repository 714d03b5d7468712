# The two commands: `make demo` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_DIR ?= var/demo
PREFERO_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export PREFERO_TEST_POSTGRES_URL
PYTEST_WORKERS ?= 2

.PHONY: demo test lint typecheck pytest browser postgres bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,sequential]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/prefero demo --port $(PORT) --data-dir $(DEMO_DIR)

test: $(BIN)/.installed browser postgres lint typecheck pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests

typecheck: $(BIN)/.installed
	$(BIN)/mypy src

pytest: $(BIN)/.installed
	$(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider
	$(BIN)/pytest -q -p no:cacheprovider --doctest-modules src --ignore=src/prefero/db/migrations --ignore=src/prefero/api/asgi.py

# Browser tests drive Debian's chromium; install it when missing and we may.
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium" >&2; exit 1; fi; }

# The PostgreSQL half of the suite needs the local server; start it when it is installed but down.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || { \
	  command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || true; }

bench: $(BIN)/.installed
	$(BIN)/prefero bench all

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
