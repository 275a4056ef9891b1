"""Calibration of the BNN's probabilities against softmax regression, NUTS and scikit-learn.

Data sets (all offline):

* ``digits``: scikit-learn's 8x8 digits (1,797 rows, 64 pixel features, 10
  classes), 540 held-out rows as in ``pymc-bnn demo``; pixels standardized with
  the training mean and standard deviation (constant pixels left at 0);
* ``covertype``: the shared 15k cover-type rows, the benchmark split of
  :func:`common.split` (54 features, 7 classes);
* ``clusters``: ``sklearn.datasets.make_classification`` with 8 classes, each a
  mixture of 3 Gaussian clusters on the vertices of a 10-dimensional hypercube
  (plus 10 noise features) and 5 % of the labels flipped: many classes, a clearly
  nonlinear boundary (a class is a union of separated clusters, so no linear
  score separates it) and a known amount of irreducible noise; 6,000 rows,
  2,000 held out.

Rows: softmax regression (``multinomial_glm`` with the same ADVI), the BNN with
the defaults (``prior_scale="auto"``: the first layer's prior scaled to the
training rows, unit priors after it), the BNN with the former defaults (weights
``Normal(0, 1)`` whatever the inputs), the defaults plus a linear path from the
inputs to the logits (``skip_scale=2.5``, a softmax regression inside the
network), NUTS on the BNN where affordable (a one-hidden-layer network on digits
and clusters) and
``sklearn.neural_network.MLPClassifier`` of the same width.  Scores:
accuracy, log score (mean log predictive density), 10-bin ECE and Brier score of
the posterior-mean probabilities (:mod:`pymc_bnn.uncertainty`), fit time; medians
over the seeds.

Timings come from a machine shared with other jobs (2 cores, load average near
8 when measured): compare rows of one table, not with other runs.

Run: ``.venv/bin/python benchmarks/calibration.py [--quick] [--seeds 3] [--steps N]
[--datasets digits,covertype,clusters] [--no-nuts]``; writes
``benchmarks/results/calibration.md``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from common import RESULTS, machine, split, table

HIDDEN = (20, 20)
DEFAULTS = {"prior_scale": "auto", "init_scale": 0.3, "start_sigma": 0.1}
"""The BNN defaults since issue 17: the first layer's prior scaled to the inputs."""
FORMER = {"prior_scale": 1.0}
"""The defaults before issue 17: unit-variance weight priors on every layer."""
SKIP = 2.5
"""``skip_scale`` of the row with a linear path (the GLM's coefficient prior)."""


@dataclass
class Data:
    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    batch_size: int | None


def _standardize(X_train, X_test):
    mean, std = X_train.mean(0), X_train.std(0)
    std = np.where(std > 0, std, 1.0)
    return (X_train - mean) / std, (X_test - mean) / std


def load(name: str, seed: int = 0) -> Data:
    """The data set ``name`` split with ``seed`` (cover type: always the benchmark split)."""
    from sklearn.model_selection import train_test_split

    if name == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=540, stratify=y, random_state=seed)
        Xtr, Xte = _standardize(Xtr, Xte)
        return Data(name, Xtr, ytr, Xte, yte, 256)
    if name == "clusters":
        from sklearn.datasets import make_classification

        X, y = make_classification(
            n_samples=6000,
            n_features=20,
            n_informative=10,
            n_redundant=0,
            n_classes=8,
            n_clusters_per_class=3,
            flip_y=0.05,
            class_sep=1.5,
            random_state=0,
        )
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=2000, stratify=y, random_state=seed)
        Xtr, Xte = _standardize(Xtr, Xte)
        return Data(name, Xtr, ytr, Xte, yte, 256)
    if name == "covertype":
        data = split()
        return Data(
            name,
            data.X_train.to_numpy(float),
            data.y_train.to_numpy(),
            data.X_test.to_numpy(float),
            data.y_test.to_numpy(),
            256,
        )
    raise ValueError(f"unknown data set {name!r}")


def score(probs: np.ndarray, y: np.ndarray, classes: np.ndarray) -> dict[str, float]:
    """Accuracy, log score, ECE and Brier of per-draw probabilities ``(draw, obs, class)``."""
    import xarray as xr

    from pymc_bnn.uncertainty import brier_score, expected_calibration_error, log_score

    probs = np.asarray(probs)
    if probs.ndim == 2:
        probs = probs[None]
    da = xr.DataArray(
        probs, dims=("draw", "obs", "classes"), coords={"classes": np.asarray(classes)}
    )
    mean = probs.mean(0)
    return {
        "accuracy": float(np.mean(classes[mean.argmax(-1)] == y)),
        "log score": float(log_score(da, y)),
        "ECE": float(expected_calibration_error(da, y)),
        "Brier": float(brier_score(da, y)),
    }


def _build_bnn(data: Data, hidden, seed: int, prior_scale, init_scale, skip_scale=None):
    """``bnn_classifier`` with the given prior (explicit, so old rows stay reproducible)."""
    from pymc_bnn import bnn_classifier

    return bnn_classifier(
        "y",
        data.X_train,
        data.y_train,
        hidden=hidden,
        prior_scale=prior_scale,
        init_scale=init_scale,
        skip_scale=skip_scale,
        batch_size=data.batch_size,
        random_seed=seed,
    )


def fit_bnn(
    data: Data,
    seed: int,
    *,
    steps: int,
    hidden=HIDDEN,
    prior_scale="auto",
    init_scale: float = 0.3,
    start_sigma: float = 0.1,
    learning_rate: float = 0.01,
    skip_scale: float | None = None,
    draws: int = 500,
) -> dict:
    """Mean-field ADVI fit of a BNN; scores on the held-out rows and fit time."""
    import pymc as pm

    from pymc_bnn import fit_advi

    start = time.perf_counter()
    with pm.Model():
        net = _build_bnn(data, hidden, seed, prior_scale, init_scale, skip_scale)
        idata, _ = fit_advi(
            steps,
            learning_rate=learning_rate,
            start_sigma=start_sigma,
            draws=draws,
            random_seed=seed,
            progressbar=False,
        )
    seconds = time.perf_counter() - start
    probs = net.predict_proba(idata, data.X_test)
    classes = np.asarray(probs.coords["classes"])
    values = probs.stack(sample=("chain", "draw")).transpose("sample", ...).values
    return {**score(values, data.y_test, classes), "fit (s)": seconds}


def fit_nuts(
    data: Data,
    seed: int,
    *,
    hidden=(20,),
    prior_scale="auto",
    draws: int = 250,
    tune: int = 500,
    chains: int = 2,
) -> dict:
    """NUTS on the full-data BNN (the reference posterior of the same prior)."""
    import pymc as pm

    from pymc_bnn.models.nuts import sample_nuts

    full = Data(data.name, data.X_train, data.y_train, data.X_test, data.y_test, None)
    start = time.perf_counter()
    with pm.Model():
        net = _build_bnn(full, hidden, seed, prior_scale, 0.3)
        idata, sampler = sample_nuts(
            draws=draws, tune=tune, chains=chains, random_seed=seed, progressbar=False
        )
    seconds = time.perf_counter() - start
    probs = net.predict_proba(idata, data.X_test)
    classes = np.asarray(probs.coords["classes"])
    values = probs.stack(sample=("chain", "draw")).transpose("sample", ...).values
    return {**score(values, data.y_test, classes), "fit (s)": seconds, "sampler": sampler}


def fit_softmax(data: Data, seed: int, *, steps: int, draws: int = 500) -> dict:
    """``multinomial_glm`` (softmax regression) with the same minibatch ADVI."""
    import pymc as pm

    from pymc_bnn import fit_advi, multinomial_glm

    start = time.perf_counter()
    with pm.Model():
        glm = multinomial_glm(
            "y",
            data.X_train,
            data.y_train,
            batch_size=data.batch_size,
            parametrization="centered",  # the estimators' choice for ADVI
            random_seed=seed,
        )
        idata, _ = fit_advi(steps, draws=draws, random_seed=seed, progressbar=False)
    seconds = time.perf_counter() - start
    probs = glm.predict_proba(idata, data.X_test)
    classes = np.asarray(probs.coords["classes"])
    values = probs.stack(sample=("chain", "draw")).transpose("sample", ...).values
    return {**score(values, data.y_test, classes), "fit (s)": seconds}


def fit_mlp(data: Data, seed: int, *, hidden=HIDDEN) -> dict:
    """scikit-learn's MLPClassifier of the same width (its defaults, tanh units)."""
    from sklearn.neural_network import MLPClassifier

    start = time.perf_counter()
    mlp = MLPClassifier(hidden, activation="tanh", max_iter=500, random_state=seed)
    mlp.fit(data.X_train, data.y_train)
    seconds = time.perf_counter() - start
    return {**score(mlp.predict_proba(data.X_test), data.y_test, mlp.classes_), "fit (s)": seconds}


METRICS = ("accuracy", "log score", "ECE", "Brier", "fit (s)")


def median_row(label: str, results: list[dict], notes: str = "") -> list:
    row = [label]
    for key in METRICS:
        row.append(statistics.median(r[key] for r in results))
    return [*row, notes]


def run_dataset(name: str, seeds: int, steps: int, nuts: bool) -> str:
    contenders: dict[str, Callable[[Data, int], dict]] = {
        "softmax regression (ADVI)": lambda d, s: fit_softmax(d, s, steps=steps),
        'BNN, defaults (prior "auto")': lambda d, s: fit_bnn(d, s, steps=steps, **DEFAULTS),
        "BNN, former defaults (prior 1.0)": lambda d, s: fit_bnn(d, s, steps=steps, **FORMER),
        f"BNN + linear skip (skip_scale {SKIP})": lambda d, s: fit_bnn(
            d, s, steps=steps, **DEFAULTS, skip_scale=SKIP
        ),
        f"scikit-learn MLP {HIDDEN}": lambda d, s: fit_mlp(d, s),
    }
    if nuts and name != "covertype":
        contenders['NUTS, BNN (20,), prior "auto"'] = lambda d, s: fit_nuts(d, s)
    results: dict[str, list[dict]] = {k: [] for k in contenders}
    for seed in range(seeds):
        data = load(name, seed)
        for label, fit in contenders.items():  # interleaved: every contender per seed
            if label.startswith("NUTS") and seed > 0:
                continue  # one NUTS run: minutes each on a loaded machine
            results[label].append(fit(data, seed))
            print(name, seed, label, results[label][-1], flush=True)
    rows = [
        median_row(
            k, v, f"{len(v)} seed(s)" + (f", {v[0]['sampler']}" if "sampler" in v[0] else "")
        )
        for k, v in results.items()
    ]
    return f"### {name}\n\n" + table(["model", *METRICS, "notes"], rows)


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, few steps, no NUTS")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--datasets", default="digits,covertype,clusters")
    parser.add_argument("--no-nuts", action="store_true")
    args = parser.parse_args(argv)
    seeds, steps, nuts = args.seeds, args.steps, not args.no_nuts
    if args.quick:
        seeds, steps, nuts = 1, 2000, False
    start = time.perf_counter()
    sections = [run_dataset(n, seeds, steps, nuts) for n in args.datasets.split(",")]
    minutes = (time.perf_counter() - start) / 60
    text = "\n\n".join(
        [
            "## Calibration: BNN vs softmax regression, NUTS and scikit-learn's MLP",
            f"Machine: {machine()}; shared with other jobs (loaded), so fit times are "
            f"indicative only. {steps} ADVI steps, minibatches of 256 rows, hidden "
            f"layers {HIDDEN}, medians over {seeds} seed(s); {minutes:.0f} minutes"
            + (" (--quick: not for quoting)." if args.quick else "."),
            *sections,
        ]
    )
    RESULTS.mkdir(exist_ok=True)
    out = "calibration-quick.md" if args.quick else "calibration.md"
    (RESULTS / out).write_text(text + "\n")
    print(text)
    return text


if __name__ == "__main__":
    main()
