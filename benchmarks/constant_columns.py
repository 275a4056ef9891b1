"""Columns that are zero in training: keep their prior, or fix their coefficients at zero?

The scenario ``covertype-shift`` of ``uncertainty.py``: cover type trained on
the rows of wilderness areas 1 and 3 and scored on areas 2 and 4, whose
indicator columns are zero on every training row.  A Bayesian model that keeps
those columns leaves their coefficients (first-layer weights) at the prior, so
its members or draws disagree wherever an indicator is 1; a model without them
sees nothing new in those rows.

Rows, each against the other in the same run and seeds:

* the softmax regression as the estimator fits it (zero columns kept, the other
  exactly collinear columns fixed at zero) and with the zero columns fixed at
  zero too (``collinearity=`` the list of both);
* the BNN with its defaults, given every column and given the columns that vary
  in training only.

Scores as in ``uncertainty.py``: in distribution (held-out rows of areas 1 and
3) log score and ECE, on the shifted rows accuracy, log score and ECE, and the
AUROC of the mutual information and of the predictive entropy for telling the
shifted rows from the held-out ones.  Medians over the seeds.

Run: ``.venv/bin/python benchmarks/constant_columns.py [--seeds 3]``; writes
``benchmarks/results/constant_columns.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from common import load_note, machine, table, write_result
from uncertainty import BATCH, HIDDEN, SINGLE_DRAWS, Scenario, _median, load, score

COLUMNS = (
    "log score",
    "ECE",
    "shift accuracy",
    "shift log score",
    "shift ECE",
    "AUROC MI",
    "AUROC entropy",
)


def _draws(estimator, keep):
    def probs(X):
        draws = estimator.predict_proba_draws(X[:, keep])
        return draws.stack(s=("chain", "draw")).transpose("s", "obs", "classes").values

    return probs


def softmax(data: Scenario, seed: int, zero_fixed: bool):
    from pymc_bnn import BayesianSoftmaxClassifier
    from pymc_bnn.models.collinearity import find_collinearity

    found = find_collinearity(data.X_train)
    fixed = sorted([*found.dropped, *(found.names.index(n) for n in found.zero)])
    estimator = BayesianSoftmaxClassifier(
        compile_mode="JAX",
        random_state=seed,
        progressbar=False,
        draws=SINGLE_DRAWS,
        batch_size=BATCH,
        collinearity=fixed if zero_fixed else "drop",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the collinearity warning names the columns
        estimator.fit(data.X_train, data.y_train)
    return _draws(estimator, slice(None))


def bnn(data: Scenario, seed: int, zero_removed: bool):
    from pymc_bnn import BayesianMLPClassifier

    keep = data.X_train.any(axis=0) if zero_removed else np.ones(data.X_train.shape[1], bool)
    estimator = BayesianMLPClassifier(
        compile_mode="JAX", random_state=seed, progressbar=False, batch_size=BATCH, hidden=HIDDEN
    )
    estimator.fit(data.X_train[:, keep], data.y_train)
    return _draws(estimator, keep)


CONTENDERS = {
    "softmax regression, zero columns kept (default)": (softmax, False),
    "softmax regression, zero columns fixed at zero": (softmax, True),
    "BNN, every column (default)": (bnn, False),
    "BNN, zero columns removed": (bnn, True),
}


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results: dict[str, list[dict]] = {label: [] for label in CONTENDERS}
    zero = []
    for seed in range(args.seeds):
        data = load("covertype-shift", seed)
        zero = [j for j in range(data.X_train.shape[1]) if not data.X_train[:, j].any()]
        classes = np.unique(data.y_train)
        for label, (fit, option) in CONTENDERS.items():
            results[label].append(score(data, fit(data, seed, option), classes))
            print(label, seed, {c: round(results[label][-1][c], 4) for c in COLUMNS}, flush=True)
    minutes = (time.perf_counter() - start) / 60
    rows = [[label, *(_median(r, c) for c in COLUMNS)] for label, r in results.items()]
    text = "\n\n".join(
        [
            "## Columns that are zero in training (cover type, wilderness areas 2 and 4 unseen)",
            f"Machine: {machine()}; {load_note()}. {len(zero)} columns are zero on every "
            f"training row (the indicators of areas 2 and 4 and of soil types absent from "
            f"areas 1 and 3). Hidden layers {HIDDEN}, minibatches of {BATCH} rows, ADVI "
            f"compiled by JAX; medians over {args.seeds} seed(s); {minutes:.0f} minutes.",
            table(["model", *COLUMNS], rows),
        ]
    )
    write_result("constant_columns.md", text)
    print(text)
    return text


if __name__ == "__main__":
    main()
