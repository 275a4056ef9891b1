"""The page "Coming from PyMC's examples" shows what the package does today.

Its tables are printed from ``benchmarks/results/from_pymc_examples.json``, which
``docs/scripts/from_pymc_examples.py`` (``make pymc-examples``) writes.  The file
must come from the code files the page shows and from the estimators' current
defaults; in the slow suite a fresh fit of the pymc_bnn contenders reproduces its
scores.
"""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "scripts" / "from_pymc_examples.py"
PAGE = ROOT / "docs" / "tutorials" / "from-pymc-examples.md"
spec = importlib.util.spec_from_file_location("from_pymc_examples", SCRIPT)
examples = importlib.util.module_from_spec(spec)
spec.loader.exec_module(examples)

PARTS = {"moons": examples.MOONS, "covertype": examples.COVERTYPE}


@pytest.fixture(scope="module")
def results():
    return examples.read_results()


@pytest.mark.parametrize("part", PARTS)
def test_the_results_hold_every_contender_of_the_page(results, part):
    rows = results[part]["rows"]
    contenders = list(PARTS[part].items())
    shown = [(r["model"], r["code"]) for r in rows]
    assert shown == [c for c in contenders if c in shown], "rows out of the page's order"
    # Every row that depends on pymc_bnn is required; the cover-type notebooks' rows (PyMC
    # only, a long Metropolis run) may be pending, which the table then says.
    required = [c for c in contenders if not c[1].startswith("covertype_notebook")]
    assert set(required) <= set(shown)
    for row in rows:
        assert 0 <= row["accuracy"] <= 1 and row["log_score"] <= 0, row
        # The code counted is the code the page shows: edited since the run, it was not rerun.
        assert row["lines"] == examples.lines_of_code(examples.CODE / row["code"]), row["code"]
    assert (examples.IMAGES / results[part]["figure"]).is_file()
    for code, timed in results[part].get("timed_only", {}).items():
        # A contender too long to run here is timed on a short run of the same code.
        assert code in examples.TIMED_ONLY and code not in {r["code"] for r in rows}
        assert timed["lines"] == examples.lines_of_code(examples.CODE / code), code
        assert timed["iterations_run"] < timed["iterations_asked"]
        hours = timed["seconds_per_iteration"] * timed["iterations_asked"] / 3600
        assert timed["hours_in_full"] == pytest.approx(hours, abs=0.05 + 1e-3 * hours)


@pytest.mark.parametrize("part", PARTS)
def test_the_results_were_made_with_the_current_defaults(results, part):
    # Oracle: the estimators' get_params() now. A changed default (the page promises the
    # defaults) means the results must be regenerated: make pymc-examples.
    current = json.loads(json.dumps(examples.estimator_defaults(), default=list))
    assert results[part]["defaults"] == current, (
        f"the {part} results were made with other estimator defaults; run "
        "`make pymc-examples` (or docs/scripts/from_pymc_examples.py --part "
        f"{part}) and commit the results"
    )


def test_the_page_shows_the_code_files_tables_and_figures(results):
    page = PAGE.read_text()
    for code in [*examples.MOONS.values(), *examples.COVERTYPE.values()]:
        assert f'--8<-- "docs/scripts/examples_code/{code}"' in page
    for part in PARTS:
        assert f'print(table("{part}"))' in page
        assert f"../images/{results[part]['figure']}" in page
    assert "tutorials/from-pymc-examples.md" in (ROOT / "mkdocs.yml").read_text()


def test_the_table_prints_each_row_and_the_run():
    fake = {
        "moons": {
            "rows": [
                {
                    "model": "m",
                    "code": "moons_example.py",
                    "lines": 5,
                    "accuracy": 0.8484,
                    "log_score": -0.32386,
                    "fit_seconds": 10.2,
                    "grid_seconds": 1.5,
                    "run": {"date": "D", "commit": "C", "machine": "M"},
                    "load": 5.2,
                }
            ],
        }
    }
    text = examples.table("moons", fake)
    assert "| m | 5 | 0.848 | -0.324 | 10 | 2 |" in text
    assert "*Run of D (commit C; M); load average 5.2 after each fit.*" in text
    assert "No results for covertype" in examples.table("covertype", fake)
    label = list(examples.MOONS)[1]
    assert f"| {label} | not run yet |" in text  # a contender without a row is named
    # Rows from two runs (the notebooks' kept, pymc_bnn's refitted): each run is named.
    first = fake["moons"]["rows"][0]
    second = dict(first, model="n", code="moons_pymc_bnn.py", run=dict(first["run"]))
    second["run"]["date"] = "E"
    fake["moons"]["rows"].append(second)
    text = examples.table("moons", fake)
    assert "*m: Run of D (commit C; M); load average 5.2 after each fit.*" in text
    assert "*n: Run of E (commit C; M); load average 5.2 after each fit.*" in text
    # A timed-only contender: the rate measured and the time the full run would take.
    fake["moons"]["timed_only"] = {
        "moons_pymc_bnn.py": {
            "model": "n",
            "lines": 7,
            "iterations_asked": 51_000,
            "iterations_run": 250,
            "seconds_per_iteration": 0.381,
            "hours_in_full": 5.4,
            "run": {"date": "F", "commit": "C", "machine": "M"},
            "load": 3.0,
        }
    }
    fake["moons"]["rows"].pop()
    text = examples.table("moons", fake)
    assert f"| {label} | 7 | not run: 51,000 iterations at 0.38 s each (timed on 250)" in text
    assert "would take 5.4 h |" in text
    assert "*n: Run of F (commit C; M); load average 3.0 after each fit.*" in text


def test_a_timed_only_contender_runs_its_own_code_cut_short(tmp_path, monkeypatch):
    # Oracle: the code asks for 1,000 draws after PyMC's 1,000 tuning steps; the short
    # run must run SHORT_RUN's iterations of that same call and leave pm.sample as it was.
    import pymc as pm

    code = tmp_path / "code.py"
    code.write_text(
        "import pymc as pm\n"
        "with pm.Model():\n"
        "    pm.Normal('x', 0, 1)\n"
        "    idata = pm.sample(1_000, step=pm.Metropolis(), chains=1, progressbar=False,\n"
        "                      compute_convergence_checks=False, random_seed=0)\n"
    )
    monkeypatch.setattr(examples, "SHORT_RUN", {"draws": 7, "tune": 3})
    sample = pm.sample
    timed = examples.timed_short_run(code, np.zeros((2, 1)), np.zeros(2, dtype=int))
    assert pm.sample is sample
    assert timed["iterations_asked"] == 2_000 and timed["iterations_run"] == 10
    rate = timed["seconds_run"] / 10
    assert timed["seconds_per_iteration"] == pytest.approx(rate, abs=0.01)
    assert timed["hours_in_full"] == pytest.approx(rate * 2_000 / 3600, abs=0.06)


def test_lines_of_code_skips_blank_lines_comments_and_docstrings(tmp_path):
    path = tmp_path / "code.py"
    path.write_text(
        "import numpy\n\n# note\ndef f(x):\n"
        '    """One line."""\n    """\n    a\n    """\n    return x\n'
    )
    assert examples.lines_of_code(path) == 3


@pytest.mark.slow
@pytest.mark.parametrize(
    ("part", "code"),
    [("moons", "moons_pymc_bnn.py"), ("covertype", "covertype_softmax.py")],
)
def test_a_fresh_fit_scores_what_the_page_shows(results, part, code):
    # Oracle: the results file's row, from one run of the script. Tolerances: TOLERANCE in
    # docs/scripts/from_pymc_examples.py (another machine rounds a fit's arithmetic otherwise).
    shown = next(row for row in results[part]["rows"] if row["code"] == code)
    fresh = examples.fresh_scores(part, code)
    for metric, tolerance in examples.TOLERANCE.items():
        np.testing.assert_allclose(
            fresh[metric], shown[metric], rtol=0, atol=tolerance, err_msg=metric
        )
