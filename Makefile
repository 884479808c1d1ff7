# The two set-up commands of the README: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# A test whose wait ran out on a saturated 2-core CI machine (a browser expectation, an HTTP read, wait_until)
# runs once more; a wrong value, status or count fails at once. Reruns are listed in the summary (R).
RERUN_ON_TIMEOUT := --reruns 1 -r R \
	--only-rerun '^(TimeoutError|ReadTimeout|ConnectTimeout|WriteTimeout|PoolTimeout)\b' \
	--only-rerun '^AssertionError: timed out after ' \
	--only-rerun '^AssertionError: (Locator|Page|Page URL|Page title) expected '

.PHONY: run test lint typecheck pytest bench openapi screenshots clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Okno needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/okno run

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy services contracts okno tests bench

pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadfile --durations=25 $(RERUN_ON_TIMEOUT) $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

openapi: $(STAMP)
	$(BIN)/okno openapi write

screenshots: $(STAMP)
	OKNO_DOCS_SCREENSHOTS=1 $(BIN)/pytest tests/browser -q

clean:
	rm -rf $(VENV) okno.db okno.db-wal okno.db-shm
