"""Plots of the uncertainty of multiclass predictions.

Each function draws on ``ax`` (by default the current Axes) and returns it.  The
quantities come from :mod:`pymc_bnn.uncertainty`, so the plots accept the same
inputs: posterior class probabilities of shape ``(draws, observations, classes)``
as a numpy array, an :class:`xarray.DataArray`, or the :class:`xarray.DataTree`
PyMC returns (choose the variable with ``var_name`` and ``group``).  Class ``k``
is drawn in colour ``C{k}`` of the default colour cycle (for up to 10 classes) in
every plot.  Legends sit outside the data (to the right, or below the axes) and
the axes are fitted to the data, so nothing is hidden and little space is empty.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, LinearSegmentedColormap, ListedColormap
from numpy.typing import ArrayLike

from pymc_bnn.uncertainty import (
    MEASURES,
    ProbsLike,
    accuracy_rejection_curve,
    class_probabilities,
    correct_predictions,
    encode_labels,
    entropy_decomposition,
    expected_calibration_error,
    novelty_auroc,
    posterior_probabilities,
    predicted_class,
    reliability_table,
    uncertainty_scores,
)

__all__ = [
    "plot_accuracy_rejection",
    "plot_class_probabilities",
    "plot_decision_map",
    "plot_entropy_decomposition",
    "plot_novelty",
    "plot_reliability_diagram",
]

_SHADE = LinearSegmentedColormap.from_list("epistemic_shade", [(0, 0, 0, 0), (0, 0, 0, 0.6)])


def _axes(ax: Axes | None) -> Axes:
    return plt.gca() if ax is None else ax


def _class_colors(n_classes: int) -> list:
    """Colour of each class: the default cycle up to 10 classes, else a colormap."""
    if n_classes <= 10:
        return [f"C{k}" for k in range(n_classes)]
    return list(plt.get_cmap("turbo")(np.linspace(0.05, 0.95, n_classes)))


def _classes(pooled: np.ndarray | xr.DataArray) -> tuple[list, str]:
    """Class labels and the name of the class axis of pooled probabilities."""
    if isinstance(pooled, xr.DataArray):
        dim = pooled.dims[-1]
        return pooled[dim].values.tolist(), str(dim)
    return list(range(pooled.shape[-1])), "class"


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


def _legend_below(ax: Axes, ncols: int = 2, **kwargs) -> None:
    """A legend under the axes (below the x label), outside the data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=ncols, fontsize=8, **kwargs)


def _checked_y(y: ArrayLike, n: int, name: str = "y") -> np.ndarray:
    y_arr = np.asarray(y)
    if y_arr.ndim != 1 or len(y_arr) != n:
        raise ValueError(f"{name} must be 1-D with {n} labels; got shape {y_arr.shape}.")
    return y_arr


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
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities ``(draws, observations, classes)``.
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
    var_name, group : str, optional
        Which variable of a DataTree or Dataset.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
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
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities ``(draws, observations, classes)``.
    y : array_like, optional
        Observed classes; without them all points share one colour.
    var_name, group : str, optional
        Which variable of a DataTree or Dataset.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
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
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities ``(draws, observations, classes)``.
    y : array_like
        Observed classes.
    n_bins : int, default 10
        Number of equal-width confidence bins.
    var_name, group : str, optional
        Which variable of a DataTree or Dataset.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> probs = np.array([[[0.75, 0.25]] * 4])
    >>> fig, ax = plt.subplots()
    >>> plot_reliability_diagram(probs, [0, 0, 0, 1], ax=ax).get_title()
    'Reliability diagram (ECE = 0.000)'
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    pooled = posterior_probabilities(probs, var_name=var_name, group=group)
    table = reliability_table(pooled, y, n_bins=n_bins)
    ece = expected_calibration_error(pooled, y, n_bins=n_bins)
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


def _named_measures(measures: Sequence[str] | Mapping[str, object]) -> dict[str, object]:
    if isinstance(measures, Mapping):
        return dict(measures)
    if isinstance(measures, str):
        measures = [measures]
    return {MEASURES.get(m, str(m)): m for m in measures}


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
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities ``(draws, observations, classes)``.
    y : array_like
        Observed classes.
    measures : sequence of str, or mapping of label to measure
        Names from :data:`pymc_bnn.uncertainty.MEASURES`, or a mapping from a
        legend label to a name or to one uncertainty score per observation.
    var_name, group : str, optional
        Which variable of a DataTree or Dataset.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
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
    probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities ``(draws, observations, classes)``.
    novel : array_like of bool
        True for the novel observations.
    measure : str, default "epistemic"
        A name from :data:`pymc_bnn.uncertainty.MEASURES`.
    bins : int or array_like, default 30
        Histogram bins: a number, or the edges.
    labels : tuple of str, default ("familiar", "novel")
        Legend labels of the two groups.
    var_name, group : str, optional
        Which variable of a DataTree or Dataset.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
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


def _grid_axis(values: ArrayLike, name: str) -> np.ndarray:
    axis = np.asarray(values, dtype=float)
    if axis.ndim != 1 or axis.size < 2 or not (np.diff(axis) > 0).all():
        raise ValueError(
            f"{name} must be a 1-D increasing array of at least 2 grid coordinates; "
            f"got shape {axis.shape}."
        )
    return axis


def _training_points(X: ArrayLike, y: ArrayLike, classes: list) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), two input features; got shape {X.shape}.")
    return X, encode_labels(_checked_y(y, len(X)), classes)


def plot_decision_map(
    grid_x1: ArrayLike,
    grid_x2: ArrayLike,
    grid_probs: ProbsLike,
    X: ArrayLike,
    y: ArrayLike,
    *,
    feature_names: Sequence[str] = ("feature 1", "feature 2"),
    colorbar: bool = True,
    var_name: str | None = None,
    group: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Predicted class and epistemic uncertainty over a grid of two input features.

    The background colour is the predicted class (largest posterior mean
    probability); dark shading is epistemic uncertainty (mutual information),
    which grows where the model has seen no data.  Training points are drawn on
    top in the colour of their class.

    Parameters
    ----------
    grid_x1, grid_x2 : array_like, 1-D
        Increasing grid coordinates of the first and second feature.
    grid_probs : array_like, DataArray, Dataset or DataTree
        Posterior class probabilities at the grid points,
        ``(draws, len(grid_x2) * len(grid_x1), classes)``, the points in the order
        of ``np.column_stack([xx.ravel(), yy.ravel()])`` with
        ``xx, yy = np.meshgrid(grid_x1, grid_x2)``.
    X : array_like, shape (n, 2)
        Training inputs.
    y : array_like, shape (n,)
        Training classes.
    feature_names : pair of str
        Axis labels.
    colorbar : bool, default True
        Add a colour bar for the epistemic shading.
    var_name, group : str, optional
        Which variable of a DataTree or Dataset.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> x1, x2 = np.linspace(-2, 2, 5), np.linspace(-1, 1, 3)
    >>> rng = np.random.default_rng(3)
    >>> grid_probs = rng.dirichlet([1.0, 1.0], size=(10, 15))
    >>> fig, ax = plt.subplots()
    >>> ax = plot_decision_map(x1, x2, grid_probs, [[0.0, 0.0], [1.0, 0.5]], [0, 1], ax=ax)
    >>> [float(v) for v in ax.get_xlim()]
    [-2.0, 2.0]
    >>> plt.close(fig)
    """
    ax = _axes(ax)
    x1, x2 = _grid_axis(grid_x1, "grid_x1"), _grid_axis(grid_x2, "grid_x2")
    pooled = posterior_probabilities(grid_probs, var_name=var_name, group=group)
    if pooled.shape[1] != x1.size * x2.size:
        raise ValueError(
            f"grid_probs has {pooled.shape[1]} points but the grid has "
            f"len(grid_x2) * len(grid_x1) = {x2.size * x1.size}; order them as "
            "np.column_stack([xx.ravel(), yy.ravel()]) with "
            "xx, yy = np.meshgrid(grid_x1, grid_x2)."
        )
    classes, class_dim = _classes(pooled)
    colors = _class_colors(len(classes))
    X, y_idx = _training_points(X, y, classes)
    shape = (x2.size, x1.size)
    predicted = encode_labels(np.asarray(predicted_class(pooled)), classes).reshape(shape)
    epistemic = np.asarray(entropy_decomposition(pooled).epistemic).reshape(shape)
    ax.pcolormesh(
        x1,
        x2,
        predicted,
        cmap=ListedColormap(colors),
        norm=BoundaryNorm(np.arange(len(classes) + 1) - 0.5, len(classes)),
        shading="nearest",
        alpha=0.5,
    )
    levels = np.linspace(0.0, max(float(epistemic.max()), 1e-6), 9)
    shade = ax.contourf(x1, x2, epistemic, levels=levels, cmap=_SHADE)
    if colorbar:
        ax.figure.colorbar(shade, ax=ax, format="%.2f", label="epistemic uncertainty (nats)")
    for k, label in enumerate(classes):
        members = y_idx == k
        ax.scatter(
            X[members, 0],
            X[members, 1],
            color=colors[k],
            edgecolor="black",
            linewidth=0.6,
            s=25,
            label=str(label),
        )
    ax.set_xlim(float(x1[0]), float(x1[-1]))
    ax.set_ylim(float(x2[0]), float(x2[-1]))
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    ax.set_title("Predicted class and epistemic uncertainty")
    ax.legend(title=f"training {class_dim}", loc="upper right")
    return ax
