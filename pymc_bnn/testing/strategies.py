"""Hypothesis strategies for the inputs of multiclass likelihoods.

Every strategy draws plain numpy data (float64 parameters, int64 counts), so a
test compiles its PyTensor function once with symbolic inputs and feeds it the
drawn arrays.  The draws reach the places where implementations break:
probabilities down to subnormal numbers and exact zeros, logits up to 1e4 apart
and ``-inf``, and values just off the support.

Examples
--------
>>> from hypothesis import given
>>> from pymc_bnn.testing.oracles import multinomial_logpmf_oracle
>>> @given(multinomial_cases(max_n=20))
... def test_never_positive(case):
...     assert multinomial_logpmf_oracle(case.counts, case.n, case.log_p) <= 0
>>> test_never_positive()
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from scipy import special

__all__ = [
    "INTEGER_DTYPES",
    "MultinomialCase",
    "concentration_vectors",
    "count_vectors",
    "invalid_count_vectors",
    "logit_vectors",
    "multinomial_cases",
    "simplex_vectors",
]

#: Default number of categories drawn by the strategies.
_CATEGORIES = st.integers(1, 8)

#: Integer dtypes a count or label may come in; ``n`` is drawn within range of each.
INTEGER_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


@st.composite
def simplex_vectors(
    draw, k: int | st.SearchStrategy = _CATEGORIES, allow_zeros: bool = True
) -> np.ndarray:
    """Probability vectors: nonnegative float64 entries that sum to 1.

    Entries span many orders of magnitude (down to subnormal numbers) and, with
    ``allow_zeros``, include exact zeros; at least one entry is positive.

    Parameters
    ----------
    k : int or strategy of int
        Number of categories.
    allow_zeros : bool
        Whether entries may be exactly zero.

    Examples
    --------
    >>> p = simplex_vectors(k=3).example()
    >>> p.shape, bool(abs(p.sum() - 1) < 1e-12)
    ((3,), True)
    """
    k = draw(k) if isinstance(k, st.SearchStrategy) else k
    low = 0.0 if allow_zeros else 1e-300
    weights = np.array(draw(st.lists(st.floats(low, 1.0), min_size=k, max_size=k)))
    if weights.sum() == 0:
        weights[draw(st.integers(0, k - 1))] = 1.0
    return weights / weights.sum()


@st.composite
def logit_vectors(
    draw,
    k: int | st.SearchStrategy = _CATEGORIES,
    max_magnitude: float = 1e4,
    allow_neg_inf: bool = True,
) -> np.ndarray:
    """Logit vectors with entries in ``[-max_magnitude, max_magnitude]`` and some ``-inf``.

    At least one entry is finite, so the vector is a valid parameter.  The
    default magnitude 1e4 is far beyond where ``softmax`` underflows (about
    745 apart in float64).

    Parameters
    ----------
    k : int or strategy of int
        Number of categories.
    max_magnitude : float
        Largest absolute value of a finite entry.
    allow_neg_inf : bool
        Whether entries may be ``-inf`` (probability 0).

    Examples
    --------
    >>> x = logit_vectors(k=4).example()
    >>> x.shape, bool(np.isfinite(x).any())
    ((4,), True)
    """
    k = draw(k) if isinstance(k, st.SearchStrategy) else k
    finite = st.floats(-max_magnitude, max_magnitude, allow_nan=False)
    entry = st.one_of(finite, st.just(-np.inf)) if allow_neg_inf else finite
    logits = np.array(draw(st.lists(entry, min_size=k, max_size=k)))
    if not np.isfinite(logits).any():
        logits[draw(st.integers(0, k - 1))] = draw(finite)
    return logits


@st.composite
def concentration_vectors(
    draw, k: int | st.SearchStrategy = _CATEGORIES, low: float = 1e-3, high: float = 1e3
) -> np.ndarray:
    """Dirichlet concentration vectors: float64 entries in ``[low, high]``.

    The default range keeps ``scipy.stats.dirichlet_multinomial`` exact: its
    ``gammaln(x + a) - gammaln(a)`` cancels catastrophically for ``a`` beyond
    about 1e8.

    Parameters
    ----------
    k : int or strategy of int
        Number of categories.
    low, high : float
        Range of the entries.

    Examples
    --------
    >>> a = concentration_vectors(k=3).example()
    >>> a.shape, bool((a > 0).all())
    ((3,), True)
    """
    k = draw(k) if isinstance(k, st.SearchStrategy) else k
    return np.array(draw(st.lists(st.floats(low, high), min_size=k, max_size=k)))


@st.composite
def count_vectors(draw, n: int, k: int) -> np.ndarray:
    """Nonnegative integer vectors of length ``k`` that sum to ``n`` (int64).

    Parameters
    ----------
    n : int
        Number of trials, the total of every vector.
    k : int
        Number of categories.

    Examples
    --------
    >>> x = count_vectors(10, 3).example()
    >>> int(x.sum()), bool((x >= 0).all())
    (10, True)
    """
    cuts = sorted(draw(st.lists(st.integers(0, n), min_size=k - 1, max_size=k - 1)))
    return np.diff(np.array([0, *cuts, n], dtype="int64"))


@st.composite
def invalid_count_vectors(draw, n: int, k: int) -> np.ndarray:
    """Float vectors outside the Multinomial support for ``n`` trials and ``k`` categories.

    One of: a negative entry (with the right total), a non-integer entry (with
    the right total), or nonnegative integers with the wrong total.

    Parameters
    ----------
    n : int
        Number of trials of the support the vectors miss.
    k : int
        Number of categories.

    Examples
    --------
    >>> x = invalid_count_vectors(5, 3).example()
    >>> bool((x < 0).any() or (x != np.floor(x)).any() or x.sum() != 5)
    True
    """
    x = draw(count_vectors(n, k)).astype("float64")
    kind = draw(st.sampled_from(["negative", "fraction", "total"] if k > 1 else ["total"]))
    i, j = draw(st.permutations(range(k)))[:2] if k > 1 else (0, 0)
    if kind == "negative":
        step = draw(st.integers(1, 5))
        x[j] += x[i] + step  # keep the total at n
        x[i] = -step
    elif kind == "fraction":
        frac = draw(st.floats(0.01, 0.99))
        x[i] += frac
        x[j] -= frac
    else:
        x[i] += draw(st.integers(1, 5))
    return x


@dataclass(frozen=True)
class MultinomialCase:
    """One valid parameter set and value: ``n``, ``counts``, and ``p`` or ``logit_p``.

    Examples
    --------
    >>> case = MultinomialCase(2, np.array([1, 1]), None, np.array([0.0, 0.0]))
    >>> case.log_p
    array([-0.69314718, -0.69314718])
    """

    n: int
    counts: np.ndarray
    p: np.ndarray | None
    logit_p: np.ndarray | None

    @property
    def log_p(self) -> np.ndarray:
        """Exact log-probabilities of the case's parameter."""
        if self.p is not None:
            with np.errstate(divide="ignore"):
                return np.log(self.p)
        return special.log_softmax(self.logit_p)


@st.composite
def multinomial_cases(
    draw,
    max_n: int = 1000,
    k: int | st.SearchStrategy = _CATEGORIES,
    parametrization: str | None = None,
) -> MultinomialCase:
    """A valid Multinomial parameter set with a count vector in its support.

    Parameters
    ----------
    max_n : int
        Largest number of trials.
    k : int or strategy of int
        Number of categories.
    parametrization : {"p", "logit_p", None}
        Which parameter to draw; ``None`` draws either.

    Examples
    --------
    >>> case = multinomial_cases(max_n=20, k=3).example()
    >>> int(case.counts.sum()) == case.n
    True
    """
    k = draw(k) if isinstance(k, st.SearchStrategy) else k
    n = draw(st.integers(0, max_n))
    counts = draw(count_vectors(n, k))
    kind = parametrization or draw(st.sampled_from(["p", "logit_p"]))
    if kind == "p":
        return MultinomialCase(n, counts, draw(simplex_vectors(k)), None)
    return MultinomialCase(n, counts, None, draw(logit_vectors(k)))
