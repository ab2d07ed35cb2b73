# labelkit: `make demo` runs the quickstart against the embedded server; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GENERATED := src/labelkit/_generated

.PHONY: install test check-codegen codegen lint unit pytest demo bench serve clean

$(BIN)/labelkit: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/labelkit

codegen: install
	rm -rf $(GENERATED)
	$(BIN)/ariadne-codegen --config codegen.toml > /dev/null

# Regenerates from scratch (stale modules are never deleted by the generator) and fails on any drift.
check-codegen: codegen
	@git diff --exit-code --stat -- $(GENERATED) || { echo "generated code is out of date: run 'make codegen' and commit"; exit 1; }
	@untracked=$$(git status --porcelain --untracked-files=all -- $(GENERATED)); \
	  [ -z "$$untracked" ] || { echo "untracked generated files:"; echo "$$untracked"; exit 1; }

lint: install
	$(BIN)/ruff check src tests examples benchmarks codegen
	$(BIN)/ruff format --check src tests examples benchmarks codegen
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

test: check-codegen lint pytest

demo: install
	$(BIN)/python examples/demo.py

bench: install
	$(BIN)/python benchmarks/run.py

serve: install
	$(BIN)/labelkit serve

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
