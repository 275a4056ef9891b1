"""What every figure shares: its Axes, the colour of each class, labels, legends, parameters."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from pymc_bnn.uncertainty.inputs import _document as _document_inputs

__all__: list[str] = []

_document = _document_inputs.with_(
    common="""
    {var_name_group}
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """,
)
"""Fills the plots' docstrings: ``{probs}`` and ``{y}`` as in :mod:`pymc_bnn.uncertainty`,
and ``{common}``, the parameters every plot ends with and what it returns."""


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


def _legend_below(ax: Axes, ncols: int = 2, **kwargs) -> None:
    """A legend under the axes (below the x label), outside the data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=ncols, fontsize=8, **kwargs)


def _checked_y(y: ArrayLike, n: int, name: str = "y") -> np.ndarray:
    y_arr = np.asarray(y)
    if y_arr.ndim != 1 or len(y_arr) != n:
        raise ValueError(f"{name} must be 1-D with {n} labels; got shape {y_arr.shape}.")
    return y_arr
