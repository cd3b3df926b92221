# Two commands for a fresh machine with only Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# uv installs exactly what uv.lock pins. A uv on PATH is used as it is; otherwise the pinned one is installed
# from PyPI into .tools (no system change). Never a Python download: the machine's python3 builds the venv.
UV_VERSION := 0.13.9
UV     ?= $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never
# Byte-compile at install, as pip does: where PYTHONDONTWRITEBYTECODE is set, nothing else ever writes the .pyc
# files and every start would compile SQLAlchemy & co. again (measured: 2-3x slower imports).
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test install lint lock lock-check bench fuzz chaos clean

.tools/bin/uv:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target .tools uv==$(UV_VERSION)

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra dev --python $(PYTHON) --quiet
	touch $(STAMP)

install: $(STAMP)

## After changing dependencies in pyproject.toml: re-resolve uv.lock (commit both).
lock: | $(UV)
	$(UV) lock

lock-check: | $(UV)
	$(UV) lock --check

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

clean:
	rm -rf $(VENV) .tools .data .pytest_cache .mypy_cache .ruff_cache
