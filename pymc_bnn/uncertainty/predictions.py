"""The predicted class (largest posterior mean probability) and whether it is right."""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from pymc_bnn.uncertainty.inputs import ProbsLike, _as_probs, _document
from pymc_bnn.uncertainty.labels import _probs_and_labels

__all__ = ["correct_predictions", "predicted_class"]


def _predict(values: np.ndarray) -> np.ndarray:
    """Position of the largest posterior mean probability; ties go to the first class."""
    return values.mean(axis=0).argmax(axis=-1)


@_document
def predicted_class(
    probs: ProbsLike, *, var_name: str | None = None, group: str | None = None
) -> np.ndarray | xr.DataArray:
    """The class of largest posterior mean probability for each observation.

    Parameters
    ----------
    {probs}
    {var_name_group}

    Returns
    -------
    numpy.ndarray or xarray.DataArray
        Shape ``(observations,)``: class positions for an unlabelled input, class
        labels (values of the class coordinate) for a labelled one.  Ties go to the
        first class.

    Examples
    --------
    >>> predicted_class(np.array([[[0.9, 0.1], [0.3, 0.7]], [[0.2, 0.8], [0.5, 0.5]]]))
    array([0, 1])
    """
    p = _as_probs(probs, var_name, group)
    return p.per_obs(p.classes[_predict(p.values)], "predicted_class")


@_document
def correct_predictions(
    probs: ProbsLike,
    y: ArrayLike,
    *,
    var_name: str | None = None,
    group: str | None = None,
) -> np.ndarray | xr.DataArray:
    """Whether the class of largest posterior mean probability is the observed one.

    Parameters
    ----------
    {probs}
    {y}
    {var_name_group}

    Returns
    -------
    numpy.ndarray or xarray.DataArray of bool
        Shape ``(observations,)``.  Ties go to the first class.

    Examples
    --------
    >>> correct_predictions(np.array([[[0.9, 0.1], [0.3, 0.7]]]), [0, 0])
    array([ True, False])
    """
    p, y_idx = _probs_and_labels(probs, y, var_name, group)
    return p.per_obs(_predict(p.values) == y_idx, "correct")
