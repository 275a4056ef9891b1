"""Peak memory and time of ``pymc-bnn predict`` against the number of rows.

``predict`` reads its input in chunks (``--chunk-size``, default 10,000 rows) and
appends each chunk's predictions to the output, so its peak memory should not
grow with the file.  This fits a softmax model on the cover-type CSV with
``pymc-bnn fit`` (500 draws), writes CSVs of growing size by repeating the
cover-type rows, and runs ``pymc-bnn predict`` on each in a fresh process,
reading the child's peak resident set size (``getrusage``) and its wall time.
Sizes are interleaved over repeats; the table gives medians.

Run: ``.venv/bin/python benchmarks/predict_memory.py [--rows 10000 100000 300000]
[--repeats 2]``; writes ``benchmarks/results/predict_memory.md``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from common import DEFAULT_CSV, RESULTS

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


def peak_and_seconds(command: list[str]) -> tuple[float, float]:
    """Peak RSS (MiB) and wall time (s) of ``command`` run alone in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, *command], capture_output=True, text=True, check=True
    )
    kib, seconds = out.stdout.split()
    return int(kib) / 1024, float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--draws", type=int, default=500)
    args = parser.parse_args()
    base = pd.read_csv(args.csv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        fit = [*CLI, "fit", str(args.csv), "--target", "Cover_Type", "--iterations", "3000"]
        fit += ["--draws", str(args.draws), "--out", str(folder / "model"), "--no-progress"]
        subprocess.run(fit, check=True, capture_output=True)
        files = {}
        for n in args.rows:
            reps = -(-n // len(base))
            rows = pd.concat([base] * reps, ignore_index=True).iloc[:n]
            files[n] = folder / f"rows-{n}.csv"
            rows.to_csv(files[n], index=False)
        results: dict[int, list[tuple[float, float]]] = {n: [] for n in args.rows}
        for _ in range(args.repeats):
            for n in args.rows:  # interleaved
                out = folder / "p.csv"
                command = [
                    *CLI,
                    "predict",
                    str(folder / "model"),
                    str(files[n]),
                    "--out",
                    str(out),
                ]
                results[n].append(peak_and_seconds([*command, "--force", "--no-progress"]))
                print(n, results[n][-1], flush=True)
        input_mb = {n: files[n].stat().st_size / 2**20 for n in args.rows}
    lines = [
        "# `pymc-bnn predict`: peak memory against rows",
        "",
        f"`benchmarks/predict_memory.py`: a softmax model fitted by `pymc-bnn fit` on "
        f"{args.csv.name} ({args.draws} posterior draws, 7 classes, 54 features); inputs made "
        "by repeating its rows; each `predict` run alone in a fresh process (peak resident "
        f"set size from `getrusage`); sizes interleaved, {args.repeats} repeats, medians. "
        "Default `--chunk-size` (10,000 rows). The 2-core machine was shared with other "
        "jobs, so times are indicative; memory is not affected by load.",
        "",
        "| rows | input CSV (MiB) | peak RSS (MiB) | wall time (s) | µs per row |",
        "|---|---|---|---|---|",
    ]
    for n in args.rows:
        peak = statistics.median(r[0] for r in results[n])
        seconds = statistics.median(r[1] for r in results[n])
        lines.append(
            f"| {n:,} | {input_mb[n]:.0f} | {peak:.0f} | {seconds:.1f} | {1e6 * seconds / n:.0f} |"
        )
    small, large = min(args.rows), max(args.rows)
    t_small = statistics.median(r[1] for r in results[small])
    t_large = statistics.median(r[1] for r in results[large])
    per_row = (t_large - t_small) / (large - small)  # the marginal rate, without start-up
    fixed = t_small - per_row * small
    lines += [
        "",
        f"Start-up (imports, loading and compiling the model) is about {fixed:.0f} s; each "
        f"further row costs about {1e6 * per_row:.0f} µs (slope between {small:,} and "
        f"{large:,} rows). Extrapolated to 10,000,000 rows (not run): about "
        f"{(fixed + per_row * 1e7) / 60:.0f} minutes on this loaded machine, with the same "
        "peak memory, since only one chunk of rows and its predictions is held at a time "
        "(the peak is that of the imported libraries and the compiled model).",
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "predict_memory.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
