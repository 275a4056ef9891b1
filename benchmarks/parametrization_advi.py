"""ADVI under each ``parametrization``: does the geometry NUTS prefers cost ADVI anything?

``multinomial_glm`` and ``bnn_classifier`` (first layer) can sample their free
variables as they are (``plain``), with the intercepts of the centred design
(``centered``) or also in the coordinates of the design's QR factor (``qr``);
the posterior is the same, but mean-field ADVI approximates it in those
coordinates, so its fit can differ.  This script fits the softmax regression and
the (20, 20) BNN on the cover-type split of :mod:`common` with
:func:`pymc_bnn.fit_advi` as ``pymc-bnn fit`` does (minibatches of 256 rows,
JAX backend), each parametrization and seed, the parametrizations interleaved
within a seed, and scores the held-out rows (accuracy, mean log predictive
density, 10-bin ECE).

Run: ``.venv/bin/python benchmarks/parametrization_advi.py [--seeds 0 1] [--steps 10000]``.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import warnings

import pymc as pm
from common import DEFAULT_CSV, load_note, machine, scores, split, table

from pymc_bnn import bnn_classifier, fit_advi, multinomial_glm

PARAMETRIZATIONS = ("plain", "centered", "qr")


def fit(data, model: str, parametrization: str, seed: int, steps: int) -> dict[str, float]:
    with pm.Model(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        options = dict(batch_size=256, random_seed=seed, parametrization=parametrization)
        if model == "softmax":
            handle = multinomial_glm("cover", data.X_train, data.y_train, **options)
        else:
            handle = bnn_classifier("cover", data.X_train, data.y_train, **options)
        idata, _ = fit_advi(steps, draws=500, random_seed=seed, progressbar=False, backend="JAX")
    return scores(handle.predict_proba(idata, data.X_test), data.y_test)


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--models", nargs="+", default=["softmax", "bnn"])
    parser.add_argument("--csv", default=str(DEFAULT_CSV))
    args = parser.parse_args(argv)
    data = split(args.csv)
    started = datetime.datetime.now(datetime.UTC)
    rows, results = [], {}
    for model in args.models:
        for seed in args.seeds:
            for parametrization in PARAMETRIZATIONS:
                r = fit(data, model, parametrization, seed, args.steps)
                print(model, seed, parametrization, r, file=sys.stderr, flush=True)
                rows.append([model, seed, parametrization, r["accuracy"], r["mlpd"], r["ece"]])
                results.setdefault((model, parametrization), []).append(r)
    medians = [
        [model, p, *(statistics.median(r[k] for r in v) for k in ("accuracy", "mlpd", "ece"))]
        for (model, p), v in results.items()
    ]
    headers = ["model", "parametrization", "accuracy", "mean log pred. density", "ECE"]
    text = "\n".join(
        [
            f"Run {started:%Y-%m-%d %H:%M} UTC: `python benchmarks/parametrization_advi.py "
            f"{' '.join(sys.argv[1:] if argv is None else argv)}`; {machine()}; {load_note()}.",
            "",
            table(["model", "seed", *headers[1:]], rows),
            "",
            "Median over seeds:",
            "",
            table(headers, medians),
            "",
        ]
    )
    print(text)
    return text


if __name__ == "__main__":
    main()
