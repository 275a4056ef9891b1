"""The README tells the truth: its demo output is what a fresh run prints, within tolerance."""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "scripts" / "readme_demo.py"
spec = importlib.util.spec_from_file_location("readme_demo", SCRIPT)
readme_demo = importlib.util.module_from_spec(spec)
spec.loader.exec_module(readme_demo)


def test_the_readme_shows_a_whole_demo_table():
    shown = readme_demo.table(readme_demo.readme_block())
    assert set(readme_demo.TOLERANCE) <= set(shown)
    assert {len(values) for values in shown.values()} == {3}  # softmax, BNN, ensemble
    assert "$ pymc-bnn demo --no-progress" in readme_demo.readme_block()


def test_the_table_parser_reads_the_report_rows():
    text = "header\n  accuracy       0.984   0.989   0.987\n  fit time (s)   5.0  9.1  2.2\n"
    assert readme_demo.table(text) == {
        "accuracy": [0.984, 0.989, 0.987],
        "fit time (s)": [5.0, 9.1, 2.2],
    }


@pytest.mark.slow
def test_a_fresh_demo_prints_what_the_readme_shows():
    # Oracle: the README's block, from one run (make readme). Tolerances: TOLERANCE in
    # docs/scripts/readme_demo.py (another machine rounds the fits' arithmetic otherwise).
    shown = readme_demo.table(readme_demo.readme_block())
    fresh = readme_demo.table(readme_demo.run_demo())
    assert set(fresh) == set(shown)
    for metric, tolerance in readme_demo.TOLERANCE.items():
        np.testing.assert_allclose(
            fresh[metric], shown[metric], rtol=0, atol=tolerance, err_msg=metric
        )
    assert re.search(r"Wall time [0-9.]+ s", readme_demo.readme_block())
