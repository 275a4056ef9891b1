"""Selective prediction: accuracy–rejection curves of several uncertainty measures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from pymc_bnn.plots.shared import _axes, _document, _legend_below
from pymc_bnn.uncertainty import (
    MEASURES,
    ProbsLike,
    accuracy_rejection_curve,
    posterior_probabilities,
)

__all__ = ["plot_accuracy_rejection"]


def _named_measures(measures: Sequence[str] | Mapping[str, object]) -> dict[str, object]:
    if isinstance(measures, Mapping):
        return dict(measures)
    if isinstance(measures, str):
        measures = [measures]
    return {MEASURES.get(m, str(m)): m for m in measures}


@_document
def plot_accuracy_rejection(
    probs: ProbsLike,
    y: ArrayLike,
    *,
    measures: Sequence[str] | Mapping[str, object] = ("total", "aleatoric", "epistemic"),
    var_name: str | None = None,
    group: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Accuracy–rejection curves of several uncertainty measures, with the random baseline.

    Each curve shows the accuracy on the observations kept after the most
    uncertain fraction is rejected; the dashed line is the expected accuracy when
    the rejected observations are chosen at random.  A better measure lies higher.
    The x axis ends a little after the last curve reaches accuracy 1 (the rest
    would be flat), or at 1 if some curve never does.

    Parameters
    ----------
    {probs}
    {y}
    measures : sequence of str, or mapping of label to measure
        Names from :data:`pymc_bnn.uncertainty.MEASURES`, or a mapping from a
        legend label to a name or to one uncertainty score per observation.
    {common}

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(2)
    >>> probs = rng.dirichlet([2.0, 1.0], size=(40, 30))
    >>> fig, ax = plt.subplots()
    >>> ax = plot_accuracy_rejection(probs, rng.integers(0, 2, 30), ax=ax)
    >>> len(ax.get_lines())  # three measures and the baseline
    4
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    pooled = posterior_probabilities(probs, var_name=var_name, group=group)
    named = _named_measures(measures)
    if not named:
        raise ValueError("measures must name at least one uncertainty measure.")
    x_end, y_low = 0.0, 1.0
    for label, measure in named.items():
        curve = accuracy_rejection_curve(pooled, y, measure=measure)
        rate, accuracy = curve["rejection_rate"].to_numpy(), curve["accuracy"].to_numpy()
        ax.plot(rate, accuracy, label=label)
        perfect = np.flatnonzero(accuracy >= 1.0 - 1e-12)
        x_end = max(x_end, float(rate[perfect[0]]) if perfect.size else 1.0)
        y_low = min(y_low, float(np.nanmin(accuracy)))
    ax.axhline(accuracy[0], linestyle="--", color="grey", label="random rejection")
    ax.set_xlim(0, min(1.0, max(1.15 * x_end, 0.05)))
    ax.set_ylim(y_low - 0.05 * (1.0 - y_low) - 1e-3, 1.0 + 0.05 * (1.0 - y_low) + 1e-3)
    ax.set_xlabel("fraction rejected (most uncertain first)")
    ax.set_ylabel("accuracy on retained observations")
    ax.set_title("Accuracy-rejection curve")
    _legend_below(ax, ncols=2)
    return ax
