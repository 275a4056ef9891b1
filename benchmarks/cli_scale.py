"""Which columns ``pymc-bnn fit`` should standardize: ``--scale auto`` against ``--scale all``.

Runs the command as a user would on the cover-type CSV (10 continuous columns,
44 0/1 indicator columns), once per model, seed and scaling mode, the modes
interleaved, and reads the held-out report it prints (the same stratified split
for both modes of a seed).  ``auto`` leaves the 0/1 indicators as they are,
``all`` standardizes them too (a rare soil type's 1 becomes tens of standard
deviations).

Run: ``.venv/bin/python benchmarks/cli_scale.py [--seeds 0 1] [--iterations 10000]``;
writes ``benchmarks/results/cli_scale.md``.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import DEFAULT_CSV, RESULTS

METRICS = ("accuracy", "log score", "calibration error (ECE)")


def fit_once(csv: Path, model: str, scale: str, seed: int, iterations: int) -> dict[str, float]:
    """The held-out metrics printed by one ``pymc-bnn fit``."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "pymc_bnn.cli", "fit", str(csv)]
        command += ["--target", "Cover_Type", "--model", model, "--scale", scale]
        command += ["--seed", str(seed), "--iterations", str(iterations), "--batch-size", "256"]
        command += ["--draws", "500", "--no-progress", "--out", f"{folder}/model"]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
        seconds = time.perf_counter() - start
    values = {
        m: float(re.search(rf"{re.escape(m)}\s+(-?[0-9.]+)", done.stdout).group(1))
        for m in METRICS
    }
    values["seconds"] = seconds
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--iterations", type=int, default=10_000)
    parser.add_argument("--models", nargs="+", default=["bnn", "softmax"])
    args = parser.parse_args()
    rows = []
    for model in args.models:
        for seed in args.seeds:
            for scale in ("auto", "all"):  # interleaved
                result = fit_once(args.csv, model, scale, seed, args.iterations)
                rows.append((model, seed, scale, result))
                print(model, seed, scale, result, flush=True)
    lines = [
        "# `pymc-bnn fit --scale auto` against `--scale all` on cover type",
        "",
        f"`benchmarks/cli_scale.py`: {args.csv.name}, held-out 20% (stratified, per seed), "
        f"ADVI {args.iterations} iterations, minibatches of 256, 500 draws. The machine "
        "was shared with other jobs (times are indicative only).",
        "",
        "| model | seed | --scale | accuracy | log score | ECE | wall time (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for model, seed, scale, r in rows:
        lines.append(
            f"| {model} | {seed} | {scale} | {r['accuracy']:.3f} | {r['log score']:.3f} | "
            f"{r['calibration error (ECE)']:.3f} | {r['seconds']:.0f} |"
        )
    lines += ["", "Median over seeds:", "", "| model | --scale | accuracy | log score |"]
    lines.append("|---|---|---|---|")
    for model in args.models:
        for scale in ("auto", "all"):
            picked = [r for m, _, s, r in rows if m == model and s == scale]
            acc = statistics.median(r["accuracy"] for r in picked)
            score = statistics.median(r["log score"] for r in picked)
            lines.append(f"| {model} | {scale} | {acc:.3f} | {score:.3f} |")
    pairs = [
        (r["log score"] - a["log score"], r["accuracy"] - a["accuracy"])
        for m, seed, s, r in rows
        if s == "auto"
        for m2, seed2, s2, a in rows
        if s2 == "all" and (m2, seed2) == (m, seed)
    ]
    lines += [
        "",
        f"Paired by model and seed ({len(pairs)} pairs), `auto` minus `all`: log score "
        f"{min(p[0] for p in pairs):+.3f} to {max(p[0] for p in pairs):+.3f}, accuracy "
        f"{min(p[1] for p in pairs):+.3f} to {max(p[1] for p in pairs):+.3f}.",
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cli_scale.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
