"""Likelihood kernels: pymc_bnn vs PyMC vs scipy on 100,000 rows with K = 7.

Prints a markdown table of median wall times over repeats, with ratios to
pymc_bnn measured in the same run, for each PyTensor backend (Numba, the C VM,
JAX), and the memory-bandwidth floor: the bytes of the inputs divided by the
streaming bandwidth numpy reaches when summing a 512 MB array (which does not
fit in any cache).  Writes the table to ``benchmarks/results/likelihood_kernels.md``.

Run: ``.venv/bin/python benchmarks/likelihood_kernels.py [--rows 100000] [--repeats 30]
[--backends numba,c,jax]``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
from pytensor.compile.mode import get_mode
from scipy import special, stats

import pymc_bnn as pb

K = 7
N_TRIALS = 50


def median_seconds(fn, repeats: int) -> float:
    fn()  # warm-up (first call may finish compilation)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def compiled(dist_fn, value, theta, *, grad: bool, backend: str):
    logp = pm.logp(dist_fn(theta), value).sum()
    outputs = [logp, pt.grad(logp, theta)] if grad else [logp]
    mode = get_mode("cvm" if backend == "c" else backend)
    return pytensor.function([value, theta], outputs, mode=mode)


def streaming_bandwidth(repeats: int = 5) -> float:
    """Bytes per second numpy reads when summing an array far larger than the caches."""
    big = np.ones(64 * 2**20)  # 512 MB
    return big.nbytes / median_seconds(big.sum, repeats)


def run(rows: int, repeats: int, backends: list[str]) -> list[tuple[str, str, float]]:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(rows, K))
    probs = special.softmax(logits, axis=-1)
    labels = np.array([rng.choice(K, p=q) for q in probs[:1000]] * (rows // 1000))
    counts = np.stack([rng.multinomial(N_TRIALS, q) for q in probs[:1000]] * (rows // 1000))
    onehot = np.eye(K, dtype="int64")[labels]

    theta = pt.dmatrix("theta")
    bandwidth = streaming_bandwidth()
    results = []

    def measure(group, data_name, dists, value_var, value, scipy_name, scipy_fn):
        for name, (dist_fn, param) in dists.items():
            for grad in (False, True):
                for backend in group:
                    task = f"{name} logp{'+grad' if grad else ''} {backend}"
                    try:
                        f = compiled(dist_fn, value_var, theta, grad=grad, backend=backend)
                        # np.asarray waits for JAX's asynchronous results (a copy
                        # of the outputs for every backend alike).
                        secs = median_seconds(
                            lambda f=f, p=param: [np.asarray(o) for o in f(value, p)], repeats
                        )
                    except Exception as err:  # a backend may lack an op's implementation
                        print(f"{data_name} {task}: {type(err).__name__}", file=sys.stderr)
                        secs = float("nan")
                    results.append((data_name, task, secs))
        if group is groups[0]:
            results.append((data_name, scipy_name, median_seconds(scipy_fn, repeats)))
            floor = (value.nbytes + logits.nbytes) / bandwidth
            results.append((data_name, "memory floor (inputs / streaming bandwidth)", floor))

    # JAX last, for labels and counts alike: once JAX was loaded into the process,
    # later Numba timings of the same graphs changed by up to 40%.
    groups = [[b for b in backends if b != "jax"], [b for b in backends if b == "jax"]]
    for group in groups:
        measure_both(measure, group, logits, probs, labels, counts, onehot)
    return results


def measure_both(measure, group, logits, probs, labels, counts, onehot):
    """Time the label and the count kernels on the backends of ``group``."""

    measure(
        group,
        "labels",
        {
            "pymc_bnn (logit_p)": (lambda t: pb.Categorical.dist(logit_p=t), logits),
            "pymc (logit_p)": (lambda t: pm.Categorical.dist(logit_p=t), logits),
            "pymc_bnn (p)": (lambda t: pb.Categorical.dist(p=t), probs),
            "pymc (p)": (lambda t: pm.Categorical.dist(p=t), probs),
        },
        pt.lvector("labels"),
        labels,
        "scipy multinomial.logpmf(one-hot, 1, p) logp",
        lambda: stats.multinomial.logpmf(onehot, 1, probs),
    )
    measure(
        group,
        "counts",
        {
            "pymc_bnn (logit_p)": (lambda t: pb.Multinomial.dist(N_TRIALS, logit_p=t), logits),
            "pymc_bnn (p)": (lambda t: pb.Multinomial.dist(N_TRIALS, p=t), probs),
            "pymc (p)": (lambda t: pm.Multinomial.dist(N_TRIALS, p=t), probs),
            # pm.Multinomial has no logit_p: a user passes p=softmax(logits).
            "pymc (logit_p)": (
                lambda t: pm.Multinomial.dist(N_TRIALS, p=pt.special.softmax(t, axis=-1)),
                logits,
            ),
        },
        pt.lmatrix("counts"),
        counts,
        "scipy multinomial.logpmf logp",
        lambda: stats.multinomial.logpmf(counts, N_TRIALS, probs),
    )


def table(results, rows: int, repeats: int, backends: list[str]) -> str:
    """Pair each pymc_bnn row with PyMC's same task, per backend, with PyMC's time as a ratio."""
    times = {(data, name): secs for data, name, secs in results}
    head = ["data", "parametrization", "task"]
    head += [f"pymc_bnn {b} ms" for b in backends] + [f"pymc {b} ms" for b in backends]
    head += ["fastest for pymc_bnn", f"pymc / pymc_bnn ({backends[0]})", "/ floor"]
    lines = [
        f"Likelihood kernels, {rows:,} rows, K = {K} (counts: n = {N_TRIALS}); "
        f"median of {repeats} repeats.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, pymc {pm.__version__}, pytensor {pytensor.__version__}.",
        "",
        "| " + " | ".join(head) + " |",
        "|---|---|---|" + "---:|" * (len(head) - 3),
    ]
    seen = set()
    for data, name, _ in results:
        if not name.startswith("pymc_bnn"):
            continue
        param, task, _backend = name.removeprefix("pymc_bnn ").split(" ")
        if (data, param, task) in seen:
            continue
        seen.add((data, param, task))
        ours = [times[(data, f"pymc_bnn {param} {task} {b}")] for b in backends]
        theirs = [times.get((data, f"pymc {param} {task} {b}")) for b in backends]
        floor = times[(data, "memory floor (inputs / streaming bandwidth)")]
        cells = [data, param, task, *(f"{t * 1e3:.2f}" for t in ours)]
        cells += [f"{t * 1e3:.2f}" if t else "n/a" for t in theirs]
        cells += [backends[int(np.nanargmin(ours))]]
        cells += [
            f"{theirs[0] / ours[0]:.2f}" if theirs[0] else "",
            f"{np.nanmin(ours) / floor:.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| data | reference | ms |", "|---|---|---:|"]
    for data, name, secs in results:
        if not name.startswith("pymc"):
            lines.append(f"| {data} | {name} | {secs * 1e3:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--backends", default="numba,c,jax")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "likelihood_kernels.md"
    )
    args = parser.parse_args(argv)
    backends = args.backends.split(",")
    text = table(run(args.rows, args.repeats, backends), args.rows, args.repeats, backends)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    return text


if __name__ == "__main__":
    main()
