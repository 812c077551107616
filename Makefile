# The two commands: `make run` (the product, embedded default, demo data) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
INSTALL_LOG := $(VENV)/install.log
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
NPM_CI := npm ci --no-audit --no-fund --loglevel=error

.PHONY: run test check install clean loadtest prerequisites

# Run a step with its output in the install log; print the log only when it fails.
logged = { $(1); } >>$(INSTALL_LOG) 2>&1 || { \
	echo "install failed: the end of $(INSTALL_LOG) says" >&2; tail -n 40 $(INSTALL_LOG) >&2; exit 1; }

prerequisites:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "Freight needs Python 3.11 or newer as $(PYTHON) (make PYTHON=python3.12 ...)" >&2; exit 1; }
	@command -v npm >/dev/null || { \
		echo "Freight needs Node.js 20 and npm for the web app's packages (https://nodejs.org)" >&2; exit 1; }

$(BIN)/python:
	@$(MAKE) --no-print-directory prerequisites
	@$(PYTHON) -m venv $(VENV)

# What running needs: Freight and its runtime dependencies, the browser packages.
$(RUN_STAMP): pyproject.toml package-lock.json | $(BIN)/python
	@echo "installing Freight and the web app's packages into $(VENV) (once; log: $(INSTALL_LOG))"
	@$(call logged,$(PIP) -e . && $(NPM_CI) --omit=dev)
	@touch $@

# What testing and checking add: the dev extra (pytest, ruff, mypy, Playwright...), axe-core.
$(DEV_STAMP): $(RUN_STAMP)
	@echo "installing the test and lint tools (once; log: $(INSTALL_LOG))"
	@$(call logged,$(PIP) -e '.[dev]' && $(NPM_CI))
	@touch $@

install: $(DEV_STAMP) ## create .venv, install Freight with its test tools, and the npm packages

run: $(RUN_STAMP) ## serve on http://127.0.0.1:8000 (SQLite, demo data, no other service)
	@$(BIN)/freight serve --demo

# One pytest-xdist worker per core; TEST_WORKERS=0 runs in this process (for -x, --pdb).
TEST_WORKERS ?= auto

test: $(DEV_STAMP) ## the whole suite (PostgreSQL/Redis when FREIGHT_TEST_* are set)
	$(BIN)/pytest -n $(TEST_WORKERS) $(ARGS)

check: $(DEV_STAMP) ## lint, format and type checks
	$(BIN)/ruff check src tests loadtest bench
	$(BIN)/ruff format --check src tests loadtest bench
	$(BIN)/mypy
	$(BIN)/lint-imports

loadtest: $(DEV_STAMP) ## the release load test (PostgreSQL + Redis): make loadtest ARGS="--users 50 --duration 5m"
	$(BIN)/python loadtest/run.py $(ARGS)

clean:
	rm -rf $(VENV) node_modules data logs .pytest_cache .mypy_cache .ruff_cache
