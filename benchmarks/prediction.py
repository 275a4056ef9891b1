"""Prediction speed: the estimators' predict_proba and predict_uncertainty against a floor.

The floor is the best implementation of the same computation written here
without pymc_bnn, in two forms, and per round the faster of the two counts:

* numpy: rows in chunks, each layer one matrix product for all draws at once
  (the first layer ``W (draws * units, features) @ X.T``, later layers a
  batched product per draw), laid out ``(draws, units, rows)`` so that the
  softmax's reductions over the classes run over whole rows of a chunk; the
  softmax, the mean and the entropies in as few passes as numpy allows;
* JAX: the same written with ``jax.numpy`` and ``jax.jit``, laid out
  ``(rows, draws, units)``: the first layer one product of the rows with every
  draw's weights side by side, later layers one batched contraction, and XLA
  fuses the softmax, the mean and the entropies into one pass; the weights live
  on JAX's device.  This layout was the fastest of those tried (a draws-first
  layout reduced over the leading axis ran up to twice as slow).

Both floors take chunks of the rows such that a chunk's widest activations hold
about 2 M numbers (the fastest of the sizes tried, for the floors and the
package alike).  Each floor comes in two summaries: the mean probabilities (the
work of ``predict_proba``) and the mean with the entropy decomposition (the
work of ``predict_uncertainty``).  Contenders run in their steady state (every
function compiled before timing), interleaved with the order rotating per round
(:func:`common.interleaved`); the table gives medians and the ratio pymc_bnn /
floor per round (median, min-max).  Each block records the load average (1, 5,
15 minutes) before and after it: on a shared machine only the interleaved
ratios are results.

Settings: the cover-type test rows (repeated to ``--rows``), 7 classes, 1,000
posterior draws from a short ADVI fit (the values do not change the work: 1,000
draws of the softmax regression; 5 members x 200 draws of the (20, 20) BNN),
float64, with float32 ``predict_proba`` (``prediction_dtype="float32"``) as one
more contender, and the error float32 costs against float64 on every test row.
The moons row: the (5, 5) BNN fitted on 500 rows of two moons (noise 0.2), 5
members x 1,000 draws = 5,000 draws, the 100 x 100 grid of its decision map,
against a plain numpy forward pass of the same draws, 50 at a time (what the
moons example does), and the floors.  Last, the pickled estimators' sizes and
what unpickling costs in a fresh process (what Dask ships per partition).

Every row is printed as soon as it is measured.  The moons row takes most of a
run (its numpy loop is the slowest contender); ``--moons-rounds 3`` shortens it.

Run: ``.venv/bin/python benchmarks/prediction.py [--rounds 5] [--rows 2048] [--csv PATH]
[--no-moons] [--moons-rounds R] [--no-pickle]``; writes ``benchmarks/results/prediction.md``.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import pickle
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from common import (
    DEFAULT_CSV,
    interleaved,
    jax_float64,
    machine,
    median_range,
    split,
    table,
    write_result,
)
from scipy.special import softmax
from sklearn.datasets import make_moons

from pymc_bnn.estimators import BayesianMLPClassifier, BayesianSoftmaxClassifier

DRAWS = 1000
CHUNK_ELEMENTS = 1 << 21
"""A chunk's widest activations under every draw hold about this many numbers."""


def say(*parts) -> None:
    """Print a progress line at once, with the UTC time."""
    print(f"[{datetime.datetime.now(datetime.UTC):%H:%M:%S}]", *parts, flush=True)


def load() -> str:
    """The load averages over 1, 5 and 15 minutes."""
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


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


def chunk_rows(layers) -> int:
    """Rows per chunk: the power of two whose widest activations hold ~CHUNK_ELEMENTS."""
    draws = layers[0][0].shape[0]
    width = max(w.shape[-1] for w, _, _ in layers)
    return 1 << max(int(CHUNK_ELEMENTS // (draws * width)).bit_length() - 1, 4)


class NumpyFloor:
    """The numpy floor (see the module documentation), weights laid out once."""

    def __init__(self, layers, dtype=np.float64):
        self.dtype, self.chunk = dtype, chunk_rows(layers)
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
            if uncertainty:
                e = np.exp(a)
                z = e.sum(axis=1)  # (draws, rows)
                # entropy of each draw: log z - sum(e * a) / z
                h = np.log(z) - np.einsum("dkm,dkm->dm", e, a) / z
                aleatoric[s : s + self.chunk] = h.mean(axis=0)
            else:
                e = np.exp(a, out=a)
                z = e.sum(axis=1)
            e /= z[:, None, :]
            mean[s : s + self.chunk] = e.mean(axis=0).T
        if not uncertainty:
            return mean
        total = -(mean * np.log(np.where(mean > 0, mean, 1.0))).sum(axis=1)
        return mean, total, aleatoric, total - aleatoric


class JaxFloor:
    """The JAX floor: one jitted function per summary, chunks of one size, weights on
    JAX's device, laid out ``(rows, draws, units)``."""

    def __init__(self, layers, dtype="float64"):
        import jax
        import jax.numpy as jnp

        self.jax, self.dtype, self.chunk = jax, dtype, chunk_rows(layers)
        draws = layers[0][0].shape[0]
        w0, b0, _ = layers[0]
        first = (  # (features, draws * units): the rows times every draw's weights
            w0.transpose(1, 0, 2).reshape(w0.shape[1], -1),
            b0.reshape(-1),
        )
        self.params = [
            tuple(jax.device_put(np.asarray(v, dtype=dtype)) for v in pair)
            for pair in [first, *((w, b) for w, b, _ in layers[1:])]
        ]
        hidden = tuple(h for _, _, h in layers)

        def logits(x, params):
            (w, b), *rest = params
            a = (x @ w + b).reshape(x.shape[0], draws, -1)
            for i, (w, b) in enumerate(rest):
                if hidden[i]:
                    a = jnp.tanh(a)
                a = jnp.einsum("ndp,dpk->ndk", a, w) + b
            return a  # (rows, draws, classes)

        def mean(x, params):
            a = logits(x, params)
            e = jnp.exp(a - a.max(axis=-1, keepdims=True))
            return (e / e.sum(axis=-1, keepdims=True)).mean(axis=1)

        def uncertainty(x, params):
            a = logits(x, params)
            a = a - a.max(axis=-1, keepdims=True)
            e = jnp.exp(a)
            z = e.sum(axis=-1)
            p = e / z[..., None]
            h = jnp.log(z) - (p * a).sum(axis=-1)
            m = p.mean(axis=1)
            total = -(m * jnp.log(m)).sum(axis=-1)
            ale = h.mean(axis=1)
            return m, total, ale, total - ale

        self.functions = {False: jax.jit(mean), True: jax.jit(uncertainty)}

    def __call__(self, X, uncertainty=False):
        f = self.functions[uncertainty]
        X = np.asarray(X, dtype=self.dtype)
        outs = []
        for s in range(0, len(X), self.chunk):
            chunk = X[s : s + self.chunk]
            n = len(chunk)
            if n < self.chunk:
                chunk = np.concatenate([chunk, np.zeros((self.chunk - n, X.shape[1]), X.dtype)])
            out = f(chunk, self.params)
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


def fitted(kind, X, y, seed=0, **options):
    """A fitted estimator of ``kind`` (short ADVI fits: the values do not change the work)."""
    options = dict(random_state=seed, progressbar=False, compile_mode="JAX") | options
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "softmax regression":
            return BayesianSoftmaxClassifier(draws=DRAWS, iterations=300, **options).fit(X, y)
        if kind == "BNN (20, 20)":  # 5 members x 200 draws
            options = dict(iterations=300) | options
            return BayesianMLPClassifier(hidden=(20, 20), **options).fit(X, y)
        return BayesianMLPClassifier(hidden=(5, 5), **options).fit(X, y)


def in_float32(estimator):
    """The same fitted estimator (the same draws), predicting in float32."""
    other = copy.copy(estimator)
    other.prediction_dtype = "float32"
    return other


def ratio_cell(seconds, method, floor) -> str:
    return median_range(np.asarray(seconds[method]) / np.asarray(floor))


def compare(
    kind, estimator, X, rounds, methods=("predict_proba", "predict_uncertainty"), extra=None
):
    """Interleaved rounds: the estimator's methods against the floors (and ``extra``)."""
    layers = layers_of(estimator)
    floors = {"numpy": NumpyFloor(layers), "JAX": JaxFloor(layers)}
    contenders = {}
    if "predict_proba" in methods:
        contenders["predict_proba"] = lambda: estimator.predict_proba(X)
    if "predict_uncertainty" in methods:
        contenders["predict_uncertainty"] = lambda: estimator.predict_uncertainty(X)
    contenders |= {
        "numpy floor (mean)": lambda: floors["numpy"](X),
        "JAX floor (mean)": lambda: floors["JAX"](X),
    }
    if "predict_uncertainty" in methods:
        contenders |= {
            "numpy floor (uncertainty)": lambda: floors["numpy"](X, True),
            "JAX floor (uncertainty)": lambda: floors["JAX"](X, True),
        }
    contenders |= extra or {}
    say(kind, f"compiling {len(contenders)} contenders; load {load()}")
    for f in contenders.values():  # compile everything, touch every buffer
        f()
    before = load()
    say(kind, f"{rounds} interleaved rounds of {len(X):,} rows; load {before}")
    seconds = interleaved(contenders, rounds)
    after = load()
    floor = {
        "predict_proba": np.minimum(seconds["numpy floor (mean)"], seconds["JAX floor (mean)"]),
    }
    if "predict_uncertainty" in methods:
        floor["predict_uncertainty"] = np.minimum(
            seconds["numpy floor (uncertainty)"], seconds["JAX floor (uncertainty)"]
        )
    rows = []
    for method in methods:
        rows.append(
            [
                kind,
                method,
                1e6 * np.median(seconds[method]) / len(X),
                1e6
                * np.median(
                    seconds[
                        "numpy floor (mean)"
                        if method == "predict_proba"
                        else "numpy floor (uncertainty)"
                    ]
                )
                / len(X),
                1e6
                * np.median(
                    seconds[
                        "JAX floor (mean)"
                        if method == "predict_proba"
                        else "JAX floor (uncertainty)"
                    ]
                )
                / len(X),
                ratio_cell(seconds, method, floor[method]),
                f"{before} → {after}",
            ]
        )
        say(*rows[-1])
    return rows, seconds, floor, f"{before} → {after}"


def agreement(kind, estimator, X) -> list:
    """The package against the numpy floor in float64 (the same arithmetic), and the
    float32 prediction against the float64 one, on rows ``X``."""
    reference = NumpyFloor(layers_of(estimator))(X, True)
    got = estimator.predict_uncertainty(X, proba=True)
    probs = got[[f"p_{c}" for c in estimator.classes_]].to_numpy()
    names = ((1, "total"), (2, "aleatoric"), (3, "epistemic"))
    f32 = in_float32(estimator).predict_uncertainty(X, proba=True)
    probs32 = f32[[f"p_{c}" for c in estimator.classes_]].to_numpy()
    row = [
        kind,
        f"{np.abs(probs - reference[0]).max():.1e}",
        f"{max(np.abs(got[n].to_numpy() - reference[i]).max() for i, n in names):.1e}",
        f"{np.abs(probs32 - probs).max():.1e}",
        f"{max(np.abs(f32[n].to_numpy() - got[n].to_numpy()).max() for _, n in names):.1e}",
        f"{np.mean(probs32.argmax(1) != probs.argmax(1)):.1e}",
    ]
    say("agreement", *row)
    return row


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
    times[copy + " unpickle"] = time.perf_counter() - start
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
    row = [
        kind,
        len(blob) / 2**20,
        times["import"],
        times["first copy unpickle"],
        times["first copy"],
        times["second copy unpickle"],
        times["second copy"],
        times["again"],
        load(),
    ]
    say("pickle", *row)
    return row


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=2048)
    parser.add_argument("--csv", default=str(DEFAULT_CSV))
    parser.add_argument("--no-moons", action="store_true")
    parser.add_argument(
        "--moons-rounds", type=int, default=None, help="rounds of the moons row (--rounds)"
    )
    parser.add_argument("--no-pickle", action="store_true")
    args = parser.parse_args(argv)
    jax_float64()
    started = datetime.datetime.now(datetime.UTC)
    load_start = load()
    say(f"start; load {load_start}")
    data = split(args.csv)
    X_train, y_train = data.X_train.to_numpy(), data.y_train.to_numpy()
    X_test = data.X_test.to_numpy()
    X = np.resize(X_test, (args.rows, X_test.shape[1]))
    rows, errors, pickles, moons = [], [], [], []
    for kind in ("softmax regression", "BNN (20, 20)"):
        say(f"fitting {kind}")
        estimator = fitted(kind, X_train, y_train)
        f32 = in_float32(estimator)
        extra = {"predict_proba float32": lambda f32=f32: f32.predict_proba(X)}
        part, seconds, floor, loads = compare(kind, estimator, X, args.rounds, extra=extra)
        rows += part
        rows.append(
            [
                kind,
                "predict_proba, float32 (ratio to the float64 floor)",
                1e6 * np.median(seconds["predict_proba float32"]) / len(X),
                "",
                "",
                ratio_cell(seconds, "predict_proba float32", floor["predict_proba"]),
                loads,
            ]
        )
        say(*rows[-1])
        errors.append(agreement(kind, estimator, X_test))
        if not args.no_pickle:
            pickles.append(pickled(kind, estimator, X_test[:1000]))
    if not args.no_moons:
        Xm, ym = make_moons(1000, noise=0.2, random_state=0)
        say("fitting moons BNN (5, 5)")
        estimator = fitted("moons", Xm[:500], ym[:500], draws=1000, iterations=2000)
        grid = np.stack(np.meshgrid(np.linspace(-2, 3, 100), np.linspace(-1.5, 2, 100)), -1)
        grid = grid.reshape(-1, 2)
        layers = layers_of(estimator)
        extra = {"numpy loop, 50 draws at a time": lambda: numpy_loop(layers, grid)}
        part, seconds, floor, loads = compare(
            "moons BNN (5, 5), 5,000 draws",
            estimator,
            grid,
            args.moons_rounds or args.rounds,
            methods=("predict_proba",),
            extra=extra,
        )
        rows += part
        loop = "numpy loop, 50 draws at a time"
        moons.append(
            [
                "10,000 grid rows x 5,000 draws",
                np.median(seconds["predict_proba"]),
                np.median(seconds[loop]),
                np.median(floor["predict_proba"]),
                ratio_cell(seconds, "predict_proba", seconds[loop]),
                ratio_cell(seconds, "predict_proba", floor["predict_proba"]),
                loads,
            ]
        )
        say(*moons[-1])
    say(f"done; load {load()}")
    text = "\n\n".join(
        [
            "## Prediction against the floor",
            f"Run {started:%Y-%m-%d %H:%M} UTC: `python benchmarks/prediction.py "
            f"{' '.join(argv if argv is not None else sys.argv[1:])}`.  {machine()}.  Load "
            f"average (1/5/15 min) {load_start} at the start, {load()} at the end; each "
            "block's before → after is in its rows.  On a shared machine the absolute "
            "times are inflated and only the interleaved ratios are results.",
            f"{args.rows:,} cover-type rows x {DRAWS:,} draws, 7 classes; microseconds per "
            f"row, median of {args.rounds} interleaved rounds; floor: the faster of the numpy "
            "and JAX floors in each round; ratio: pymc_bnn / floor per round, median "
            "(min-max).",
            table(
                [
                    "model",
                    "method",
                    "pymc_bnn (µs/row)",
                    "numpy floor (µs/row)",
                    "JAX floor (µs/row)",
                    "ratio to floor",
                    "load before → after",
                ],
                rows,
            ),
            "Agreement on the cover-type test rows: the package (float64) against the "
            "numpy floor in float64 (largest absolute difference), and the package in "
            'float32 (`prediction_dtype="float32"`) against float64 (largest absolute '
            "difference, share of rows whose predicted class changes):",
            table(
                [
                    "model",
                    "probabilities vs floor",
                    "entropies vs floor (nats)",
                    "float32: probabilities",
                    "float32: entropies (nats)",
                    "float32: predicted class changed",
                ],
                errors,
            ),
            *(
                [
                    "Pickled estimators (what Dask ships per partition): size, and in a fresh "
                    "process the seconds to import pymc_bnn, then for each of two unpickled "
                    "copies to unpickle it and then to unpickle it and predict 1,000 rows (the "
                    "first copy rebuilds the model and compiles; the second finds both in the "
                    "process's cache), then the same rows again.  Absolute seconds on the "
                    "loaded machine (load at the end of each):",
                    table(
                        [
                            "model",
                            "pickle (MiB)",
                            "import (s)",
                            "1st unpickle (s)",
                            "1st unpickle + predict (s)",
                            "2nd unpickle (s)",
                            "2nd unpickle + predict (s)",
                            "predict again (s)",
                            "load",
                        ],
                        pickles,
                    ),
                ]
                if pickles
                else []
            ),
            *(
                [
                    "Moons grid: predict_proba against a plain numpy forward pass of the same "
                    "draws, 50 at a time (the moons example's), and the floor (seconds per "
                    "call, medians of the interleaved rounds):",
                    table(
                        [
                            "setting",
                            "predict_proba (s)",
                            "numpy loop (s)",
                            "floor (s)",
                            "ratio to loop",
                            "ratio to floor",
                            "load before → after",
                        ],
                        moons,
                    ),
                ]
                if moons
                else []
            ),
        ]
    )
    write_result("prediction.md", text)
    print(text)
    return text


if __name__ == "__main__":
    main()
