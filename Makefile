# The two commands: `make run` (the product, embedded default, demo data) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check install clean loadtest

$(STAMP): pyproject.toml package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

install: $(STAMP) ## create .venv, install Freight with its test tools, and the npm packages

run: $(STAMP) ## serve on http://127.0.0.1:8000 (SQLite, demo data, no other service)
	$(BIN)/freight serve --demo

# One pytest-xdist worker per core; TEST_WORKERS=0 runs in this process (for -x, --pdb).
TEST_WORKERS ?= auto

test: $(STAMP) ## the whole suite (PostgreSQL/Redis when FREIGHT_TEST_* are set)
	$(BIN)/pytest -n $(TEST_WORKERS) $(ARGS)

check: $(STAMP) ## lint, format and type checks
	$(BIN)/ruff check src tests loadtest bench
	$(BIN)/ruff format --check src tests loadtest bench
	$(BIN)/mypy
	$(BIN)/lint-imports

loadtest: $(STAMP) ## the release load test (PostgreSQL + Redis): make loadtest ARGS="--users 50 --duration 5m"
	$(BIN)/python loadtest/run.py $(ARGS)

clean:
	rm -rf $(VENV) node_modules data logs .pytest_cache .mypy_cache .ruff_cache
