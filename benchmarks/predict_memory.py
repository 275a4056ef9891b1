"""``pymc-bnn predict`` at scale: peak memory, start-up and time against rows, CSV and Parquet.

Fits a model with ``pymc-bnn fit`` on the cover-type CSV (``--model``, default
the (20, 20) BNN, ``--draws`` posterior draws, default 1,000), writes inputs of
growing size by repeating the cover-type rows (CSV and Parquet), and runs
``pymc-bnn predict`` on each in a fresh process, reading the child's peak
resident set size (``getrusage``) and its wall time.  Sizes and formats are
interleaved over repeats; the table gives medians.

Start-up: ``predict`` on 10 rows, run twice in a row (the second run is warm:
files in the page cache, compiled code in its caches), and inside one process
the seconds to import, to load the model, and to rebuild and compile its
prediction (the first ``predict_uncertainty`` of one row).  The per-row cost
of the estimator's own ``predict_proba`` and ``predict_uncertainty`` on the
same model (in-process, steady state) is the yardstick of the command's time:
start-up plus rows times that cost.

Run: ``.venv/bin/python benchmarks/predict_memory.py [--rows 10000 1000000]
[--formats csv parquet] [--model bnn] [--draws 1000] [--repeats 1]``; writes
``benchmarks/results/predict_memory.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from common import DEFAULT_CSV, RESULTS, load_note, machine, table

CLI = [sys.executable, "-m", "pymc_bnn.cli"]

_CHILD = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "seconds = time.perf_counter() - start\n"
    "if done.returncode:\n"
    "    sys.exit(done.stderr)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, seconds)\n"
)

_PARTS = """
import json, sys, time
start = time.perf_counter()
import numpy as np
from pymc_bnn.cli.commands import load_saved
times = {"import": time.perf_counter() - start}
start = time.perf_counter()
estimator, scaler, meta = load_saved(sys.argv[1])
times["load"] = time.perf_counter() - start
X = np.load(sys.argv[2])
start = time.perf_counter()
estimator.predict_uncertainty(X[:1], proba=True)
times["rebuild and compile"] = time.perf_counter() - start
for method in ("predict_proba", "predict_uncertainty"):
    f = getattr(estimator, method)
    f(X)
    seconds = []
    for _ in range(3):
        start = time.perf_counter()
        f(X)
        seconds.append(time.perf_counter() - start)
    times[method] = 1e6 * sorted(seconds)[1] / len(X)
print(json.dumps(times))
"""


def peak_and_seconds(command: list[str]) -> tuple[float, float]:
    """Peak RSS (MiB) and wall time (s) of ``command`` run alone in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, *command], capture_output=True, text=True, check=True
    )
    kib, seconds = out.stdout.split()
    return int(kib) / 1024, float(seconds)


def parts(model: Path, X_file: Path) -> dict[str, float]:
    """Start-up parts and the estimator's per-row costs (µs), in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _PARTS, str(model), str(X_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--formats", nargs="+", default=["csv", "parquet"])
    parser.add_argument("--model", default="bnn", choices=["bnn", "softmax"])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    started = datetime.datetime.now(datetime.UTC)
    base = pd.read_csv(args.csv)
    features = base.drop(columns="Cover_Type")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = folder / "model.nc"
        fit = [*CLI, "fit", str(args.csv), "--target", "Cover_Type", "--model", args.model]
        fit += ["--iterations", str(args.iterations), "--draws", str(args.draws)]
        fit += ["--batch-size", "256", "--out", str(model), "--no-progress"]
        subprocess.run(fit, check=True, capture_output=True)
        files = {}
        for n in [10, *args.rows]:
            rows = pd.concat([features] * -(-n // len(features)), ignore_index=True).iloc[:n]
            for fmt in args.formats if n > 10 else ["csv"]:
                files[n, fmt] = folder / f"rows-{n}.{fmt}"
                if fmt == "csv":
                    rows.to_csv(files[n, fmt], index=False)
                else:
                    rows.to_parquet(files[n, fmt], index=False, row_group_size=100_000)
        # The estimator's own per-row cost, on 5,000 standardized rows.
        X = features.iloc[:5000]
        X_file = folder / "X.npy"
        import numpy as np

        from pymc_bnn.cli.commands import load_saved

        _, scaler, _ = load_saved(model)
        np.save(X_file, scaler.transform(X).to_numpy())
        startup = []
        for run in ("cold", "warm"):
            command = [*CLI, "predict", str(model), str(files[10, "csv"])]
            command += ["--out", str(folder / "p.csv"), "--force", "--no-progress"]
            startup.append([run, *peak_and_seconds(command)])
            print(startup[-1], flush=True)
        inside = parts(model, X_file)
        print(inside, flush=True)
        results: dict[tuple, list[tuple[float, float]]] = {k: [] for k in files if k[0] > 10}
        for _ in range(args.repeats):
            for key in results:  # interleaved
                command = [*CLI, "predict", str(model), str(files[key])]
                command += ["--out", str(folder / "p.csv"), "--force", "--no-progress"]
                results[key].append(peak_and_seconds(command))
                print(key, results[key][-1], flush=True)
        sizes = {key: files[key].stat().st_size / 2**20 for key in results}
    warm = startup[1][2]
    rows = []
    for (n, fmt), values in results.items():
        peak = statistics.median(v[0] for v in values)
        seconds = statistics.median(v[1] for v in values)
        yardstick = warm + n * inside["predict_proba"] * 1e-6
        rows.append(
            [f"{n:,}", fmt, sizes[n, fmt], peak, seconds, 1e6 * seconds / n, seconds / yardstick]
        )
    text = "\n\n".join(
        [
            f"# `pymc-bnn predict` at scale: {args.model}, {args.draws:,} draws",
            f"Run {started:%Y-%m-%d %H:%M} UTC: `python benchmarks/predict_memory.py "
            f"{' '.join(sys.argv[1:])}`.  {machine()}; {load_note()}.  The 2-core machine "
            "was shared with other jobs: times are indicative; memory does not depend on load.",
            "Start-up: `predict` on 10 rows in a fresh process (peak RSS, wall seconds), "
            "twice in a row:",
            table(["run", "peak RSS (MiB)", "seconds"], startup),
            "Inside one process: "
            + ", ".join(f"{k} {v:.2f} s" for k, v in inside.items() if "predict_" not in k)
            + f"; the estimator's steady per-row cost on 5,000 rows: predict_proba "
            f"{inside['predict_proba']:.0f} µs, predict_uncertainty "
            f"{inside['predict_uncertainty']:.0f} µs.",
            "Each size and format in a fresh process (`--chunk-size` default, 10,000 rows); "
            "ratio: the command's seconds over (warm start-up + rows x predict_proba's "
            "per-row cost):",
            table(
                [
                    "rows",
                    "format",
                    "input (MiB)",
                    "peak RSS (MiB)",
                    "seconds",
                    "µs per row",
                    "ratio to start-up + predict_proba",
                ],
                rows,
            ),
        ]
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "predict_memory.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
