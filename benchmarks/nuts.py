"""NUTS on cover type at several data sizes: pymc_bnn's parametrizations against NumPyro's own.

The model is ``multinomial_glm`` on the first ``rows`` rows of a fixed random
permutation (seed 0) of the 12,000-row training split of :mod:`common` (the 10
continuous columns standardized, the 44 indicators as 0/1; zerosum
identification, Normal(0, 2.5) coefficients, Normal(0, 5) intercepts,
``collinearity="drop"`` on those rows).  Contenders, one BLAS thread, chains in
turn:

* ``pm.sample`` through :func:`pymc_bnn.models.nuts.sample_nuts` (``--sampler``,
  default ``"auto"``: nutpie when installed) for each ``parametrization`` of
  ``multinomial_glm``: ``plain`` (the free coefficients and intercepts as they
  are), ``centered`` (the intercept sampled on the centred design) and ``qr``
  (the intercept on the centred design and the coefficients in the coordinates
  of its QR factor);
* NumPyro's own NUTS on the same posterior in the plain coordinates (the
  zero-sum directions through the same orthonormal basis, the same design
  columns), run twice with the second, compiled run timed.

Every contender's ESS is taken of the same quantities, the identified free
coefficients and intercepts of the plain coordinates (``y_coef`` and
``y_intercept`` mapped back through the zero-sum basis, the fixed columns left
out), so the parametrizations are compared on one footing.  Columns: minimum
and median bulk ESS, sampling seconds (PyMC and nutpie compile before; the
compile column is the rest of the wall time), minimum ESS per second, leapfrog
steps per draw, step size, divergences and, with 2 chains, the maximum r-hat.

With ``--rounds R`` the contenders of each setting run R times in turn, the
order rotating per round and round r with random seed r, and the table adds, per
round, each contender's min ESS per second over NumPyro's in that round (median
and range over the rounds); each row records the load average (1/5/15 minutes)
before and after it: on a shared machine only such ratios are results.

Run: ``.venv/bin/python benchmarks/nuts.py [--rows 1000 3000 12000] [--lengths 300 500]
[--chains 1] [--parametrizations plain centered qr] [--no-numpyro] [--rounds 1]
[--first-round 0] [--csv PATH]
[--out NAME]``; prints a markdown table (rows in the order they ran) and, with
``--out``, writes it to ``benchmarks/results/NAME``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import sys
import time
import warnings

import arviz as az
import numpy as np
import pymc as pm
import xarray as xr
from common import DEFAULT_CSV, jax_float64, machine, split, table, write_result
from scipy.linalg import helmert

from pymc_bnn import multinomial_glm
from pymc_bnn.models.collinearity import find_collinearity
from pymc_bnn.models.nuts import sample_nuts
from pymc_bnn.runtime import blas_limits

PRIOR_SCALE, INTERCEPT_SCALE = 2.5, 5.0
HEADERS = [
    "round",
    "rows",
    "warm-up + draws",
    "chains",
    "contender",
    "min bulk ESS",
    "median bulk ESS",
    "compile (s)",
    "seconds",
    "min ESS / s",
    "leapfrog / draw",
    "step size",
    "divergences",
    "max r-hat",
    "load before → after",
]


def load() -> str:
    """The load averages over 1, 5 and 15 minutes."""
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def subset(data, rows: int):
    """The first ``rows`` rows of a fixed permutation of the training split."""
    order = np.random.default_rng(0).permutation(len(data.X_train))[:rows]
    return data.X_train.iloc[order], data.y_train.iloc[order]


def _summary(coef_raw, intercept_raw, stats, seconds, chains, draws, tune):
    """ESS of the plain coordinates ``(chain, draw, ...)``, speed and diagnostics."""
    post = xr.Dataset(
        {
            "coef_raw": (("chain", "draw", "feature", "direction"), coef_raw),
            "intercept_raw": (("chain", "draw", "direction"), intercept_raw),
        }
    )
    ess = az.ess(post, method="bulk")
    values = np.concatenate([np.ravel(ess[v].values) for v in ess.data_vars])
    rhat = ""
    if chains > 1:
        r = az.rhat(post)
        rhat = float(max(np.max(r[v].values) for v in r.data_vars))
    steps = float(np.mean(stats["n_steps"]))
    return {
        "min_ess": float(values.min()),
        "median_ess": float(np.median(values)),
        "seconds": seconds,
        "per_s": float(values.min()) / seconds,
        "steps": steps,
        "step_size": float(np.mean(stats["step_size"])),
        "divergences": int(np.sum(stats["diverging"])),
        "rhat": rhat,
    }


def run_pymc(X, y, parametrization, chains, length, sampler="auto", seed=0):
    with pm.Model(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        glm = multinomial_glm("cover", X, y, parametrization=parametrization)
        start = time.perf_counter()
        idata, ran = sample_nuts(length, length, chains, nuts_sampler=sampler, random_seed=seed)
        wall = time.perf_counter() - start
    post = idata.posterior
    kept = [j for j in range(X.shape[1]) if j not in glm.fixed_columns]
    basis = helmert(len(glm.classes), full=False)
    coef = post["cover_coef"].transpose("chain", "draw", ...).values[:, :, kept] @ basis.T
    intercept = post["cover_intercept"].transpose("chain", "draw", ...).values @ basis.T
    stats = idata.sample_stats.to_dataset()
    stats = {
        "n_steps": stats["n_steps"].values,
        "step_size": stats["step_size"].values,
        "diverging": stats["diverging"].values,
    }
    seconds = float(post.attrs.get("sampling_time", wall))
    result = _summary(coef, intercept, stats, seconds, chains, length, length)
    return {**result, "compile": wall - seconds, "label": f"{ran}, {parametrization}"}


def numpyro_model(n_features, k):
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    basis = helmert(k, full=False)

    def model(X, y):
        b = jnp.asarray(basis, dtype=X.dtype)
        raw = numpyro.sample(
            "coef_raw", dist.Normal(0, PRIOR_SCALE).expand([n_features, k - 1]).to_event(2)
        )
        raw_b = numpyro.sample(
            "intercept_raw", dist.Normal(0, INTERCEPT_SCALE).expand([k - 1]).to_event(1)
        )
        with numpyro.plate("obs", X.shape[0]):
            numpyro.sample("y", dist.Categorical(logits=X @ (raw @ b) + raw_b @ b), obs=y)

    return model


def run_numpyro(X, y, chains, length, seed=0):
    import jax
    import jax.numpy as jnp
    from numpyro.infer import MCMC, NUTS

    jax_float64()
    classes = np.sort(np.unique(y))
    found = find_collinearity(X, list(X.columns))
    X = jnp.asarray(X.to_numpy()[:, found.kept])  # the same design as collinearity="drop"
    y = jnp.asarray(np.searchsorted(classes, np.asarray(y)))
    mcmc = MCMC(
        NUTS(numpyro_model(X.shape[1], len(classes))),
        num_warmup=length,
        num_samples=length,
        num_chains=chains,
        chain_method="sequential",
        progress_bar=False,
    )
    times = []
    for key in (seed + 1000, seed):  # the first run compiles; the second reuses it
        start = time.perf_counter()
        mcmc.run(jax.random.PRNGKey(key), X, y, extra_fields=("num_steps", "diverging"))
        jax.block_until_ready(mcmc.get_samples())
        times.append(time.perf_counter() - start)
    samples = mcmc.get_samples(group_by_chain=True)
    extra = mcmc.get_extra_fields(group_by_chain=True)
    step_size = np.asarray(mcmc.last_state.adapt_state.step_size)
    stats = {
        "n_steps": np.asarray(extra["num_steps"]),
        "step_size": step_size,
        "diverging": np.asarray(extra["diverging"]),
    }
    result = _summary(
        np.asarray(samples["coef_raw"], dtype=np.float64),
        np.asarray(samples["intercept_raw"], dtype=np.float64),
        stats,
        times[1],
        chains,
        length,
        length,
    )
    return {**result, "compile": f"in first run ({times[0]:.0f} s)", "label": "NumPyro's own"}


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 3000, 12000])
    parser.add_argument(
        "--lengths", type=int, nargs="+", default=[300, 500], help="warm-up = draws per chain"
    )
    parser.add_argument("--chains", type=int, nargs="+", default=[1])
    parser.add_argument("--parametrizations", nargs="+", default=["plain", "centered", "qr"])
    parser.add_argument("--sampler", default="auto", help="nuts_sampler of pm.sample")
    parser.add_argument("--no-numpyro", action="store_true", help="leave NumPyro's own out")
    parser.add_argument("--csv", default=str(DEFAULT_CSV))
    parser.add_argument("--rounds", type=int, default=1, help="repeats, order rotating")
    parser.add_argument("--first-round", type=int, default=0, help="number (seed) of the first")
    parser.add_argument("--out", default=None, help="write to benchmarks/results/OUT")
    args = parser.parse_args(argv)
    data = split(args.csv)
    started = datetime.datetime.now(datetime.UTC)
    given = sys.argv[1:] if argv is None else argv
    command = shlex.join(["python", "benchmarks/nuts.py", *given])
    start = time.perf_counter()
    load_start = load()
    rows, ratios = [], []
    with blas_limits(1):
        for n in args.rows:
            X, y = subset(data, n)
            for chains in args.chains:
                for length in args.lengths:
                    contenders = [("pymc", p) for p in args.parametrizations]
                    if not args.no_numpyro:
                        contenders.append(("numpyro", None))
                    per_s = {}
                    for rnd in range(args.first_round, args.first_round + args.rounds):
                        k = rnd % len(contenders)
                        for kind, parametrization in contenders[k:] + contenders[:k]:
                            before = load()
                            if kind == "numpyro":
                                r = run_numpyro(X, y, chains, length, seed=rnd)
                            else:
                                r = run_pymc(
                                    X, y, parametrization, chains, length, args.sampler, rnd
                                )
                            per_s.setdefault(r["label"], []).append(r["per_s"])
                            line = [
                                rnd,
                                n,
                                f"{length} + {length}",
                                chains,
                                r["label"],
                                r["min_ess"],
                                r["median_ess"],
                                r["compile"],
                                r["seconds"],
                                r["per_s"],
                                r["steps"],
                                r["step_size"],
                                r["divergences"],
                                r["rhat"],
                                f"{before} → {load()}",
                            ]
                            print(" | ".join(map(str, line)), file=sys.stderr, flush=True)
                            rows.append(line)
                    own = per_s.get("NumPyro's own")
                    for label, values in per_s.items():
                        if own and label != "NumPyro's own":
                            ratio = np.asarray(values) / np.asarray(own)
                            cell = f"{np.median(ratio):.2f} ({ratio.min():.2f}-{ratio.max():.2f})"
                            ratios.append(
                                [
                                    n,
                                    f"{length} + {length}",
                                    chains,
                                    label,
                                    cell,
                                ]
                            )
    minutes = (time.perf_counter() - start) / 60
    text = "\n".join(
        [
            f"Run {started:%Y-%m-%d %H:%M} UTC, {minutes:.0f} minutes: `{command}`.",
            "",
            f"{machine()}.  Load average (1/5/15 min) {load_start} at the start, {load()} "
            "at the end, and beside each row.",
            "",
            table(HEADERS, rows),
            "",
            *(
                [
                    "Min bulk ESS per second over NumPyro's own in the same round, median "
                    "(min-max) over the rounds:",
                    "",
                    table(["rows", "warm-up + draws", "chains", "contender", "ratio"], ratios),
                    "",
                ]
                if ratios
                else []
            ),
        ]
    )
    print(text)
    if args.out:
        write_result(args.out, text)
    return text


if __name__ == "__main__":
    main()
