"""Softmax regression: pymc_bnn.multinomial_glm vs NumPyro vs scikit-learn, and NUTS efficiency.

Two tables.

1. Cover type (split and scores as in :mod:`common`): ``multinomial_glm``
   (zerosum identification, Normal(0, 2.5) coefficients, Normal(0, 5)
   intercepts) fitted with :func:`pymc_bnn.fit_advi` on the full data and on
   minibatches of 256 rows; the same model in NumPyro (the zero-sum directions
   through the same orthonormal basis) with SVI, an ``AutoNormal`` guide, the
   same step count and Adam(0.01); scikit-learn's ``LogisticRegression``.
   With ``--nuts`` also NUTS (500 warm-up + 500 draws, one chain) for
   ``multinomial_glm`` and NumPyro: minimum bulk ESS over parameters per second.
2. Identification on a simulated problem (500 rows, 4 standard-normal features,
   4 classes, coefficients ~ N(0, 1)): NUTS (2 chains x 500 + 500) for
   ``"zerosum"``, ``"reference"`` and ``"none"``: minimum bulk ESS per second,
   mean leapfrog steps per draw, divergences, maximum r_hat.  PyMC's seconds
   are its sampling time (compilation excluded); NumPyro's include its jit.  For ``"none"`` the
   ESS is over the centred (identified) coefficients, which is what the other two
   sample directly.

Run: ``.venv/bin/python benchmarks/glm_covertype.py [--steps 20000] [--nuts]``;
writes ``benchmarks/results/glm_covertype.md``.
"""

from __future__ import annotations

import argparse
import sys
import time

import arviz as az
import numpy as np
import pymc as pm
import xarray as xr
from common import (
    RESULTS,
    SCORE_HEADERS,
    StepClock,
    Stopwatch,
    as_probs,
    codes,
    jax_float64,
    machine,
    score_row,
    scores,
    split,
    table,
)
from scipy.linalg import helmert
from scipy.special import log_softmax, softmax

from pymc_bnn import fit_advi, multinomial_glm
from pymc_bnn.runtime import blas_limits

PRIOR_SCALE, INTERCEPT_SCALE = 2.5, 5.0
BATCH = 256


def min_bulk_ess(idata, var_names) -> float:
    ess = az.ess(idata, var_names=var_names, method="bulk")
    return float(min(ess[v].min() for v in ess.data_vars))


# --------------------------------------------------------------------------------------
# Cover type
# --------------------------------------------------------------------------------------


def fit_pymc(data, steps, batch_size):
    clock = StepClock()
    with pm.Model():
        glm = multinomial_glm(
            "cover",
            data.X_train,
            data.y_train,
            batch_size=batch_size,
            parametrization="centered",  # the estimators' choice for ADVI
            random_seed=0,
        )
        start = time.perf_counter()
        idata, approx = fit_advi(steps, random_seed=0, progressbar=False, callbacks=[clock])
    assert np.isfinite(approx.hist).all()
    probs = glm.predict_proba(idata, data.X_test)
    label = "full batch" if batch_size is None else f"minibatch {batch_size}"
    return {
        **scores(probs, data.y_test),
        "compile": clock.first - start,
        "per_1000": clock.per_1000(),
        "notes": f"ADVI, {label}, fit_advi defaults",
    }


def _numpyro_model(n_features, k, batch_size):
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    basis = jnp.asarray(helmert(k, full=False))

    def model(X, y):
        raw = numpyro.sample(
            "coef_raw", dist.Normal(0, PRIOR_SCALE).expand([n_features, k - 1]).to_event(2)
        )
        raw_b = numpyro.sample(
            "intercept_raw", dist.Normal(0, INTERCEPT_SCALE).expand([k - 1]).to_event(1)
        )
        numpyro.deterministic("coef", raw @ basis)
        with numpyro.plate("obs", X.shape[0], subsample_size=batch_size) as idx:
            logits = X[idx] @ (raw @ basis) + raw_b @ basis
            numpyro.sample("y", dist.Categorical(logits=logits), obs=y[idx])

    return model, np.asarray(basis)


def fit_numpyro_svi(data, steps, batch_size):
    import jax
    import jax.numpy as jnp
    from numpyro.infer import SVI, Trace_ELBO
    from numpyro.infer.autoguide import AutoNormal
    from numpyro.optim import Adam

    classes, y_train, _ = codes(data)
    X, y = jnp.asarray(data.X_train.to_numpy()), jnp.asarray(y_train)
    model, basis = _numpyro_model(X.shape[1], len(classes), batch_size)
    guide = AutoNormal(model)
    svi = SVI(model, guide, Adam(0.01), Trace_ELBO())
    key = jax.random.PRNGKey(0)
    with Stopwatch() as short:
        jax.block_until_ready(svi.run(key, steps // 6, X, y, progress_bar=False).params)
    with Stopwatch() as full:
        result = svi.run(key, steps, X, y, progress_bar=False)
        jax.block_until_ready(result.params)
    per_1000 = (full.seconds - short.seconds) / (steps - steps // 6) * 1000
    post = guide.sample_posterior(jax.random.PRNGKey(1), result.params, sample_shape=(1000,))
    coef = np.asarray(post["coef_raw"]) @ basis
    intercept = np.asarray(post["intercept_raw"]) @ basis
    logits = np.einsum("nf,sfk->snk", data.X_test.to_numpy(), coef) + intercept[:, None]
    label = "full batch" if batch_size is None else f"minibatch {batch_size}"
    return {
        **scores(as_probs(softmax(logits, -1), classes), data.y_test),
        "compile": max(short.seconds - per_1000, 0.0),
        "per_1000": per_1000,
        "notes": f"SVI, {label}, AutoNormal, Adam(0.01)",
    }


def fit_sklearn(data, steps, batch_size):
    from sklearn.linear_model import LogisticRegression

    with Stopwatch() as clock:
        clf = LogisticRegression(C=1.0, max_iter=5000).fit(data.X_train, data.y_train)
    return {
        **scores(as_probs(clf.predict_proba(data.X_test), clf.classes_), data.y_test),
        "compile": 0.0,
        "per_1000": float("nan"),
        "notes": f"point estimate, L2 C=1, lbfgs, fit in {clock.seconds:.1f} s",
    }


def sample_nuts(chains: int):
    """pm.sample: 500 warm-up + 500 draws per chain, chains in turn, one BLAS thread."""
    with blas_limits(1):
        return pm.sample(
            500,
            tune=500,
            chains=chains,
            cores=1,
            random_seed=0,
            progressbar=False,
            compute_convergence_checks=False,
        )


def nuts_pymc(data):
    with pm.Model():
        multinomial_glm("cover", data.X_train, data.y_train)
        idata = sample_nuts(chains=1)
    ess = min_bulk_ess(idata, ["cover_coef", "cover_intercept"])
    return ess, idata.posterior.attrs["sampling_time"]


def nuts_numpyro(data):
    import jax
    import jax.numpy as jnp
    from numpyro.infer import MCMC, NUTS

    classes, y_train, _ = codes(data)
    X, y = jnp.asarray(data.X_train.to_numpy()), jnp.asarray(y_train)
    model, _ = _numpyro_model(X.shape[1], len(classes), None)
    mcmc = MCMC(NUTS(model), num_warmup=500, num_samples=500, num_chains=1, progress_bar=False)
    with Stopwatch() as clock:
        mcmc.run(jax.random.PRNGKey(0), X, y)
    samples = {k: np.asarray(v)[None] for k, v in mcmc.get_samples().items()}
    ds = xr.Dataset(
        {
            k: (("chain", "draw", *[f"{k}_{i}" for i in range(v.ndim - 2)]), v)
            for k, v in samples.items()
            if k != "coef"
        }
    )
    return min_bulk_ess(ds, None), clock.seconds


# --------------------------------------------------------------------------------------
# Identification on a simulated problem
# --------------------------------------------------------------------------------------


def simulate(n=500, f=4, k=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, f))
    beta = rng.normal(size=(f, k))
    p = np.exp(log_softmax(X @ beta, axis=-1))
    y = (p.cumsum(-1) > rng.uniform(size=(n, 1))).argmax(-1)
    return X, y


def identification_row(identification, X, y):
    with pm.Model():
        glm = multinomial_glm("y", X, y, identification=identification)
        if identification == "none":
            pm.Deterministic("centred", glm.coef - glm.coef.mean(-1, keepdims=True))
        idata = sample_nuts(chains=2)
    seconds = idata.posterior.attrs["sampling_time"]
    names = ["centred"] if identification == "none" else ["y_coef", "y_intercept"]
    if identification == "reference":
        names = ["y_coef_raw", "y_intercept_raw"]
    ess = min_bulk_ess(idata, names)
    stats = idata.sample_stats
    rhat = az.rhat(idata, var_names=names)
    return [
        identification,
        ess / seconds,
        ess,
        seconds,
        float(stats["n_steps"].mean()),
        int(stats["diverging"].sum()),
        float(max(rhat[v].max() for v in rhat.data_vars)),
    ]


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--nuts", action="store_true", help="also NUTS on cover type (slow)")
    parser.add_argument("--csv", default=None)
    args = parser.parse_args(argv)
    jax_float64()  # NumPyro at pymc_bnn's precision
    data = split(args.csv) if args.csv else split()

    rows = []
    for label, fit, batch in [
        ("multinomial_glm, ADVI full batch", fit_pymc, None),
        ("multinomial_glm, ADVI minibatch", fit_pymc, BATCH),
        ("NumPyro, SVI full batch", fit_numpyro_svi, None),
        ("NumPyro, SVI minibatch", fit_numpyro_svi, BATCH),
        ("sklearn LogisticRegression", fit_sklearn, None),
    ]:
        r = fit(data, args.steps, batch)
        print(f"{label}: {r}", file=sys.stderr, flush=True)
        rows.append(score_row(label, r))
    parts = [
        f"## Softmax regression on cover type ({args.steps} steps)",
        "",
        f"{len(data.X_train)} training / {len(data.X_test)} test rows; {machine()}.",
        "",
        table(SCORE_HEADERS, rows),
        "",
    ]
    if args.nuts:
        nuts = []
        for label, fn in [
            ("multinomial_glm (pm.sample)", nuts_pymc),
            ("NumPyro NUTS", nuts_numpyro),
        ]:
            ess, seconds = fn(data)
            print(f"{label}: ess {ess:.0f} in {seconds:.0f} s", file=sys.stderr, flush=True)
            nuts.append([label, ess / seconds, ess, seconds])
        parts += [
            "### NUTS on cover type (500 warm-up + 500 draws, one chain)",
            "",
            table(["sampler", "min bulk ESS / s", "min bulk ESS", "seconds"], nuts),
            "",
        ]
    X, y = simulate()
    ident = []
    for identification in ("zerosum", "reference", "none"):
        ident.append(identification_row(identification, X, y))
        print(f"identification: {ident[-1]}", file=sys.stderr, flush=True)
    parts += [
        "### NUTS by identification (simulated: 500 rows, 4 features, 4 classes; "
        "2 chains x (500 + 500))",
        "",
        table(
            [
                "identification",
                "min bulk ESS / s",
                "min bulk ESS",
                "seconds",
                "leapfrog steps / draw",
                "divergences",
                "max r_hat",
            ],
            ident,
        ),
        "",
    ]
    text = "\n".join(parts)
    print(text)
    return text


if __name__ == "__main__":
    out = main()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "glm_covertype.md").write_text(out)
