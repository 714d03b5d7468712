# The two commands: `make demo` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_DIR ?= var/demo
PREFERO_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export PREFERO_TEST_POSTGRES_URL
PYTEST_WORKERS ?= 2

.PHONY: demo test lint typecheck pytest browser nginx postgres bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,sequential]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/prefero demo --port $(PORT) --data-dir $(DEMO_DIR)

test: $(BIN)/.installed browser nginx postgres lint typecheck pytest

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

# The deployment test (tests/deploy) runs nginx as an ordinary process with its own run folder
# and ports; install Debian's when missing and we may. The package would start a system nginx
# on port 80, which nothing here uses: a policy-rc.d (unless one exists) keeps it stopped.
nginx:
	@test -x /usr/sbin/nginx || command -v nginx >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    own=; [ -e /usr/sbin/policy-rc.d ] || { own=1; printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; status=$$?; \
	    [ -z "$$own" ] || rm -f /usr/sbin/policy-rc.d; exit $$status; \
	  else echo "nginx is missing: sudo apt-get install nginx-light" >&2; exit 1; fi; }

# The PostgreSQL half of the suite needs the local server; start it when it is installed but down.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || { \
	  command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || true; }

bench: $(BIN)/.installed
	$(BIN)/prefero bench all

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
