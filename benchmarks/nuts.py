"""NUTS on cover type, side by side: PyMC's samplers on multinomial_glm and NumPyro's own NUTS.

The model is ``multinomial_glm`` on the 12,000-row training split of
:mod:`common` (zerosum identification, Normal(0, 2.5) coefficients, Normal(0, 5)
intercepts).  Contenders, each with 500 warm-up + 500 draws per chain, chains
in turn (``cores=1``, as the estimators' default ``n_jobs=1``; ``--cores 2`` runs
PyMC's and nutpie's chains in parallel), one BLAS thread:

* ``pm.sample`` with ``nuts_sampler="pymc"``, ``"nutpie"`` (Numba),
  ``"numpyro"`` and ``"blackjax"`` (JAX), through
  :func:`pymc_bnn.models.nuts.sample_nuts`;
* NumPyro's own NUTS on the same model and priors (the zero-sum directions
  through the same orthonormal basis, the same design columns), float64 and
  float32.

Columns: minimum and median bulk ESS over the free parameters, seconds of
sampling (compilation separate: PyMC's and nutpie's compile before their timed
call; the JAX samplers compile inside it, so their ``compile`` is the rest of
the wall time and their ``seconds`` include the jit; NumPyro's own is run twice
and the second, cached run is timed), minimum ESS per second, mean leapfrog
steps per draw, milliseconds per leapfrog step (sampling seconds over the
leapfrog steps of the draws and, estimated at the same rate, of the warm-up),
divergences and maximum r-hat (2 chains).

The ``collinearity`` table measures the remedy of ``multinomial_glm`` (which
fixes the coefficients of ``Wilderness_Area4``, ``Soil_Type15`` and
``Soil_Type40`` at zero) against the model with every column free.

Run: ``.venv/bin/python benchmarks/nuts.py [--chains 1 2] [--samplers ...]``;
writes ``benchmarks/results/nuts.md``.
"""

from __future__ import annotations

import argparse
import datetime
import shlex
import statistics
import sys
import time
import warnings

import arviz as az
import numpy as np
import pymc as pm
import xarray as xr
from common import RESULTS, codes, jax_float64, machine, split, table
from scipy.linalg import helmert

from pymc_bnn import multinomial_glm
from pymc_bnn.models.collinearity import find_collinearity
from pymc_bnn.models.nuts import sample_nuts
from pymc_bnn.runtime import blas_limits

PRIOR_SCALE, INTERCEPT_SCALE = 2.5, 5.0
TUNE = DRAWS = 500
FREE = ["cover_coef_raw", "cover_intercept_raw"]
HEADERS = [
    "sampler",
    "chains",
    "precision",
    "min bulk ESS",
    "median bulk ESS",
    "compile (s)",
    "seconds",
    "min ESS / s",
    "leapfrog / draw",
    "ms / leapfrog",
    "divergences",
    "max r-hat",
]


def _summary(posterior, stats, seconds, chains):
    ess = az.ess(posterior, method="bulk")
    values = np.concatenate([np.ravel(ess[v].values) for v in ess.data_vars])
    steps = float(np.mean(stats["n_steps"]))
    rhat = np.nan
    if chains > 1:
        r = az.rhat(posterior)
        rhat = float(max(np.max(r[v].values) for v in r.data_vars))
    leapfrogs = steps * (TUNE + DRAWS) * chains
    return {
        "min_ess": float(values.min()),
        "median_ess": float(np.median(values)),
        "seconds": seconds,
        "per_s": float(values.min()) / seconds,
        "steps": steps,
        "ms": 1000 * seconds / leapfrogs,
        "divergences": int(np.sum(stats["diverging"])),
        "rhat": rhat,
    }


def run_pymc(data, sampler, chains, collinearity="drop", cores=1):
    with pm.Model(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        multinomial_glm("cover", data.X_train, data.y_train, collinearity=collinearity)
        start = time.perf_counter()
        idata, ran = sample_nuts(
            DRAWS, TUNE, chains, nuts_sampler=sampler, random_seed=0, cores=cores
        )
        wall = time.perf_counter() - start
    post = idata.posterior.to_dataset()[FREE]
    if ran == "blackjax":
        # PyMC's sampling_time for BlackJAX covers 2.4 s of a 564 s run (2026-12-02): the
        # draws are computed outside the part it times, so wall - sampling_time is no
        # compile time. The whole run is timed instead; its compile is inside it.
        result = _summary(post, idata.sample_stats.to_dataset(), wall, chains)
        return {**result, "compile": "in the run", "label": f"pm.sample ({ran})"}
    seconds = float(idata.posterior.attrs.get("sampling_time", wall))
    result = _summary(post, idata.sample_stats.to_dataset(), seconds, chains)
    return {**result, "compile": wall - seconds, "label": f"pm.sample ({ran})"}


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


def run_numpyro(data, chains, precision):
    import jax
    import jax.numpy as jnp
    from numpyro.infer import MCMC, NUTS

    jax.config.update("jax_enable_x64", precision == "float64")
    _, y_train, _ = codes(data)
    found = find_collinearity(data.X_train, list(data.X_train.columns))
    X = data.X_train.to_numpy()[:, found.kept]  # the same design as collinearity="drop"
    dtype = jnp.float64 if precision == "float64" else jnp.float32
    X, y = jnp.asarray(X, dtype=dtype), jnp.asarray(y_train)
    k = int(y_train.max()) + 1
    mcmc = MCMC(
        NUTS(numpyro_model(X.shape[1], k)),
        num_warmup=TUNE,
        num_samples=DRAWS,
        num_chains=chains,
        chain_method="sequential",
        progress_bar=False,
    )
    times = []
    for seed in (0, 1):  # the first run compiles; the second reuses it
        start = time.perf_counter()
        mcmc.run(jax.random.PRNGKey(seed), X, y, extra_fields=("num_steps", "diverging"))
        jax.block_until_ready(mcmc.get_samples())
        times.append(time.perf_counter() - start)
    samples = mcmc.get_samples(group_by_chain=True)
    extra = mcmc.get_extra_fields(group_by_chain=True)
    post = xr.Dataset(
        {
            k: (("chain", "draw", *[f"{k}_{i}" for i in range(np.ndim(v) - 2)]), np.asarray(v))
            for k, v in samples.items()
        }
    ).astype(np.float64)
    stats = {
        "n_steps": np.asarray(extra["num_steps"]),
        "diverging": np.asarray(extra["diverging"]),
    }
    result = _summary(post, stats, times[1], chains)
    jax_float64()  # back to the precision of every other contender
    # Its compile happens inside the first run and is not timed on its own; the two runs
    # differ by the machine's load as well, so their difference is no measurement.
    return {**result, "compile": f"in first run ({times[0]:.0f} s)", "label": "NumPyro's own NUTS"}


def row(r, chains, precision):
    return [
        r["label"],
        chains,
        precision,
        r["min_ess"],
        r["median_ess"],
        r["compile"],
        r["seconds"],
        r["per_s"],
        r["steps"],
        r["ms"],
        r["divergences"],
        r["rhat"] if chains > 1 else "",
    ]


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--samplers",
        nargs="+",
        default=["nutpie", "numpyro", "blackjax", "numpyro-own", "pymc"],
        help="pymc, nutpie, numpyro, blackjax and numpyro-own (NumPyro's own NUTS)",
    )
    parser.add_argument("--float32", action="store_true", help="also NumPyro's own in float32")
    parser.add_argument(
        "--remedy", default="nutpie", help="sampler of the collinearity table ('' to skip)"
    )
    parser.add_argument("--draws", type=int, default=500, help="warm-up and draws per chain")
    parser.add_argument(
        "--cores", type=int, default=1, help="pm.sample's cores (1: chains in turn)"
    )
    parser.add_argument("--csv", default=None)
    args = parser.parse_args(argv)
    global TUNE, DRAWS
    TUNE = DRAWS = args.draws
    data = split(args.csv) if args.csv else split()
    started = datetime.datetime.now(datetime.UTC)
    given = sys.argv[1:] if argv is None else argv
    command = shlex.join(["python", "benchmarks/nuts.py", *given])
    start = time.perf_counter()
    rows, per_s = [], {}
    with blas_limits(1):
        # Interleaved: every contender runs once at each chain count before the next count.
        for chains in args.chains:
            for sampler in args.samplers:
                if sampler == "numpyro-own":
                    r = run_numpyro(data, chains, "float64")
                else:
                    r = run_pymc(data, sampler, chains, cores=args.cores)
                print(f"{sampler} x{chains}: {r}", file=sys.stderr, flush=True)
                rows.append(row(r, chains, "float64"))
                per_s.setdefault(r["label"], []).append(r["per_s"])
            if args.float32:
                r = run_numpyro(data, chains, "float32")
                print(f"numpyro-own float32 x{chains}: {r}", file=sys.stderr, flush=True)
                rows.append(row(r, chains, "float32"))
        remedy = []
        if args.remedy:
            for collinearity in ("drop", "ignore"):
                r = run_pymc(data, args.remedy, 1, collinearity)
                print(f"remedy {collinearity}: {r}", file=sys.stderr, flush=True)
                remedy.append(
                    [
                        collinearity,
                        r["min_ess"],
                        r["seconds"],
                        r["per_s"],
                        r["steps"],
                        r["divergences"],
                    ]
                )
    minutes = (time.perf_counter() - start) / 60
    own = statistics.median(per_s.get("NumPyro's own NUTS", [np.nan]))
    ratios = [
        [label, statistics.median(v), statistics.median(v) / own] for label, v in per_s.items()
    ]
    parts = [
        f"## NUTS on cover type ({len(data.X_train)} rows; {TUNE} warm-up + {DRAWS} draws "
        "per chain)",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC: `{command}`.",
        "",
        f"{machine()}. One run of {minutes:.0f} minutes on a shared machine loaded by other "
        "work: the seconds are inflated and noisy; the ratios between contenders run "
        "one after the other are the figures to read.",
        "",
        table(HEADERS, rows),
        "",
        "Minimum ESS per second (float64, median over the chain counts), relative to "
        "NumPyro's own NUTS:",
        "",
        table(["sampler", "min ESS / s", "ratio to NumPyro's own"], ratios),
        "",
    ]
    if remedy:
        parts += [
            f"### Collinearity remedy (pm.sample with {args.remedy}, 1 chain)",
            "",
            table(
                [
                    "collinearity",
                    "min bulk ESS",
                    "seconds",
                    "min ESS / s",
                    "leapfrog / draw",
                    "divergences",
                ],
                remedy,
            ),
            "",
        ]
    text = "\n".join(parts)
    print(text)
    return text


if __name__ == "__main__":
    out = main()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "nuts.md").write_text(out + "\n")
