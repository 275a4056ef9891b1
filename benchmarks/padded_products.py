"""Float64 matrix products with a few columns under XLA: as they are vs padded.

The softmax regression's ADVI step multiplies the design ``X`` (rows x 54) by a
coefficient matrix with one column per free class (6 on cover type), and back
(``X.T @ G``); the BNN's layers have 20 units and its output 7.  XLA's CPU
kernels ran such products markedly faster when the right operand's columns were
padded with zeros to a multiple of 4 or 8.  This script measures that, for a bug
report upstream and to decide what :mod:`pymc_bnn.models.padded_dot` pads under
JAX (``PADDED_COLUMNS``, ``PAD_TO``):

* ``forward``: ``X @ W`` with ``X`` (rows, inner) and ``W`` (inner, columns);
* ``backward``: ``X.T @ G`` with ``G`` (rows, columns), the gradient's product.

Each contender is one jitted ``lax.scan`` over a stack of ``--stack`` different
right operands (so XLA cannot hoist the product out of the loop), summing the
products; "padded to m" pads the operand with zero columns to the next multiple
of m inside the loop and slices the product back, as ``PaddedDot`` does.  All
are compiled and run first (and checked to agree), then interleaved over
``--rounds`` rounds in rotating order, blocked until ready; the table gives
median microseconds per product and the ratio padded / as is per round, median
(min-max).  Float64 throughout (JAX's x64 mode).

Run: ``.venv/bin/python benchmarks/padded_products.py [--rounds 7]`` (about two
minutes); writes ``benchmarks/results/padded_products.md``.
"""

from __future__ import annotations

import argparse
import statistics
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from common import RESULTS, interleaved, jax_float64, load_note, machine, table

#: (label, rows, inner): cover type's full training split, a minibatch, a hidden layer.
SHAPES = [("full batch", 12_000, 54), ("minibatch", 256, 54), ("hidden layer", 256, 20)]
COLUMNS = [*range(1, 17), 20]
#: Pad the right operand's columns to a multiple of these (1: as it is).
MULTIPLES = (1, 4, 8)


def _padded(y, multiple: int):
    columns = y.shape[1]
    return jnp.pad(y, ((0, 0), (0, -columns % multiple)))


def _loop(x, columns: int, direction: str, multiple: int):
    """A jitted scan over stacked right operands, each padded to ``multiple`` columns."""
    left = x if direction == "forward" else x.T

    def body(acc, y):
        return acc + (left @ _padded(y, multiple))[:, :columns], None

    return jax.jit(lambda ys: jax.lax.scan(body, jnp.zeros((left.shape[0], columns)), ys)[0])


def _run(loop, ys, calls: int) -> None:
    for _ in range(calls):
        out = loop(ys)
    out.block_until_ready()


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--stack", type=int, default=32, help="products per scan")
    parser.add_argument("--calls", type=int, default=0, help="scans per timing (0: auto)")
    args = parser.parse_args(argv)
    jax_float64()
    rng = np.random.default_rng(0)
    rows_out = []
    for label, rows, inner in SHAPES:
        x = jnp.asarray(rng.normal(size=(rows, inner)))
        calls = args.calls or max(1, 20_000_000 // (rows * inner * args.stack))
        for columns in COLUMNS:
            for direction, height in (("forward", inner), ("backward", rows)):
                ys = jnp.asarray(rng.normal(size=(args.stack, height, columns)))
                loops = {m: _loop(x, columns, direction, m) for m in MULTIPLES}
                results = {m: f(ys).block_until_ready() for m, f in loops.items()}
                for m in MULTIPLES[1:]:
                    np.testing.assert_allclose(results[m], results[1], rtol=1e-10, atol=1e-8)
                blocks = {m: partial(_run, loops[m], ys, calls) for m in MULTIPLES}
                seconds = interleaved(blocks, args.rounds)
                us = {m: [t / (calls * args.stack) * 1e6 for t in v] for m, v in seconds.items()}
                ratios = [np.array(us[m]) / np.array(us[1]) for m in MULTIPLES[1:]]
                rows_out.append(
                    [
                        f"{label} ({rows} x {inner})",
                        direction,
                        columns,
                        *(statistics.median(us[m]) for m in MULTIPLES),
                        *(f"{np.median(q):.2f} ({q.min():.2f}-{q.max():.2f})" for q in ratios),
                    ]
                )
                print(*rows_out[-1], flush=True)
    text = "\n\n".join(
        [
            "## Float64 matrix products under XLA: as they are vs padded to 4 or 8 columns "
            "(us per product)",
            f"Median of {args.rounds} interleaved rounds; each timing runs a jitted "
            f"scan over {args.stack} products; ratio per round, median (min-max). "
            f"Machine: {machine()}; {load_note()}.",
            table(
                [
                    "shape (rows x inner)",
                    "product",
                    "columns",
                    "as is",
                    "padded to 4",
                    "padded to 8",
                    "to 4 / as is",
                    "to 8 / as is",
                ],
                rows_out,
            ),
        ]
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "padded_products.md").write_text(text + "\n")
    print(text)
    return text


if __name__ == "__main__":
    main()
