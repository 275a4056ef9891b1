"""Shared test configuration: hypothesis profiles and paths.

Profiles (select with ``HYPOTHESIS_PROFILE=<name>``):

* ``ci``: derandomized, 60 examples per property; the CI default, a few minutes in all.
* ``dev``: random, 100 examples; the local default.
* ``thorough``: random, 2,000 examples per property, for a long local run before a release
  or when chasing a bug.
"""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=60, derandomize=True, print_blob=True, **_common)
settings.register_profile("dev", max_examples=100, **_common)
settings.register_profile("thorough", max_examples=2000, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def covtype_csv() -> Path:
    """The 15,000-row cover-type CSV beside the checkout, else the sample in the package."""
    path = SHARED_DATA / "covtype-15k.csv"
    if path.exists():
        return path
    from pymc_bnn.datasets import covertype_sample_path

    return covertype_sample_path()
