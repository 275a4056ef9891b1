"""What the cover-type benchmarks share: the split, the scores, timing and tables."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr

from pymc_bnn.datasets import CovertypeSplit, covertype_split
from pymc_bnn.uncertainty import expected_calibration_error, log_score

DEFAULT_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "covtype-15k.csv"
RESULTS = Path(__file__).resolve().parent / "results"
SEED = 0


def split(path: str | os.PathLike = DEFAULT_CSV) -> CovertypeSplit:
    """The benchmark split: stratified 80/20, seed 0, quantitative columns standardized."""
    return covertype_split(path, random_seed=SEED)


def jax_float64() -> None:
    """Compute in float64 under JAX, as pymc_bnn does: JAX's default is float32.

    Every benchmark with a NumPyro or JAX contender calls this first, so a script
    compares at the same precision whether it runs alone or inside ``run.py`` (before,
    only a module imported earlier in ``run.py`` switched it on, and the scripts run
    alone timed NumPyro in float32).
    """
    import jax

    jax.config.update("jax_enable_x64", True)


def codes(data: CovertypeSplit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class labels and the integer codes 0..K-1 of the training and test targets."""
    classes = np.sort(data.y_train.unique())
    return (
        classes,
        np.searchsorted(classes, data.y_train.to_numpy()),
        np.searchsorted(classes, data.y_test.to_numpy()),
    )


def as_probs(draws: np.ndarray, classes) -> xr.DataArray:
    """Per-draw class probabilities ``(draw, obs, classes)`` as a DataArray."""
    draws = np.asarray(draws)
    if draws.ndim == 2:
        draws = draws[None]
    return xr.DataArray(
        draws.reshape(-1, *draws.shape[-2:]),
        dims=("draw", "obs", "classes"),
        coords={"classes": np.asarray(classes)},
    )


def scores(probs: xr.DataArray, y) -> dict[str, float]:
    """Test accuracy, mean log predictive density and 10-bin expected calibration error."""
    pooled = probs.stack(sample=[d for d in probs.dims if d in ("chain", "draw")])
    mean = pooled.mean("sample")
    classes = np.asarray(probs.coords[probs.dims[-1]])
    y = np.asarray(y)
    return {
        "accuracy": float(np.mean(classes[mean.values.argmax(-1)] == y)),
        "mlpd": float(log_score(probs, y)),
        "ece": float(expected_calibration_error(probs, y)),
    }


class StepClock:
    """fit_advi / pm.fit callback: wall time from the first callback to the last.

    ``fit_advi`` calls back every 100 steps, ``pm.fit`` every step; ``i`` is the
    number of steps done, so the time per step excludes compilation (which
    happens before the first callback) in both cases.
    """

    def __init__(self):
        self.first = self.last = None
        self.first_step = self.last_step = 0

    def __call__(self, approx, losses, i):
        now = time.perf_counter()
        if self.first is None:
            self.first, self.first_step = now, i
        self.last, self.last_step = now, i

    def per_1000(self) -> float:
        """Seconds per 1,000 steps between the first and the last callback."""
        return (self.last - self.first) / max(self.last_step - self.first_step, 1) * 1000


class Stopwatch:
    """Context manager measuring wall time in seconds (``.seconds``)."""

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def interleaved(contenders: dict[str, Callable[[], object]], rounds: int) -> dict[str, list]:
    """Wall seconds of one call of each contender per round, the contenders in turn.

    The order rotates from round to round, so no contender always follows the same
    one.  A call must finish its work before it returns (JAX: block until ready).
    """
    labels = list(contenders)
    seconds = {label: [] for label in labels}
    for r in range(rounds):
        for label in labels[r % len(labels) :] + labels[: r % len(labels)]:
            with Stopwatch() as watch:
                contenders[label]()
            seconds[label].append(watch.seconds)
    return seconds


def write_result(name: str, text: str) -> Path:
    """Write ``results/{name}`` whole: a temporary file beside it, renamed over it."""
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / name
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(text + "\n")
    os.replace(tmp, out)
    return out


def machine() -> str:
    """One line describing this machine and the library versions."""
    import jax
    import numpyro
    import pymc
    import pytensor
    import sklearn

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"pymc {pymc.__version__}, pytensor {pytensor.__version__}, "
        f"numpyro {numpyro.__version__}, jax {jax.__version__}, "
        f"scikit-learn {sklearn.__version__}"
    )


def load_note() -> str:
    """The machine's load average over the last minute, for the record beside timings."""
    try:
        return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end"
    except OSError:  # pragma: no cover - platforms without getloadavg
        return "load average unknown"


SCORE_HEADERS = [
    "model",
    "accuracy",
    "mean log pred. density",
    "ECE",
    "compile (s)",
    "s / 1000 it",
    "notes",
]
"""Columns of the cover-type tables; rows come from :func:`score_row`."""


def score_row(label: str, result: dict) -> list:
    """A row of :data:`SCORE_HEADERS` from a fit's result dictionary."""
    keys = ("accuracy", "mlpd", "ece", "compile", "per_1000", "notes")
    return [label, *(result[k] for k in keys)]


def median_range(values) -> str:
    """``"median (min-max)"`` of ``values``, two decimals: how a repeated figure is quoted."""
    values = np.asarray(values, dtype=float)
    return f"{np.median(values):.2f} ({values.min():.2f}-{values.max():.2f})"


def table(headers: list[str], rows: list[list]) -> str:
    """A markdown table; floats are printed with 3 significant decimals."""

    def cell(v):
        if isinstance(v, float):
            return f"{v:.3f}" if abs(v) < 100 else f"{v:.0f}"
        return str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
