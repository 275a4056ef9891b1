"""Likelihood kernels: pymc_bnn vs PyMC vs scipy on 100,000 rows with K = 7.

Prints a markdown table of median wall times over repeats, with ratios to
pymc_bnn measured in the same run, and an estimate of the memory-bandwidth
floor (the time numpy needs to read the inputs once).  Writes the table to
``benchmarks/results/likelihood_kernels.md``.

Run: ``.venv/bin/python benchmarks/likelihood_kernels.py [--rows 100000] [--repeats 30]``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
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


def compiled(dist_fn, value, theta, *, grad: bool):
    logp = pm.logp(dist_fn(theta), value).sum()
    outputs = [logp, pt.grad(logp, theta)] if grad else [logp]
    return pytensor.function([value, theta], outputs)


def run(rows: int, repeats: int) -> list[tuple[str, str, float]]:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(rows, K))
    probs = special.softmax(logits, axis=-1)
    labels = np.array([rng.choice(K, p=q) for q in probs[:1000]] * (rows // 1000))
    counts = np.stack([rng.multinomial(N_TRIALS, q) for q in probs[:1000]] * (rows // 1000))
    onehot = np.eye(K, dtype="int64")[labels]

    theta = pt.dmatrix("theta")
    results = []

    def measure(data_name, dists, value_var, value, scipy_name, scipy_fn):
        for name, (dist_fn, param) in dists.items():
            for grad in (False, True):
                f = compiled(dist_fn, value_var, theta, grad=grad)
                task = f"{name} logp{'+grad' if grad else ''}"
                results.append(
                    (data_name, task, median_seconds(lambda f=f, p=param: f(value, p), repeats))
                )
        results.append((data_name, scipy_name, median_seconds(scipy_fn, repeats)))
        floor = median_seconds(lambda: (logits.sum(), value.sum()), repeats)
        results.append((data_name, "memory floor (read inputs once)", floor))

    measure(
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
    return results


def table(results, rows: int, repeats: int) -> str:
    """Pair each pymc_bnn row with PyMC's same task and show PyMC's time as a ratio."""
    times = {(data, name): secs for data, name, secs in results}
    lines = [
        f"Likelihood kernels, {rows:,} rows, K = {K} (counts: n = {N_TRIALS}); "
        f"median of {repeats} repeats; PyTensor linker {pytensor.config.linker}.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, pymc {pm.__version__}, pytensor {pytensor.__version__}.",
        "",
        "| data | parametrization | task | pymc_bnn ms | pymc ms | pymc / pymc_bnn |",
        "|---|---|---|---:|---:|---:|",
    ]
    for data, name, secs in results:
        if not name.startswith("pymc_bnn"):
            continue
        param, task = name.removeprefix("pymc_bnn ").split(" ")
        other = times.get((data, f"pymc {param} {task}"))
        shown = (f"{other * 1e3:.2f}", f"{other / secs:.2f}") if other else ("n/a", "")
        lines.append(f"| {data} | {param} | {task} | {secs * 1e3:.2f} | {shown[0]} | {shown[1]} |")
    lines += ["", "| data | reference | ms | / pymc_bnn logp (p) |", "|---|---|---:|---:|"]
    for data, name, secs in results:
        if not name.startswith("pymc"):
            base = times[(data, "pymc_bnn (p) logp")]
            lines.append(f"| {data} | {name} | {secs * 1e3:.2f} | {secs / base:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "likelihood_kernels.md"
    )
    args = parser.parse_args()
    text = table(run(args.rows, args.repeats), args.rows, args.repeats)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
