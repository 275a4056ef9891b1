"""Calibration: accuracy against confidence in bins, and the expected calibration error."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from pymc_bnn.uncertainty.inputs import ProbsLike, _document
from pymc_bnn.uncertainty.labels import _probs_and_labels
from pymc_bnn.uncertainty.predictions import _predict

__all__ = ["expected_calibration_error", "reliability_table"]


def _check_n_bins(n_bins: int) -> None:
    if not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer; got {n_bins!r}.")


@_document
def reliability_table(
    probs: ProbsLike,
    y: ArrayLike,
    *,
    n_bins: int = 10,
    var_name: str | None = None,
    group: str | None = None,
) -> pd.DataFrame:
    """Accuracy against confidence, in equal-width confidence bins.

    The confidence of an observation is its largest posterior mean class
    probability; the prediction is that class.  Bin ``b`` holds confidences in
    ``(b / n_bins, (b + 1) / n_bins]`` (the first bin also holds 0).

    Parameters
    ----------
    {probs}
    {y}
    {n_bins}
    {var_name_group}

    Returns
    -------
    pandas.DataFrame
        One row per bin, columns ``bin_lower``, ``bin_upper``, ``count``,
        ``confidence`` (mean confidence) and ``accuracy`` (fraction correct); the
        last two are NaN for empty bins.

    Examples
    --------
    >>> probs = np.array([[[0.75, 0.25]] * 4])  # 1 draw, 4 observations
    >>> reliability_table(probs, [0, 0, 0, 1], n_bins=2)
       bin_lower  bin_upper  count  confidence  accuracy
    0        0.0        0.5      0         NaN       NaN
    1        0.5        1.0      4        0.75      0.75
    """
    _check_n_bins(n_bins)
    p, y_idx = _probs_and_labels(probs, y, var_name, group)
    mean = p.values.mean(axis=0)
    confidence = mean.max(axis=-1)
    correct = _predict(p.values) == y_idx
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(bins, weights=confidence, minlength=n_bins) / count
        accuracy = np.bincount(bins, weights=correct, minlength=n_bins) / count
    return pd.DataFrame(
        {
            "bin_lower": edges[:-1],
            "bin_upper": edges[1:],
            "count": count,
            "confidence": mean_conf,
            "accuracy": accuracy,
        }
    )


@_document
def expected_calibration_error(
    probs: ProbsLike,
    y: ArrayLike,
    *,
    n_bins: int = 10,
    var_name: str | None = None,
    group: str | None = None,
) -> float:
    """Expected calibration error: the count-weighted mean of ``|accuracy - confidence|``.

    Computed over the bins of :func:`reliability_table`; 0 means that in every bin
    the fraction of correct predictions equals the mean confidence.

    Parameters
    ----------
    {probs}
    {y}
    {n_bins}
    {var_name_group}

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> probs = np.array([[[0.75, 0.25]] * 4])
    >>> expected_calibration_error(probs, [0, 0, 0, 1])
    0.0
    >>> expected_calibration_error(probs, [0, 0, 0, 0])
    0.25
    """
    table = reliability_table(probs, y, n_bins=n_bins, var_name=var_name, group=group)
    return _calibration_error(table)


def _calibration_error(table: pd.DataFrame) -> float:
    """The expected calibration error of a :func:`reliability_table`."""
    filled = table[table["count"] > 0]
    gaps = (filled["accuracy"] - filled["confidence"]).abs()
    return float((gaps * filled["count"]).sum() / filled["count"].sum())
