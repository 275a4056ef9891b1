"""Every benchmark in one run: prints the tables and writes ``results/benchmarks.md``.

Sections: likelihood kernels, softmax regression and BNN on cover type (against
NumPyro, plain PyMC and scikit-learn), scaling of minibatch ADVI in the number
of rows, steady-state ADVI steps and the kernels behind them (elementwise
functions, products padded to a multiple of 4 or 8 columns), prediction
through the model's graph (against a numpy floor and scikit-learn), the
calibration of the BNN's probabilities (calibration.py), the size and load
time of a saved model (model_files.py), and uncertainty that flags unseen
classes and shifted rows against an MLP and a deep ensemble (uncertainty.py,
the longest part: about an hour and a half for its three seeds), and two
moons on defaults (moons.py).  Member families other than mean-field
(member_families.py: MAP points, Laplace) run on their own.
Needs the ``bench`` extra (NumPyro, JAX) and the cover-type CSV
beside the checkout (``../shared/data/covtype-15k.csv``).  About two hours
on a 2-core machine; ``--quick`` cuts steps and repeats for a smoke run.

Run: ``make bench`` or ``.venv/bin/python benchmarks/run.py [--quick] [--nuts]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import advi_steps
import bnn_covertype
import calibration
import elementwise_exp
import glm_covertype
import likelihood_kernels
import model_files
import moons
import nuts as nuts_bench
import padded_products
import prediction
import scaling
import uncertainty
from common import RESULTS, machine


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few steps, for a smoke run")
    parser.add_argument(
        "--nuts",
        action="store_true",
        help="run NUTS on cover type too (adds 10-15 minutes); otherwise the last "
        "results/glm_nuts.md is included",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    start = time.perf_counter()
    sections = [
        likelihood_kernels.main(["--repeats", "5" if quick else "30"]),
        glm_covertype.main(["--steps", "2000" if quick else "20000"] + (["--nuts"] * args.nuts)),
        bnn_covertype.main(
            ["--steps", "2000" if quick else "30000", "--seeds", "1" if quick else "3"]
        ),
        scaling.main(["--steps", "500" if quick else "3000"]),
        advi_steps.main(["--rounds", "3" if quick else "7"]),
        elementwise_exp.main(["--rounds", "3" if quick else "7"]),
        padded_products.main(["--rounds", "3" if quick else "7"]),
        calibration.main(["--quick"] if quick else ["--seeds", "3"]),
        prediction.main(["--rounds", "3" if quick else "7"]),
        model_files.main(["--rounds", "3" if quick else "7"]),
        uncertainty.main(["--quick"] if quick else ["--seeds", "3"]),
        moons.main(["--seeds", "1" if quick else "3"]),
    ]
    nuts = RESULTS / "glm_nuts.md"
    if not args.nuts and nuts.exists():
        sections.append(nuts.read_text())
    # NUTS side by side (pm.sample with each sampler, NumPyro's own): benchmarks/nuts.py.
    if args.nuts:
        sections.append(nuts_bench.main(["--rows", "1000", "--lengths", "100"] if quick else []))
    elif (RESULTS / "nuts.md").exists():
        sections.append((RESULTS / "nuts.md").read_text())
    # Zero columns kept or fixed at zero (benchmarks/constant_columns.py, about 15 minutes).
    if (RESULTS / "constant_columns.md").exists():
        sections.append((RESULTS / "constant_columns.md").read_text())
    sections.append((Path(__file__).parent / "analysis.md").read_text())
    minutes = (time.perf_counter() - start) / 60
    text = "\n\n".join(
        [
            "# Benchmarks",
            f"Machine: {machine()}. Whole run: {minutes:.0f} minutes"
            + (" (--quick: reduced steps, not for quoting)." if quick else "."),
            *sections,
        ]
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / ("benchmarks-quick.md" if quick else "benchmarks.md")).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
