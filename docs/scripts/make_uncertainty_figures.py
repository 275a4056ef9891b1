"""Make the figures of docs/uncertainty.md.

A Bayesian softmax regression is fitted with ADVI to three 2-D Gaussian blobs;
its posterior class probabilities on held-out points and on a grid feed every
plot of ``pymc_bnn.plots``.  Runs in about a minute on two cores::

    .venv/bin/python docs/scripts/make_uncertainty_figures.py [--random-seed 20261125]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pymc as pm
import xarray as xr

from pymc_bnn import plots
from pymc_bnn.uncertainty import (
    correct_predictions,
    entropy_decomposition,
    expected_calibration_error,
)

IMAGES = Path(__file__).resolve().parents[1] / "images"
CLASSES = ["A", "B", "C"]
CENTERS = np.array([[-2.0, -1.0], [2.0, -1.0], [0.0, 2.0]])
RANDOM_SEED = 20261125
FIGSIZE = (6.4, 4.4)
DPI = 110


def make_blobs(n_per_class: int, random_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Three overlapping Gaussian blobs in 2-D; labels 0, 1, 2."""
    rng = np.random.default_rng(random_seed)
    X = np.concatenate([rng.normal(c, 1.1, size=(n_per_class, 2)) for c in CENTERS])
    y = np.repeat(np.arange(len(CENTERS)), n_per_class)
    return X, y


def build_model(X: np.ndarray, y: np.ndarray) -> pm.Model:
    """Bayesian softmax regression with data containers that can be swapped."""
    coords = {"obs": np.arange(len(X)), "feature": ["x1", "x2"], "class": CLASSES}
    with pm.Model(coords=coords) as model:
        X_data = pm.Data("X", X, dims=("obs", "feature"))
        y_data = pm.Data("y_obs", y, dims="obs")
        weights = pm.Normal("weights", 0.0, 2.0, dims=("feature", "class"))
        intercept = pm.Normal("intercept", 0.0, 2.0, dims="class")
        logits = X_data @ weights + intercept
        pm.Deterministic("p", pm.math.softmax(logits, axis=-1), dims=("obs", "class"))
        pm.Categorical("y", logit_p=logits, observed=y_data, dims="obs")
    return model


def fit(model: pm.Model, random_seed: int, n_draws: int = 500) -> xr.DataTree:
    """Mean-field ADVI, then draws from the approximation."""
    with model:
        approx = pm.fit(
            n=5000,
            method="advi",
            obj_optimizer=pm.adam(learning_rate=0.05),
            random_seed=random_seed,
            progressbar=False,
        )
        return approx.sample(n_draws, random_seed=random_seed)


def held_out_probs(model: pm.Model, idata: xr.DataTree, X: np.ndarray, random_seed: int):
    """Posterior class probabilities on new points, as the DataTree PyMC returns."""
    with model:
        pm.set_data(
            {"X": X, "y_obs": np.zeros(len(X), dtype=int)}, coords={"obs": np.arange(len(X))}
        )
        return pm.sample_posterior_predictive(
            idata, var_names=["p"], random_seed=random_seed, progressbar=False
        )


def grid_probs(idata: xr.DataTree, x1: np.ndarray, x2: np.ndarray) -> xr.DataArray:
    """Class probabilities (sample, grid point, class) in meshgrid order, computed in numpy."""
    xx, yy = np.meshgrid(x1, x2)
    points = np.column_stack([xx.ravel(), yy.ravel()])
    post = idata.posterior
    weights = post["weights"].stack(sample=("chain", "draw")).transpose("sample", ...).values
    intercept = post["intercept"].stack(sample=("chain", "draw")).transpose("sample", ...).values
    logits = np.einsum("nf,sfk->snk", points, weights) + intercept[:, None, :]
    logits -= logits.max(axis=-1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=-1, keepdims=True)
    return xr.DataArray(probs, dims=("sample", "grid_point", "class"), coords={"class": CLASSES})


def pick_observations(probs, y) -> list[int]:
    """Telling test points: most certain, most aleatoric, most epistemic, surest mistake."""
    parts = entropy_decomposition(probs)
    total = np.asarray(parts.total)
    wrong = np.flatnonzero(~np.asarray(correct_predictions(probs, y)))
    picks = [
        int(np.argmin(total)),
        int(np.argmax(np.asarray(parts.aleatoric))),
        int(np.argmax(np.asarray(parts.epistemic))),
        *([int(wrong[np.argmin(total[wrong])])] if wrong.size else []),
    ]
    return list(dict.fromkeys(picks))


def save(fig: plt.Figure, name: str) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    fig.savefig(IMAGES / name, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {IMAGES / name}")


def main(random_seed: int = RANDOM_SEED) -> None:
    start = time.perf_counter()
    X_train, y_train = make_blobs(15, random_seed)
    X_test, y_test = make_blobs(150, random_seed + 1)
    model = build_model(X_train, y_train)
    idata = fit(model, random_seed)
    test = held_out_probs(model, idata, X_test, random_seed)
    labels = np.array(CLASSES)[y_test]
    pp = {"var_name": "p", "group": "posterior_predictive"}
    print(f"held-out ECE = {expected_calibration_error(test, labels, **pp):.3f}")

    fig, ax = plt.subplots(figsize=FIGSIZE)
    observations = pick_observations(test.posterior_predictive["p"], labels)
    print(f"observations shown: {observations}")
    plots.plot_class_probabilities(test, observations, y=labels, ax=ax, **pp)
    save(fig, "uncertainty_class_probabilities.png")

    fig, ax = plt.subplots(figsize=FIGSIZE)
    plots.plot_entropy_decomposition(test, labels, ax=ax, **pp)
    save(fig, "uncertainty_entropy_decomposition.png")

    fig, ax = plt.subplots(figsize=FIGSIZE)
    plots.plot_reliability_diagram(test, labels, ax=ax, **pp)
    save(fig, "uncertainty_reliability_diagram.png")

    fig, ax = plt.subplots(figsize=FIGSIZE)
    measures = ("total", "aleatoric", "epistemic", "least_confidence")
    plots.plot_accuracy_rejection(test, labels, measures=measures, ax=ax, **pp)
    save(fig, "uncertainty_accuracy_rejection.png")

    x1, x2 = np.linspace(-7, 7, 120), np.linspace(-6, 7, 110)
    fig, ax = plt.subplots(figsize=(6.4, 5.0))
    plots.plot_decision_map(
        x1,
        x2,
        grid_probs(idata, x1, x2),
        X_train,
        np.array(CLASSES)[y_train],
        feature_names=("x1", "x2"),
        ax=ax,
    )
    save(fig, "uncertainty_decision_map.png")
    print(f"done in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random-seed", type=int, default=RANDOM_SEED)
    main(parser.parse_args().random_seed)
