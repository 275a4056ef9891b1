# Two entry points for a fresh machine: `make demo` and `make test`.
# Each creates or updates the virtual environment it needs by itself.
# Python >= 3.12 is required; `.python-version` makes pyenv's `python` resolve to 3.12.
PYTHON ?= python
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs

.PHONY: demo test test-fast check-upstream lint bench docs readme pymc-examples clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "pymc_bnn needs Python >= 3.12; found " + sys.version.split()[0] + " (set PYTHON=/path/to/python3.12)")'
	@echo "Installing pymc_bnn and its dependencies into $(VENV) (a few minutes on a first run) ..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --progress-bar on -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pymc-bnn demo

# One pytest run on one worker per core (at most 4), each test file on one worker
# (its module-scoped fixtures compile once): the suite is CPU-bound compilation.
# Files go out in collection order, which tests/conftest.py starts with the longest.
PYTEST_PARALLEL := -n auto --maxprocesses 4 --dist loadfile --no-loadscope-reorder

# pymc_bnn's tests; the checks of PyMC itself (marked upstream) run in check-upstream.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not upstream"

# The quick loop: everything except the tests that fit models or start subprocesses.
test-fast: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not slow and not upstream"

# The installed PyMC against the contract (the failures docs/upstream.md lists, with
# reproducers), and PyMC with upstream/patches applied (every property holds).
check-upstream: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m upstream

# The README's demo output, from one fresh run of the demo (tests/test_readme.py checks it).
readme: $(STAMP)
	$(BIN)/python docs/scripts/readme_demo.py

# The figures and numbers of docs/tutorials/from-pymc-examples.md (about a quarter of an
# hour on two quiet cores; the cover-type notebook's Metropolis run, hours long, is timed
# on a short run instead). tests/test_from_pymc_examples.py checks them against the package.
pymc-examples: $(STAMP)
	$(BIN)/python docs/scripts/from_pymc_examples.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The site in site/: API pages from the docstrings, tutorials executed with fewer
# iterations (PYMC_BNN_DOCS_FAST=1); --strict fails on any warning or broken link.
$(DOCS_STAMP): $(STAMP)
	@echo "Installing the documentation tools into $(VENV) ..."
	$(BIN)/python -m pip install --progress-bar on -e '.[test,docs]'
	@touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	PATH="$(abspath $(BIN)):$$PATH" PYMC_BNN_DOCS_FAST=1 MPLBACKEND=Agg NO_MKDOCS_2_WARNING=1 \
		$(BIN)/mkdocs build --strict

# All benchmarks (about two hours, most of it the uncertainty benchmark); NumPyro and JAX come with the 'bench' extra.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	@echo "Installing the benchmarks' extras into $(VENV) ..."
	$(BIN)/python -m pip install --progress-bar on -e '.[test,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV)
