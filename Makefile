# Two entry points for a fresh machine: `make demo` and `make test`.
# Each creates or updates the virtual environment it needs by itself.
# Python >= 3.12 is required; `.python-version` makes pyenv's `python` resolve to 3.12.
PYTHON ?= python
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "pymc_bnn needs Python >= 3.12; found " + sys.version.split()[0] + " (set PYTHON=/path/to/python3.12)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pymc-bnn demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python benchmarks/likelihood_kernels.py

clean:
	rm -rf $(VENV)
