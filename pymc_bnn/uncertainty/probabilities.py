"""Posterior class probabilities: the pooled draws, and their means with credible intervals."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real
from typing import Literal

import numpy as np
import xarray as xr

from pymc_bnn.uncertainty.inputs import ProbsLike, _as_probs, _document

__all__ = ["ClassProbabilities", "class_probabilities", "posterior_probabilities"]


def _check_prob(prob: float) -> float:
    if not isinstance(prob, Real) or not 0 < prob < 1:
        raise ValueError(f"prob must be a number in the open interval (0, 1); got {prob!r}.")
    return float(prob)


@_document
def posterior_probabilities(
    probs: ProbsLike, *, var_name: str | None = None, group: str | None = None
) -> np.ndarray | xr.DataArray:
    """Validated class probabilities with chains and draws pooled.

    Parameters
    ----------
    {probs}
    var_name : str, optional
        Variable holding the probabilities, for a DataTree or Dataset.  May be
        omitted when the group has a single variable.
    group : str, optional
        Group of a DataTree, e.g. ``"posterior_predictive"`` or ``"posterior"``.
        By default the first of these two holding ``var_name``.

    Returns
    -------
    numpy.ndarray or xarray.DataArray
        Shape ``(draws, observations, classes)`` in float64; a DataArray with dims
        ``("sample", <observation dim>, <class dim>)`` when ``probs`` is labelled.

    Examples
    --------
    >>> import xarray as xr
    >>> da = xr.DataArray(np.full((2, 5, 4, 3), 1 / 3), dims=("chain", "draw", "obs", "cls"))
    >>> posterior_probabilities(da).dims
    ('sample', 'obs', 'cls')
    >>> posterior_probabilities(da).shape
    (10, 4, 3)
    """
    p = _as_probs(probs, var_name, group)
    if p.template is None:
        return p.values
    template = p.template.expand_dims(sample=np.arange(len(p.values)))
    return template.copy(data=p.values)


@dataclass(frozen=True)
class ClassProbabilities:
    """Posterior mean class probabilities and a credible interval around each.

    Attributes
    ----------
    mean, lower, upper : numpy.ndarray or xarray.DataArray
        Shape ``(observations, classes)``.
    prob : float
        Probability mass of the intervals.
    method : str
        ``"hdi"`` or ``"eti"``.
    """

    mean: np.ndarray | xr.DataArray
    lower: np.ndarray | xr.DataArray
    upper: np.ndarray | xr.DataArray
    prob: float
    method: str


def _interval(values: np.ndarray, prob: float, method: str) -> np.ndarray:
    """Credible interval over the draws (axis 0), bounds on a new last axis."""
    if method == "hdi":
        # Imported here, where it is used: arviz_stats is slow to import, and
        # prediction (pymc-bnn predict) never computes an interval.
        from arviz_stats.base import array_stats

        return array_stats.hdi(values, prob, axis=0)
    if method == "eti":
        bounds = np.quantile(values, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
        return np.moveaxis(bounds, 0, -1)
    raise ValueError(f'method must be "hdi" or "eti"; got {method!r}.')


@_document
def class_probabilities(
    probs: ProbsLike,
    *,
    prob: float = 0.94,
    method: Literal["hdi", "eti"] = "hdi",
    var_name: str | None = None,
    group: str | None = None,
) -> ClassProbabilities:
    """Posterior mean class probabilities with credible intervals.

    Parameters
    ----------
    {probs}
    prob : float, default 0.94
        Probability mass of each interval, in (0, 1).
    method : {"hdi", "eti"}, default "hdi"
        Highest density interval (ArviZ's ``hdi``, method ``"nearest"``) or
        equal-tailed interval (linear quantiles).
    {var_name_group}

    Returns
    -------
    ClassProbabilities
        ``mean``, ``lower`` and ``upper``, each ``(observations, classes)``.

    Examples
    --------
    >>> draws = np.array([[[0.2, 0.8]], [[0.4, 0.6]]])  # 2 draws, 1 observation
    >>> cp = class_probabilities(draws, method="eti", prob=0.5)
    >>> cp.mean
    array([[0.3, 0.7]])
    >>> cp.lower
    array([[0.25, 0.65]])
    """
    prob = _check_prob(prob)
    p = _as_probs(probs, var_name, group)
    bounds = _interval(p.values, prob, method)
    return ClassProbabilities(
        mean=p.per_obs_class(p.values.mean(axis=0), "mean"),
        lower=p.per_obs_class(bounds[..., 0], "lower"),
        upper=p.per_obs_class(bounds[..., 1], "upper"),
        prob=prob,
        method=method,
    )
