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


#: A mini "PyMC checkout" for --pymc-tests, written by the test (none of PyMC's own code):
#: a test module of a file the patches touch (dist_math.py, by patch 06), with one test that
#: holds on both, one that holds on the release only (it pins the int8 overflow patch 01
#: fixes) and one that holds patched only; and a module of an untouched file that must not run.
MINI_TREE = {
    "tests/__init__.py": "",
    "tests/distributions/__init__.py": "",
    "tests/distributions/test_dist_math.py": """
import numpy as np
import pymc as pm

COUNTS = np.array([0, 0, 127], dtype="int8")


def _int8_logp():
    return float(pm.logp(pm.Multinomial.dist(np.int8(127), p=[0.2, 0.3, 0.5]), COUNTS).eval())


def test_same_on_both():
    assert np.isclose(pm.logp(pm.Categorical.dist(p=[0.25, 0.75]), 1).eval(), np.log(0.75))


def test_int8_logp_is_inf():
    assert _int8_logp() == np.inf


def test_int8_logp_is_finite():
    assert np.isfinite(_int8_logp())
""",
    "tests/test_math.py": """
def test_must_not_run():
    raise AssertionError("the test module of a file no patch touches must not run")
""",
}


@pytest.mark.slow
def test_patched_pymc(tmp_path):
    """--patched: every patch applies, its regression tests pass, and the patched PyMC holds
    every property (each root cause in docs/upstream.md has its patch).  With --pymc-tests,
    PyMC's test modules of the touched files run on the release and patched and every changed
    outcome is printed; a test that passes on the release and not patched sets exit 5."""
    for name, text in MINI_TREE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    out = subprocess.run(
        [*RUN, "--implementation", "pymc", "--patched", "--pymc-tests", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert out.returncode == 5, out.stdout + out.stderr
    assert f"applied {len(list(PATCHES.glob('*.patch')))} patches" in out.stderr
    assert re.search(r"regression tests of the patches: \d+ passed", out.stderr)
    payload = json.loads(out.stdout)
    failures = _failures(payload, "pymc")
    assert failures == set(), failures
    assert len(payload["results"]) > 80

    module = "tests/distributions/test_dist_math.py"
    assert f"pymc's tests of the touched files: {module}\n" in out.stderr
    breaks = f"BREAKS: {module}::test_int8_logp_is_inf: passed on the release, failed patched"
    fixes = f"changed: {module}::test_int8_logp_is_finite: failed on the release, passed patched"
    assert breaks in out.stderr and fixes in out.stderr
    assert "test_same_on_both" not in out.stderr and "test_must_not_run" not in out.stderr
    assert "no test module tests/distributions/test_discrete.py" in out.stderr
    assert "pytensor/graph/rewriting/basic.py: not PyMC's" in out.stderr
