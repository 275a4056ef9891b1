"""``pymc-bnn check-upstream --patched``: the patches in ``upstream/patches`` make PyMC pass.

A module of its own so that a parallel run (``pytest -n``) can schedule it
beside ``test_conformance.py``: the two do not share compiled code.  The
patched copy of PyMC and PyTensor lives in another folder, so Numba compiles
its graphs again: on an empty compile cache the patched run took 182 s even
right after the upstream run had filled the cache (319 s), and 57 s warm
(2026-12-03).  Patch 10 raises the cache versions of the Numba draws it
changes, and ``Categorical.draws_float32_p_summing_below_one`` would fail here
if a warm cache served the unpatched draws.
"""

import json
import re
import subprocess
import sys

import pytest

from pymc_bnn.testing.conformance import PATCHES

#: Judges PyMC with the patches applied, not pymc_bnn: ``make check-upstream``.
pytestmark = pytest.mark.upstream

RUN = [sys.executable, "-m", "pymc_bnn.testing.conformance", "--examples", "10", "--seed", "0"]


def _failures(report, implementation):
    return {
        f"{r['distribution']}.{r['property']}"
        for r in report["results"]
        if r["implementation"] == implementation and r["status"] == "fails"
    }


@pytest.mark.slow
def test_patched_pymc():
    """--patched: every patch applies, its regression tests pass, and the patched PyMC holds
    every property (each root cause in docs/upstream.md has its patch)."""
    out = subprocess.run(
        [*RUN, "--implementation", "pymc", "--patched", "--json"],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert out.returncode in (0, 1), out.stdout + out.stderr
    assert f"applied {len(list(PATCHES.glob('*.patch')))} patches" in out.stderr
    assert re.search(r"regression tests of the patches: \d+ passed", out.stderr)
    payload = json.loads(out.stdout)
    failures = _failures(payload, "pymc")
    assert failures == set(), failures
    assert len(payload["results"]) > 80
