"""``python -m pymc_bnn.testing.conformance`` (``pymc-bnn check-upstream``) run as a user runs it.

One subprocess checks every property against PyMC and pymc_bnn on a small
example budget (--json); the assertions below read its report.  Each
disagreement listed in docs/distributions.md must be among the failures, the
control (pymc_bnn) must hold throughout, and reproducers must show the wrong
value when run on their own.  These judge the installed PyMC, not pymc_bnn, and
compile PyMC's graphs (about two minutes on an empty compile cache): they are
marked ``upstream`` and run in ``make check-upstream`` (CI runs it after ``make
test``), beside test_patched.py.  The runner's own tests (the control alone,
without hypothesis) stay in ``make test``, and the in-process tests at the end
(``check_property`` and ``run`` on one property) in the fast loop.
"""

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pymc_bnn.testing import PYMC, PYMC_BNN
from pymc_bnn.testing.conformance import add_arguments, check_property, run
from pymc_bnn.testing.contract import get

RUN = [
    *(sys.executable, "-m", "pymc_bnn.testing.conformance"),
    *("--examples", "10", "--seed", "0", "--implementation", "all"),
]

#: docs/distributions.md section -> upstream properties that must fail.
DOCUMENTED = {
    "1. Categorical logit_p underflows": [
        "Categorical.logit_p_constant_extreme",
        "Categorical.logit_p_exact_at_any_magnitude",
    ],
    "2. Multinomial has no logit_p": ["Multinomial.accepts_logit_p"],
    "3. integer dtypes overflow or lose precision": [
        "Multinomial.largest_n_of_each_dtype",
        "Multinomial.logp_p_matches_scipy[int8]",
        "Multinomial.logp_p_matches_scipy[int16]",
        "Multinomial.constant_inputs_of_any_integer_kind",
        "Multinomial.integer_typed_parameters",
    ],
    "4. non-integer values get a finite logp": [
        "Categorical.labels_off_support_are_minus_inf[p]",
        "Multinomial.values_off_support_are_minus_inf[p]",
        "Categorical.non_integer_observed_data_rejected",
    ],
    "5. float32 p summing below 1": [
        "Categorical.draws_float32_p_summing_below_one",
        "Multinomial.draws_float32_p_summing_below_one",
    ],
    "6. constant p off the simplex is rescaled": [
        "Multinomial.invalid_constant_parameters_rejected",
        "Categorical.rounded_constant_p_renormalized",
        "Multinomial.rounded_constant_p_renormalized",
    ],
    "8. Extremes": [
        "Multinomial.huge_n_matches_mpmath",
        "Multinomial.float32_mode_huge_n",
        "Multinomial.wrong_number_of_categories_refused",
        "DirichletMultinomial.wrong_number_of_categories_refused",
        "DirichletMultinomial.huge_concentration_matches_mpmath",
        "DirichletMultinomial.draws_tiny_concentration",
        "Categorical.logcdf_logit_extreme",
    ],
}


UPSTREAM_MD = Path(__file__).resolve().parents[2] / "docs" / "upstream.md"


@pytest.fixture(scope="module")
def report():
    """The --json report of every property against both implementations."""
    out = subprocess.run([*RUN, "--json"], capture_output=True, text=True, timeout=600)
    payload = json.loads(out.stdout)
    payload["returncode"] = out.returncode
    return payload


def _failures(report, implementation):
    return {
        f"{r['distribution']}.{r['property']}": r
        for r in report["results"]
        if r["implementation"] == implementation and r["status"] == "fails"
    }


@pytest.mark.upstream
@pytest.mark.slow
def test_exit_status_is_one_when_upstream_fails(report):
    assert report["returncode"] == report["exit_status"] == 1
    assert report["pymc"] and report["examples"] == 10


@pytest.mark.upstream
@pytest.mark.slow
def test_control_holds_everywhere(report):
    control = [r for r in report["results"] if r["implementation"] == "pymc_bnn"]
    assert len(control) > 40
    assert _failures(report, "pymc_bnn") == {}


@pytest.mark.upstream
@pytest.mark.slow
@pytest.mark.parametrize("section", DOCUMENTED)
def test_every_documented_disagreement_is_reported(report, section):
    failures = _failures(report, "pymc")
    for prop in DOCUMENTED[section]:
        assert prop in failures, f"{section}: {prop} not reported"
        r = failures[prop]
        assert r["counterexample"] and r["actual"] != r["expected"]
        assert r["reproducer"].startswith("import numpy as np, pymc as pm")


@pytest.mark.upstream
@pytest.mark.slow
def test_every_upstream_failure_is_in_the_root_cause_table(report):
    """docs/upstream.md's table names every property PyMC fails (a new finding needs a row)."""
    table = UPSTREAM_MD.read_text()
    for prop in _failures(report, "pymc"):
        name = prop.split(".", 1)[1].split("[")[0]
        assert f"{name}" in table, f"{prop} fails but docs/upstream.md does not list it"


@pytest.mark.upstream
@pytest.mark.slow
def test_dirichlet_multinomial_findings(report):
    failures = _failures(report, "pymc")
    for prop in (
        "DirichletMultinomial.values_off_support_are_minus_inf",
        "DirichletMultinomial.invalid_symbolic_parameters_rejected",
        "DirichletMultinomial.draws_small_concentration",
    ):
        assert prop in failures


@pytest.mark.upstream
@pytest.mark.slow
@pytest.mark.parametrize(
    "prop",
    [
        "Categorical.logit_p_constant_extreme",
        "Multinomial.largest_n_of_each_dtype",
        "Multinomial.values_off_support_are_minus_inf[p]",
        "DirichletMultinomial.values_off_support_are_minus_inf",
    ],
)
def test_reproducer_alone_shows_the_wrong_value(report, prop):
    r = _failures(report, "pymc")[prop]
    out = subprocess.run(
        [sys.executable, "-c", r["reproducer"]], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    printed = out.stdout.strip().splitlines()[-1]
    assert printed.startswith(r["quantity"])
    shown = printed[len(r["quantity"]) :].strip()
    assert np.isclose(float(shown), float(r["actual"]), equal_nan=True)
    assert not np.isclose(float(shown), float(r["expected"]))


@pytest.mark.upstream
@pytest.mark.slow
def test_text_report_and_filters():
    out = subprocess.run(
        [*RUN, "--distribution", "Categorical", "--property", "logit_p_constant_extreme"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 1, out.stderr
    assert re.search(r"logit_p_constant_extreme\s+FAILS\s+holds", out.stdout)
    assert "got -inf" in out.stdout and "expected -1000.0" in out.stdout
    assert "pm.Categorical.dist(logit_p=" in out.stdout
    assert "pymc_bnn: 1 properties, all hold" in out.stdout


@pytest.mark.slow
def test_control_alone_exits_zero():
    # Two properties, one drawn by hypothesis and one a table: the exit status and the
    # report do not need more (every property runs against pymc_bnn in tests/distributions).
    names = ("logp_matches_scipy[int64]", "n_zero_and_single_category")
    out = subprocess.run(
        [*RUN, "--implementation", "pymc_bnn", "--distribution", "DirichletMultinomial"]
        + [arg for name in names for arg in ("--property", name)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "FAILS" not in out.stdout
    assert "pymc_bnn: 2 properties, all hold" in out.stdout


@pytest.mark.slow
def test_works_without_hypothesis():
    """hypothesis is a test extra: the runner's options load neither it nor PyMC (the
    command line adds them), and a run exits 3 with a hint instead of a traceback."""
    script = (
        "import argparse, sys\n"
        "sys.modules['hypothesis'] = None\n"
        "from pymc_bnn.testing import conformance\n"
        "conformance.add_arguments(argparse.ArgumentParser())\n"
        "assert 'pymc' not in sys.modules\n"
        "sys.exit(conformance.main([]))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 3, out.stderr
    assert "pip install 'pymc_bnn[test]'" in out.stdout


# --- in process ----------------------------------------------------------------------------


def test_table_property_reports_its_first_failing_case():
    prop = get("Categorical", "logit_p_constant_extreme")
    result = check_property(prop, PYMC)
    assert (result.status, result.quantity) == ("fails", "logp")
    assert (result.actual, result.expected) == ("-inf", "-1000.0")
    expected_case = "kind=logit_p, value=1, theta=[    0. -1000.], expected=-1000.0"
    assert result.counterexample == expected_case
    assert "pm.Categorical.dist(logit_p=" in result.reproducer
    assert check_property(prop, PYMC_BNN).status == "holds"


def test_hypothesis_property_reports_a_shrunk_counterexample():
    prop = get("Multinomial", "values_off_support_are_minus_inf[p]")
    result = check_property(prop, PYMC, examples=20, random_seed=0)
    assert result.status == "fails" and result.expected == "-inf"
    # PyMC truncates non-integer counts: hypothesis shrinks to the smallest such case.
    assert result.counterexample == "n=1.0, value=[0.5 0.5], theta=[0.5 0.5]"
    assert np.isfinite(float(result.actual))


def test_run_prints_the_text_report(capsys):
    args = add_arguments(argparse.ArgumentParser()).parse_args(
        [
            *("--distribution", "DirichletMultinomial"),
            *("--property", "n_zero_and_single_category", "--implementation", "all"),
        ]
    )
    assert run(args) == 0
    out = capsys.readouterr().out
    assert re.search(r"n_zero_and_single_category\s+holds\s+holds", out)
    assert "pymc: 1 properties, all hold" in out and "pymc_bnn: 1 properties, all hold" in out
