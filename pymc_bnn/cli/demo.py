"""``pymc-bnn demo``: softmax regression and a BNN on scikit-learn's digits, with the plots."""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

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

__all__ = ["PLOT_FILES", "UNSEEN", "demo", "write_plots"]

UNSEEN = (7, 8, 9)
"""The digits left out of training: the models meet them only in the held-out rows."""
ENSEMBLE = 5
"""Members of the deep ensemble of scikit-learn MLPs the demo sets beside the BNN."""
PLOT_FILES = (
    "unseen_digits.png",
    "accuracy_rejection.png",
    "reliability.png",
    "example_digits.png",
)
"""The plots the demo writes, in this order."""
SUMMARY = "summary.md"
EXAMPLES = 4
"""Digits shown in ``example_digits.png``: one of each unseen class, then a seen one."""
COLD_MINUTES = "1 to 2 minutes"
WARM_SECONDS = 20
"""Measured times of a first (compiling) and a later demo run, quoted by the demo."""


def _figure(n_panels: int, width: float = 5.0, height: float = 4.2, **kwargs):
    import matplotlib.pyplot as plt

    return plt.subplots(1, n_panels, figsize=(width * n_panels, height), squeeze=False, **kwargs)


def _save(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _plot_unseen(out: Path, probs: dict, novel: np.ndarray) -> None:
    """Histograms of each model's epistemic uncertainty, seen against unseen digits."""
    from pymc_bnn import plots, uncertainty

    scores = [np.asarray(uncertainty.uncertainty_scores(p, "epistemic")) for p in probs.values()]
    edges = np.linspace(0.0, max(float(np.max(s)) for s in scores) * 1.02 + 1e-9, 31)
    fig, axes = _figure(len(probs), sharey=True)
    for ax, (name, p) in zip(axes[0], probs.items(), strict=True):
        plots.plot_novelty(
            p, novel, bins=edges, labels=("digits 0-6 (seen)", "digits 7-9 (unseen)"), ax=ax
        )
        ax.set_title(f"{name}: unseen digits flagged, {ax.get_title()}", fontsize=10)
    _save(fig, out / "unseen_digits.png")


def _plot_rejection(out: Path, probs: dict, correct: dict) -> None:
    """Accuracy on the rows kept when the most uncertain are set aside, one line per model."""
    from pymc_bnn import uncertainty

    fig, axes = _figure(1, width=6.4)
    ax = axes[0, 0]
    for name, p in probs.items():
        order = np.argsort(-np.asarray(uncertainty.uncertainty_scores(p, "epistemic")))
        right = correct[name][order]
        kept = np.arange(len(right), 0, -1)
        accuracy = np.cumsum(right[::-1])[::-1] / kept
        ax.plot(np.arange(len(right)) / len(right), accuracy, label=name)
    ax.set_xlim(0, 0.8)
    ax.set_ylim(None, 1.01)
    ax.set_xlabel("fraction of held-out rows set aside (largest epistemic uncertainty first)")
    ax.set_ylabel("accuracy on the rest")
    ax.set_title("Selective prediction; unseen digits count as errors", fontsize=10)
    ax.legend(loc="lower right")
    _save(fig, out / "accuracy_rejection.png")


def _plot_reliability(out: Path, probs: dict, y_seen: np.ndarray, n_seen: int) -> None:
    from pymc_bnn import plots

    fig, axes = _figure(len(probs), sharex=True, sharey=True)
    for ax, (name, p) in zip(axes[0], probs.items(), strict=True):
        plots.plot_reliability_diagram(p.isel(obs=slice(0, n_seen)), y_seen, ax=ax)
        ax.set_title(f"{name} (seen digits): {ax.get_title()}", fontsize=10)
    _save(fig, out / "reliability.png")


def _plot_examples(out: Path, probs: dict, images: np.ndarray, rows: list[int], y) -> None:
    """Examples: the digit, and each model's class probabilities with 94 % intervals."""
    import matplotlib.pyplot as plt

    from pymc_bnn import uncertainty

    names = list(probs)
    fig, axes = plt.subplots(
        len(rows),
        1 + len(names),
        figsize=(1.6 + 3.2 * len(names), 1.7 * len(rows)),
        gridspec_kw={"width_ratios": [0.5] + [1.0] * len(names)},
        squeeze=False,
    )
    for i, row in enumerate(rows):
        axes[i, 0].imshow(images[row].reshape(8, 8), cmap="gray_r")
        axes[i, 0].set_xticks([])
        axes[i, 0].set_yticks([])
        axes[i, 0].set_ylabel(f"a {y[row]}", rotation=0, labelpad=14, fontsize=11)
        for j, name in enumerate(names, start=1):
            summary = uncertainty.class_probabilities(probs[name].isel(obs=[row]))
            mean, lower, upper = (
                np.asarray(a)[0] for a in (summary.mean, summary.lower, summary.upper)
            )
            classes = np.asarray(probs[name].coords["classes"])
            ax = axes[i, j]
            ax.bar(range(len(classes)), mean, color="C0" if y[row] not in UNSEEN else "C3")
            ax.vlines(range(len(classes)), lower, upper, color="black", linewidth=1)
            ax.set_ylim(0, 1)
            ax.set_xticks(range(len(classes)), [str(c) for c in classes])
            if i == 0:
                ax.set_title(name, fontsize=10)
            if j > 1:
                ax.set_yticklabels([])
    fig.suptitle(
        "Class probabilities (bars: posterior mean; lines: 94 % intervals) of three unseen "
        "digits and a seen one",
        fontsize=10,
    )
    _save(fig, out / "example_digits.png")


def write_plots(out: Path, probs: dict, y: np.ndarray, images: np.ndarray) -> list[str]:
    """The demo's plots, one panel (or line) per model; returns the file names.

    Parameters
    ----------
    out : pathlib.Path
        The folder to write the PNG files to.
    probs : dict
        Model name to its class probabilities per draw (``chain, draw, obs, classes``)
        on the held-out rows: first the rows of the seen digits, then the unseen ones.
    y : numpy.ndarray
        The held-out rows' digits (unseen ones included).
    images : numpy.ndarray
        Their pixels, ``(rows, 64)``, unscaled.
    """
    import matplotlib

    matplotlib.use("Agg")
    novel = np.isin(y, UNSEEN)
    n_seen = int((~novel).sum())
    correct = {}
    for name, p in probs.items():
        classes = np.asarray(p.coords["classes"])
        predicted = classes[np.asarray(p.mean(("chain", "draw"))).argmax(-1)]
        correct[name] = predicted == y
    _plot_unseen(out, probs, novel)
    _plot_rejection(out, probs, correct)
    _plot_reliability(out, probs, y[:n_seen], n_seen)
    firsts = [int(np.flatnonzero(y == digit)[0]) for digit in UNSEEN]
    _plot_examples(out, probs, images, [*firsts, 0][:EXAMPLES], y)
    return list(PLOT_FILES)


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


def _ensemble_draws(X_train, y_train, X_rows, hidden, seed: int):
    """A deep ensemble of scikit-learn MLPs: its members' probabilities as chains."""
    import xarray as xr
    from sklearn.neural_network import MLPClassifier

    members = [
        MLPClassifier(hidden, activation="tanh", max_iter=500, random_state=ENSEMBLE * seed + k)
        for k in range(ENSEMBLE)
    ]
    probs = np.stack([m.fit(X_train, y_train).predict_proba(X_rows) for m in members])
    return xr.DataArray(
        probs[:, None],
        dims=("chain", "draw", "obs", "classes"),
        coords={"classes": members[0].classes_},
    )


def _report(probs: dict, y: np.ndarray, seconds: dict) -> tuple[str, dict]:
    """The held-out table: scores on the seen digits, then how the unseen ones are flagged."""
    from pymc_bnn import uncertainty

    novel = np.isin(y, UNSEEN)
    columns = {}
    for name, p in probs.items():
        seen, unseen = p.isel(obs=np.flatnonzero(~novel)), p.isel(obs=np.flatnonzero(novel))
        columns[name] = {
            **metrics(seen, y[~novel]),
            "unseen digits flagged (AUROC)": uncertainty.novelty_auroc(p, novel),
            "mean epistemic, unseen (nats)": float(
                np.mean(uncertainty.uncertainty_scores(unseen, "epistemic"))
            ),
        }
    return format_report(columns, seconds), columns


def demo(args: argparse.Namespace) -> int:
    """Run ``pymc-bnn demo``: fit the models to digits 0-6, report, plot, summarize."""
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
    seen = ~np.isin(y, UNSEEN)
    X_train, X_test, y_train, y_test = split_held_out(X[seen], y[seen], 0.3, args.seed)
    X_rows = pd.concat([X_test, X[~seen]])  # held out: seen digits first, then unseen
    y_rows = np.concatenate([y_test, y[~seen]])
    scaler = make_scaler(list(X.columns)).fit(X_train)
    Z_train, Z_rows = scaler.transform(X_train), scaler.transform(X_rows)
    print(
        f"Digits data (scikit-learn, offline): {len(X)} rows of 8x8 pixels, {X.shape[1]} "
        f"features. Trained on digits 0-6 ({len(X_train)} rows); held out: {len(X_test)} "
        f"rows of 0-6 and all {int((~seen).sum())} of the unseen 7, 8, 9 (seed {args.seed})"
    )
    backend = resolve_backend(args.backend)
    mode = BACKENDS[backend]
    stamp = _compile_stamp()
    if mode is None and not stamp.exists():
        print(
            COMPILE_NOTE.format(minutes=COLD_MINUTES, cache=stamp.parent, later=WARM_SECONDS),
            flush=True,
        )
    seconds, probs = {}, {}
    for name, model in {"softmax": "softmax", "BNN": "bnn"}.items():
        options = {"iterations": args.iterations} if args.iterations is not None else {}
        estimator = make_estimator(
            model,
            hidden=args.hidden,
            batch_size=args.batch_size,
            random_state=args.seed,
            progressbar=not args.no_progress,
            compile_mode=mode,
            **options,
        )
        print(f"Fitting {name}: {describe(model, estimator)} ...", flush=True)
        seconds[name] = fit_timed(estimator, Z_train, y_train)
        probs[name] = estimator.predict_proba_draws(Z_rows)
    name = "ensemble"
    print(f"Fitting {name}: {ENSEMBLE} scikit-learn MLPs {tuple(args.hidden)}, tanh ...")
    clock = time.perf_counter()
    probs[name] = _ensemble_draws(Z_train, y_train, Z_rows, tuple(args.hidden), args.seed)
    seconds[name] = time.perf_counter() - clock
    table, columns = _report(probs, y_rows, seconds)
    print(f"Held-out report ({len(X_test)} rows of the seen digits 0-6 unless stated):")
    print(table)
    files = write_plots(out, probs, y_rows, X_rows.to_numpy())
    summary = {
        "command": "pymc-bnn demo",
        "data": "sklearn.datasets.load_digits",
        "unseen_digits": list(UNSEEN),
        "seed": args.seed,
        "iterations": args.iterations,
        "batch_size": args.batch_size,
        "backend": backend,
        "hidden": list(args.hidden),
        "held_out_rows": {"seen": len(X_test), "unseen": int((~seen).sum())},
        "models": {n: {**columns[n], "fit time (s)": seconds[n]} for n in columns},
        "plots": files,
    }
    (out / SUMMARY).write_text(
        "# pymc-bnn demo\n\nDigits (scikit-learn) 0-6 in training; held out "
        f"{len(X_test)} rows of 0-6 and {int((~seen).sum())} of 7-9, seed {args.seed}.\n\n"
        f"```text\n{table}\n```\n\n" + "".join(f"![{f}]({f})\n" for f in files)
    )
    # What this run wrote, so that a later run knows these files are its own to replace.
    summary["files"] = {name: _sha256(out / name) for name in [*files, SUMMARY]}
    (out / DEMO_MARKER).write_text(json.dumps(summary, indent=2) + "\n")
    if mode is None:
        stamp.touch()
    print(f"Wrote {', '.join(files)}, {SUMMARY} and {DEMO_MARKER} to {out}/")
    print(f"Wall time {time.perf_counter() - start:.1f} s")
    return 0
