"""Observed class labels, as positions among the classes of the probabilities."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from pymc_bnn.models.data import LabelEncoder
from pymc_bnn.uncertainty.inputs import ProbsLike, _as_probs, _Probs

__all__ = ["encode_labels"]


def encode_labels(y: ArrayLike, classes: int | Sequence) -> np.ndarray:
    """Positions of the labels ``y`` among the classes.

    Parameters
    ----------
    y : array_like, 1-D
        Class labels.  If every entry equals one of ``classes``, entries map to the
        position of that class; otherwise ``y`` must hold integer positions
        ``0, ..., K-1``.
    classes : int or sequence
        The number of classes ``K`` or the class labels (e.g. a class coordinate).

    Returns
    -------
    numpy.ndarray of int
        Class positions, one per entry of ``y``.

    Raises
    ------
    ValueError
        If ``y`` is not 1-D, or holds a label that is not a class.

    Examples
    --------
    >>> encode_labels(["b", "a", "b"], ["a", "b", "c"])
    array([1, 0, 1])
    >>> encode_labels([2, 0], 3)
    array([2, 0])
    """
    y_arr = np.asarray(y.values if isinstance(y, xr.DataArray) else y)
    if y_arr.ndim != 1:
        raise ValueError(f"y must be 1-D, one label per observation; got shape {y_arr.shape}.")
    labels = np.arange(classes) if isinstance(classes, int | np.integer) else np.asarray(classes)
    try:
        return LabelEncoder(labels).transform(y_arr, "y").astype(np.intp)
    except ValueError:
        pass
    n_classes = len(labels)
    if y_arr.dtype.kind in "iu" and ((y_arr >= 0) & (y_arr < n_classes)).all():
        return y_arr.astype(np.intp)
    known = set(labels.tolist())
    bad = [v for v in y_arr.tolist() if v not in known][:5]
    raise ValueError(
        f"y must hold class labels {labels.tolist()} or class positions 0..{n_classes - 1}; "
        f"got values outside them, e.g. {bad}."
    )


def _aligned(y: xr.DataArray, p: _Probs) -> xr.DataArray:
    """``y`` in the observation order of ``p``, when both are labelled by the same dim."""
    obs_dim = p.template.dims[0] if p.template is not None else None
    if obs_dim is None or obs_dim not in y.coords or obs_dim not in p.template.coords:
        return y
    wanted = p.template[obs_dim].values
    if not np.array_equal(np.sort(y[obs_dim].values), np.sort(wanted)):
        raise ValueError(
            f"y's {obs_dim!r} coordinate does not hold the same labels as that of probs."
        )
    return y.sel({obs_dim: wanted})


def _y_indices(y: ArrayLike, p: _Probs) -> np.ndarray:
    if isinstance(y, xr.DataArray):
        y = _aligned(y, p)
    y_arr = np.asarray(y.values if isinstance(y, xr.DataArray) else y)
    if y_arr.ndim == 1 and len(y_arr) != p.n_obs:
        raise ValueError(
            f"y has {len(y_arr)} labels but probs has {p.n_obs} observations; they must match."
        )
    return encode_labels(y_arr, p.classes)


def _probs_and_labels(
    probs: ProbsLike, y: ArrayLike, var_name: str | None, group: str | None
) -> tuple[_Probs, np.ndarray]:
    """Validated probabilities, and the observed classes ``y`` as positions among theirs."""
    p = _as_probs(probs, var_name, group)
    return p, _y_indices(y, p)
