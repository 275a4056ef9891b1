"""Prediction speed: the estimators' predict_proba and predict_uncertainty against a floor.

The floor is the best implementation of the same computation written here
without pymc_bnn, in two forms, and per round the faster of the two counts:

* numpy: rows in chunks, each layer one matrix product for all draws at once
  (the first layer ``W (draws * units, features) @ X.T``, later layers a
  batched product per draw), laid out ``(draws, units, rows)`` so that the
  softmax's reductions over the classes run over whole rows of a chunk; the
  softmax, the mean and the entropies in as few passes as numpy allows;
* JAX: the same written with ``jax.numpy`` and ``jax.jit``, so that XLA fuses
  the softmax, the mean and the entropies into one pass.

Each floor comes in two summaries: the mean probabilities (the work of
``predict_proba``) and the mean with the entropy decomposition (the work of
``predict_uncertainty``).  Contenders run in their steady state (every function
compiled before timing), interleaved with the order rotating per round
(:func:`common.interleaved`); the table gives medians and the ratio
pymc_bnn / floor per round (median, min-max).

Settings: the cover-type test rows (repeated to ``--rows``), 7 classes, 1,000
posterior draws from a short ADVI fit (the values do not change the work); the
softmax regression and the (20, 20) BNN, float64 and float32.  The moons row:
the (5, 5) BNN on two moons, 5,000 draws, the 100 x 100 grid of its decision
map, against a plain numpy forward pass of the same draws, 50 at a time (what
the moons example does) and the floor.

Run: ``.venv/bin/python benchmarks/prediction.py [--rounds 5] [--rows 5000] [--csv PATH]``;
writes ``benchmarks/results/prediction.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import pickle
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from common import DEFAULT_CSV, RESULTS, interleaved, load_note, machine, split, table
from scipy.special import softmax
from sklearn.datasets import make_moons

from pymc_bnn.estimators import BayesianMLPClassifier, BayesianSoftmaxClassifier

DRAWS = 1000


# --------------------------------------------------------------------------------------
# The floors
# --------------------------------------------------------------------------------------


def layers_of(estimator) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """``(weights (draws, in, out), biases (draws, out), tanh after it)`` per layer."""
    post = estimator.posterior_
    predictor = estimator._fitted_predictor()

    def stack(name):
        values = post[name].transpose("chain", "draw", ...).values
        return values.reshape(-1, *values.shape[2:])

    if hasattr(predictor, "layers"):
        n = len(predictor.layers)
        return [
            (stack(layer.weights.name), stack(layer.bias.name), i < n - 1)
            for i, layer in enumerate(predictor.layers)
        ]
    return [(stack("y_coef"), stack("y_intercept"), False)]


class NumpyFloor:
    """The numpy floor (see the module documentation), weights laid out once."""

    def __init__(self, layers, dtype=np.float64, chunk=512):
        self.dtype, self.chunk = dtype, chunk
        self.layers = []
        for i, (w, b, hidden) in enumerate(layers):
            wt = np.ascontiguousarray(w.transpose(0, 2, 1), dtype=dtype)  # (draws, out, in)
            if i == 0:
                wt = wt.reshape(-1, wt.shape[-1])  # (draws * out, in): one product
            self.layers.append((wt, np.ascontiguousarray(b[..., None], dtype=dtype), hidden))
        self.draws = layers[0][1].shape[0]

    def logits(self, xt):
        a = None
        for i, (wt, b, hidden) in enumerate(self.layers):
            a = (wt @ xt).reshape(self.draws, -1, xt.shape[1]) if i == 0 else np.matmul(wt, a)
            a += b
            if hidden:
                np.tanh(a, out=a)
        return a  # (draws, classes, rows)

    def __call__(self, X, uncertainty=False):
        X = np.asarray(X, dtype=self.dtype)
        k = self.layers[-1][1].shape[1]
        mean = np.empty((len(X), k), self.dtype)
        aleatoric = np.empty(len(X), self.dtype) if uncertainty else None
        for s in range(0, len(X), self.chunk):
            a = self.logits(np.ascontiguousarray(X[s : s + self.chunk].T))
            a -= a.max(axis=1, keepdims=True)
            e = np.exp(a)
            z = e.sum(axis=1)  # (draws, rows)
            if uncertainty:
                # entropy of each draw: log z - sum(e * a) / z
                h = np.log(z) - np.einsum("dkm,dkm->dm", e, a) / z
                aleatoric[s : s + self.chunk] = h.mean(axis=0)
            e /= z[:, None, :]
            mean[s : s + self.chunk] = e.mean(axis=0).T
        if not uncertainty:
            return mean
        total = -(mean * np.log(np.where(mean > 0, mean, 1.0))).sum(axis=1)
        return mean, total, aleatoric, total - aleatoric


class JaxFloor:
    """The JAX floor: one jitted function per summary, chunks of a fixed size."""

    def __init__(self, layers, dtype="float64", chunk=1024):
        import jax
        import jax.numpy as jnp

        self.jax, self.chunk, self.dtype = jax, chunk, dtype
        self.params = [
            (jnp.asarray(w, dtype=dtype), jnp.asarray(b, dtype=dtype), hidden)
            for w, b, hidden in layers
        ]
        hidden = tuple(h for _, _, h in layers)

        def logits(x, params):
            a = x
            for i, (w, b) in enumerate(params):
                spec = "np,dpk->dnk" if i == 0 else "dnp,dpk->dnk"
                a = jnp.einsum(spec, a, w) + b[:, None, :]
                if hidden[i]:
                    a = jnp.tanh(a)
            return a

        def mean(x, params):
            return jax.nn.softmax(logits(x, params), axis=-1).mean(axis=0)

        def uncertainty(x, params):
            a = logits(x, params)
            a = a - a.max(axis=-1, keepdims=True)
            e = jnp.exp(a)
            z = e.sum(axis=-1)
            p = e / z[..., None]
            h = jnp.log(z) - (p * a).sum(axis=-1)
            m = p.mean(axis=0)
            total = -(m * jnp.log(m)).sum(axis=-1)
            ale = h.mean(axis=0)
            return m, total, ale, total - ale

        self.functions = {False: jax.jit(mean), True: jax.jit(uncertainty)}

    def __call__(self, X, uncertainty=False):
        f = self.functions[uncertainty]
        params = [(w, b) for w, b, _ in self.params]
        X = np.asarray(X, dtype=self.dtype)
        outs = []
        for s in range(0, len(X), self.chunk):
            chunk = X[s : s + self.chunk]
            n = len(chunk)
            if n < self.chunk:
                chunk = np.concatenate([chunk, np.zeros((self.chunk - n, X.shape[1]), X.dtype)])
            out = f(chunk, params)
            outs.append([np.asarray(o)[:n] for o in (out if uncertainty else (out,))])
        parts = [np.concatenate(p) for p in zip(*outs, strict=True)]
        return tuple(parts) if uncertainty else parts[0]


def numpy_loop(layers, X, every=50):
    """A plain numpy forward pass of the draws, ``every`` draws at a time (the moons example)."""
    total = 0.0
    for s in range(0, layers[0][0].shape[0], every):
        a = X[None]
        for w, b, hidden in layers:
            a = a @ w[s : s + every] + b[s : s + every, None, :]
            if hidden:
                a = np.tanh(a)
        total = total + softmax(a, axis=-1).sum(axis=0)
    return total / layers[0][0].shape[0]


# --------------------------------------------------------------------------------------
# The runs
# --------------------------------------------------------------------------------------


def fitted(kind, X, y, draws, dtype, seed=0):
    options = dict(draws=draws, random_state=seed, progressbar=False, compile_mode="JAX")
    options.update(prediction_dtype=dtype, iterations=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "softmax regression":
            return BayesianSoftmaxClassifier(**options).fit(X, y)
        hidden = (5, 5) if kind.startswith("moons") else (20, 20)
        return BayesianMLPClassifier(hidden=hidden, **options).fit(X, y)


def compare(kind, estimator, X, rounds, dtype, extra=None):
    """Interleaved rounds: the estimator's two methods against the floors."""
    layers = layers_of(estimator)
    floors = {"numpy": NumpyFloor(layers, dtype), "JAX": JaxFloor(layers, dtype)}
    contenders = {
        "predict_proba": lambda: estimator.predict_proba(X),
        "predict_uncertainty": lambda: estimator.predict_uncertainty(X),
        "numpy floor (mean)": lambda: floors["numpy"](X),
        "numpy floor (uncertainty)": lambda: floors["numpy"](X, True),
        "JAX floor (mean)": lambda: floors["JAX"](X),
        "JAX floor (uncertainty)": lambda: floors["JAX"](X, True),
        **(extra or {}),
    }
    for f in contenders.values():  # compile everything, touch every buffer
        f()
    seconds = interleaved(contenders, rounds)
    floor_mean = np.minimum(seconds["numpy floor (mean)"], seconds["JAX floor (mean)"])
    floor_unc = np.minimum(
        seconds["numpy floor (uncertainty)"], seconds["JAX floor (uncertainty)"]
    )
    rows = []
    for method, floor in (("predict_proba", floor_mean), ("predict_uncertainty", floor_unc)):
        ratio = np.asarray(seconds[method]) / floor
        rows.append(
            [
                kind,
                dtype,
                method,
                1e6 * np.median(seconds[method]) / len(X),
                1e6 * np.median(floor) / len(X),
                f"{np.median(ratio):.2f} ({ratio.min():.2f}-{ratio.max():.2f})",
            ]
        )
    # Agreement: the package against the numpy floor in float64 (the same arithmetic).
    reference = NumpyFloor(layers, np.float64)(X[:2000], True)
    got = estimator.predict_uncertainty(X[:2000], proba=True)
    probs = got[[f"p_{c}" for c in estimator.classes_]].to_numpy()
    errors = {
        "probabilities": float(np.abs(probs - reference[0]).max()),
        "entropies": float(
            max(
                np.abs(got[name].to_numpy() - reference[i]).max()
                for i, name in ((1, "total"), (2, "aleatoric"), (3, "epistemic"))
            )
        ),
    }
    return rows, seconds, errors


_UNPICKLE = """
import json, pickle, sys, time
import numpy as np
start = time.perf_counter()
import pymc_bnn.estimators
blob = open(sys.argv[1], "rb").read()
X = np.load(sys.argv[2])
times = {"import": time.perf_counter() - start}
for copy in ("first copy", "second copy"):
    start = time.perf_counter()
    estimator = pickle.loads(blob)
    estimator.predict_proba(X)
    times[copy] = time.perf_counter() - start
start = time.perf_counter()
estimator.predict_proba(X)
times["again"] = time.perf_counter() - start
print(json.dumps(times))
"""


def pickled(kind: str, estimator, X) -> list:
    """Pickle size, and in a fresh process: import, then two unpickled copies each
    predicting ``X`` (the first rebuilds and compiles; the second should not), then again."""
    blob = pickle.dumps(estimator)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "est.pkl").write_bytes(blob)
        np.save(Path(folder) / "X.npy", X)
        out = subprocess.run(
            [sys.executable, "-c", _UNPICKLE, f"{folder}/est.pkl", f"{folder}/X.npy"],
            capture_output=True,
            text=True,
            check=True,
        )
    times = json.loads(out.stdout.strip().splitlines()[-1])
    return [
        kind,
        len(blob) / 2**20,
        times["import"],
        times["first copy"],
        times["second copy"],
        times["again"],
    ]


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--csv", default=str(DEFAULT_CSV))
    parser.add_argument("--no-moons", action="store_true")
    args = parser.parse_args(argv)
    started = datetime.datetime.now(datetime.UTC)
    data = split(args.csv)
    X_train, y_train = data.X_train.to_numpy(), data.y_train.to_numpy()
    X_test = data.X_test.to_numpy()
    X = np.resize(X_test, (args.rows, X_test.shape[1]))
    rows, errors, pickles = [], [], []
    for kind in ("softmax regression", "BNN (20, 20)"):
        for dtype in ("float64", "float32"):
            estimator = fitted(kind, X_train, y_train, DRAWS, dtype)
            if dtype == "float64":
                pickles.append(pickled(kind, estimator, X[:1000]))
            part, _, error = compare(kind, estimator, X, args.rounds, dtype)
            rows += part
            errors.append(
                [kind, dtype, f"{error['probabilities']:.1e}", f"{error['entropies']:.1e}"]
            )
    moons = []
    if not args.no_moons:
        Xm, ym = make_moons(1000, noise=0.2, random_state=0)
        estimator = fitted("moons BNN (5, 5)", Xm[:500], ym[:500], 5000, "float64")
        grid = np.stack(np.meshgrid(np.linspace(-2, 3, 100), np.linspace(-1.5, 2, 100)), -1)
        grid = grid.reshape(-1, 2)
        layers = layers_of(estimator)
        extra = {"numpy loop, 50 draws at a time": lambda: numpy_loop(layers, grid)}
        part, seconds, _ = compare(
            "moons BNN (5, 5)", estimator, grid, args.rounds, "float64", extra
        )
        rows += part
        loop = np.asarray(seconds["numpy loop, 50 draws at a time"])
        ratio = np.asarray(seconds["predict_proba"]) / loop
        moons.append(
            [
                "10,000 grid rows x 5,000 draws",
                np.median(seconds["predict_proba"]),
                np.median(loop),
                f"{np.median(ratio):.2f} ({ratio.min():.2f}-{ratio.max():.2f})",
            ]
        )
    text = "\n\n".join(
        [
            "## Prediction against the floor",
            f"Run {started:%Y-%m-%d %H:%M} UTC: `python benchmarks/prediction.py "
            f"--rounds {args.rounds} --rows {args.rows}`.  {machine()}; {load_note()}.",
            f"{args.rows:,} cover-type rows x {DRAWS:,} draws, 7 classes; microseconds per "
            "row, median of the interleaved rounds; floor: the faster of the numpy and JAX "
            "floors in each round; ratio: pymc_bnn / floor per round, median (min-max).",
            table(
                ["model", "precision", "method", "pymc_bnn (µs/row)", "floor (µs/row)", "ratio"],
                rows,
            ),
            "Largest difference from the numpy floor in float64 on 2,000 rows (float32 rows: "
            "the error float32 costs):",
            table(["model", "precision", "probabilities", "entropies (nats)"], errors),
            "Pickled estimators (1,000 draws): size, and in a fresh process the seconds to "
            "import pymc_bnn, then for each of two unpickled copies to unpickle it and "
            "predict 1,000 rows (the first copy rebuilds the model and compiles; the second "
            "finds both in the process's cache), then the same rows again:",
            table(
                [
                    "model",
                    "pickle (MiB)",
                    "import (s)",
                    "first copy (s)",
                    "second copy (s)",
                    "again (s)",
                ],
                pickles,
            ),
            *(
                [
                    "Moons grid: predict_proba against a plain numpy forward pass of the same "
                    "draws, 50 at a time (seconds per call):",
                    table(["setting", "predict_proba (s)", "numpy loop (s)", "ratio"], moons),
                ]
                if moons
                else []
            ),
        ]
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "prediction.md").write_text(text + "\n")
    print(text)
    return text


if __name__ == "__main__":
    main()
