"""``pymc-bnn demo``: softmax regression and a BNN on scikit-learn's digits, with the plots."""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np

from pymc_bnn.cli.errors import CLIError, short_list
from pymc_bnn.cli.estimators import (
    BACKENDS,
    describe,
    fit_timed,
    make_estimator,
    resolve_backend,
)
from pymc_bnn.cli.outputs import DEMO_MARKER, prepare_dir
from pymc_bnn.cli.report import format_report, metrics
from pymc_bnn.cli.scaling import make_scaler
from pymc_bnn.cli.tables import split_held_out

__all__ = ["PLOT_FILES", "demo", "write_plots"]

PLOT_FILES = (
    "reliability.png",
    "accuracy_rejection.png",
    "entropy_decomposition.png",
    "class_probabilities.png",
)
"""The plots the demo writes, in this order."""
SUMMARY = "summary.md"

N_UNSURE = 6
"""Rows in the demo's class-probability plot: the most uncertain held-out rows."""
MIN_PROBABILITY = 0.05
"""Classes below this probability in every shown row are left out of that plot."""
COLD_MINUTES = "1 to 2 minutes"
WARM_SECONDS = 20
"""Measured times of a first (compiling) and a later demo run, quoted by the demo."""


def write_plots(out: Path, probs: dict, y_test: np.ndarray) -> list[str]:
    """The uncertainty plots of the demo, one panel per model; returns the file names.

    Parameters
    ----------
    out : pathlib.Path
        The folder to write the PNG files to.
    probs : dict
        Model name to its class probabilities per posterior draw on the held-out rows.
    y_test : numpy.ndarray
        The held-out labels.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pymc_bnn import plots, uncertainty

    names = list(probs)
    # The held-out rows the last model (the BNN) is least sure about: the rows the
    # class-probability plot shows, the same rows in every panel.
    epistemic = np.asarray(uncertainty.uncertainty_scores(probs[names[-1]], "epistemic"))
    unsure = [int(i) for i in np.argsort(-epistemic)[:N_UNSURE]]
    drawers = (
        lambda p, ax: plots.plot_reliability_diagram(p, y_test, ax=ax),
        lambda p, ax: plots.plot_accuracy_rejection(p, y_test, ax=ax),
        lambda p, ax: plots.plot_entropy_decomposition(p, y_test, ax=ax),
        lambda p, ax: plots.plot_class_probabilities(
            p, unsure, y=y_test, min_probability=MIN_PROBABILITY, ax=ax
        ),
    )
    figures = dict(zip(PLOT_FILES, drawers, strict=True))
    notes = {
        "class_probabilities.png": (
            f"The {N_UNSURE} held-out rows with the largest epistemic uncertainty under the "
            f"{names[-1]} (row number in the test split); classes below "
            f"{MIN_PROBABILITY:.0%} in every shown row are left out; circled: observed class"
        ),
    }
    for file, draw in figures.items():
        fig, axes = plt.subplots(1, len(names), figsize=(6 * len(names), 4.8), squeeze=False)
        for ax, name in zip(axes[0], names, strict=True):
            draw(probs[name], ax)
            ax.set_title(f"{name}: {ax.get_title()}", fontsize=10)
        if file in notes:
            fig.suptitle(notes[file], fontsize=9)
            for ax in axes[0]:
                ax.set_xlabel("held-out row")
        fig.tight_layout()
        fig.savefig(out / file, dpi=100)
        plt.close(fig)
    return list(figures)


COMPILE_NOTE = (
    "First run with this compile cache and --backend numba: PyTensor compiles the two "
    "models with Numba, "
    "which takes about {minutes} on a quiet 2-core machine (more under load). The "
    "compiled code is cached in {cache}; later runs take about {later} s."
)
"""Printed before the first fit when the demo has not run with Numba and this compile cache
(JAX compiles the models in a few seconds on every run, and needs no note)."""


def _compile_stamp() -> Path:
    """A file in PyTensor's compile cache saying the demo has compiled its models there."""
    import pytensor

    from pymc_bnn._version import __version__

    return Path(pytensor.config.base_compiledir) / f"pymc_bnn-demo-{__version__}.done"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _not_written_here(out: Path) -> list[str]:
    """The files of ``out`` the demo would overwrite that are not as an earlier demo left them.

    A demo's ``summary.json`` records the SHA-256 of each file it wrote; a
    file it would write that is not recorded there, or changed since, is not
    the demo's to overwrite (nor is a ``summary.json`` that is no demo's).  A
    summary from before the checksums were recorded vouches for the plots it
    lists and ``summary.md``.
    """
    names = [*PLOT_FILES, SUMMARY, DEMO_MARKER]
    present = [n for n in names if (out / n).exists()]
    if not present:
        return []
    try:
        summary = json.loads((out / DEMO_MARKER).read_text())
        ours = isinstance(summary, dict) and summary.get("command") == "pymc-bnn demo"
    except (OSError, ValueError):
        ours = False
    written = summary.get("files") if ours else None
    if ours and written is None and isinstance(summary.get("plots"), list):
        listed = {*summary["plots"], SUMMARY, DEMO_MARKER}
        return [n for n in present if n not in listed]
    if not isinstance(written, dict):
        return present
    return [
        n
        for n in present
        if n != DEMO_MARKER and not ((out / n).is_file() and written.get(n) == _sha256(out / n))
    ]


def demo(args: argparse.Namespace) -> int:
    """Run ``pymc-bnn demo``: fit both model kinds to the digits, report, plot, summarize."""
    from sklearn.datasets import load_digits

    start = time.perf_counter()
    wanted = Path(args.out)
    foreign = [] if args.force or not wanted.is_dir() else _not_written_here(wanted)
    if foreign:
        raise CLIError(
            f"{args.out}: holds {short_list(foreign)}, which pymc-bnn demo did not write (or "
            "which changed since); pass --force to overwrite them"
        )
    out = prepare_dir(Path(args.out), args.force, own=DEMO_MARKER)
    data = load_digits(as_frame=True)
    X, y = data.data, data.target.to_numpy()
    X_train, X_test, y_train, y_test = split_held_out(X, y, 0.3, args.seed)
    scaler = make_scaler(list(X.columns)).fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    print(
        f"Digits data (scikit-learn, offline): {len(X)} rows of 8x8 pixels, {X.shape[1]} "
        f"features, {len(np.unique(y))} classes; 70/30 stratified split, seed {args.seed}"
    )
    backend = resolve_backend(args.backend)
    mode = BACKENDS[backend]
    stamp = _compile_stamp()
    if mode is None and not stamp.exists():
        print(
            COMPILE_NOTE.format(minutes=COLD_MINUTES, cache=stamp.parent, later=WARM_SECONDS),
            flush=True,
        )
    models = {"softmax": "softmax", "BNN": "bnn"}
    columns, seconds, probs = {}, {}, {}
    for name, model in models.items():
        estimator = make_estimator(
            model,
            hidden=args.hidden,
            iterations=args.iterations,
            batch_size=args.batch_size,
            random_state=args.seed,
            progressbar=not args.no_progress,
            compile_mode=mode,
        )
        print(f"Fitting {name}: {describe(model, estimator)} ...", flush=True)
        seconds[name] = fit_timed(estimator, X_train, y_train)
        probs[name] = estimator.predict_proba_draws(X_test)
        columns[name] = metrics(probs[name], y_test)
    print(f"Held-out report ({len(X_test)} rows):")
    print(format_report(columns, seconds))
    files = write_plots(out, probs, y_test)
    summary = {
        "command": "pymc-bnn demo",
        "data": "sklearn.datasets.load_digits",
        "seed": args.seed,
        "iterations": args.iterations,
        "batch_size": args.batch_size,
        "backend": backend,
        "hidden": list(args.hidden),
        "held_out_rows": len(X_test),
        "models": {n: {**columns[n], "fit time (s)": seconds[n]} for n in columns},
        "plots": files,
    }
    (out / SUMMARY).write_text(
        "# pymc-bnn demo\n\nDigits (scikit-learn), held-out "
        f"{len(X_test)} rows, seed {args.seed}.\n\n```text\n"
        f"{format_report(columns, seconds)}\n```\n\n" + "".join(f"![{f}]({f})\n" for f in files)
    )
    # What this run wrote, so that a later run knows these files are its own to replace.
    summary["files"] = {name: _sha256(out / name) for name in [*files, SUMMARY]}
    (out / DEMO_MARKER).write_text(json.dumps(summary, indent=2) + "\n")
    if mode is None:
        stamp.touch()
    print(f"Wrote {', '.join(files)}, {SUMMARY} and {DEMO_MARKER} to {out}/")
    print(f"Wall time {time.perf_counter() - start:.1f} s")
    return 0
