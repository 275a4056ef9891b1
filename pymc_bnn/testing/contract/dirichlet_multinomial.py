"""The contract of ``DirichletMultinomial(n, a)``.

Oracle: ``scipy.stats.dirichlet_multinomial``, exact for concentrations in
``[1e-3, 1e3]`` (the range the strategies draw).  Tolerances: relative and
absolute 1e-9 in float64 (the log-pmf is a difference of ``gammaln`` terms up
to about 1e4), 1e-5 in float32 mode; draw means within 5 standard errors of
``n a / sum(a)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from scipy import stats

from pymc_bnn.testing.contract.calls import LogpCall, expect_logp, run_logp
from pymc_bnn.testing.contract.registry import prop
from pymc_bnn.testing.contract.shared import (
    DrawCase,
    DrawProperty,
    ExactCase,
    Float32Case,
    Float32Property,
    InvalidParams,
    ObservedCase,
    OffSupportCase,
    OffSupportProperty,
    SymbolicInvalid,
    check_constant,
    check_exact,
    largest_n,
    register_standard_properties,
)
from pymc_bnn.testing.implementations import Implementation
from pymc_bnn.testing.oracles import scipy_dirichlet_multinomial_logpmf
from pymc_bnn.testing.strategies import (
    INTEGER_DTYPES,
    concentration_vectors,
    count_vectors,
    invalid_count_vectors,
)

__all__ = ["ATOL_DM", "INVALID_PARAMETERS", "RTOL_DM", "DMCase"]

#: Relative and absolute tolerance on float64 log-probabilities: the log-pmf is a
#: difference of gammaln terms up to about 1e4.
RTOL_DM, ATOL_DM = 1e-9, 1e-9


@dataclass(frozen=True)
class DMCase:
    """Counts summing to ``n`` and a concentration vector ``a``."""

    n: int
    counts: np.ndarray
    a: np.ndarray


@st.composite
def _cases(draw, max_n: int = 1000) -> DMCase:
    k = draw(st.integers(1, 8))
    n = draw(st.integers(0, max_n))
    return DMCase(n, draw(count_vectors(n, k)), draw(concentration_vectors(k)))


@prop(
    "DirichletMultinomial",
    "logp_matches_scipy",
    "logp equals scipy.stats.dirichlet_multinomial, n and counts of dtype {param}",
    strategy=lambda dtype: _cases(largest_n(dtype)),
    params=INTEGER_DTYPES,
)
def _logp_matches_scipy(impl: Implementation, case: DMCase, dtype: str) -> None:
    call = LogpCall("DirichletMultinomial", "a", dtype, case.n, case.counts, case.a)
    logp, grad = run_logp(impl, call)
    expected = scipy_dirichlet_multinomial_logpmf(case.counts, case.n, case.a)
    expect_logp(impl, call, logp, expected, RTOL_DM, ATOL_DM, grad=grad)


@prop(
    "DirichletMultinomial",
    "n_zero_and_single_category",
    "n = 0 has logp 0 at zero counts; one category has logp 0 at [n]; -inf elsewhere",
    cases=[
        ExactCase("a", 0, [0, 0], [0.5, 2.0], 0.0),
        ExactCase("a", 0, [1, -1], [0.5, 2.0], -np.inf),
        ExactCase("a", 7, [7], [3.0], 0.0),
        ExactCase("a", 7, [6], [3.0], -np.inf),
    ],
)
def _n_zero_and_single_category(impl: Implementation, case: ExactCase) -> None:
    check_exact(impl, "DirichletMultinomial", case)


@dataclass(frozen=True)
class BetaBinomialCase:
    """Two categories: ``x`` of ``n`` in the first, concentrations ``a``."""

    n: int
    x: int
    a: tuple[float, float]


@st.composite
def _beta_binomial_cases(draw) -> BetaBinomialCase:
    n = draw(st.integers(0, 200))
    whole = st.integers(1, 50).map(float)  # integer-valued a, as in a = [2, 1]
    a = draw(st.tuples(*[st.one_of(whole, st.floats(1e-3, 1e3))] * 2))
    return BetaBinomialCase(n, draw(st.integers(0, n)), a)


@prop(
    "DirichletMultinomial",
    "two_categories_reduce_to_beta_binomial",
    "with K = 2 the log-pmf at [x, n - x] equals scipy.stats.betabinom(n, a_1, a_2) at x",
    strategy=_beta_binomial_cases(),
    examples=[BetaBinomialCase(5, x, (2.0, 1.0)) for x in range(6)],
)
def _two_categories(impl: Implementation, case: BetaBinomialCase) -> None:
    a = np.asarray(case.a)
    call = LogpCall("DirichletMultinomial", "a", "int64", case.n, [case.x, case.n - case.x], a)
    logp, _ = run_logp(impl, call)
    expected = stats.betabinom.logpmf(case.x, case.n, *case.a)
    expect_logp(impl, call, logp, expected, RTOL_DM, ATOL_DM)


@prop(
    "DirichletMultinomial",
    "integer_typed_parameters",
    "integer-typed constant a (a=[2, 1]) and n: logp equals scipy, nothing truncated",
    cases=[
        ExactCase("a", 5, [x, 5 - x], [2, 1], float(stats.betabinom.logpmf(x, 5, 2, 1)))
        for x in (0, 2, 5)
    ]
    + [
        ExactCase(
            "a",
            np.int8(4),
            [1, 2, 1],
            [1, 3, 2],
            float(stats.dirichlet_multinomial.logpmf([1, 2, 1], [1, 3, 2], 4)),
        )
    ],
)
def _integer_typed_parameters(impl: Implementation, case: ExactCase) -> None:
    check_constant(impl, "DirichletMultinomial", case)


# --- values off the support and invalid parameters --------------------------------------------


@st.composite
def _off_support_cases(draw) -> OffSupportCase:
    k = draw(st.integers(1, 6))
    n = draw(st.integers(0, 100))
    return OffSupportCase(
        float(n), draw(invalid_count_vectors(n, k)), draw(concentration_vectors(k))
    )


#: Invalid constant parameters; any implementation must reject them (raise), and
#: pymc_bnn's ``.dist`` raises a ``ValueError`` matching ``match``.
INVALID_PARAMETERS = (
    InvalidParams(dict(n=3, a=[0.0, 1.0]), "a must hold positive, finite", [1, 2]),
    InvalidParams(dict(n=3, a=[-1.0, 1.0]), "a must hold positive, finite", [1, 2]),
    InvalidParams(dict(n=3, a=[np.inf, 1.0]), "a must hold positive, finite", [1, 2]),
    InvalidParams(dict(n=3, a=[np.nan, 1.0]), "a must not contain NaN", [1, 2]),
    InvalidParams(dict(n=-1, a=[1.0, 1.0]), "n must be nonnegative", [0, -1]),
    InvalidParams(dict(n=2.5, a=[1.0, 1.0]), "n must hold whole numbers", [1, 1]),
    InvalidParams(dict(n=3, a=1.0), "at least one dimension", 3),
)


# --- float32 mode -----------------------------------------------------------------------------


@st.composite
def _float32_cases(draw) -> Float32Case:
    k = draw(st.integers(2, 7))
    n = draw(st.integers(0, 40))
    theta = draw(concentration_vectors(k, 0.1, 100.0)).astype("float32")
    return Float32Case(n, draw(count_vectors(n, k)), theta)


def _float32_oracle(case: Float32Case) -> float:
    return scipy_dirichlet_multinomial_logpmf(case.value, case.n, case.theta.astype("float64"))


# --- the properties every distribution has ---------------------------------------------------


register_standard_properties(
    "DirichletMultinomial",
    off_support=OffSupportProperty(
        "values_off_support_are_minus_inf",
        "negative, non-integer or wrongly-summing counts give -inf (no error, no NaN)",
        _off_support_cases(),
    ),
    invalid_summary="a <= 0, a = inf or NaN, negative or fractional n, a scalar a: an error",
    invalid_constant=INVALID_PARAMETERS,
    invalid_symbolic=[
        SymbolicInvalid("a", [0.0, 1.0, 1.0], 3, [1, 1, 1]),
        SymbolicInvalid("a", [np.inf, 1.0, 1.0], 3, [1, 1, 1]),
        SymbolicInvalid("a", [np.nan, 1.0, 1.0], 3, [1, 1, 1]),
        SymbolicInvalid("a", [1.0, 1.0, 1.0], -3, [1, 1, 1]),
        SymbolicInvalid("a", [1.0, 1.0], 2.5, [1.0, 1.0], "float64"),
    ],
    observed=ObservedCase(dict(n=3, a=np.array([1.0, 1.0])), np.array([0.5, 2.5])),
    float32=Float32Property(
        "floatX=float32 with a float32 a: float32 logp within 1e-5 of scipy",
        _float32_cases(),
        "a",
        _float32_oracle,
    ),
    draws=[
        DrawProperty(
            "draws_support_totals_and_mean",
            "draws are nonnegative integers summing to n, means n a / sum(a) within 5 "
            "standard errors",
            DrawCase("a", np.array([0, 1, 25]), np.array([1.0, 2.0, 3.0])),
        ),
        DrawProperty(
            "draws_small_concentration",
            "a = 1e-3 (nearly one category per draw): draws still sum to n",
            DrawCase("a", np.array(20), np.array([1e-3, 1e-3, 1e-3]), 2000, 1),
        ),
    ],
)
