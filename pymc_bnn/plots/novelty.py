"""Novel observations against familiar ones: histograms of an uncertainty measure."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from pymc_bnn.plots.shared import _axes, _document, _legend_below
from pymc_bnn.uncertainty import (
    MEASURES,
    ProbsLike,
    novelty_auroc,
    posterior_probabilities,
    uncertainty_scores,
)

__all__ = ["plot_novelty"]


@_document
def plot_novelty(
    probs: ProbsLike,
    novel: ArrayLike,
    *,
    measure: str = "epistemic",
    bins: int | ArrayLike = 30,
    labels: tuple[str, str] = ("familiar", "novel"),
    var_name: str | None = None,
    group: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """How an uncertainty measure separates novel observations from familiar ones.

    Two histograms of the measure (:func:`pymc_bnn.uncertainty.uncertainty_scores`),
    each normalized to its own count, for the familiar and the novel
    observations (rows of classes never seen in training, say); the title gives
    the AUROC (:func:`pymc_bnn.uncertainty.novelty_auroc`).  The further right
    the novel histogram lies, the better the measure flags them.  Pass the same
    ``bins`` (an array of edges) to panels that should share an axis.

    Parameters
    ----------
    {probs}
    novel : array_like of bool
        True for the novel observations.
    measure : str, default "epistemic"
        A name from :data:`pymc_bnn.uncertainty.MEASURES`.
    bins : int or array_like, default 30
        Histogram bins: a number, or the edges.
    labels : tuple of str, default ("familiar", "novel")
        Legend labels of the two groups.
    {common}

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(3)
    >>> sure = rng.dirichlet([20.0, 1.0], size=(40, 30))
    >>> unsure = rng.dirichlet([1.0, 1.0], size=(40, 10))
    >>> probs = np.concatenate([sure, unsure], axis=1)
    >>> fig, ax = plt.subplots()
    >>> ax = plot_novelty(probs, np.arange(40) >= 30, measure="total", ax=ax)
    >>> ax.get_title()
    'AUROC 1.000'
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    pooled = posterior_probabilities(probs, var_name=var_name, group=group)
    scores = np.asarray(uncertainty_scores(pooled, measure))
    auroc = novelty_auroc(pooled, novel, measure)
    flags = np.asarray(novel)
    edges = np.histogram_bin_edges(scores, bins=bins)
    for label, rows, color in ((labels[0], ~flags, "C0"), (labels[1], flags, "C3")):
        weights = np.full(rows.sum(), 1.0 / rows.sum())
        ax.hist(
            scores[rows],
            bins=edges,
            weights=weights,
            color=color,
            alpha=0.55,
            label=f"{label} ({rows.sum()})",
        )
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xlabel(MEASURES.get(measure, measure) + " (nats)" * (measure != "least_confidence"))
    ax.set_ylabel("fraction of observations")
    ax.set_title(f"AUROC {auroc:.3f}")
    _legend_below(ax, ncols=2)
    return ax
