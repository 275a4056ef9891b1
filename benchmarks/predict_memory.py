"""``pymc-bnn predict`` at scale: peak memory, start-up and time against rows, CSV and Parquet.

Fits a model with ``pymc-bnn fit`` on the cover-type CSV (``--model``, default
the (20, 20) BNN, ``--draws`` posterior draws in all, default 1,000: for the BNN
``fit --draws`` counts draws per member, so it is given a fifth of them for the
five members; the saved model's count is checked), writes inputs of
growing size by repeating the cover-type rows (CSV and Parquet), and runs
``pymc-bnn predict`` on each in a fresh process, reading the child's peak
resident set size (``getrusage``) and its wall time.  Sizes and formats are
interleaved over repeats; the table gives medians.

Start-up: ``predict`` on 10 rows, run once cold (JAX's compilation cache is a
new, empty folder: ``JAX_COMPILATION_CACHE_DIR``, as the command keeps it in
``~/.cache/pymc_bnn/jax``) and then ``--warm-runs`` times warm (files in the page
cache, compiled code in its caches; median and range), each warm run followed by
a fresh process that only imports the libraries ``predict`` holds (the floor
of any tool built on them; the ratio per pair), and inside one process
the seconds to import, to load the model, and to rebuild and compile its
prediction (the first ``predict_uncertainty`` of one row).  The per-row cost
of the estimator's own ``predict_proba`` and ``predict_uncertainty`` on the
same model (in-process, steady state) is the yardstick of the command's time:
start-up plus rows times that cost.

Run: ``.venv/bin/python benchmarks/predict_memory.py [--rows 10000 1000000]
[--formats csv parquet] [--model bnn] [--draws 1000] [--repeats 1] [--warm-runs 5]
[--out NAME]``;
writes ``benchmarks/results/NAME`` (default ``predict_memory.md``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from common import DEFAULT_CSV, machine, median_range, table, write_result

from pymc_bnn.cli.commands import load_saved

CLI = [sys.executable, "-m", "pymc_bnn.cli"]
IMPORT_FLOOR = (
    *("pandas", "pyarrow", "sklearn.base", "pymc", "xarray", "h5netcdf", "dask.array"),
    *("jax", "numpyro"),
)
"""The libraries a ``predict`` process holds at its end: xarray imports Dask (when
installed) to read the model file, PyTensor's JAX backend imports NumPyro."""
MEMBERS = 5
"""Members of the BNN estimator (its default): ``fit --draws`` counts draws per member."""


def say(*parts) -> None:
    """Print a progress line at once, with the UTC time."""
    print(f"[{datetime.datetime.now(datetime.UTC):%H:%M:%S}]", *parts, flush=True)


def load() -> str:
    """The load averages over 1, 5 and 15 minutes."""
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


_CHILD = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "seconds = time.perf_counter() - start\n"
    "if done.returncode:\n"
    "    sys.exit(done.stderr)\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(usage.ru_maxrss, seconds, usage.ru_utime + usage.ru_stime)\n"
)

_PARTS = """
import json, sys, time
clocks = (time.perf_counter, time.process_time)
times, cpu = {}, {}
def timed(name, f):
    start = [c() for c in clocks]
    out = f()
    times[name], cpu[name] = (c() - s for c, s in zip(clocks, start))
    return out
timed("import", lambda: __import__("pymc_bnn.cli.commands"))
import numpy as np
from pymc_bnn.cli.commands import load_saved
estimator, scaler, meta = timed("load", lambda: load_saved(sys.argv[1]))
X = np.load(sys.argv[2])
timed("rebuild and compile", lambda: estimator.predict_uncertainty(X[:1], proba=True))
for method in ("predict_proba", "predict_uncertainty"):
    f = getattr(estimator, method)
    f(X)
    runs = []
    for _ in range(3):
        timed(method, lambda: f(X))
        runs.append((times[method], cpu[method]))
    wall, process = sorted(runs)[1]
    times[method], cpu[method] = 1e6 * wall / len(X), 1e6 * process / len(X)
print(json.dumps({"wall": times, "cpu": cpu}))
"""


def peak_and_seconds(command: list[str]) -> tuple[float, float, float]:
    """Peak RSS (MiB), wall time and CPU time (user + system, s) of ``command`` run alone
    in a fresh process.  CPU time depends far less on the machine's load than wall time."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, *command], capture_output=True, text=True, check=True
    )
    kib, seconds, cpu = out.stdout.split()
    return int(kib) / 1024, float(seconds), float(cpu)


def parts(model: Path, X_file: Path) -> dict[str, dict[str, float]]:
    """Start-up parts (s) and the estimator's per-row costs (µs), in a fresh process:
    ``{"wall": {...}, "cpu": {...}}``."""
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
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--warm-runs", type=int, default=5, help="warm start-up runs")
    parser.add_argument(
        "--model-file", type=Path, default=None, help="a model fit wrote already (no fit)"
    )
    parser.add_argument("--out", default="predict_memory.md", help="file in benchmarks/results/")
    args = parser.parse_args()
    started = datetime.datetime.now(datetime.UTC)
    load_start = load()
    say(f"start; load {load_start}")
    per_member = args.draws // MEMBERS if args.model == "bnn" else args.draws
    base = pd.read_csv(args.csv)
    features = base.drop(columns="Cover_Type")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # The children's JAX cache starts empty: the first start-up is cold.
        os.environ["JAX_COMPILATION_CACHE_DIR"] = str(folder / "jax-cache")
        model = folder / "model.nc"
        fit = [*CLI, "fit", str(args.csv), "--target", "Cover_Type", "--model", args.model]
        fit += ["--iterations", str(args.iterations), "--draws", str(per_member)]
        fit += ["--batch-size", "256", "--out", str(model), "--no-progress"]
        if args.model_file is None:
            say("fitting:", " ".join(fit[2:]))
            subprocess.run(fit, check=True, capture_output=True)
        else:
            model = args.model_file
        estimator, scaler, _ = load_saved(model)
        post = estimator.posterior_
        draws = post.sizes["chain"] * post.sizes["draw"]
        say(f"saved model: {draws} draws ({post.sizes['chain']} x {post.sizes['draw']})")
        if draws != args.draws:
            raise SystemExit(f"the saved model has {draws} draws, not {args.draws}")
        del estimator
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
        np.save(X_file, scaler.transform(X).to_numpy())
        startup, floor = [], []
        command = [*CLI, "predict", str(model), str(files[10, "csv"])]
        command += ["--out", str(folder / "p.csv"), "--force", "--no-progress"]
        imports = [sys.executable, "-c", f"import {', '.join(IMPORT_FLOOR)}"]
        for run in ["cold"] + [f"warm {k + 1}" for k in range(args.warm_runs)]:
            startup.append([run, *peak_and_seconds(command), load()])
            say(*startup[-1])
            if run != "cold":
                # Interleaved: what any tool on the same libraries pays to import them.
                floor.append(peak_and_seconds(imports))
                say("imports alone", floor[-1])
        inside = parts(model, X_file)
        inside_load = load()
        say(inside, inside_load)
        results: dict[tuple, list[tuple[float, float]]] = {k: [] for k in files if k[0] > 10}
        loads: dict[tuple, list[str]] = {k: [] for k in results}
        for _ in range(args.repeats):
            for key in results:  # interleaved
                command = [*CLI, "predict", str(model), str(files[key])]
                command += ["--out", str(folder / "p.csv"), "--force", "--no-progress"]
                before = load()
                say(key, f"predict; load {before}")
                results[key].append(peak_and_seconds(command))
                loads[key].append(f"{before} → {load()}")
                say(key, results[key][-1], loads[key][-1])
        sizes = {key: files[key].stat().st_size / 2**20 for key in results}
    warm_runs = startup[1:]
    warm = statistics.median(r[2] for r in warm_runs)
    warm_cpu = statistics.median(r[3] for r in warm_runs)
    over_floor = [r[2] / f[1] for r, f in zip(warm_runs, floor, strict=True)]
    wall, cpu = inside["wall"], inside["cpu"]
    rows = []
    for (n, fmt), values in results.items():
        peak = statistics.median(v[0] for v in values)
        seconds = statistics.median(v[1] for v in values)
        cpu_seconds = statistics.median(v[2] for v in values)
        rows.append(
            [
                f"{n:,}",
                fmt,
                sizes[n, fmt],
                peak,
                seconds,
                cpu_seconds,
                1e6 * seconds / n,
                seconds / (warm + n * wall["predict_proba"] * 1e-6),
                cpu_seconds / (warm_cpu + n * cpu["predict_proba"] * 1e-6),
                cpu_seconds / (warm_cpu + n * cpu["predict_uncertainty"] * 1e-6),
                "; ".join(loads[n, fmt]),
            ]
        )

    def described(clock):
        return ", ".join(f"{k} {v:.2f} s" for k, v in clock.items() if "predict_" not in k)

    text = "\n\n".join(
        [
            f"# `pymc-bnn predict` at scale: {args.model}, {args.draws:,} draws",
            f"Run {started:%Y-%m-%d %H:%M} UTC: `python benchmarks/predict_memory.py "
            f"{' '.join(sys.argv[1:])}`.  {machine()}.  Load average (1/5/15 min) "
            f"{load_start} at the start, {load()} at the end, and beside each run below.  "
            "The 2-core machine was shared with other jobs: wall times are inflated and "
            "indicative (the yardstick was measured at another moment than each run, not "
            "interleaved with it); CPU times (user + system) depend far less on the load, "
            "and the CPU ratios are the figures to read; memory does not depend on load.  "
            f"The model: `pymc-bnn fit --model {args.model} --draws {per_member} "
            f"--iterations {args.iterations} --batch-size 256` ({args.draws:,} draws in all).",
            "Start-up: `predict` on 10 rows in a fresh process (peak RSS, wall and CPU "
            "seconds), cold (an empty JAX compilation cache) and then warm, in a row:",
            table(["run", "peak RSS (MiB)", "seconds", "CPU seconds", "load after"], startup),
            f"Warm start-up: median {median_range([r[2] for r in warm_runs])} s wall, "
            f"{warm_cpu:.2f} CPU s over {len(warm_runs)} runs.  Importing the libraries "
            f"alone in a fresh process (`import {', '.join(IMPORT_FLOOR)}`), after each "
            f"warm run: median {median_range([f[1] for f in floor])} s wall, "
            f"{statistics.median(f[2] for f in floor):.2f} CPU s; each warm start-up over "
            f"the imports run after it: median {median_range(over_floor)}.",
            f"Inside one process, wall: {described(wall)}; CPU: {described(cpu)}.  The "
            "estimator's steady per-row cost on 5,000 rows, wall (CPU): predict_proba "
            f"{wall['predict_proba']:.0f} ({cpu['predict_proba']:.0f}) µs, "
            f"predict_uncertainty {wall['predict_uncertainty']:.0f} "
            f"({cpu['predict_uncertainty']:.0f}) µs (load {inside_load} after).",
            "Each size and format in a fresh process (`--chunk-size` default, 10,000 rows); "
            "ratios: the command's seconds over (warm start-up + rows x the estimator's "
            "per-row cost), in wall time with predict_proba's cost and in CPU time with "
            "predict_proba's and with predict_uncertainty's (what the command computes):",
            table(
                [
                    "rows",
                    "format",
                    "input (MiB)",
                    "peak RSS (MiB)",
                    "seconds",
                    "CPU seconds",
                    "µs per row",
                    "wall ratio (predict_proba)",
                    "CPU ratio (predict_proba)",
                    "CPU ratio (predict_uncertainty)",
                    "load before → after",
                ],
                rows,
            ),
        ]
    )
    write_result(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
