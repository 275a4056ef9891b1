"""Proper scoring rules of the posterior predictive against observed labels: Brier and log."""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from pymc_bnn.uncertainty.inputs import ProbsLike, _document, _Probs
from pymc_bnn.uncertainty.labels import _probs_and_labels

__all__ = ["brier_score", "log_score"]


_document_scores = _document.with_(
    score_parameters="""
    Parameters
    ----------
    {probs}
    {y}
    pointwise : bool, default False
        Return one score per observation instead of their mean.
    {var_name_group}

    Returns
    -------
    float, or numpy.ndarray / xarray.DataArray of shape ``(observations,)``
    """
)
"""The parameters and the result that both scores share."""


def _pointwise_or_mean(p: _Probs, values: np.ndarray, pointwise: bool, name: str):
    return p.per_obs(values, name) if pointwise else float(values.mean())


@_document_scores
def brier_score(
    probs: ProbsLike,
    y: ArrayLike,
    *,
    pointwise: bool = False,
    var_name: str | None = None,
    group: str | None = None,
) -> float | np.ndarray | xr.DataArray:
    """Multiclass Brier score of the posterior mean probabilities (lower is better).

    ``sum_k (p̄_k - 1[y = k])**2`` per observation, as in Brier (1950); it lies in
    ``[0, 2]`` and is not divided by the number of classes.  Its mean is
    scikit-learn's ``brier_score_loss(..., scale_by_half=False)`` of the posterior
    means, which gives no per-observation scores.

    {score_parameters}

    Examples
    --------
    >>> brier_score(np.array([[[1.0, 0.0], [0.5, 0.5]]]), [0, 1], pointwise=True)
    array([0. , 0.5])
    """
    p, y_idx = _probs_and_labels(probs, y, var_name, group)
    one_hot = np.eye(p.n_classes)[y_idx]
    scores = ((p.values.mean(axis=0) - one_hot) ** 2).sum(axis=-1)
    return _pointwise_or_mean(p, scores, pointwise, "brier_score")


@_document_scores
def log_score(
    probs: ProbsLike,
    y: ArrayLike,
    *,
    pointwise: bool = False,
    var_name: str | None = None,
    group: str | None = None,
) -> float | np.ndarray | xr.DataArray:
    """Logarithmic score ``log p̄(y)`` of the posterior predictive (higher is better).

    ``p̄(y)`` is the posterior mean probability of the observed class, so this is the
    log posterior predictive density of each label; it is ``-inf`` where that
    probability is exactly zero.  Its mean is minus scikit-learn's ``log_loss`` of
    the posterior means, which clips a zero probability and gives no
    per-observation scores.

    {score_parameters}

    Examples
    --------
    >>> log_score(np.array([[[0.5, 0.5]], [[1.0, 0.0]]]), [0])  # mean p(y=0) = 0.75
    -0.287...
    """
    p, y_idx = _probs_and_labels(probs, y, var_name, group)
    p_y = p.values.mean(axis=0)[np.arange(p.n_obs), y_idx]
    with np.errstate(divide="ignore"):
        scores = np.log(p_y)
    return _pointwise_or_mean(p, scores, pointwise, "log_score")
