"""The figures and numbers of docs/tutorials/from-pymc-examples.md.

Two public examples are set beside pymc_bnn, each side's code in its own file
under ``docs/scripts/examples_code/`` (the page shows those files, so the code a
reader sees is the code that ran):

* two moons (scikit-learn's ``make_moons``), after PyMC's example "Variational
  Inference: Bayesian Neural Networks": ``moons_example.py`` against
  ``moons_pymc_bnn.py``;
* forest cover type, after the 2017 notebooks of ericmjl/bayesian-analysis-recipes
  (a multiclass regression sampled with Metropolis, and a network fitted with
  ADVI): ``covertype_notebook_glm.py`` and ``covertype_notebook_bnn.py`` against
  ``covertype_softmax.py`` and ``covertype_mlp.py``, on the cover-type sample
  shipped with pymc_bnn.

Each code file is run with ``X_train`` and ``y_train`` defined; it fits its model
and defines ``probability_draws(X)``, the class probabilities of rows ``X`` under
each posterior draw, shape ``(draws, rows, classes)``.  Everything measured here
is computed from those draws in the same way for every contender.

Writes ``benchmarks/results/from_pymc_examples.json`` (a part at a time, the
other part's results kept) and the figures ``docs/images/pymc-examples-*.png``.
The moons part takes a few minutes, the cover-type part about ten.  The
notebook's Metropolis run (:data:`TIMED_ONLY`) is not run in full: PyMC's
``Metropolis`` on a vector variable proposes and accepts each of its coordinates
in turn (``elemwise_update``), one evaluation of the log-density over every
training row per coordinate, so each of the 51,000 iterations (50,000 draws and
PyMC's 1,000 tuning steps) costs 385 of them.  The script times a short run of
the same code instead (:data:`SHORT_RUN`) and records the seconds per iteration
and the hours the full run would take; ``--full`` runs it as written::

    .venv/bin/python docs/scripts/from_pymc_examples.py [--part moons|covertype|all]
        [--contenders all|pymc_bnn|notebook|FILE] [--full]

``--contenders pymc_bnn`` refits only pymc_bnn's cover-type rows and keeps the
notebooks' (whose code does not use pymc_bnn); the table names each row's run.

``tests/test_from_pymc_examples.py`` checks the results file against the code
files and the package's current defaults and, marked slow, against fresh fits of
pymc_bnn's contenders (:data:`TOLERANCE`).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CODE = Path(__file__).resolve().parent / "examples_code"
RESULTS = ROOT / "benchmarks" / "results" / "from_pymc_examples.json"
IMAGES = ROOT / "docs" / "images"

MOONS = {
    "PyMC's example (hand-written model, ADVI)": "moons_example.py",
    "pymc_bnn: BayesianMLPClassifier(hidden=(5, 5))": "moons_pymc_bnn.py",
}
COVERTYPE = {
    "notebook: softmax regression, Metropolis": "covertype_notebook_glm.py",
    "notebook: BNN 2 x 20, ADVI": "covertype_notebook_bnn.py",
    "pymc_bnn: BayesianSoftmaxClassifier()": "covertype_softmax.py",
    "pymc_bnn: BayesianMLPClassifier()": "covertype_mlp.py",
}
TIMED_ONLY = ("covertype_notebook_glm.py",)
"""Contenders whose full run takes hours here: timed on :data:`SHORT_RUN` instead."""
SHORT_RUN = {"draws": 200, "tune": 50}
"""The iterations of ``pm.sample`` a timed-only contender runs (it asks for more)."""
ESTIMATORS = ("BayesianMLPClassifier", "BayesianSoftmaxClassifier")
PART_ESTIMATORS = {"moons": ESTIMATORS[:1], "covertype": ESTIMATORS}
PARTS = {"moons": MOONS, "covertype": COVERTYPE}
"""The estimators each part's pymc_bnn rows use."""
GRID = np.linspace(-3.0, 3.0, 100)
"""Each axis of the moons maps: the 100 x 100 grid of PyMC's example."""

TOLERANCE = {"accuracy": 0.02, "log_score": 0.03}
"""How far a fresh fit's scores may lie from the results file's (absolute).

Every fit is seeded, so on one machine a rerun gives the same numbers; another
machine, or another release of PyTensor or JAX, rounds a non-convex fit's
arithmetic differently, which can move the third decimal of a score.  Times are
not compared.
"""


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


def moons_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The example's data: 1,000 points, noise 0.2, standardized, half held out."""
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import scale

    X, y = make_moons(n_samples=1000, noise=0.2, random_state=0)
    return tuple(train_test_split(scale(X), y, test_size=0.5, random_state=0))


def covertype_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The shipped sample, split 80/20 by class, quantitative columns standardized."""
    from pymc_bnn.datasets import covertype_split

    data = covertype_split(source="sample", random_seed=0)
    as_float = lambda frame: frame.to_numpy(dtype=float)  # noqa: E731
    as_int = lambda series: series.to_numpy(dtype=int)  # noqa: E731
    return as_float(data.X_train), as_float(data.X_test), as_int(data.y_train), as_int(data.y_test)


# --------------------------------------------------------------------------------------
# Running a contender
# --------------------------------------------------------------------------------------


def lines_of_code(path: Path) -> int:
    """Lines that are not blank, not comments and not docstrings."""
    count, in_docstring = 0, False
    for line in path.read_text().splitlines():
        text = line.strip()
        if text.startswith('"""'):
            if not (len(text) > 3 and text.endswith('"""')):
                in_docstring = not in_docstring
            continue
        if text and not text.startswith("#") and not in_docstring:
            count += 1
    return count


def run(path: Path, X_train: np.ndarray, y_train: np.ndarray) -> tuple[dict, float]:
    """Execute a code file; its namespace and the seconds it took (model, fit, draws)."""
    namespace = {"X_train": X_train, "y_train": y_train, "__name__": path.stem}
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace, time.perf_counter() - start


def timed_short_run(path: Path, X_train: np.ndarray, y_train: np.ndarray) -> dict:
    """Run a code file with its ``pm.sample`` cut to :data:`SHORT_RUN`; the cost it measured.

    Returns the iterations the code asked for (draws and tuning steps), the
    iterations run, the seconds ``pm.sample`` took for them (compiling the step
    included, so the rate is an upper bound), and the hours the full run would
    take at that rate.
    """
    import pymc as pm

    asked, seconds, sample = {}, [], pm.sample

    def short_sample(draws=1000, *args, tune=1000, **kwargs):
        asked.update(draws=int(draws), tune=int(tune))
        start = time.perf_counter()
        idata = sample(SHORT_RUN["draws"], *args, tune=SHORT_RUN["tune"], **kwargs)
        seconds.append(time.perf_counter() - start)
        return idata

    pm.sample = short_sample
    try:
        run(path, X_train, y_train)
    finally:
        pm.sample = sample
    iterations = asked["draws"] + asked["tune"]
    ran = SHORT_RUN["draws"] + SHORT_RUN["tune"]
    per_iteration = seconds[0] / ran
    return {
        "iterations_asked": iterations,
        "iterations_run": ran,
        "seconds_run": round(seconds[0], 1),
        "seconds_per_iteration": round(per_iteration, 3),
        "hours_in_full": round(per_iteration * iterations / 3600, 1),
    }


def scores(draws: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Accuracy and mean log score of the posterior mean probabilities; y in 0..K-1."""
    mean = draws.mean(axis=0)
    picked = mean[np.arange(len(y)), y]
    return {
        "accuracy": float(np.mean(mean.argmax(axis=1) == y)),
        "log_score": float(np.mean(np.log(np.maximum(picked, 1e-300)))),
    }


def entropy(p: np.ndarray) -> np.ndarray:
    """Entropy in nats over the last axis."""
    return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=-1)


def maps(draws: np.ndarray) -> dict[str, np.ndarray]:
    """Per grid point: mean P(class 1), its standard deviation, and the epistemic part."""
    mean = draws.mean(axis=0)
    epistemic = entropy(mean) - entropy(draws).mean(axis=0)
    shape = (len(GRID), len(GRID))
    return {
        "mean": mean[:, 1].reshape(shape),
        "sd": draws[..., 1].std(axis=0).reshape(shape),
        "epistemic": np.maximum(epistemic, 0.0).reshape(shape),
    }


def grid_points() -> np.ndarray:
    xx, yy = np.meshgrid(GRID, GRID)
    return np.column_stack([xx.ravel(), yy.ravel()])


# --------------------------------------------------------------------------------------
# The parts
# --------------------------------------------------------------------------------------


def fresh_scores(part: str, code: str) -> dict[str, float]:
    """A fresh run of one contender of ``part`` ("moons" or "covertype"): its scores."""
    X_train, X_test, y_train, y_test = moons_data() if part == "moons" else covertype_data()
    namespace, _ = run(CODE / code, X_train, y_train)
    offset = 0 if part == "moons" else 1  # cover types are 1..7
    return scores(namespace["probability_draws"](X_test), y_test - offset)


def moons_part() -> tuple[dict, dict]:
    X_train, X_test, y_train, y_test = moons_data()
    rows, grids = [], {}
    for label, name in MOONS.items():
        namespace, fit_seconds = run(CODE / name, X_train, y_train)
        draws = namespace["probability_draws"](X_test)
        start = time.perf_counter()
        grid_draws = namespace["probability_draws"](grid_points())
        grid_seconds = time.perf_counter() - start
        grids[label] = maps(grid_draws)
        rows.append(
            {
                "model": label,
                "code": name,
                "lines": lines_of_code(CODE / name),
                **scores(draws, y_test),
                "fit_seconds": round(fit_seconds, 1),
                "grid_seconds": round(grid_seconds, 1),
                "draws": int(draws.shape[0]),
                "run": RUN,
                "load": load_average(),
            }
        )
        print(rows[-1], flush=True)
    figure = moons_figure(grids, X_train, y_train)
    return {"rows": rows, "figure": figure}, grids


REJECTION_RATES = np.linspace(0.0, 0.9, 46)
"""Shares of the held-out rows set aside in the cover-type figure."""


def rejection_curve(draws: np.ndarray, y: np.ndarray) -> list[float]:
    """Accuracy on the rows kept when the most uncertain (predictive entropy) go first."""
    mean = draws.mean(axis=0)
    order = np.argsort(-entropy(mean), kind="stable")
    correct = (mean.argmax(axis=1) == y)[order]
    return [round(float(correct[round(r * len(y)) :].mean()), 4) for r in REJECTION_RATES]


def covertype_part(contenders: str = "all", full: bool = False) -> None:
    """Fit the cover-type contenders, each row saved in the results file once it is done.

    ``contenders="pymc_bnn"`` refits only pymc_bnn's rows and keeps the notebooks'
    (their code does not use pymc_bnn; ``"notebook"`` the other way round): each
    row names the run that made it.  A contender of :data:`TIMED_ONLY` is timed on
    a short run (:func:`timed_short_run`) unless ``full``.
    """
    X_train, X_test, y_train, y_test = covertype_data()
    entry = read_results().get("covertype", {"rows": []})
    entry.update(train_rows=len(X_train), test_rows=len(X_test))
    for label, name in COVERTYPE.items():
        if contenders in (name, "all"):
            pass
        elif contenders not in ("notebook", "pymc_bnn") or name.startswith(
            "covertype_notebook"
        ) != (contenders == "notebook"):
            continue
        if name in TIMED_ONLY and not full:
            timed = {
                "model": label,
                "code": name,
                **timed_short_run(CODE / name, X_train, y_train),
            }
            timed.update(lines=lines_of_code(CODE / name), run=RUN, load=load_average())
            print(timed, flush=True)
            entry["rows"] = [r for r in entry["rows"] if r["code"] != name]
            entry["timed_only"] = {**entry.get("timed_only", {}), name: timed}
            write_part("covertype", entry)
            continue
        namespace, fit_seconds = run(CODE / name, X_train, y_train)
        draws = namespace["probability_draws"](X_test)
        row = {
            "model": label,
            "code": name,
            "lines": lines_of_code(CODE / name),
            **scores(draws, y_test - 1),
            "fit_seconds": round(fit_seconds, 1),
            "draws": int(draws.shape[0]),
            "rejection_curve": rejection_curve(draws, y_test - 1),
            "run": RUN,
            "load": load_average(),
        }
        print({k: v for k, v in row.items() if k != "rejection_curve"}, flush=True)
        kept = {r["code"]: r for r in entry["rows"]}
        kept[name] = row
        entry["rows"] = [kept[code] for code in COVERTYPE.values() if code in kept]
        entry.get("timed_only", {}).pop(name, None)
        entry["defaults"] = estimator_defaults()
        entry["figure"] = covertype_figure(entry["rows"])
        write_part("covertype", entry)


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def _save(fig, name: str) -> str:
    IMAGES.mkdir(parents=True, exist_ok=True)
    tmp = IMAGES / f".{name}.tmp.png"
    fig.savefig(tmp, dpi=100, bbox_inches="tight")
    os.replace(tmp, IMAGES / name)
    print(f"wrote {IMAGES / name}")
    return name


def moons_figure(grids: dict, X_train: np.ndarray, y_train: np.ndarray) -> str:
    """Models in rows, quantities in columns; one colour scale (and bar) per quantity."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    quantities = {  # key: (panel title, colour bar label, colour map, lowest, highest)
        "mean": ("mean P(class 1)", "posterior mean of P(class 1)", "RdBu_r", 0.0, 1.0),
        "sd": (
            "spread of P(class 1)",
            "standard deviation of P(class 1) over the draws",
            "viridis",
            0.0,
            None,
        ),
        "epistemic": (
            "epistemic part",
            "epistemic part: mutual information (nats)",
            "magma",
            0.0,
            None,
        ),
    }
    fig, axes = plt.subplots(
        len(grids),
        3,
        figsize=(13, 4.2 * len(grids) + 0.8),
        sharex=True,
        sharey=True,
        layout="constrained",
    )
    for column, (key, (title, bar_label, cmap, vmin, vmax)) in enumerate(quantities.items()):
        top = vmax if vmax is not None else max(float(g[key].max()) for g in grids.values())
        for row, (label, grid) in enumerate(grids.items()):
            ax = axes[row, column]
            image = ax.pcolormesh(GRID, GRID, grid[key], cmap=cmap, vmin=vmin, vmax=top)
            for cls, (fill, edge) in enumerate((("white", "black"), ("black", "white"))):
                pts = X_train[y_train == cls]
                ax.scatter(
                    *pts.T,
                    s=7,
                    c=fill,
                    edgecolors=edge,
                    linewidths=0.4,
                    label=f"training row, class {cls}",
                )
            ax.set_title(f"{label.split(':')[0].split(' (')[0]}: {title}", fontsize=10)
            ax.set_aspect("equal")
            if column == 0:
                ax.set_ylabel(f"{label}\n\nx2", fontsize=9)
            if row == len(grids) - 1:
                ax.set_xlabel("x1")
        fig.colorbar(image, ax=axes[:, column], location="bottom", shrink=0.85, label=bar_label)
    axes[0, 0].legend(loc="upper left", fontsize=7, framealpha=0.8)
    name = _save(fig, "pymc-examples-moons-maps.png")
    plt.close(fig)
    return name


def covertype_figure(rows: list[dict]) -> str:
    """Accuracy on the rows kept when the most uncertain are set aside, one curve per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    for row in rows:
        ax.plot(REJECTION_RATES, row["rejection_curve"], label=row["model"])
    ax.set(
        xlabel="share of held-out rows set aside, most uncertain (predictive entropy) first",
        ylabel="accuracy on the rows kept",
        title="Cover type, held-out rows: does the uncertainty point at the mistakes?",
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    name = _save(fig, "pymc-examples-covertype-rejection.png")
    plt.close(fig)
    return name


# --------------------------------------------------------------------------------------
# The results file
# --------------------------------------------------------------------------------------


def estimator_defaults() -> dict[str, dict]:
    """The estimators' default parameters, as the page's pymc_bnn rows used them."""
    import pymc_bnn.estimators as estimators

    return {
        name: {
            key: value
            for key, value in getattr(estimators, name)().get_params().items()
            if isinstance(value, int | float | str | bool | type(None) | tuple)
        }
        for name in ESTIMATORS
    }


def run_note() -> dict[str, str]:
    """When, from which commit and on what this invocation ran (one for all its rows)."""
    import pymc
    import pytensor
    import sklearn

    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "machine": (
            f"{os.cpu_count()} cores, Python {platform.python_version()}, pymc "
            f"{pymc.__version__}, pytensor {pytensor.__version__}, scikit-learn "
            f"{sklearn.__version__}"
        ),
    }


def load_average() -> float:
    """The machine's load average over the last minute (recorded beside each fit time)."""
    return round(os.getloadavg()[0], 1)


def read_results(path: Path = RESULTS) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def write_part(part: str, entry: dict, path: Path = RESULTS) -> None:
    """Replace one part of the results file, read afresh (another part may have been
    written meanwhile); the file is written whole, a temporary file renamed over it."""
    results = read_results(path)
    results[part] = entry
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=1, default=list) + "\n")
    os.replace(tmp, path)
    print(f"wrote {path}")


# --------------------------------------------------------------------------------------
# What the page prints
# --------------------------------------------------------------------------------------


def table(part: str, results: dict | None = None) -> str:
    """The Markdown table of a part, and which run made it."""
    results = read_results() if results is None else results
    if part not in results:
        return f"*No results for {part} yet: run `python docs/scripts/from_pymc_examples.py`.*"
    entry = results[part]
    grid = part == "moons"
    head = "| model | code lines | accuracy | log score | fit (s) |" + (
        " grid (s) |" if grid else ""
    )
    lines = [head, "|" + " --- |" * (6 if grid else 5)]
    rows = {row["code"]: row for row in entry["rows"]}
    timed = entry.get("timed_only", {})
    after = " |" * (3 if grid else 2)  # the cells after the one that spans the scores
    for label, code in PARTS[part].items():  # the page's order
        if code in rows:
            row = rows[code]
            cells = [
                row["model"],
                str(row["lines"]),
                f"{row['accuracy']:.3f}",
                f"{row['log_score']:.3f}",
                f"{row['fit_seconds']:.0f}",
            ]
            if grid:
                cells.append(f"{row['grid_seconds']:.0f}")
            lines.append("| " + " | ".join(cells) + " |")
        elif code in timed:
            t = timed[code]
            lines.append(
                f"| {label} | {t['lines']} | not run: {t['iterations_asked']:,} iterations at "
                f"{t['seconds_per_iteration']:.2f} s each (timed on {t['iterations_run']}) "
                f"would take {t['hours_in_full']:.1f} h |{after}"
            )
        else:
            lines.append(f"| {label} | not run yet |{after} |")
    runs: dict[str, list[dict]] = {}
    for row in [*entry["rows"], *timed.values()]:
        run = row["run"]
        note = f"{run['date']} (commit {run['commit']}; {run['machine']})"
        runs.setdefault(note, []).append(row)
    lines.append("")
    for note, rows in runs.items():
        loads = sorted(row["load"] for row in rows)
        load = f"{loads[0]}" if loads[0] == loads[-1] else f"{loads[0]}-{loads[-1]}"
        who = "" if len(runs) == 1 else ", ".join(row["model"] for row in rows) + ": "
        lines.append(f"*{who}Run of {note}; load average {load} after each fit.*")
    return "\n".join(lines)


NOTED_DEFAULTS = ("iterations", "learning_rate", "members", "draws", "prior_scale")
"""The defaults :func:`defaults_note` names: those that decide a fit."""


def defaults_note(part: str, results: dict | None = None) -> str:
    """One sentence naming the defaults the pymc_bnn rows of ``part`` were fitted with."""
    results = read_results() if results is None else results
    if part not in results:
        return ""
    described = []
    for name, params in results[part]["defaults"].items():
        if name not in PART_ESTIMATORS[part]:
            continue
        shown = ", ".join(f"{k}={params[k]!r}" for k in NOTED_DEFAULTS if k in params)
        described.append(f"`{name}`: {shown}")
    return "The pymc_bnn rows used the estimators' defaults (" + "; ".join(described) + ")."


RUN: dict[str, str] = {}
"""This invocation's :func:`run_note`, set by :func:`main`."""


def main(part: str = "all", contenders: str = "all", full: bool = False) -> None:
    RUN.update(run_note())
    if part in ("moons", "all"):
        entry, _ = moons_part()
        write_part("moons", {**entry, "defaults": estimator_defaults()})
    if part in ("covertype", "all"):
        covertype_part(contenders, full)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("moons", "covertype", "all"), default="all")
    parser.add_argument(
        "--contenders",
        choices=("all", "pymc_bnn", "notebook", *COVERTYPE.values()),
        default="all",
        help="cover type: refit every contender, only pymc_bnn's or the notebooks', "
        "or one code file (keeping the others' rows)",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="run the contenders that take hours (TIMED_ONLY) in full instead of timing them",
    )
    args = parser.parse_args()
    main(args.part, args.contenders, args.full)
