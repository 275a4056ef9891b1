"""The pymc-bnn command, run as a user runs it: a real subprocess."""

import re
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_demo_fits_and_reports_held_out_accuracy():
    out = subprocess.run(
        [sys.executable, "-m", "pymc_bnn.cli", "demo", "--iterations", "3000", "--no-progress"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    accuracy = float(re.search(r"held-out accuracy\s+([0-9.]+)", out.stdout).group(1))
    lpd = float(re.search(r"mean log predictive density\s+(-?[0-9.]+)", out.stdout).group(1))
    # The wine classes are nearly separable: chance is 0.40, a fitted softmax regression > 0.9.
    assert accuracy > 0.9
    assert -0.5 < lpd <= 0


def test_help_lists_demo():
    out = subprocess.run(
        [sys.executable, "-m", "pymc_bnn.cli", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "demo" in out.stdout
