"""The predicted class and epistemic uncertainty over a grid of two input features."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, LinearSegmentedColormap, ListedColormap
from numpy.typing import ArrayLike

from pymc_bnn.plots.shared import _axes, _checked_y, _class_colors, _classes, _document
from pymc_bnn.uncertainty import (
    ProbsLike,
    encode_labels,
    entropy_decomposition,
    posterior_probabilities,
    predicted_class,
)

__all__ = ["plot_decision_map"]

_SHADE = LinearSegmentedColormap.from_list("epistemic_shade", [(0, 0, 0, 0), (0, 0, 0, 0.6)])


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


@_document
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
    {common}

    Examples
    --------
    >>> import matplotlib.pyplot as plt
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
