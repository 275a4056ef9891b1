"""Elementwise exp, logsumexp and tanh in float64: Numba's scalar loops vs NumPy vs XLA.

The full-batch softmax ADVI step on cover type (12,000 rows, 7 classes) evaluates
``exp`` and ``log`` elementwise over the logits several times per step (the
log-softmax and its gradient).  PyTensor's Numba backend compiles these into
loops over the scalar libm functions: this installation's llvmlite is not built
with Intel's SVML, so the loops are not vectorized (``numba -s``: "SVML
Operational: False").  NumPy's own ufuncs and XLA's kernels are vectorized.  This
script times the three in their steady state: each function is compiled and run
twice first, then the contenders are interleaved over ``--rounds`` rounds of
``--calls`` calls each (JAX blocked until ready); it prints median milliseconds
per call and the ratio Numba / XLA per round.

The tanh rows are the hidden layer of the (20, 20) BNN step (a minibatch of 256 rows,
20 units): libm's ``tanh`` against ``1 - 2 / (1 + exp(2 x))``, the same function through
one ``exp`` (largest absolute difference printed).

Run: ``.venv/bin/python benchmarks/elementwise_exp.py [--rounds 7] [--calls 200]``;
writes ``benchmarks/results/elementwise_exp.md``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numba
import numpy as np
from common import RESULTS, jax_float64, load_note, machine, table


def _numba_loop(scalar):
    """A Numba loop applying ``scalar`` to every element of a 2-D array, as PyTensor's is."""
    scalar = numba.njit(fastmath=True)(scalar)

    @numba.njit(fastmath=True)
    def loop(a):
        out = np.empty_like(a)
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                out[i, j] = scalar(a[i, j])
        return out

    return loop


_numba_exp = _numba_loop(lambda v: np.exp(v))
_numba_tanh = _numba_loop(lambda v: np.tanh(v))
_numba_tanh_via_exp = _numba_loop(lambda v: 1.0 - 2.0 / (1.0 + np.exp(2.0 * v)))


@numba.njit(fastmath=True)
def _numba_logsumexp(a):
    out = np.empty(a.shape[0])
    for i in range(a.shape[0]):
        m = a[i].max()
        s = 0.0
        for j in range(a.shape[1]):
            s += np.exp(a[i, j] - m)
        out[i] = m + np.log(s)
    return out


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args(argv)
    jax_float64()
    x = np.random.default_rng(0).normal(size=(12_000, 7))
    xj = jnp.asarray(x)
    jax_exp = jax.jit(jnp.exp)
    jax_lse = jax.jit(lambda a: jax.nn.logsumexp(a, axis=1))
    h = 2 * np.random.default_rng(1).normal(size=(256, 20))
    hj = jnp.asarray(h)
    jax_tanh = jax.jit(jnp.tanh)
    contenders = {
        "exp: Numba loop": lambda: _numba_exp(x),
        "exp: NumPy ufunc": lambda: np.exp(x),
        "exp: XLA (jax.jit)": lambda: jax_exp(xj).block_until_ready(),
        "logsumexp: Numba loop": lambda: _numba_logsumexp(x),
        "logsumexp: XLA (jax.jit)": lambda: jax_lse(xj).block_until_ready(),
        "tanh 256 x 20: Numba loop": lambda: _numba_tanh(h),
        "tanh 256 x 20: Numba loop through exp": lambda: _numba_tanh_via_exp(h),
        "tanh 256 x 20: XLA (jax.jit)": lambda: jax_tanh(hj).block_until_ready(),
    }
    for f in contenders.values():
        f()
        f()
    ms = {k: [] for k in contenders}
    for _ in range(args.rounds):
        for k, f in contenders.items():
            start = time.perf_counter()
            for _ in range(args.calls):
                f()
            ms[k].append((time.perf_counter() - start) / args.calls * 1e3)
    rows = [[k, statistics.median(v), min(v), max(v)] for k, v in ms.items()]
    ratios = {
        op: np.array(ms[f"{op}: Numba loop"]) / np.array(ms[f"{op}: XLA (jax.jit)"])
        for op in ("exp", "logsumexp", "tanh 256 x 20")
    }
    gap = float(np.abs(_numba_tanh(h) - _numba_tanh_via_exp(h)).max())
    text = "\n\n".join(
        [
            "## Elementwise functions in float64 (ms per call)",
            f"Median of {args.rounds} interleaved rounds of {args.calls} calls. "
            f"Machine: {machine()}; numba {numba.__version__}; {load_note()}.",
            table(["contender", "median ms", "min", "max"], rows),
            "Numba / XLA per round, median (min-max): "
            + "; ".join(
                f"{op} {np.median(r):.2f} ({r.min():.2f}-{r.max():.2f})"
                for op, r in ratios.items()
            )
            + ".",
            f"tanh through one exp: largest absolute difference from libm's tanh {gap:.1e}.",
        ]
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "elementwise_exp.md").write_text(text + "\n")
    print(text)
    return text


if __name__ == "__main__":
    main()
