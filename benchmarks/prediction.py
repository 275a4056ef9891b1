"""Prediction speed: class probabilities of new rows under every posterior draw.

pymc_bnn predicts through the model's own graph, vectorized over the draws
(``SoftmaxModel.predict_proba``).  This script times that path against

* the floor: the same arithmetic as one batched numpy matmul chain
  (``X @ W + b`` per layer, tanh, softmax) on the same draws;
* scikit-learn's ``predict_proba`` of the point-estimate model of the same
  shape (``MLPClassifier`` / ``LogisticRegression``), one set of weights rather
  than 1,000: a reference for what a user is used to, not the same work.

Setting: 2,000 cover-type rows, 54 features, 7 classes, 1,000 draws (prior
draws: the values do not change the work); the (20, 20) tanh BNN and the
softmax regression.  Each contender is timed in its steady state (pymc_bnn's
function compiled before timing), the contenders interleaved, ``--repeats``
rounds; medians, and the ratio pymc_bnn / floor per round (median, min-max).

Run: ``.venv/bin/python benchmarks/prediction.py [--repeats 7] [--csv PATH]``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pymc as pm
from common import DEFAULT_CSV, RESULTS, load_note, machine, split, table
from scipy.special import softmax
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

import pymc_bnn as pb

ROWS, DRAWS = 2000, 1000


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _numpy_chain(X: np.ndarray, layers: list[tuple[np.ndarray, np.ndarray, bool]]) -> np.ndarray:
    """The floor: ``(draws, rows, classes)`` probabilities by batched numpy matmuls."""
    a = X[None]
    for w, b, hidden in layers:
        a = a @ w + b[:, None, :]
        if hidden:
            a = np.tanh(a)
    return softmax(a, axis=-1)


def _draws(handle, model) -> tuple:
    with model:
        prior = pm.sample_prior_predictive(
            DRAWS,
            random_seed=0,
            var_names=[v.name for v in handle.model.deterministics]
            + [p.name for p in handle.parameters],
        )
    return prior["prior"]


def _contenders(data, name: str):
    X_train = data.X_train.to_numpy()
    X = data.X_test.to_numpy()[:ROWS]
    y = data.y_train.to_numpy()
    with pm.Model() as model:
        if name == "BNN (20, 20)":
            handle = pb.bnn_classifier("y", X_train, y, hidden=(20, 20), random_seed=0)
        else:
            handle = pb.multinomial_glm("y", X_train, y)
    post = _draws(handle, model)
    if name == "BNN (20, 20)":
        layers = [
            (post[layer.weights.name].values[0], post[layer.bias.name].values[0], i < 2)
            for i, layer in enumerate(handle.layers)
        ]
        point = MLPClassifier((20, 20), activation="tanh", max_iter=20, random_state=0)
    else:
        layers = [(post["y_coef"].values[0], post["y_intercept"].values[0], False)]
        point = LogisticRegression(max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        point.fit(X_train, y)
    compile_s = _timed(lambda: handle.predict_proba(post, X[:10]))
    graph = handle.predict_proba(post, X).values[0]
    floor = _numpy_chain(X, layers)
    error = float(np.max(np.abs(graph - floor)))
    return (
        {
            "pymc_bnn": lambda: handle.predict_proba(post, X),
            "numpy floor": lambda: _numpy_chain(X, layers),
            "scikit-learn (1 draw)": lambda: point.predict_proba(X),
        },
        compile_s,
        error,
    )


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--csv", default=str(DEFAULT_CSV))
    args = parser.parse_args(argv)
    data = split(args.csv)
    rows = []
    for name in ("BNN (20, 20)", "softmax regression"):
        contenders, compile_s, error = _contenders(data, name)
        times = {k: [] for k in contenders}
        for _ in range(args.repeats):
            for label, fn in contenders.items():  # interleaved
                times[label].append(_timed(fn))
        ratio = np.array(times["pymc_bnn"]) / np.array(times["numpy floor"])
        med = {k: float(np.median(v)) for k, v in times.items()}
        rows.append(
            [
                name,
                med["pymc_bnn"],
                med["numpy floor"],
                f"{np.median(ratio):.2f} ({ratio.min():.2f}-{ratio.max():.2f})",
                med["scikit-learn (1 draw)"],
                compile_s,
                f"{error:.1e}",
            ]
        )
    text = "\n\n".join(
        [
            "## Prediction through the model's graph",
            f"{ROWS:,} cover-type rows x {DRAWS:,} draws, 7 classes; seconds per call, "
            f"median of {args.repeats} interleaved rounds.  Ratio: pymc_bnn / numpy floor "
            "per round, median (min-max).  scikit-learn predicts with one set of weights. "
            + f"Machine: {machine()}; {load_note()}.",
            table(
                [
                    "model",
                    "pymc_bnn (s)",
                    "numpy floor (s)",
                    "ratio",
                    "scikit-learn (s)",
                    "first call incl. compile (s)",
                    "max abs diff vs floor",
                ],
                rows,
            ),
        ]
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "prediction.md").write_text(text + "\n")
    print(text)
    return text


if __name__ == "__main__":
    main()
