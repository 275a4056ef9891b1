"""Uncertainty that flags the unknown: the BNN against a deep ensemble and the rest.

Scenarios (data shipped with scikit-learn, generated, or the shared cover-type rows):

* ``digits-unseen``: scikit-learn's 8x8 digits trained on the classes 0-6; held
  out: 30 % of the rows of those classes (stratified) and every row of 7, 8, 9.
* ``classes-unseen``: ``make_classification`` with 20 classes (one Gaussian
  cluster each on the vertices of a 12-dimensional hypercube, 8 noise features,
  2 % flipped labels), 12,000 rows; trained on the classes 0-14, 20 % of their
  rows held out, every row of 15-19 unseen.
* ``covertype-unseen``: the 15k cover-type rows with class 4 (cottonwood/willow)
  held out of training; 20 % of the other rows held out (stratified).
* ``covertype-shift``: cover type trained on the rows of wilderness areas 1 and 3
  and scored on areas 2 and 4 (rows of the classes seen in training) beside 20 %
  held-out rows of areas 1 and 3.  The indicators of areas 2 and 4 are constant
  (zero) in training.

The features are standardized with the training rows' mean and standard
deviation (cover type: its 10 quantitative columns; the 0/1 indicators stay 0/1).

Contenders: the Bayesian softmax regression, scikit-learn's ``MLPClassifier`` of
the same width (tanh), a deep ensemble of five of them (seeds apart), the BNN with
one mean-field ADVI fit (``members=1``) under the former prior (unit output
scale) and under the default one, the BNN with the estimator's defaults (several
members), NUTS on the same network and prior where affordable (digits, one seed:
the reference posterior), and variants given on the command line.  Every model is
scored from its per-draw (or per-member) class probabilities ``(S, rows,
classes)``: in distribution (held-out rows of the seen classes) accuracy, log
score, ECE and Brier; the AUROC of each uncertainty score for telling the unseen
(or shifted) rows from the held-out seen ones: mutual information (epistemic,
models with several draws or members), predictive entropy and one minus the
largest probability; on shifted rows their log score and ECE; selective
prediction on the held-out seen rows (accuracy when the 10 % and 30 % of rows
of largest predictive entropy are set aside, and the area under the
accuracy-rejection curve).  Fit time is wall time of ``fit``, compile included.
Medians over the seeds.

Run: ``.venv/bin/python benchmarks/uncertainty.py [--seeds 3] [--scenarios ...]
[--variant 'LABEL={"members": 3}' ...] [--skip LABEL ...] [--keep LABEL ... --rows-from FILE]
[--only-variants] [--title TEXT] [--out NAME] [--quick]``; writes
``benchmarks/results/uncertainty.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from common import DEFAULT_CSV, load_note, machine, table, write_result

HIDDEN = (20, 20)
BATCH = 256
ENSEMBLE = 5
"""Members of the deep ensemble."""
SINGLE_DRAWS = 1000
"""Draws of a one-member BNN and of the softmax regression."""


@dataclass
class Scenario:
    """Training rows, held-out rows of the seen classes and the novel rows."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    X_novel: np.ndarray
    y_novel: np.ndarray | None
    """Labels of the novel rows when they are of seen classes (covariate shift)."""


def _standardize(X_train, *others, columns=None):
    columns = slice(None) if columns is None else columns
    mean = X_train[:, columns].mean(0)
    std = X_train[:, columns].std(0)
    std = np.where(std > 0, std, 1.0)
    out = []
    for X in (X_train, *others):
        X = X.astype(float).copy()
        X[:, columns] = (X[:, columns] - mean) / std
        out.append(X)
    return out


def _unseen(name, X, y, unseen, seed, test_size, columns=None) -> Scenario:
    from sklearn.model_selection import train_test_split

    seen = ~np.isin(y, unseen)
    Xtr, Xte, ytr, yte = train_test_split(
        X[seen], y[seen], test_size=test_size, stratify=y[seen], random_state=seed
    )
    Xtr, Xte, Xnov = _standardize(Xtr, Xte, X[~seen], columns=columns)
    return Scenario(name, Xtr, ytr, Xte, yte, Xnov, None)


def _covertype() -> tuple[np.ndarray, np.ndarray, list[str]]:
    frame = pd.read_csv(DEFAULT_CSV)
    y = frame.pop("Cover_Type").to_numpy()
    return frame.to_numpy(float), y, list(frame.columns)


QUANTITATIVE = slice(0, 10)
"""The cover-type columns that are measurements (the other 44 are 0/1 indicators)."""


def load(name: str, seed: int) -> Scenario:
    """The scenario ``name`` with the split of ``seed``."""
    if name == "digits-unseen":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return _unseen(name, X, y, [7, 8, 9], seed, 0.3)
    if name == "classes-unseen":
        from sklearn.datasets import make_classification

        X, y = make_classification(
            n_samples=12_000,
            n_features=20,
            n_informative=12,
            n_redundant=0,
            n_classes=20,
            n_clusters_per_class=1,
            flip_y=0.02,
            class_sep=1.5,
            random_state=0,
        )
        return _unseen(name, X, y, list(range(15, 20)), seed, 0.2)
    if name == "covertype-unseen":
        X, y, _ = _covertype()
        return _unseen(name, X, y, [4], seed, 0.2, columns=QUANTITATIVE)
    if name == "covertype-shift":
        from sklearn.model_selection import train_test_split

        X, y, columns = _covertype()
        area = X[:, columns.index("Wilderness_Area1") : columns.index("Wilderness_Area4") + 1]
        inside = (area[:, 0] == 1) | (area[:, 2] == 1)
        Xtr, Xte, ytr, yte = train_test_split(
            X[inside], y[inside], test_size=0.2, stratify=y[inside], random_state=seed
        )
        shifted = ~inside & np.isin(y, np.unique(ytr))
        Xtr, Xte, Xnov = _standardize(Xtr, Xte, X[shifted], columns=QUANTITATIVE)
        return Scenario(name, Xtr, ytr, Xte, yte, Xnov, y[shifted])
    raise ValueError(f"unknown scenario {name!r}")


SCENARIOS = ("digits-unseen", "classes-unseen", "covertype-unseen", "covertype-shift")


# --------------------------------------------------------------------------------------
# Contenders: each returns a function of new rows giving probabilities (S, rows, classes)
# --------------------------------------------------------------------------------------


def _estimator_draws(estimator) -> Callable[[np.ndarray], np.ndarray]:
    def probs(X):
        draws = estimator.predict_proba_draws(X)
        return draws.stack(s=("chain", "draw")).transpose("s", "obs", "classes").values

    return probs


def fit_softmax(data: Scenario, seed: int, options: dict) -> Callable:
    from pymc_bnn import BayesianSoftmaxClassifier

    options = {"draws": SINGLE_DRAWS, "batch_size": BATCH, **options}
    estimator = BayesianSoftmaxClassifier(
        compile_mode="JAX", random_state=seed, progressbar=False, **options
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the collinearity warning of constant columns
        estimator.fit(data.X_train, data.y_train)
    return _estimator_draws(estimator)


def fit_bnn(data: Scenario, seed: int, options: dict) -> Callable:
    from pymc_bnn import BayesianMLPClassifier

    options = {"batch_size": BATCH, "hidden": HIDDEN, **options}
    estimator = BayesianMLPClassifier(
        compile_mode="JAX", random_state=seed, progressbar=False, **options
    )
    estimator.fit(data.X_train, data.y_train)
    return _estimator_draws(estimator)


def _mlp(seed: int):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(HIDDEN, activation="tanh", max_iter=500, random_state=seed)


def fit_mlp(data: Scenario, seed: int, options: dict) -> Callable:
    mlp = _mlp(seed).fit(data.X_train, data.y_train)
    return lambda X: mlp.predict_proba(X)[None]


def fit_ensemble(data: Scenario, seed: int, options: dict) -> Callable:
    members = [_mlp(ENSEMBLE * seed + k).fit(data.X_train, data.y_train) for k in range(ENSEMBLE)]
    return lambda X: np.stack([m.predict_proba(X) for m in members])


# --------------------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------------------


DETECTORS = {"MI": "epistemic", "entropy": "total", "1 - max p": "least_confidence"}
"""Uncertainty scores tried for telling novel rows from familiar ones."""


def _in_distribution(P: np.ndarray, y: np.ndarray, classes: np.ndarray) -> dict[str, float]:
    import xarray as xr

    from pymc_bnn.uncertainty import (
        accuracy_rejection_curve,
        brier_score,
        expected_calibration_error,
        log_score,
    )

    da = xr.DataArray(P, dims=("draw", "obs", "classes"), coords={"classes": classes})
    curve = accuracy_rejection_curve(da, y, measure="total")
    n = len(y)
    mean = P.mean(0)
    accuracy = float(np.mean(classes[mean.argmax(-1)] == y))
    return {
        "accuracy": accuracy,
        "confidence - accuracy": float(mean.max(-1).mean()) - accuracy,
        "log score": float(log_score(da, y)),
        "ECE": float(expected_calibration_error(da, y)),
        "Brier": float(brier_score(da, y)),
        "acc@90%": float(curve["accuracy"].iloc[int(np.floor(0.1 * n + 1e-9))]),
        "acc@70%": float(curve["accuracy"].iloc[int(np.floor(0.3 * n + 1e-9))]),
        "AUARC": float(curve["accuracy"].mean()),
    }


def score(data: Scenario, probs: Callable, classes: np.ndarray) -> dict[str, float]:
    """Every figure of one fitted model on one scenario."""
    from pymc_bnn.uncertainty import novelty_auroc

    P_test, P_novel = probs(data.X_test), probs(data.X_novel)
    result = _in_distribution(P_test, data.y_test, classes)
    if data.y_novel is not None:
        shifted = _in_distribution(P_novel, data.y_novel, classes)
        result.update({f"shift {k}": shifted[k] for k in ("accuracy", "log score", "ECE")})
    both = np.concatenate([P_test, P_novel], axis=1)
    novel = np.r_[np.zeros(len(data.X_test), bool), np.ones(len(data.X_novel), bool)]
    for name, measure in DETECTORS.items():
        if measure != "epistemic" or both.shape[0] > 1:  # one draw: no epistemic part
            result[f"AUROC {name}"] = novelty_auroc(both, novel, measure)
    return result


# --------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------


def fit_nuts(data: Scenario, seed: int, options: dict) -> Callable:
    """NUTS on the same network and prior: the reference posterior, where affordable."""
    options = {
        "method": "nuts",
        "chains": 4,
        "n_jobs": 2,
        "tune": 500,
        "draws": 250,
        "batch_size": None,
        **options,
    }
    return fit_bnn(data, seed, options)


NUTS_SCENARIOS = ("digits-unseen",)
"""Where NUTS is affordable (minutes; elsewhere hours on 2 cores), seed 0 only."""

CONTENDERS: dict[str, tuple[Callable, dict]] = {
    "softmax regression": (fit_softmax, {}),
    "MLP (20, 20)": (fit_mlp, {}),
    f"deep ensemble of {ENSEMBLE} MLPs": (fit_ensemble, {}),
    "BNN, one mean-field fit, former prior": (
        fit_bnn,
        {"members": 1, "draws": SINGLE_DRAWS, "prior_scale": [None, 1.0, 1.0]},
    ),
    "BNN, one mean-field fit": (fit_bnn, {"members": 1, "draws": SINGLE_DRAWS}),
    "BNN, defaults": (fit_bnn, {}),
    "BNN, NUTS (4 chains)": (fit_nuts, {}),
}

IN_DIST = ("accuracy", "log score", "ECE", "Brier", "fit (s)")
DETECT = ("AUROC MI", "AUROC entropy", "AUROC 1 - max p")
SHIFT = ("shift accuracy", "shift log score", "shift ECE")
SELECTIVE = ("acc@90%", "acc@70%", "AUARC")


def _median(results: list[dict], key: str):
    values = [r[key] for r in results if key in r]
    return statistics.median(values) if values else "-"


def previous_rows(path: Path) -> dict[str, dict[str, list[str]]]:
    """Each scenario's rows in an earlier results file: ``{scenario: {label: cells}}``."""
    tables: dict[str, dict[str, list[str]]] = {}
    scenario = None
    for line in path.read_text().splitlines():
        if line.startswith("### "):
            scenario = line[4:].strip()
            tables[scenario] = {}
        elif scenario and line.startswith("| ") and not line.startswith("| model"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            tables[scenario][cells[0]] = cells[1:]
    return tables


def run_scenario(
    name: str, seeds: int, contenders: dict, kept: dict[str, list[str]] | None = None
) -> tuple[str, dict]:
    results: dict[str, list[dict]] = {label: [] for label in contenders}
    for seed in range(seeds):
        data = load(name, seed)
        classes = np.unique(data.y_train)
        for label, (fit, options) in contenders.items():  # every contender per seed
            if fit is fit_nuts and (seed > 0 or name not in NUTS_SCENARIOS):
                continue
            start = time.perf_counter()
            probs = fit(data, seed, options)
            seconds = time.perf_counter() - start
            results[label].append({**score(data, probs, classes), "fit (s)": seconds})
            print(name, seed, label, json.dumps(results[label][-1]), flush=True)
    columns = IN_DIST + DETECT + (SHIFT if name == "covertype-shift" else ()) + SELECTIVE
    results = {label: r for label, r in results.items() if r}
    rows = [[label, *(_median(r, c) for c in columns)] for label, r in results.items()]
    # Rows of contenders not run now, kept from an earlier run (--rows-from), marked.
    rows = [[f"{label} (earlier run)", *cells] for label, cells in (kept or {}).items()] + rows
    medians = {label: {c: _median(r, c) for c in columns} for label, r in results.items()}
    return f"### {name}\n\n" + table(["model", *columns], rows), medians


def _variant(text: str) -> tuple[str, tuple[Callable, dict]]:
    label, _, options = text.partition("=")
    return f"BNN, {label}", (fit_bnn, json.loads(options))


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="another BNN contender: LABEL=JSON options of BayesianMLPClassifier",
    )
    parser.add_argument(
        "--only-variants", action="store_true", help="the variants alone (for ablations)"
    )
    parser.add_argument(
        "--skip", action="append", default=[], help="leave out the contender of this label"
    )
    parser.add_argument(
        "--keep",
        action="append",
        default=[],
        help="leave out the contender of this label and keep its rows from --rows-from",
    )
    parser.add_argument("--rows-from", type=Path, help="an earlier results file, for --keep")
    parser.add_argument("--out", default="uncertainty.md", help="file in benchmarks/results/")
    parser.add_argument(
        "--title",
        default="Uncertainty: unseen classes, covariate shift, selective prediction",
        help="the results' heading (an ablation names what it varies)",
    )
    parser.add_argument("--quick", action="store_true", help="1 seed, 2 scenarios: a smoke run")
    args = parser.parse_args(argv)
    contenders = dict(CONTENDERS)
    if args.only_variants:
        contenders = {}
    contenders.update(_variant(v) for v in args.variant)
    if args.keep and not args.rows_from:
        parser.error("--keep needs --rows-from: the file whose rows to keep")
    for label in args.skip + args.keep:
        if contenders.pop(label, None) is None:
            parser.error(f"--skip: no contender {label!r}; the contenders are {list(contenders)}")
    seeds, scenarios = args.seeds, args.scenarios.split(",")
    if args.quick:
        seeds, scenarios = 1, ["digits-unseen", "covertype-shift"]
    out = "uncertainty-quick.md" if args.quick else args.out
    previous = previous_rows(args.rows_from) if args.rows_from else {}
    earlier = ""
    if previous:
        run_line = next(
            (
                line
                for line in args.rows_from.read_text().splitlines()
                if line.startswith("Machine:")
            ),
            "",
        )
        earlier = (
            f"Rows marked (earlier run) were not run again ({', '.join(args.keep)}); they are "
            f"copied from the run that wrote {args.rows_from.name} before: {run_line}"
        )
    start, sections = time.perf_counter(), []
    for done, name in enumerate(scenarios, start=1):
        kept = previous.get(name, {})
        kept = {label: kept[label] for label in args.keep if label in kept}
        sections.append(run_scenario(name, seeds, contenders, kept)[0])
        minutes = (time.perf_counter() - start) / 60
        state = "" if done == len(scenarios) else f" PARTIAL: {done} of {len(scenarios)} scenarios"
        text = "\n\n".join(
            [
                f"## {args.title}",
                f"Machine: {machine()}; {load_note()}. Hidden layers {HIDDEN}, minibatches of "
                f"{BATCH} rows, ADVI compiled by JAX; medians over {seeds} seed(s); "
                f"{minutes:.0f} minutes"
                + (" (--quick: not for quoting)." if args.quick else ".")
                + state,
                *([earlier] if earlier else []),
                *sections,
            ]
        )
        # Written whole after every scenario, so a stopped run leaves the scenarios
        # it finished, marked as partial.
        write_result(out, text)
    print(text)
    return text


if __name__ == "__main__":
    main()
