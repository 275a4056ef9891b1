"""Steady-state time of one ADVI step: pymc_bnn vs PyMC's step function vs NumPyro's SVI.

Every contender is compiled first and then timed on ``--steps`` steps at a
time, in its steady state:

* ``pymc_bnn``: :func:`pymc_bnn.models.advi_steps.compile_steps`, the engine of
  ``fit_advi`` (100 Adam steps per compiled call, a Scan over the steps), through
  PyTensor's default Numba backend and through its JAX backend
  (``fit_advi(backend="jax")``);
* ``PyMC step``: PyMC's one-step function (``objective.step_function``, what
  ``pm.fit`` calls once per step), called in a Python loop, same model and
  optimizer;
* ``NumPyro scan``: ``svi.update`` folded into one jitted ``lax.scan`` over the
  steps, as ``svi.run`` does; ``NumPyro loop``: the jitted ``svi.update``
  called in a Python loop.  Both end with ``block_until_ready``.

The contenders are interleaved (one block of steps each per round, in an order
that rotates from round to round), for ``--rounds`` rounds; the table gives the
median seconds per 1,000 steps and the ratio pymc_bnn / NumPyro scan per round
(median, min-max).  One BLAS thread for
PyTensor (as ``fit_advi``), and the same compiled steps again with two BLAS threads;
JAX uses its own threads.

All contenders compute in float64: JAX's x64 mode is switched on first (JAX's own
default is float32).  NumPyro's scan runs once more in float32, traced, compiled and
run under ``jax.enable_x64(False)``, as a NumPyro user gets it by default.

Models (cover type, 12,000 training rows, 54 features, 7 classes): the (20, 20)
tanh BNN with minibatches of 256, and the softmax regression (zero-sum coding)
with minibatches of 256 and on the full data.  Priors as in
``bnn_covertype.py`` / ``glm_covertype.py``; Adam(0.01); mean-field Normal.

Run: ``.venv/bin/python benchmarks/advi_steps.py [--rounds 5] [--steps 2000]``;
writes ``benchmarks/results/advi_steps.md``.
"""

from __future__ import annotations

import argparse
from functools import partial

import numpy as np
import pymc as pm
import pytensor
from bnn_covertype import numpyro_bnn
from common import RESULTS, codes, interleaved, jax_float64, load_note, machine, split, table
from scipy.linalg import helmert

import pymc_bnn as pb
from pymc_bnn.models.advi_steps import compile_steps
from pymc_bnn.models.inference import JAX_STEPS_PER_CALL, STEPS_PER_CALL
from pymc_bnn.runtime import blas_limits

HIDDEN = (20, 20)
BATCH = 256
LEARNING_RATE = 0.01


def _pymc_model(data, kind: str) -> pm.Model:
    with pm.Model() as model:
        if kind == "BNN (20, 20), batch 256":
            pb.bnn_classifier(  # unit priors, as NumPyro's model (the prior does not time)
                "y",
                data.X_train,
                data.y_train,
                hidden=HIDDEN,
                prior_scale=1.0,
                batch_size=BATCH,
                random_seed=0,
            )
        else:
            batch = BATCH if "batch 256" in kind else None
            pb.multinomial_glm(
                "y",
                data.X_train,
                data.y_train,
                batch_size=batch,
                parametrization="centered",  # the estimators' choice for ADVI
                random_seed=0,
            )
    return model


def pymc_contenders(data, kind: str) -> dict:
    def fused(backend=None):
        advi = pm.ADVI(model=_pymc_model(data, kind), random_seed=0)
        steps = compile_steps(advi, LEARNING_RATE, random_seed=0, backend=backend)
        k = JAX_STEPS_PER_CALL if backend == "jax" else STEPS_PER_CALL  # as fit_advi calls
        steps(k)
        return lambda n: [steps(k) for _ in range(n // k)]

    def one_step():
        advi = pm.ADVI(model=_pymc_model(data, kind), random_seed=0)
        rate = pytensor.shared(np.float64(LEARNING_RATE))
        step = advi.objective.step_function(obj_optimizer=pm.adam(learning_rate=rate), score=True)
        step()
        return lambda n: [step() for _ in range(n)]

    steps = fused()

    def two_threads(n):
        with blas_limits(2):  # the same compiled steps, BLAS on both cores
            return steps(n)

    return {
        "pymc_bnn": steps,
        "pymc_bnn, JAX backend": fused("jax"),
        "pymc_bnn, 2 BLAS threads": two_threads,
        "PyMC step": one_step(),
    }


def numpyro_contenders(data, kind: str, steps: int) -> dict:
    """NumPyro's scan and loop in float64, and its scan in float32 (JAX's default)."""
    import jax

    found = _numpyro_contenders(data, kind, steps)
    with jax.enable_x64(False):  # traced and compiled without x64: float32 throughout
        float32 = _numpyro_contenders(data, kind, steps, loop=False)["NumPyro scan"]

    def run_float32(n):
        with jax.enable_x64(False):
            float32(n)

    return {**found, "NumPyro scan, float32": run_float32}


def _numpyro_contenders(data, kind: str, steps: int, *, loop: bool = True) -> dict:
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import SVI, Trace_ELBO
    from numpyro.infer.autoguide import AutoNormal
    from numpyro.optim import Adam

    classes, y_train, _ = codes(data)
    X = jnp.asarray(data.X_train.to_numpy())
    y = jnp.asarray(y_train)
    k = len(classes)
    batch = BATCH if "batch 256" in kind else None

    if kind.startswith("BNN"):
        sizes = (X.shape[1], *HIDDEN, k)

        model = numpyro_bnn(sizes, batch)

    else:
        basis = jnp.asarray(helmert(k, full=False))

        def model(X, y):
            raw = numpyro.sample("coef_raw", dist.Normal(0, 2.5).expand([X.shape[1], k - 1]))
            raw_b = numpyro.sample("intercept_raw", dist.Normal(0, 5.0).expand([k - 1]))
            with numpyro.plate("obs", X.shape[0], subsample_size=batch) as idx:
                logits = X[idx] @ (raw.reshape(X.shape[1], k - 1) @ basis) + raw_b @ basis
                numpyro.sample("y", dist.Categorical(logits=logits), obs=y[idx])

    svi = SVI(model, AutoNormal(model), Adam(LEARNING_RATE), Trace_ELBO())
    state = svi.init(jax.random.PRNGKey(0), X, y)
    update = jax.jit(svi.update)

    @jax.jit
    def scanned(state):
        return jax.lax.scan(lambda s, _: update(s, X, y), state, None, length=steps)

    jax.block_until_ready(scanned(state))
    if loop:
        jax.block_until_ready(update(state, X, y))
    box = {"state": state}

    def run_scan(n):
        box["state"], losses = scanned(box["state"])
        jax.block_until_ready(losses)

    def run_loop(n):
        s = box["state"]
        for _ in range(n):
            s, loss = update(s, X, y)
        jax.block_until_ready(loss)

    return {"NumPyro scan": run_scan, **({"NumPyro loop": run_loop} if loop else {})}


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=2000, help="steps per timed block")
    parser.add_argument("--csv", default=None)
    args = parser.parse_args(argv)
    jax_float64()  # NumPyro at pymc_bnn's precision
    data = split(args.csv) if args.csv else split()
    rows = []
    kinds = (
        "BNN (20, 20), batch 256",
        "softmax regression, batch 256",
        "softmax regression, full",
    )
    for kind in kinds:
        contenders = {**pymc_contenders(data, kind), **numpyro_contenders(data, kind, args.steps)}
        blocks = {label: partial(run, args.steps) for label, run in contenders.items()}
        with blas_limits(1):
            seconds = interleaved(blocks, args.rounds)
        times = {label: [t / args.steps * 1000 for t in v] for label, v in seconds.items()}
        ratios = [
            np.array(times[label]) / np.array(times[base])
            for label, base in (
                ("pymc_bnn", "NumPyro scan"),
                ("pymc_bnn, JAX backend", "NumPyro scan"),
                ("pymc_bnn", "NumPyro scan, float32"),
            )
        ]
        rows.append(
            [
                kind,
                *(float(np.median(times[label])) for label in contenders),
                *(f"{np.median(r):.2f} ({r.min():.2f}-{r.max():.2f})" for r in ratios),
            ]
        )
        print(kind, {k: np.round(v, 3).tolist() for k, v in times.items()}, flush=True)
    text = "\n\n".join(
        [
            "## ADVI steps in their steady state (seconds per 1,000 steps)",
            f"Median of {args.rounds} interleaved rounds of {args.steps} steps each; ratio = "
            "pymc_bnn (Numba, PyTensor's default, or the JAX backend) / NumPyro scan per "
            "round, median (min-max). Everything in float64 (JAX's x64 mode) but the "
            "column `NumPyro scan, float32` (JAX's own default precision). "
            + f"Machine: {machine()}; {load_note()}.",
            table(
                [
                    "model",
                    "pymc_bnn (fused)",
                    "pymc_bnn, JAX backend",
                    "pymc_bnn, 2 BLAS threads",
                    "PyMC step (pm.fit)",
                    "NumPyro scan",
                    "NumPyro loop",
                    "NumPyro scan, float32",
                    "pymc_bnn / NumPyro scan",
                    "JAX backend / NumPyro scan",
                    "pymc_bnn / NumPyro float32",
                ],
                rows,
            ),
        ]
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "advi_steps.md").write_text(text + "\n")
    print(text)
    return text


if __name__ == "__main__":
    main()
