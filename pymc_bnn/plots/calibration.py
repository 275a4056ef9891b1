"""Calibration: the reliability diagram, with the expected calibration error."""

from __future__ import annotations

from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from pymc_bnn.plots.shared import _axes, _document, _legend_below
from pymc_bnn.uncertainty import ProbsLike, posterior_probabilities, reliability_table
from pymc_bnn.uncertainty.calibration import _calibration_error

__all__ = ["plot_reliability_diagram"]


@_document
def plot_reliability_diagram(
    probs: ProbsLike,
    y: ArrayLike,
    *,
    n_bins: int = 10,
    var_name: str | None = None,
    group: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Reliability diagram: accuracy against confidence, with the ECE in the title.

    Bars are the accuracy in each non-empty confidence bin (labelled with the
    number of observations), diamonds the mean confidence in the bin; a calibrated
    model has bars reaching the diagonal.  The x axis starts at the lowest
    non-empty bin.

    Parameters
    ----------
    {probs}
    {y}
    {n_bins}
    {common}

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib.pyplot as plt
    >>> probs = np.array([[[0.75, 0.25]] * 4])
    >>> fig, ax = plt.subplots()
    >>> plot_reliability_diagram(probs, [0, 0, 0, 1], ax=ax).get_title()
    'Reliability diagram (ECE = 0.000)'
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    pooled = posterior_probabilities(probs, var_name=var_name, group=group)
    table = reliability_table(pooled, y, n_bins=n_bins)
    ece = _calibration_error(table)
    filled = table[table["count"] > 0]
    centers = (filled["bin_lower"] + filled["bin_upper"]) / 2
    bars = ax.bar(
        centers,
        filled["accuracy"],
        width=0.9 / n_bins,
        color="C0",
        alpha=0.8,
        edgecolor="black",
        label="accuracy",
    )
    ax.bar_label(bars, labels=[f"n={c}" for c in filled["count"]], fontsize=7, padding=2)
    ax.scatter(
        centers, filled["confidence"], marker="D", color="C3", zorder=3, label="mean confidence"
    )
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    # From the lowest non-empty bin: confidences below 1/K cannot occur.
    ax.set_xlim(float(filled["bin_lower"].min()) if len(filled) else 0.0, 1)
    ax.set_ylim(0, 1.1)
    ax.set_xlabel("confidence (largest posterior mean probability)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"Reliability diagram (ECE = {ece:.3f})")
    _legend_below(ax, ncols=3)
    return ax
