"""Uncertainty measures per observation: the entropy decomposition and least confidence.

The entropy decomposition of the posterior predictive distribution
``p̄ = mean_s p_s`` of one observation is

* total uncertainty ``H[p̄]``, the entropy of the posterior mean;
* aleatoric uncertainty ``mean_s H[p_s]``, the expected entropy of the draws;
* epistemic uncertainty ``H[p̄] - mean_s H[p_s]``, the mutual information
  between the label and the parameters; it is zero when all draws agree.

Entropies are in nats, with ``0 log 0 = 0``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import xarray as xr
from scipy.special import entr

from pymc_bnn.uncertainty.inputs import ProbsLike, _as_probs, _document

__all__ = ["MEASURES", "EntropyDecomposition", "entropy_decomposition", "uncertainty_scores"]

Measure = Literal["total", "aleatoric", "epistemic", "least_confidence"]

MEASURES: dict[str, str] = {
    "total": "total: predictive entropy",
    "aleatoric": "aleatoric: expected entropy",
    "epistemic": "epistemic: mutual information",
    "least_confidence": "least confidence: 1 - max class probability",
}
"""Names of the uncertainty measures, with a short description of each."""

_RENAMED = {"confidence": "least_confidence"}
"""Former measure names, still accepted with a DeprecationWarning."""


def _entropy(p: np.ndarray) -> np.ndarray:
    """Shannon entropy in nats over the last axis, with 0 log 0 = 0."""
    return entr(p).sum(axis=-1)


def _decompose(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Total, aleatoric and epistemic entropy of (draws, obs, classes) probabilities."""
    total = _entropy(values.mean(axis=0))
    aleatoric = _entropy(values).mean(axis=0)
    return total, aleatoric, np.maximum(total - aleatoric, 0.0)


def _measure_name(measure: str) -> str:
    """The measure's current name, checked: a former name warns and maps to its new one.

    Called once by each public function that takes a measure name (the warning
    points at the caller of that function).
    """
    if measure in _RENAMED:
        warnings.warn(
            f"measure {measure!r} is now called {_RENAMED[measure]!r} (it is 1 - max "
            "probability, larger when less sure); the old name will be removed.",
            DeprecationWarning,
            stacklevel=3,
        )
        return _RENAMED[measure]
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {list(MEASURES)}; got {measure!r}.")
    return measure


def _scores(values: np.ndarray, measure: str) -> np.ndarray:
    """Uncertainty score per observation for a measure's current name (see _measure_name)."""
    if measure == "least_confidence":
        return 1.0 - values.mean(axis=0).max(axis=-1)
    total, aleatoric, epistemic = _decompose(values)
    return {"total": total, "aleatoric": aleatoric, "epistemic": epistemic}[measure]


@dataclass(frozen=True)
class EntropyDecomposition:
    """Total, aleatoric and epistemic uncertainty of each observation, in nats.

    Attributes
    ----------
    total : numpy.ndarray or xarray.DataArray
        Entropy of the posterior mean probabilities (predictive entropy).
    aleatoric : numpy.ndarray or xarray.DataArray
        Mean over draws of the entropy of each draw (expected entropy).
    epistemic : numpy.ndarray or xarray.DataArray
        ``total - aleatoric``: the mutual information between label and parameters.
    """

    total: np.ndarray | xr.DataArray
    aleatoric: np.ndarray | xr.DataArray
    epistemic: np.ndarray | xr.DataArray


@_document
def entropy_decomposition(
    probs: ProbsLike, *, var_name: str | None = None, group: str | None = None
) -> EntropyDecomposition:
    """Split the predictive entropy of each observation into aleatoric and epistemic parts.

    Parameters
    ----------
    {probs}
    {var_name_group}

    Returns
    -------
    EntropyDecomposition
        ``total``, ``aleatoric`` and ``epistemic``, one value per observation, in
        nats; each lies in ``[0, log K]``.  ``epistemic`` is clipped at zero, which
        it can undershoot only by rounding.

    Examples
    --------
    Two confident draws that disagree: no aleatoric, all epistemic uncertainty.

    >>> draws = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    >>> ed = entropy_decomposition(draws)
    >>> ed.aleatoric, ed.epistemic
    (array([0.]), array([0.693...]))
    """
    p = _as_probs(probs, var_name, group)
    total, aleatoric, epistemic = _decompose(p.values)
    return EntropyDecomposition(
        total=p.per_obs(total, "total"),
        aleatoric=p.per_obs(aleatoric, "aleatoric"),
        epistemic=p.per_obs(epistemic, "epistemic"),
    )


@_document
def uncertainty_scores(
    probs: ProbsLike,
    measure: Measure = "epistemic",
    *,
    var_name: str | None = None,
    group: str | None = None,
) -> np.ndarray | xr.DataArray:
    """One uncertainty score per observation; larger means less sure.

    Parameters
    ----------
    {probs}
    measure : {"total", "aleatoric", "epistemic", "least_confidence"}, default "epistemic"
        The first three are the parts of :func:`entropy_decomposition`;
        ``"least_confidence"`` is one minus the largest posterior mean class
        probability (``"confidence"``, its former name, is deprecated).
    {var_name_group}

    Returns
    -------
    numpy.ndarray or xarray.DataArray
        Shape ``(observations,)``.

    Examples
    --------
    >>> uncertainty_scores(np.array([[[0.9, 0.1], [0.5, 0.5]]]), "least_confidence")
    array([0.1, 0.5])
    """
    measure = _measure_name(measure)
    p = _as_probs(probs, var_name, group)
    return p.per_obs(_scores(p.values, measure), measure)
