"""Minibatch ADVI for the BNN at 15k, 150k and 600k rows: time per step and peak memory.

Synthetic rows shaped like cover type: 10 standardized continuous columns and
44 0/1 indicator columns (4 + 40 one-hot groups, as in cover type), 7 classes
with cover type's imbalance (labels drawn from a random softmax regression
whose intercepts give those class frequencies).  Network as in
``bnn_covertype.py`` (2 x 20 tanh, minibatch 256), fitted with
:func:`pymc_bnn.fit_advi` for ``--steps`` steps with each PyTensor backend.

Each (rows, backend) runs in a fresh subprocess so that peak resident memory
(``VmHWM``) belongs to that run alone.  The time per step should not grow
with the rows: a minibatch step touches 256 rows whatever the data size.

Run: ``.venv/bin/python benchmarks/scaling.py [--steps 3000]``;
writes ``benchmarks/results/scaling.md``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from common import RESULTS, StepClock, machine, table

ROWS = (15_000, 150_000, 600_000)
BACKENDS = ("numba", "c", "jax")
# Class frequencies of the full cover-type data (581,012 rows).
FREQUENCIES = np.array([211840, 283301, 35754, 2747, 9493, 17367, 20510]) / 581012


def synthetic(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Cover-type-shaped features and imbalanced labels."""
    rng = np.random.default_rng(seed)
    continuous = rng.normal(size=(rows, 10))
    wilderness = np.eye(4)[rng.integers(0, 4, rows)]
    soil = np.eye(40)[rng.integers(0, 40, rows)]
    X = np.hstack([continuous, wilderness, soil])
    beta = rng.normal(scale=0.5, size=(54, 7))
    logits = X @ beta + np.log(FREQUENCIES)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    y = (p.cumsum(1) > rng.uniform(size=(rows, 1))).argmax(1)
    return X, y


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM; unlike ru_maxrss it restarts at exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(rows: int, backend: str, steps: int) -> dict:
    import pymc as pm

    from pymc_bnn import bnn_classifier, fit_advi

    X, y = synthetic(rows)
    clock = StepClock()
    with pm.Model():
        bnn_classifier("y", X, y, hidden=(20, 20), batch_size=256, random_seed=0)
        start = time.perf_counter()
        _, approx = fit_advi(
            steps,
            draws=10,
            random_seed=0,
            progressbar=False,
            backend=backend,
            callbacks=[clock],
        )
    return {
        "compile": clock.first - start,
        "per_1000": clock.per_1000(),
        "peak_mb": peak_rss_mb(),
        "data_mb": X.nbytes / 2**20,
        "finite": bool(np.isfinite(approx.hist).all()),
    }


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--child", nargs=2, metavar=("ROWS", "BACKEND"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(int(args.child[0]), args.child[1], args.steps)))
        return ""
    rows = []
    for n in ROWS:
        for backend in args.backends.split(","):
            # JAX copies the whole data set on every step (see analysis.md): a tenth of
            # the steps measures its time per step well enough without taking minutes.
            steps = args.steps // 10 if backend == "jax" and n > ROWS[0] else args.steps
            out = subprocess.run(
                [
                    sys.executable,
                    str(Path(__file__)),
                    "--steps",
                    str(max(steps, 100)),
                    "--child",
                    str(n),
                    backend,
                ],
                capture_output=True,
                text=True,
            )
            if out.returncode != 0:
                error = out.stderr.strip().splitlines()[-1][:120]
                rows.append([n, backend, "failed", "", "", "", error])
                print(f"{n} {backend}: failed: {error}", file=sys.stderr, flush=True)
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{n} {backend}: {r}", file=sys.stderr, flush=True)
            rows.append(
                [
                    n,
                    backend,
                    r["per_1000"],
                    r["compile"],
                    r["peak_mb"],
                    r["data_mb"],
                    "" if r["finite"] else "non-finite loss",
                ]
            )
    text = "\n".join(
        [
            f"## Scaling: BNN minibatch ADVI ({args.steps} steps, batch 256)",
            "",
            machine() + ".",
            "",
            table(
                [
                    "rows",
                    "backend",
                    "s / 1000 it",
                    "compile (s)",
                    "peak RSS (MB)",
                    "X (MB)",
                    "notes",
                ],
                rows,
            ),
            "",
        ]
    )
    print(text)
    return text


if __name__ == "__main__":
    out = main()
    if out:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "scaling.md").write_text(out)
