"""The entropy decomposition: aleatoric against epistemic uncertainty of each observation."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from pymc_bnn.plots.shared import _axes, _document, _legend_below
from pymc_bnn.uncertainty import (
    ProbsLike,
    correct_predictions,
    entropy_decomposition,
    posterior_probabilities,
)

__all__ = ["plot_entropy_decomposition"]


@_document
def plot_entropy_decomposition(
    probs: ProbsLike,
    y: ArrayLike | None = None,
    *,
    var_name: str | None = None,
    group: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Aleatoric against epistemic uncertainty of each observation.

    One point per observation at (expected entropy, mutual information), coloured
    by whether the posterior mean prediction is correct.  The axes are fitted to
    the points; the dashed line, the largest possible total
    ``aleatoric + epistemic = log K``, is drawn when it falls inside them.

    Parameters
    ----------
    {probs}
    y : array_like, optional
        Observed classes; without them all points share one colour.
    {common}

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(1)
    >>> probs = rng.dirichlet([1.0, 1.0, 1.0], size=(50, 30))
    >>> fig, ax = plt.subplots()
    >>> ax = plot_entropy_decomposition(probs, rng.integers(0, 3, 30), ax=ax)
    >>> ax.get_title()
    'Entropy decomposition'
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    pooled = posterior_probabilities(probs, var_name=var_name, group=group)
    parts = entropy_decomposition(pooled)
    aleatoric, epistemic = np.asarray(parts.aleatoric), np.asarray(parts.epistemic)
    if y is None:
        ax.scatter(aleatoric, epistemic, color="C0", alpha=0.7, label="observations")
    else:
        correct = np.asarray(correct_predictions(pooled, y))
        ax.scatter(
            aleatoric[correct],
            epistemic[correct],
            color="C0",
            alpha=0.6,
            label=f"correct ({correct.sum()})",
        )
        ax.scatter(
            aleatoric[~correct],
            epistemic[~correct],
            color="C3",
            marker="x",
            label=f"incorrect ({(~correct).sum()})",
        )
    n_classes = pooled.shape[-1]
    log_k = math.log(n_classes) if n_classes > 1 else 1.0
    x_max = min(max(1.05 * float(aleatoric.max(initial=0.0)), 0.05 * log_k), 1.05 * log_k)
    y_max = min(max(1.1 * float(epistemic.max(initial=0.0)), 0.05 * log_k), 1.05 * log_k)
    if x_max + y_max > log_k:  # the bound crosses the fitted axes
        ax.plot(
            [0, log_k], [log_k, 0], "--", color="grey", label=f"total = log {n_classes} (maximum)"
        )
    ax.set_xlim(0, x_max)
    ax.set_ylim(0, y_max)
    ax.set_xlabel("aleatoric: expected entropy (nats)")
    ax.set_ylabel("epistemic: mutual information (nats)")
    ax.set_title("Entropy decomposition")
    _legend_below(ax, ncols=3)
    return ax
