"""How small can the largest r-hat of a model's parameters be, for a sampler that mixes perfectly?

``nuts.py`` reports the maximum rank-normalized split r-hat (ArviZ's default)
over the softmax regression's identified parameters: 385 of them on cover type
(54 x 7 coefficients and 7 intercepts, less the fixed columns).  r-hat is an
estimate: it fluctuates around 1 even when the chains sample the target
exactly, and the maximum over hundreds of parameters sits at the top of that
spread.  This script measures that floor by simulation, with a known answer:
every parameter is an independent stationary AR(1) chain of standard normals
(correlation ``rho`` between successive draws; ``rho = 0`` is independent
draws), so every chain samples its target exactly and r-hat's limit is 1.

For each number of draws per chain and ``rho``: the median (and range) over the
replicates of the maximum r-hat over the parameters, the share of replicates
whose maximum is below 1.01, and the median bulk ESS of a parameter (which
places a measured NUTS run beside the simulated one of equal ESS).

Run: ``.venv/bin/python benchmarks/rhat_floor.py [--params 385] [--chains 2]
[--draws 300 500 1000] [--rho 0 0.2 0.5] [--replicates 40] [--out NAME]``;
prints a markdown table and, with ``--out``, writes it to ``benchmarks/results/NAME``.
"""

from __future__ import annotations

import argparse
import datetime
import shlex
import sys

import arviz as az
import numpy as np
import xarray as xr
from common import table, write_result


def ar1_chains(
    rng: np.random.Generator, rho: float, chains: int, draws: int, params: int
) -> np.ndarray:
    """Stationary AR(1) chains of standard normals, shape ``(chains, draws, params)``."""
    noise = rng.normal(size=(chains, draws, params))
    x = np.empty_like(noise)
    x[:, 0] = noise[:, 0]
    scale = np.sqrt(1.0 - rho**2)
    for t in range(1, draws):
        x[:, t] = rho * x[:, t - 1] + scale * noise[:, t]
    return x


def floor_row(
    rng: np.random.Generator, rho: float, chains: int, draws: int, params: int, replicates: int
) -> list:
    largest, ess = [], []
    for _ in range(replicates):
        x = xr.DataArray(ar1_chains(rng, rho, chains, draws, params), dims=("chain", "draw", "p"))
        largest.append(float(az.rhat(x).max()))
        ess.append(float(az.ess(x, method="bulk").median()))
    largest = np.array(largest)
    return [
        draws,
        rho,
        f"{np.median(largest):.4f} ({largest.min():.4f}-{largest.max():.4f})",
        f"{np.mean(largest < 1.01):.2f}",
        f"{np.median(ess):.0f}",
    ]


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", type=int, default=385)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--draws", type=int, nargs="+", default=[300, 500, 1000])
    parser.add_argument("--rho", type=float, nargs="+", default=[0.0, 0.2, 0.5])
    parser.add_argument("--replicates", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="file name under benchmarks/results/")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    rows = [
        floor_row(rng, rho, args.chains, draws, args.params, args.replicates)
        for draws in args.draws
        for rho in args.rho
    ]
    command = shlex.join(["python", "benchmarks/rhat_floor.py", *(argv or sys.argv[1:])])
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n\n".join(
        [
            f"Run {when}: `{command}` (seed {args.seed}; the result does not depend on the "
            "machine).",
            f"{args.params} parameters, {args.chains} chains of exact AR(1) draws each, "
            f"{args.replicates} replicates per row; r-hat is ArviZ's default (rank-normalized "
            "split), as in `nuts.py`.",
            table(
                [
                    "draws per chain",
                    "rho",
                    "max r-hat: median (range)",
                    "share with max r-hat < 1.01",
                    "median bulk ESS",
                ],
                rows,
            ),
        ]
    )
    print(text)
    if args.out:
        print(f"wrote {write_result(args.out, text)}")
    return text


if __name__ == "__main__":
    main()
