"""Which family per member: mean-field ADVI against MAP points and Laplace approximations.

The posterior of ``BayesianMLPClassifier`` is a mixture of independent members
(``members=5``), each a mean-field Gaussian fitted by ADVI.  This benchmark asks
whether another family per member does better, on the same network and prior:

* **MAP**: each member is the mode it reaches (full-batch Adam, 8,000 steps, from
  the starting weights of ``bnn_layer``: ``z ~ Normal(0, 0.3)``, biases 0): a
  deep ensemble whose weight decay is the prior;
* **Laplace, sampled**: a Gaussian at each mode with the precision of the
  generalized Gauss-Newton matrix plus the prior's (the usual positive-definite
  Laplace approximation of a network), the network evaluated at its draws;
* **Laplace, linearized**: the same Gaussian pushed through the network
  linearized at the mode (the "GLM predictive" that makes Laplace work for
  networks).

The network is :func:`pymc_bnn.bnn_classifier`'s default in plain coordinates:
hidden layers (20, 20), tanh, ``w = s z`` with ``z ~ Normal(0, 1)``, biases
``Normal(0, 1)``, ``s`` the ``"auto"`` scales.  It is written here in JAX (a
Hessian of a PyTensor graph is out of reach), and checked against the PyMC
model's log density before anything is fitted.  Scores as in
``benchmarks/uncertainty.py`` (whose scenarios and scoring this script uses); the
mean-field rows to compare with are that benchmark's "BNN, defaults".

Run: ``.venv/bin/python benchmarks/member_families.py [--seeds 1]
[--scenarios digits-unseen,classes-unseen]``; writes
``benchmarks/results/member_families.md``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import uncertainty as bench
from common import jax_float64, load_note, machine, table, write_result

HIDDEN = bench.HIDDEN
MEMBERS = 5
DRAWS = 200
"""Draws per member of the Laplace families (as the estimator's default)."""
STEPS = 8000
CHUNK = 1000
"""Rows per Jacobian evaluation (bounds memory: rows x classes x parameters)."""
COLUMNS = ("accuracy", "log score", "ECE", "AUROC MI", "AUROC entropy", "fit (s)")


def _shapes(d: int, k: int) -> list[tuple[int, int]]:
    sizes = [d, *HIDDEN, k]
    return list(itertools.pairwise(sizes))


def _unflatten(theta, d: int, k: int) -> list:
    out, i = [], 0
    for a, b in _shapes(d, k):
        out.append((theta[i : i + a * b].reshape(a, b), theta[i + a * b : i + a * b + b]))
        i += a * b + b
    return out


def network(d: int, k: int, scales):
    """The logits of the network as a function of the flat free values ``theta``."""
    import jax.numpy as jnp

    def logits(theta, X):
        h = X
        layers = _unflatten(theta, d, k)
        for j, ((z, b), s) in enumerate(zip(layers, scales, strict=True)):
            h = h @ (s * z) + b
            if j < len(layers) - 1:
                h = jnp.tanh(h)
        return h

    return sum(a * b + b for a, b in _shapes(d, k)), logits


def check_against_pymc(X, y, classes, logpost, d, k, seed) -> float:
    """Largest gap between this log density and the PyMC model's, up to a constant."""
    import pymc as pm

    from pymc_bnn import bnn_classifier

    with pm.Model() as model:
        bnn_classifier("y", X, y, classes=classes, hidden=HIDDEN, parametrization="plain")
    logp = model.compile_logp()
    names = [f"y_hidden{i}" for i in range(1, len(HIDDEN) + 1)] + ["y_out"]
    rng = np.random.default_rng(seed)
    gaps = []
    for _ in range(3):
        theta = rng.normal(0, 0.5, sum(a * b + b for a, b in _shapes(d, k)))
        point = {}
        for name, (z, b) in zip(names, _unflatten(theta, d, k), strict=True):
            point[f"{name}_w_z"], point[f"{name}_b_z"] = z, b
        gaps.append(float(logp(point)) - float(logpost(theta)))
    return max(gaps) - min(gaps)


def run(name: str, seed: int) -> dict[str, dict]:
    import jax
    import jax.numpy as jnp
    import optax

    from pymc_bnn.models.bnn import OUTPUT_SCALE, input_scale

    data = bench.load(name, seed)
    classes = np.unique(data.y_train)
    X = jnp.asarray(data.X_train)
    d, k = X.shape[1], len(classes)
    P, logits = network(
        d, k, (input_scale(data.X_train), *[1.0] * (len(HIDDEN) - 1), OUTPUT_SCALE)
    )
    Y = jax.nn.one_hot(np.searchsorted(classes, data.y_train), k)

    def logpost(theta):
        return jnp.sum(Y * jax.nn.log_softmax(logits(theta, X))) - 0.5 * theta @ theta

    gap = check_against_pymc(data.X_train, data.y_train, classes, logpost, d, k, seed)
    assert gap < 1e-6 * abs(float(logpost(jnp.zeros(P)))), f"log density differs by {gap}"
    opt = optax.adam(0.01)

    @jax.jit
    def fit(theta):
        def body(carry, _):
            th, state = carry
            g = jax.grad(lambda t: -logpost(t))(th)
            updates, state = opt.update(g, state)
            return (optax.apply_updates(th, updates), state), None

        return jax.lax.scan(body, (theta, opt.init(theta)), None, length=STEPS)[0][0]

    jacobian = jax.jit(jax.vmap(jax.jacfwd(lambda t, x: logits(t, x[None])[0]), (None, 0)))

    def precision(theta):  # prior + generalized Gauss-Newton
        H = jnp.eye(P)
        for i in range(0, X.shape[0], CHUNK):
            J, p = (
                jacobian(theta, X[i : i + CHUNK]),
                jax.nn.softmax(logits(theta, X[i : i + CHUNK])),
            )
            Jp = jnp.einsum("ck,ckp->cp", p, J)
            H = H + jnp.einsum("ckp,ck,ckq->pq", J, p, J) - Jp.T @ Jp
        return H

    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    modes = []
    for _ in range(MEMBERS):
        theta = np.zeros(P)
        i = 0
        for a, b in _shapes(d, k):
            theta[i : i + a * b] = rng.normal(0, 0.3, a * b)
            i += a * b + b
        modes.append(fit(jnp.asarray(theta)))
    seconds_map = time.perf_counter() - start
    factors = [jnp.linalg.cholesky(precision(m)) for m in modes]
    seconds_laplace = time.perf_counter() - start

    def families(Xnew) -> dict[str, np.ndarray]:
        Xn = jnp.asarray(Xnew)
        out: dict[str, list] = {"MAP": [], "Laplace, sampled": [], "Laplace, linearized": []}
        for m, (mode, L) in enumerate(zip(modes, factors, strict=True)):
            eps = jnp.asarray(np.random.default_rng([seed, m]).normal(size=(P, DRAWS)))
            delta = jax.scipy.linalg.solve_triangular(L.T, eps, lower=False).T  # N(0, H^-1)
            f0 = logits(mode, Xn)
            out["MAP"].append(np.asarray(jax.nn.softmax(f0))[None])
            sampled = jax.vmap(lambda dl, mode=mode: jax.nn.softmax(logits(mode + dl, Xn)))(delta)
            out["Laplace, sampled"].append(np.asarray(sampled))
            linear = [
                jax.nn.softmax(
                    f0[i : i + CHUNK]
                    + jnp.einsum("ckp,sp->sck", jacobian(mode, Xn[i : i + CHUNK]), delta)
                )
                for i in range(0, Xn.shape[0], CHUNK)
            ]
            out["Laplace, linearized"].append(np.concatenate([np.asarray(a) for a in linear], 1))
        return {key: np.concatenate(v, 0) for key, v in out.items()}

    test, novel = families(data.X_test), families(data.X_novel)
    results = {}
    for family in test:
        probs = {id(data.X_test): test[family], id(data.X_novel): novel[family]}
        r = bench.score(data, lambda Xq, probs=probs: probs[id(Xq)], classes)
        r["fit (s)"] = seconds_map if family == "MAP" else seconds_laplace
        results[family] = r
        print(name, seed, family, json.dumps(r), flush=True)
    return results


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--scenarios", default="digits-unseen,classes-unseen")
    args = parser.parse_args(argv)
    jax_float64()
    start, sections = time.perf_counter(), []
    for name in args.scenarios.split(","):
        runs = [run(name, seed) for seed in range(args.seeds)]
        rows = [
            [family, *(float(np.median([r[family][c] for r in runs])) for c in COLUMNS)]
            for family in runs[0]
        ]
        sections.append(f"### {name}\n\n" + table(["member family", *COLUMNS], rows))
    text = "\n\n".join(
        [
            "## Member families: mean-field ADVI, MAP points, Laplace",
            f"Machine: {machine()}; {load_note()}. {MEMBERS} members, hidden layers {HIDDEN}, "
            f"full batch, {STEPS} Adam steps to each mode; {DRAWS} draws per member; medians "
            f"over {args.seeds} seed(s); {(time.perf_counter() - start) / 60:.0f} minutes. "
            "Compare with the mean-field rows of uncertainty.md.",
            *sections,
        ]
    )
    write_result("member_families.md", text)
    print(text)
    return text


if __name__ == "__main__":
    main()
