"""Two moons on defaults, with the data of PyMC's example on variational inference for BNNs.

The example is "Variational Inference: Bayesian Neural Networks" (PyMC's gallery).

The example's data: ``make_moons(n_samples=1000, noise=0.2, random_state=0)``,
standardized, half held out (``train_test_split(test_size=0.5,
random_state=0)``).  The model: ``BayesianMLPClassifier(hidden=(5, 5))`` with every
other option at its default, seeds 0-2 (``random_state``), scored on the held-out
half (accuracy and mean log score of the posterior mean probability).  Beside the
defaults, the same fit with the choices they replaced, through the model API
(:func:`pymc_bnn.bnn_classifier` and :func:`pymc_bnn.fit_advi`, the calls the
estimator makes):

* starting weights ``z ~ Normal(0, 0.3)`` (``init_scale=0.3``, the previous
  default) instead of a draw from the prior (``init_scale=1.0``);
* the same with Adam's learning rate 0.05.

Run: ``.venv/bin/python benchmarks/moons.py [--seeds 3]``; writes
``benchmarks/results/moons.md``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from common import load_note, machine, table, write_result

HIDDEN = (5, 5)
TARGET = {"accuracy": 0.95, "log score": -0.15}


def moons() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The example's rows: training X, y, then held-out X, y."""
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import scale

    X, y = make_moons(n_samples=1000, noise=0.2, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(scale(X), y, test_size=0.5, random_state=0)
    return X_train, y_train, X_test, y_test


def fit_defaults(X, y, seed: int, options: dict) -> np.ndarray:
    from pymc_bnn import BayesianMLPClassifier

    estimator = BayesianMLPClassifier(hidden=HIDDEN, random_state=seed, progressbar=False)
    return estimator.fit(X, y).predict_proba


def fit_model_api(X, y, seed: int, options: dict):
    import pymc as pm

    from pymc_bnn import BayesianMLPClassifier, bnn_classifier, fit_advi

    defaults = BayesianMLPClassifier().get_params()
    with pm.Model():
        net = bnn_classifier(
            "y", X, y, hidden=HIDDEN, init_scale=options["init_scale"], random_seed=seed
        )
        idata, _ = fit_advi(
            defaults["iterations"],
            learning_rate=options.get("learning_rate", defaults["learning_rate"]),
            draws=defaults["draws"],
            members=defaults["members"],
            starts=net.member_starts(defaults["members"], random_seed=seed),
            random_seed=seed,
            progressbar=False,
        )

    def probs(X_new):
        return net.predict_proba(idata, X_new).mean(("chain", "draw")).values

    return probs


CONTENDERS = {
    "defaults (BayesianMLPClassifier)": (fit_defaults, {}),
    "starting weights Normal(0, 0.3)": (fit_model_api, {"init_scale": 0.3}),
    "starting weights Normal(0, 0.3), learning rate 0.05": (
        fit_model_api,
        {"init_scale": 0.3, "learning_rate": 0.05},
    ),
}


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    X_train, y_train, X_test, y_test = moons()
    results: dict[str, list[dict]] = {label: [] for label in CONTENDERS}
    start = time.perf_counter()
    for seed in range(args.seeds):
        for label, (fit, options) in CONTENDERS.items():
            began = time.perf_counter()
            P = fit(X_train, y_train, seed, options)(X_test)
            results[label].append(
                {
                    "accuracy": float(np.mean(P.argmax(1) == y_test)),
                    "log score": float(np.mean(np.log(P[np.arange(len(y_test)), y_test]))),
                    "fit (s)": time.perf_counter() - began,
                }
            )
            print(seed, label, results[label][-1], flush=True)
    columns = ["accuracy", "log score", "fit (s)"]
    rows = [
        [
            label,
            *(statistics.median(r[c] for r in runs) for c in columns),
            ", ".join(f"{r['accuracy']:.3f}" for r in runs),
        ]
        for label, runs in results.items()
    ]
    text = "\n\n".join(
        [
            "## Two moons on defaults",
            f"Machine: {machine()}; {load_note()}. Hidden layers {HIDDEN}; medians over "
            f"{args.seeds} seeds; {(time.perf_counter() - start) / 60:.0f} minutes. Target: "
            f"accuracy at least {TARGET['accuracy']} and log score at least "
            f"{TARGET['log score']} on defaults.",
            table(["fit", *columns, "accuracy per seed"], rows),
        ]
    )
    write_result("moons.md", text)
    print(text)
    return text


if __name__ == "__main__":
    main()
