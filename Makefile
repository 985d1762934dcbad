# Two commands for a fresh machine:
#   make demo   - install into .venv and run the kit on the bundled sample data
#   make test   - install into .venv (with test tools) and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test lint sample bench clean

$(BIN)/infoview: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

demo: $(BIN)/infoview
	$(BIN)/infoview demo --out out

lint: $(BIN)/infoview
	$(BIN)/ruff check infoview_analytics tests

test: $(BIN)/infoview lint
	$(BIN)/python -m pytest

# Regenerate the bundled sample data (deterministic; seed 2024).
sample: $(BIN)/infoview
	$(BIN)/python -m infoview_analytics.sample data

# Speed and scale benchmark (see benchmarks/run.py; about 8 min on 2 cores, inputs
# generated and cached by the first run included).
bench: $(BIN)/infoview
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
