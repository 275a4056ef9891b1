"""Peak memory of ``pymc-bnn fit`` with a large held-out split.

``fit`` reports accuracy, log score, calibration, Brier score and mean epistemic
entropy on its held-out rows.  These come from each row's posterior mean
probabilities and epistemic entropy, computed a few rows at a time, so the
report should not hold draws x rows x classes at once.  This writes a synthetic
table (standard-normal features, labels drawn from a softmax regression; seed 0),
runs ``pymc-bnn fit --test-size 0.5`` on it in a fresh process for each number
of posterior draws and reads the child's peak resident set size (``getrusage``).

``--code DIR`` runs the ``pymc_bnn`` of another checkout instead (its folder
first on ``PYTHONPATH``), to compare with an earlier version.

Run: ``.venv/bin/python benchmarks/fit_memory.py [--rows 400000] [--draws 100 1000]
[--code DIR --label NAME]``; appends its rows to ``benchmarks/results/fit_memory.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from common import RESULTS
from predict_memory import peak_and_seconds

CLI = [sys.executable, "-m", "pymc_bnn.cli"]
FEATURES, CLASSES = 10, 3


def write_table(path: Path, rows: int) -> None:
    """``rows`` rows of ``FEATURES`` standard-normal features and a softmax-regression label."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, FEATURES))
    logits = X @ rng.normal(size=(FEATURES, CLASSES))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y = (p.cumsum(axis=1) > rng.uniform(size=(rows, 1))).argmax(axis=1)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(FEATURES)]).round(4)
    frame["y"] = y
    frame.to_csv(path, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--draws", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--code", type=Path, help="a checkout whose pymc_bnn to run")
    parser.add_argument("--label", default="this checkout")
    args = parser.parse_args()
    if args.code is not None:
        os.environ["PYTHONPATH"] = f"{args.code.resolve()}{os.pathsep}" + os.environ.get(
            "PYTHONPATH", ""
        )
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "data.csv"
        write_table(data, args.rows)
        for draws in args.draws:
            command = [
                *CLI, "fit", str(data), "--target", "y", "--test-size", "0.5",
                "--batch-size", "256", "--iterations", str(args.iterations),
                "--draws", str(draws), "--out", str(folder / f"model-{draws}"), "--no-progress",
            ]  # fmt: skip
            peak, seconds = peak_and_seconds(command)
            held_out = args.rows // 2
            array_mib = draws * held_out * CLASSES * 8 / 2**20
            lines.append(
                f"| {args.label} | {args.rows:,} | {held_out:,} | {draws} | {array_mib:,.0f} | "
                f"{peak:,.0f} | {seconds:.0f} |"
            )
            print(lines[-1], flush=True)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "fit_memory.md"
    if not out.exists():
        out.write_text(
            "# `pymc-bnn fit`: peak memory with a large held-out split\n\n"
            "`benchmarks/fit_memory.py`: a synthetic table of standard-normal features "
            f"({FEATURES}) and labels from a softmax regression ({CLASSES} classes), "
            "`pymc-bnn fit --test-size 0.5 --batch-size 256`, each run alone in a fresh "
            "process (peak resident set size from `getrusage`). 'draws x rows x classes' is "
            "the size of the held-out probabilities of every draw (float64), which the "
            "report once held at once.\n\n"
            "| code | rows | held-out rows | draws | draws x rows x classes (MiB) | "
            "peak RSS (MiB) | wall time (s) |\n|---|---|---|---|---|---|---|\n"
        )
    with out.open("a") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
