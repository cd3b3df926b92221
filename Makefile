# Two commands for a fresh machine with only Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install lint bench fuzz chaos soak clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Migrate, load the demo organization (idempotent) and serve on HOST:PORT (embedded PostgreSQL without DATABASE_URL).
run: $(STAMP)
	$(BIN)/chapterhouse dev

lint: $(STAMP)
	$(BIN)/ruff check src tests migrations bench scripts
	$(BIN)/mypy src
	$(BIN)/lint-imports --config importlinter.ini

## Lint, type-check, layering, then every test (real PostgreSQL and Redis: from the environment, else embedded).
test: lint
	$(BIN)/python -m pytest -q -p no:cacheprovider

## Schemathesis at depth (the test suite runs the same at FUZZ_EXAMPLES=10 per operation).
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-300} $(BIN)/python -m pytest -q -p no:cacheprovider tests/fuzz

bench: $(STAMP)
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

## Fault injection on loopback: 2 API processes, a worker, our own Redis; kill -9, restarts; verifies effects (docs/operations.md).
chaos: $(STAMP)
	$(BIN)/python scripts/chaos.py

## Soak on loopback: 2 API processes, a worker, the scheduler, mixed traffic for SOAK_MINUTES (default 10); checks with SQL.
soak: $(STAMP)
	$(BIN)/python scripts/soak.py --minutes $${SOAK_MINUTES:-10}

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
