"""Hypothesis strategies and oracles for multiclass likelihoods.

These are the building blocks of pymc_bnn's own property tests, public so that
other projects (and PyMC itself) can reuse them.  Every strategy draws plain
numpy data; compile your PyTensor function once with symbolic inputs and feed
it the drawn arrays.

Examples
--------
>>> from hypothesis import given
>>> from pymc_bnn.testing import multinomial_cases, multinomial_logpmf_oracle
>>> @given(multinomial_cases())
... def test_never_positive(case):
...     assert multinomial_logpmf_oracle(case.counts, case.n, case.log_p) <= 0
>>> test_never_positive()
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
from hypothesis import strategies as st
from pytensor.tensor.variable import TensorVariable
from scipy import special, stats

from pymc_bnn.distributions.categorical import Categorical
from pymc_bnn.distributions.multinomial import Multinomial

__all__ = [
    "PYMC",
    "PYMC_BNN",
    "Implementation",
    "MultinomialCase",
    "categorical_logp_oracle",
    "categorical_logpmf_grad_logits",
    "compile_categorical",
    "compile_dirichlet_multinomial",
    "compile_multinomial",
    "concentration_vectors",
    "count_vectors",
    "invalid_count_vectors",
    "logit_vectors",
    "multinomial_cases",
    "multinomial_grad_logits",
    "multinomial_logpmf_oracle",
    "scipy_dirichlet_multinomial_logpmf",
    "scipy_multinomial_logpmf",
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
    """One valid parameter set and value: ``n``, ``counts``, and ``p`` or ``logit_p``."""

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


def multinomial_logpmf_oracle(counts, n, log_p) -> float:
    """Multinomial log-pmf from exact log-probabilities, with scipy's special functions.

    Equals ``scipy.stats.multinomial.logpmf`` where that is defined (it takes
    ``p``, so it loses precision once probabilities underflow); uses
    ``0 * log 0 = 0``.

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


def scipy_multinomial_logpmf(counts, n, p) -> float:
    """``scipy.stats.multinomial.logpmf``, the reference for the ``p`` parametrization.

    Examples
    --------
    >>> round(scipy_multinomial_logpmf([1, 2], 3, [0.5, 0.5]), 10)
    -0.980829253
    """
    return float(stats.multinomial.logpmf(np.asarray(counts), n, np.asarray(p)))


def scipy_dirichlet_multinomial_logpmf(counts, n, a) -> float:
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


def categorical_logp_oracle(label, log_p) -> float:
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


def multinomial_grad_logits(counts, n, logit_p) -> np.ndarray:
    """Closed-form gradient of the Multinomial log-pmf in the logits: ``x - n softmax``.

    Examples
    --------
    >>> multinomial_grad_logits([1, 1], 2, np.zeros(2))
    array([0., 0.])
    """
    return np.asarray(counts, dtype="float64") - n * special.softmax(logit_p)


def categorical_logpmf_grad_logits(label, logit_p) -> np.ndarray:
    """Closed-form gradient of ``log_softmax(logit_p)[label]``: ``onehot(label) - softmax``.

    Examples
    --------
    >>> categorical_logpmf_grad_logits(0, np.zeros(2))
    array([ 0.5, -0.5])
    """
    onehot = np.zeros(len(logit_p))
    onehot[int(label)] = 1.0
    return onehot - special.softmax(logit_p)


@dataclass(frozen=True)
class Implementation:
    """The distribution constructors under test, e.g. pymc_bnn's or PyMC's.

    ``categorical`` and ``multinomial`` take ``p=`` or ``logit_p=`` keyword
    arguments, ``dirichlet_multinomial`` takes ``(n, a)``; all return an
    unregistered variable (a ``.dist``).  ``module`` is the module whose
    classes (``Categorical``, ...) these are, as imported in a reproducer.
    :data:`PYMC_BNN` and :data:`PYMC` are the two the project checks; the
    properties of :mod:`pymc_bnn.testing.properties` are written once against this
    interface.
    """

    name: str
    categorical: Callable[..., TensorVariable]
    multinomial: Callable[..., TensorVariable]
    dirichlet_multinomial: Callable[..., TensorVariable] | None = None
    module: str = "pymc_bnn"


def _pymc_multinomial(n, p=None, logit_p=None, **kwargs):
    # pm.Multinomial takes no logit_p; a user converts with softmax.
    if logit_p is not None:
        p = pt.special.softmax(logit_p, axis=-1)
    return pm.Multinomial.dist(n, p, **kwargs)


def _pymc_bnn_dirichlet_multinomial(n, a, **kwargs):
    # Imported late: the module is optional while it is being written.
    from pymc_bnn.distributions.dirichlet_multinomial import DirichletMultinomial

    return DirichletMultinomial.dist(n, a, **kwargs)


PYMC_BNN = Implementation(
    "pymc_bnn", Categorical.dist, Multinomial.dist, _pymc_bnn_dirichlet_multinomial, "pymc_bnn"
)
PYMC = Implementation(
    "pymc", pm.Categorical.dist, _pymc_multinomial, pm.DirichletMultinomial.dist, "pymc"
)


@functools.cache
def compile_multinomial(
    impl: Implementation, kind: str, int_dtype: str = "int64", float_dtype: str = "float64"
):
    """Compile ``(n, counts, theta) -> (logp, dlogp/dtheta)`` once, with symbolic inputs.

    ``theta`` is ``p`` or ``logit_p`` as ``kind`` says; ``n`` and ``counts``
    have ``int_dtype`` (``"float64"`` tests non-integer counts).  Cached, so
    every caller shares one compiled function.

    Examples
    --------
    >>> f = compile_multinomial(PYMC_BNN, "logit_p")
    >>> logp, grad = f(2, np.array([1, 1]), np.zeros(2))
    >>> round(float(logp), 6)
    -0.693147
    """
    n = pt.scalar("n", dtype=int_dtype)
    counts = pt.vector("counts", dtype=int_dtype)
    theta = pt.vector("theta", dtype=float_dtype)
    logp = pm.logp(impl.multinomial(n, **{kind: theta}), counts)
    return pytensor.function([n, counts, theta], [logp, pt.grad(logp, theta)])


@functools.cache
def compile_categorical(
    impl: Implementation, kind: str, value_dtype: str = "int64", float_dtype: str = "float64"
):
    """Compile ``(label, theta) -> (logp, dlogp/dtheta)`` once, with symbolic inputs.

    Examples
    --------
    >>> f = compile_categorical(PYMC_BNN, "logit_p")
    >>> logp, grad = f(1, np.array([0.0, -1000.0]))
    >>> float(logp)
    -1000.0
    """
    label = pt.scalar("label", dtype=value_dtype)
    theta = pt.vector("theta", dtype=float_dtype)
    logp = pm.logp(impl.categorical(**{kind: theta}), label)
    return pytensor.function([label, theta], [logp, pt.grad(logp, theta)])


@functools.cache
def compile_dirichlet_multinomial(
    impl: Implementation, int_dtype: str = "int64", float_dtype: str = "float64"
):
    """Compile ``(n, counts, a) -> (logp, dlogp/da)`` once, with symbolic inputs.

    Examples
    --------
    >>> f = compile_dirichlet_multinomial(PYMC_BNN)
    >>> logp, grad = f(2, np.array([1, 1]), np.ones(2))
    >>> round(float(logp), 6)
    -1.098612
    """
    n = pt.scalar("n", dtype=int_dtype)
    counts = pt.vector("counts", dtype=int_dtype)
    a = pt.vector("a", dtype=float_dtype)
    logp = pm.logp(impl.dirichlet_multinomial(n, a), counts)
    return pytensor.function([n, counts, a], [logp, pt.grad(logp, a)])
