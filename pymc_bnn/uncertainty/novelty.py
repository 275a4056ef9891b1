"""How well an uncertainty measure flags novel observations (AUROC)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from pymc_bnn.uncertainty.inputs import ProbsLike, _as_probs, _document
from pymc_bnn.uncertainty.measures import Measure, _measure_name, _scores

__all__ = ["novelty_auroc"]


@_document
def novelty_auroc(
    probs: ProbsLike,
    novel: ArrayLike,
    measure: Measure = "epistemic",
    *,
    var_name: str | None = None,
    group: str | None = None,
) -> float:
    """How well an uncertainty measure tells novel observations from familiar ones.

    The area under the ROC curve of :func:`uncertainty_scores` as a score for
    ``novel`` (scikit-learn's :func:`~sklearn.metrics.roc_auc_score`): the
    probability that a novel observation (of a class never seen in training, or
    from a shifted population) is more uncertain than a familiar one, ties
    counting half.  1 separates them perfectly, 0.5 is chance.

    Parameters
    ----------
    {probs}
    novel : array_like of bool, 1-D
        True for the novel observations; both kinds must occur.
    measure : {"total", "aleatoric", "epistemic", "least_confidence"}, default "epistemic"
        The uncertainty measure (:func:`uncertainty_scores`).
    {var_name_group}

    Returns
    -------
    float

    Examples
    --------
    >>> probs = np.array([[[0.9, 0.1], [0.6, 0.4], [0.5, 0.5]]])
    >>> novelty_auroc(probs, [False, False, True], measure="least_confidence")
    1.0
    """
    from sklearn.metrics import roc_auc_score

    p = _as_probs(probs, var_name, group)
    flags = np.asarray(novel)
    if flags.dtype != bool or flags.shape != (p.n_obs,):
        raise ValueError(
            f"novel must be {p.n_obs} booleans, one per observation; got {flags.dtype} "
            f"of shape {flags.shape}."
        )
    if flags.all() or not flags.any():
        raise ValueError("novel must flag some observations and leave some unflagged.")
    return float(roc_auc_score(flags, _scores(p.values, _measure_name(measure))))
