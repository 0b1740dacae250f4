PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench console demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/crm-bot run

console: $(STAMP)
	$(BIN)/crm-bot console

# The console with a seeded team (three people, a pipeline, tasks): the quickest way to try the bot.
demo: $(STAMP)
	$(BIN)/crm-bot console --demo

# Two processes: the machine's two cores (each has its own private databases).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2

# The same checks as CI and the pre-commit hook: lint (with complexity), format, types, import layers.
lint: $(STAMP)
	$(BIN)/ruff check bot handlers models tests bench
	$(BIN)/ruff format --check bot handlers models tests bench
	$(BIN)/mypy bot models handlers
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
