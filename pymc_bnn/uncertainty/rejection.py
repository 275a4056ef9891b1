"""Selective prediction: accuracy as the most uncertain observations are set aside."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from pymc_bnn.uncertainty.inputs import ProbsLike, _document, _Probs
from pymc_bnn.uncertainty.labels import _probs_and_labels
from pymc_bnn.uncertainty.measures import MEASURES, Measure, _measure_name, _scores
from pymc_bnn.uncertainty.predictions import _predict

__all__ = ["accuracy_rejection_curve"]


def _check_rates(rates: ArrayLike) -> np.ndarray:
    rates = np.asarray(rates, dtype=np.float64)
    if rates.ndim != 1 or not ((rates >= 0) & (rates < 1)).all():
        raise ValueError(
            f"rejection_rates must be a 1-D sequence of fractions in [0, 1); got {rates.tolist()}."
        )
    return rates


def _scores_for(p: _Probs, measure: str | ArrayLike) -> tuple[str, np.ndarray]:
    """Name and values of an uncertainty measure given by name or as scores."""
    if isinstance(measure, str):  # already through _measure_name
        return measure, _scores(p.values, measure)
    scores = np.asarray(measure, dtype=np.float64)
    if scores.shape != (p.n_obs,) or np.isnan(scores).any():
        raise ValueError(
            f"measure must be one of {list(MEASURES)} or {p.n_obs} uncertainty scores "
            f"without NaN; got an array of shape {scores.shape}."
        )
    return "custom", scores


@_document
def accuracy_rejection_curve(
    probs: ProbsLike,
    y: ArrayLike,
    *,
    measure: Measure | ArrayLike = "epistemic",
    rejection_rates: ArrayLike | None = None,
    var_name: str | None = None,
    group: str | None = None,
) -> pd.DataFrame:
    """Accuracy on the observations kept when the most uncertain are set aside.

    At rejection rate ``r`` the ``floor(r * n)`` observations with the largest
    uncertainty are rejected and the accuracy of the posterior mean prediction is
    computed on the rest.  Ties in uncertainty are rejected in observation order.
    A useful measure gives a curve that rises; random rejection keeps the
    accuracy at its value for ``r = 0`` on average.

    Parameters
    ----------
    {probs}
    {y}
    measure : str or array_like, default "epistemic"
        A name from :data:`MEASURES` (see :func:`uncertainty_scores`), or one
        uncertainty score per observation (larger is less sure).
    rejection_rates : array_like, optional
        Fractions in [0, 1).  By default ``0, 1/n, ..., (n-1)/n``: every number
        of rejected observations.
    {var_name_group}

    Returns
    -------
    pandas.DataFrame
        Columns ``rejection_rate``, ``n_retained`` and ``accuracy``;
        ``attrs["measure"]`` names the measure.

    Examples
    --------
    >>> probs = np.array([[[0.9, 0.1], [0.6, 0.4], [0.55, 0.45]]])
    >>> accuracy_rejection_curve(probs, [0, 0, 1], measure="least_confidence")
       rejection_rate  n_retained  accuracy
    0        0.000000           3  0.666667
    1        0.333333           2  1.000000
    2        0.666667           1  1.000000
    """
    if isinstance(measure, str):
        measure = _measure_name(measure)
    p, y_idx = _probs_and_labels(probs, y, var_name, group)
    name, scores = _scores_for(p, measure)
    n = p.n_obs
    rates = np.arange(n) / n if rejection_rates is None else _check_rates(rejection_rates)
    correct = _predict(p.values) == y_idx
    order = np.argsort(-scores, kind="stable")
    # correct_after[m]: number correct among the observations kept after rejecting m.
    correct_after = np.concatenate([np.cumsum(correct[order][::-1])[::-1], [0]])
    # The tiny offset keeps floor(m / n * n) == m despite rounding.
    n_rejected = np.floor(rates * n + 1e-9).astype(int)
    n_retained = n - n_rejected
    curve = pd.DataFrame(
        {
            "rejection_rate": rates,
            "n_retained": n_retained,
            "accuracy": correct_after[n_rejected] / n_retained,
        }
    )
    curve.attrs["measure"] = name
    return curve
