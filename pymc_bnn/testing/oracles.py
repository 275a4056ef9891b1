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
    "categorical_logcdf_oracle",
    "categorical_logp_oracle",
    "categorical_logpmf_grad_logits",
    "mpmath_dirichlet_multinomial_logpmf",
    "mpmath_multinomial_logpmf",
    "mpmath_softmax",
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


# --- arbitrary precision: where scipy's float64 gammaln differences cancel --------------------

#: Decimal digits mpmath works with: enough for n up to 2**63 and concentrations up to 1e300.
MPMATH_DIGITS = 60


def mpmath_multinomial_logpmf(counts: ArrayLike, n: int, p: ArrayLike) -> float:
    """Multinomial log-pmf in 60-digit arithmetic, rounded once to float64.

    The probabilities are taken as the exact binary values of the float64
    ``p``; the counts and ``n`` as exact integers (any size).  This is the
    oracle for huge ``n``, where ``scipy.stats.multinomial`` subtracts
    ``gammaln`` terms near 3e13 and keeps only 3 digits of a log-pmf near -20.

    Examples
    --------
    >>> round(mpmath_multinomial_logpmf([1, 2], 3, [0.5, 0.5]), 10)
    -0.9808292530
    >>> mpmath_multinomial_logpmf([2**52, 2**52], 2**53 + 1, [0.5, 0.5])
    -inf
    """
    import mpmath

    counts = [int(c) for c in np.asarray(counts).ravel()]
    if any(c < 0 for c in counts) or sum(counts) != int(n):
        return -np.inf
    with mpmath.workdps(MPMATH_DIGITS):
        total = mpmath.loggamma(int(n) + 1)
        for c, q in zip(counts, np.asarray(p, dtype="float64").ravel(), strict=True):
            total -= mpmath.loggamma(c + 1)
            if c > 0:
                if q == 0:
                    return -np.inf
                total += c * mpmath.log(mpmath.mpf(float(q)))
        return float(total)


def mpmath_dirichlet_multinomial_logpmf(counts: ArrayLike, n: int, a: ArrayLike) -> float:
    """Dirichlet-multinomial log-pmf in 60 significant digits (exact float64 ``a``).

    The oracle for huge concentrations: with ``a = [1e15, 2e15]`` the
    ``gammaln`` terms are near 3e16 and float64 differences of them are off
    by tens of units.

    Examples
    --------
    >>> round(mpmath_dirichlet_multinomial_logpmf([1, 1], 2, [1.0, 1.0]), 10)
    -1.0986122887
    """
    import mpmath

    counts = [int(c) for c in np.asarray(counts).ravel()]
    if any(c < 0 for c in counts) or sum(counts) != int(n):
        return -np.inf
    a = np.asarray(a, dtype="float64").ravel()
    # a + x must be exact: 1e300 + 3 needs 300 digits before the 60 that matter.
    digits = MPMATH_DIGITS + max(0, int(np.log10(a.max())))
    with mpmath.workdps(digits):
        conc = [mpmath.mpf(float(v)) for v in a]
        big_a = mpmath.fsum(conc)
        total = mpmath.loggamma(int(n) + 1) + mpmath.loggamma(big_a)
        total -= mpmath.loggamma(int(n) + big_a)
        for c, ak in zip(counts, conc, strict=True):
            total += mpmath.loggamma(c + ak) - mpmath.loggamma(ak) - mpmath.loggamma(c + 1)
        return float(total)


def categorical_logcdf_oracle(value: float, p: ArrayLike) -> float:
    """``log P(X <= value)`` in 60-digit arithmetic from the exact float64 ``p``.

    ``p`` may be given as probabilities, or, with ``logits=True`` semantics
    handled by the caller, as ``exp(log_softmax(logit_p))`` computed in
    mpmath (see :func:`mpmath_softmax`).  ``-inf`` below 0, 0 from ``K - 1``.

    Examples
    --------
    >>> round(categorical_logcdf_oracle(0, [0.25, 0.75]), 12)
    -1.386294361120
    """
    import mpmath

    probs = list(p)
    if value < 0:
        return -np.inf
    if value >= len(probs) - 1:
        return 0.0
    with mpmath.workdps(MPMATH_DIGITS):
        upto = int(np.floor(value))
        total = mpmath.fsum(
            mpmath.mpf(q) if not isinstance(q, mpmath.mpf) else q for q in probs[: upto + 1]
        )
        return float(mpmath.log(total)) if total > 0 else -np.inf


def mpmath_softmax(logit_p: ArrayLike) -> list:
    """``softmax(logit_p)`` as 60-digit mpmath numbers (no underflow); ``-inf`` gives 0.

    Examples
    --------
    >>> [float(q) for q in mpmath_softmax([0.0, 0.0])]
    [0.5, 0.5]
    """
    import mpmath

    with mpmath.workdps(MPMATH_DIGITS):
        logits = [float(v) for v in np.asarray(logit_p, dtype="float64").ravel()]
        top = max(logits)
        weights = [
            mpmath.exp(mpmath.mpf(v) - top) if v != -np.inf else mpmath.mpf(0) for v in logits
        ]
        total = mpmath.fsum(weights)
        return [w / total for w in weights]
