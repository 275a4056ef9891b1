"""Posterior class probabilities of chosen observations, with credible intervals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from pymc_bnn.plots.shared import _axes, _checked_y, _class_colors, _classes, _document
from pymc_bnn.uncertainty import (
    ProbsLike,
    class_probabilities,
    encode_labels,
    posterior_probabilities,
)

__all__ = ["plot_class_probabilities"]


def _observation_labels(pooled: np.ndarray | xr.DataArray, positions: list[int]):
    if isinstance(pooled, xr.DataArray):
        dim = pooled.dims[1]
        return [str(v) for v in pooled[dim].values[positions]], str(dim)
    return [str(i) for i in positions], "observation"


def _check_observations(observations: Sequence[int], n_obs: int) -> list[int]:
    positions = np.atleast_1d(np.asarray(observations))
    if (
        positions.ndim != 1
        or positions.size == 0
        or positions.dtype.kind not in "iu"
        or not ((positions >= -n_obs) & (positions < n_obs)).all()
    ):
        raise ValueError(
            f"observations must be a non-empty 1-D sequence of integer positions in "
            f"[0, {n_obs}); got {observations!r}."
        )
    return [int(i) % n_obs for i in positions]


def _select(pooled: np.ndarray | xr.DataArray, positions: list[int]):
    if isinstance(pooled, xr.DataArray):
        return pooled.isel({pooled.dims[1]: positions})
    return pooled[:, positions]


@_document
def plot_class_probabilities(
    probs: ProbsLike,
    observations: Sequence[int],
    *,
    y: ArrayLike | None = None,
    prob: float = 0.94,
    method: str = "hdi",
    min_probability: float = 0.0,
    var_name: str | None = None,
    group: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Posterior mean probability and credible interval of each class, for chosen observations.

    The "how sure is it about this one" picture: for each observation a group of
    dots (posterior means) with vertical bars (credible intervals), one per class.
    Which observations to show is the caller's choice (say which in the title or
    the x label, e.g. "the six most uncertain"); with many classes, pass
    ``min_probability`` to leave out the classes no shown observation gives a
    chance, which the legend then counts.

    Parameters
    ----------
    {probs}
    observations : sequence of int
        Positions (0-based) of the observations to show, in the order given.
    y : array_like, optional
        Observed classes of *all* observations; the observed class of each shown
        observation is circled.
    prob : float, default 0.94
        Probability mass of the intervals.
    method : {"hdi", "eti"}, default "hdi"
        Highest density or equal-tailed interval.
    min_probability : float, default 0.0
        Show only the classes whose posterior mean probability reaches at least
        this value for some shown observation, plus their observed classes; 0
        shows every class.
    {common}

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> probs = rng.dirichlet([4.0, 2.0, 1.0], size=(100, 20))
    >>> fig, ax = plt.subplots()
    >>> ax = plot_class_probabilities(probs, [0, 5, 7], y=rng.integers(0, 3, 20), ax=ax)
    >>> ax.get_ylabel()
    'class probability'
    >>> plt.close(fig)
    """
    if not 0.0 <= min_probability <= 1.0:
        raise ValueError(f"min_probability must be in [0, 1]; got {min_probability!r}.")
    ax = _axes(ax)
    pooled = posterior_probabilities(probs, var_name=var_name, group=group)
    positions = _check_observations(observations, pooled.shape[1])
    summary = class_probabilities(_select(pooled, positions), prob=prob, method=method)
    mean, lower, upper = (np.asarray(a) for a in (summary.mean, summary.lower, summary.upper))
    classes, class_dim = _classes(pooled)
    colors = _class_colors(len(classes))
    y_idx = None
    if y is not None:
        y_idx = encode_labels(_checked_y(y, pooled.shape[1])[positions], classes)
    keep = mean.max(axis=0) >= min_probability
    if y_idx is not None:
        keep[y_idx] = True
    shown = np.flatnonzero(keep)
    slot = {int(k): j for j, k in enumerate(shown)}
    x = np.arange(len(positions), dtype=float)
    offsets = (np.arange(len(shown)) - (len(shown) - 1) / 2) * min(0.8 / len(shown), 0.2)
    for j, k in enumerate(shown):
        ax.vlines(x + offsets[j], lower[:, k], upper[:, k], color=colors[k], linewidth=2)
        ax.plot(x + offsets[j], mean[:, k], "o", color=colors[k], label=str(classes[k]))
    if len(shown) < len(classes):
        ax.plot(
            [],
            [],
            " ",
            label=f"{len(classes) - len(shown)} more below {min_probability:.0%}",
        )
    if y_idx is not None:
        ax.plot(
            x + offsets[[slot[int(k)] for k in y_idx]],
            mean[np.arange(len(positions)), y_idx],
            "o",
            markersize=13,
            markerfacecolor="none",
            markeredgecolor="black",
            label="observed class",
        )
    tick_labels, obs_dim = _observation_labels(pooled, positions)
    ax.set_xticks(x, tick_labels)
    ax.set_xlim(-0.5, len(positions) - 0.5)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel(obs_dim)
    ax.set_ylabel("class probability")
    ax.set_title(f"Posterior class probabilities with {prob:.0%} {method.upper()}")
    ax.legend(title=class_dim, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return ax
