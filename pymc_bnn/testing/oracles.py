"""Oracles for multiclass likelihoods: scipy, or exact closed forms built on scipy.special.

Each takes plain numpy inputs and returns a float64 value (or gradient) that an
implementation's log-probability must match.  Values off the support get
``-inf``, as a log-probability must.

Examples
--------
>>> import numpy as np
>>> p = np.array([0.2, 0.8])
>>> bool(np.isclose(multinomial_logpmf_oracle([1, 2], 3, np.log(p)),
...                 scipy_multinomial_logpmf([1, 2], 3, p)))
True
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

__all__ = [
    "categorical_logp_oracle",
    "categorical_logpmf_grad_logits",
    "multinomial_grad_logits",
    "multinomial_logpmf_oracle",
    "scipy_dirichlet_multinomial_logpmf",
    "scipy_multinomial_logpmf",
]


def multinomial_logpmf_oracle(counts: ArrayLike, n: int, log_p: ArrayLike) -> float:
    """Multinomial log-pmf from exact log-probabilities, with scipy's special functions.

    Equals ``scipy.stats.multinomial.logpmf`` where that is defined (it takes
    ``p``, so it loses precision once probabilities underflow); uses
    ``0 * log 0 = 0``.

    Parameters
    ----------
    counts : array_like
        Count vector; off the support (negative, non-integer, wrong total) gives ``-inf``.
    n : int
        Number of trials.
    log_p : array_like
        Log-probabilities of the categories (``-inf`` for probability 0).

    Examples
    --------
    >>> round(multinomial_logpmf_oracle([1, 2], 3, np.log([0.5, 0.5])), 10)
    -0.9808292530
    """
    counts = np.asarray(counts, dtype="float64")
    if np.any(counts < 0) or np.any(counts != np.floor(counts)) or counts.sum() != n:
        return -np.inf
    terms = special.xlogy(counts, np.exp(log_p))
    # xlogy on exp(log_p) underflows for tiny probabilities: use log_p directly there.
    positive = counts > 0
    terms[positive] = counts[positive] * np.asarray(log_p)[positive]
    return float(special.gammaln(n + 1) - special.gammaln(counts + 1).sum() + terms.sum())


def scipy_multinomial_logpmf(counts: ArrayLike, n: int, p: ArrayLike) -> float:
    """``scipy.stats.multinomial.logpmf``, the reference for the ``p`` parametrization.

    Examples
    --------
    >>> round(scipy_multinomial_logpmf([1, 2], 3, [0.5, 0.5]), 10)
    -0.980829253
    """
    return float(stats.multinomial.logpmf(np.asarray(counts), n, np.asarray(p)))


def scipy_dirichlet_multinomial_logpmf(counts: ArrayLike, n: int, a: ArrayLike) -> float:
    """``scipy.stats.dirichlet_multinomial.logpmf``, with ``-inf`` off the support.

    Examples
    --------
    >>> round(scipy_dirichlet_multinomial_logpmf([1, 1], 2, [1.0, 1.0]), 10)
    -1.0986122887
    """
    counts = np.asarray(counts, dtype="float64")
    if np.any(counts < 0) or np.any(counts != np.floor(counts)) or counts.sum() != n:
        return -np.inf
    return float(stats.dirichlet_multinomial.logpmf(counts, np.asarray(a), n))


def categorical_logp_oracle(label: float, log_p: ArrayLike) -> float:
    """``log p[label]``, or ``-inf`` for a label off ``{0, ..., K-1}``.

    Examples
    --------
    >>> bool(categorical_logp_oracle(1, np.log([0.25, 0.75])) == np.log(0.75))
    True
    """
    k = len(log_p)
    if label != np.floor(label) or not 0 <= label < k:
        return -np.inf
    return float(log_p[int(label)])


def multinomial_grad_logits(counts: ArrayLike, n: int, logit_p: ArrayLike) -> np.ndarray:
    """Closed-form gradient of the Multinomial log-pmf in the logits: ``x - n softmax``.

    Examples
    --------
    >>> multinomial_grad_logits([1, 1], 2, np.zeros(2))
    array([0., 0.])
    """
    return np.asarray(counts, dtype="float64") - n * special.softmax(logit_p)


def categorical_logpmf_grad_logits(label: int, logit_p: ArrayLike) -> np.ndarray:
    """Closed-form gradient of ``log_softmax(logit_p)[label]``: ``onehot(label) - softmax``.

    Examples
    --------
    >>> categorical_logpmf_grad_logits(0, np.zeros(2))
    array([ 0.5, -0.5])
    """
    onehot = np.zeros(len(logit_p))
    onehot[int(label)] = 1.0
    return onehot - special.softmax(logit_p)
