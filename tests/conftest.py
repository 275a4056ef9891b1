"""Shared test configuration: hypothesis profiles and paths.

Profiles (select with ``HYPOTHESIS_PROFILE=<name>``):

* ``ci``: derandomized, 60 examples per property; the CI default, a few minutes in all.
* ``dev``: random, 100 examples; the local default.
* ``thorough``: random, 2,000 examples per property, for a long local run before a release
  or when chasing a bug.
"""

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=60, derandomize=True, print_blob=True, **_common)
settings.register_profile("dev", max_examples=100, **_common)
settings.register_profile("thorough", max_examples=2000, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

#: The quick loop (``-m "not slow"``) checks a property parametrized by integer dtype at
#: int8 (the narrowest, where overflow shows) and int64 (the default); the other six
#: dtypes run in the full suite.
FAST_DTYPES = {"int8", "int64"}
_DTYPE_PARAM = re.compile(r"\[(u?int(?:8|16|32|64))\]\]$")

#: Doctests that fit a model (the estimators' examples, fit_advi and compile_steps).
SLOW_DOCTEST_MODULES = (
    "pymc_bnn/estimators/saving.py",
    "pymc_bnn/estimators/softmax.py",
    "pymc_bnn/estimators/mlp.py",
    "pymc_bnn/models/inference.py",
    "pymc_bnn/models/advi_steps.py",
)


#: Test files that take longest on an empty compile cache (seconds, cold ``make test``
#: of 2026-12-03 on 2 cores: 236, 162, 116, 84, 79, 76, 64; every other file under 45).
#: They run first: each worker takes a whole file (``--dist loadfile``) and, with
#: ``--no-loadscope-reorder`` in the Makefile, in this order, so no long file starts
#: last while the other worker sits idle.
LONGEST_FIRST = (
    "tests/models/test_samplers.py",
    "tests/test_sklearn.py",
    "tests/test_cli.py",
    "tests/distributions/test_multinomial.py",
    "tests/models/test_glm.py",
    "tests/distributions/test_categorical.py",
    "tests/models/test_bnn.py",
)


def _rank(item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config, items):
    """Run the longest files first; mark the slow variants described above, so
    ``-m "not slow"`` stays a quick loop."""
    items.sort(key=_rank)  # stable: collection order within a file and among the rest
    for item in items:
        dtype = _DTYPE_PARAM.search(item.nodeid)
        if (dtype and dtype.group(1) not in FAST_DTYPES) or item.nodeid.startswith(
            SLOW_DOCTEST_MODULES
        ):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def covtype_csv() -> Path:
    """The 15,000-row cover-type CSV beside the checkout, else the sample in the package."""
    path = SHARED_DATA / "covtype-15k.csv"
    if path.exists():
        return path
    from pymc_bnn.datasets import covertype_sample_path

    return covertype_sample_path()


@pytest.fixture
def no_c_modules(monkeypatch):
    """Fail the test if PyTensor compiles a C module or loads one from its cache.

    Every C module, compiled now or loaded from the cache, comes through
    ``ModuleCache.module_from_key``; FAST_COMPILE fits must not reach it (PyTensor 3.3
    links a Scan's inner function with C thunks even in that mode).
    """
    from pytensor.link.c import cmodule

    def refuse(*args, **kwargs):
        raise AssertionError("FAST_COMPILE compiled or loaded C code")

    monkeypatch.setattr(cmodule.ModuleCache, "module_from_key", refuse)
