"""Softmax regression on the cover-type data: pymc_bnn.multinomial_glm vs scikit-learn.

Split: stratified 80/20 (seed 0), quantitative columns standardized on the training part
(:func:`pymc_bnn.datasets.covertype_split`).  Prints a markdown table of test accuracy,
mean log predictive density (mean log of the posterior-mean probability of the true class)
and expected calibration error (10 bins), for

* ``multinomial_glm`` fitted with NUTS (full data, zerosum identification),
* ``multinomial_glm`` fitted with minibatch ADVI (``batch_size``),
* ``sklearn.linear_model.LogisticRegression`` (L2, C=1, lbfgs).

Usage: python benchmarks/glm_covertype.py [path/to/covtype-15k.csv]
"""

import sys
import time
from pathlib import Path

import numpy as np
import pymc as pm
from sklearn.linear_model import LogisticRegression

from pymc_bnn.datasets import covertype_split
from pymc_bnn.glm import multinomial_glm
from pymc_bnn.uncertainty import expected_calibration_error, log_score

DEFAULT_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "covtype-15k.csv"
SEED = 0
DRAWS = 300
ADVI_STEPS = 20_000


def scores(probs, y) -> dict:
    mean = np.asarray(probs).reshape(-1, *np.shape(probs)[-2:]).mean(axis=0)
    classes = np.asarray(probs.coords[probs.dims[-1]]) if hasattr(probs, "coords") else None
    pred = classes[mean.argmax(-1)] if classes is not None else mean.argmax(-1)
    return {
        "accuracy": float(np.mean(pred == np.asarray(y))),
        "mlpd": log_score(probs, y),
        "ece": expected_calibration_error(probs, y),
    }


def fit_nuts(split):
    with pm.Model():
        glm = multinomial_glm("cover", split.X_train, split.y_train)
        idata = pm.sample(500, tune=500, chains=2, cores=1, random_seed=SEED, progressbar=False)
    post = idata.posterior
    notes = (
        f"2x500 draws, divergences {int(idata.sample_stats.diverging.sum())}, "
        f"max r_hat {float(_max_rhat(idata)):.3f}"
    )
    return glm.predict_proba(idata, split.X_test), notes, post


def _max_rhat(idata):
    import arviz as az

    summary = az.summary(idata, var_names=["cover_coef", "cover_intercept"], kind="diagnostics")
    return summary["r_hat"].max()


def fit_advi(split):
    with pm.Model():
        glm = multinomial_glm(
            "cover", split.X_train, split.y_train, batch_size=500, random_seed=SEED
        )
        approx = pm.fit(
            ADVI_STEPS,
            method="advi",
            random_seed=SEED,
            progressbar=False,
            obj_optimizer=pm.adam(learning_rate=0.01),
        )
        idata = approx.sample(1000, random_seed=SEED)
    notes = f"batch 500, {ADVI_STEPS} Adam steps (lr 0.01), 1000 draws"
    return glm.predict_proba(idata, split.X_test), notes


def fit_sklearn(split):
    clf = LogisticRegression(C=1.0, max_iter=5000).fit(split.X_train, split.y_train)
    probs = clf.predict_proba(split.X_test)[None]
    import xarray as xr

    da = xr.DataArray(probs, dims=("draw", "obs", "classes"), coords={"classes": clf.classes_})
    return da, "L2, C=1, lbfgs"


def main(path) -> None:
    split = covertype_split(path, random_seed=SEED)
    rows = []
    for label, fit in [
        ("sklearn LogisticRegression", fit_sklearn),
        ("multinomial_glm, minibatch ADVI", fit_advi),
        ("multinomial_glm, NUTS", fit_nuts),
    ]:
        start = time.perf_counter()
        probs, notes = fit(split)
        seconds = time.perf_counter() - start
        rows.append((label, scores(probs, split.y_test), seconds, notes))
        print(f"done: {label} in {seconds:.0f} s: {rows[-1][1]}", file=sys.stderr, flush=True)
    n_train, n_test = len(split.X_train), len(split.X_test)
    print(f"Cover type, {n_train} train / {n_test} test rows, 54 features, 7 classes.\n")
    print(
        "| model | test accuracy | mean log pred. density | ECE (10 bins) | fit time (s) | notes |"
    )
    print("|---|---|---|---|---|---|")
    for label, s, seconds, notes in rows:
        print(
            f"| {label} | {s['accuracy']:.4f} | {s['mlpd']:.4f} | {s['ece']:.4f} "
            f"| {seconds:.0f} | {notes} |"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CSV)
