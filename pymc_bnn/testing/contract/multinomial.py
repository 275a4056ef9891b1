"""The contract of ``Multinomial(n, p)`` and ``Multinomial(n, logit_p)``.

Oracles: ``scipy.stats.multinomial`` for ``p``; for logits, where scipy would
need the underflowing ``softmax``, the exact formula on ``log_softmax``
(:func:`~pymc_bnn.testing.oracles.multinomial_logpmf_oracle`) with the
closed-form gradient ``x - n softmax(logit_p)``.  Tolerances: relative 1e-10,
absolute 1e-12 on float64 log-probabilities (the log-pmf is a sum of a few
``gammaln`` terms each exact to about 1e-15 relative; 1e-10 leaves room for
cancellation between them at n = 1000), 1e-9 on gradients, 1e-5 in float32
mode; draw means within 5 standard errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from scipy import special, stats

from pymc_bnn.testing.contract.calls import (
    ConstantCall,
    KeywordCall,
    LogpCall,
    expect_logp,
    fail,
    run_logp,
)
from pymc_bnn.testing.contract.registry import prop
from pymc_bnn.testing.contract.shared import (
    ROUNDED_P,
    DrawCase,
    DrawProperty,
    ExactCase,
    Float32Case,
    Float32Property,
    InvalidParams,
    LabelCase,
    ObservedCase,
    OffSupportCase,
    OffSupportProperty,
    SymbolicInvalid,
    check_constant,
    check_exact,
    float32_logits,
    label_cases,
    largest_n,
    register_standard_properties,
)
from pymc_bnn.testing.implementations import Implementation
from pymc_bnn.testing.oracles import (
    multinomial_grad_logits,
    multinomial_logpmf_oracle,
    scipy_multinomial_logpmf,
)
from pymc_bnn.testing.strategies import (
    INTEGER_DTYPES,
    MultinomialCase,
    count_vectors,
    invalid_count_vectors,
    logit_vectors,
    multinomial_cases,
    simplex_vectors,
)

__all__ = [
    "INVALID_PARAMETERS",
    "BinomialCase",
    "ConstantCase",
    "LargestNCase",
    "ZeroProbCase",
]


# --- logp against scipy, for every integer dtype ----------------------------------------------


@prop(
    "Multinomial",
    "logp_p_matches_scipy",
    "logp(p) equals scipy.stats.multinomial, n and counts of dtype {param}; no NaN grad",
    strategy=lambda dtype: multinomial_cases(max_n=largest_n(dtype), parametrization="p"),
    params=INTEGER_DTYPES,
)
def _logp_p_matches_scipy(impl: Implementation, case: MultinomialCase, dtype: str) -> None:
    call = LogpCall("Multinomial", "p", dtype, case.n, case.counts, case.p)
    logp, grad = run_logp(impl, call)
    expected = scipy_multinomial_logpmf(case.counts, case.n, case.p)
    expect_logp(impl, call, logp, expected, grad=grad)


@dataclass(frozen=True)
class LargestNCase:
    """The largest ``n`` of an integer dtype (at most 1000), all trials in one category."""

    dtype: str
    n: int
    counts: np.ndarray
    p: np.ndarray


@prop(
    "Multinomial",
    "largest_n_of_each_dtype",
    "n at the top of its integer dtype (int8: 127) matches scipy: no overflow in n + 1",
    cases=[
        LargestNCase(
            dtype, largest_n(dtype), np.array([0, 0, largest_n(dtype)]), np.array([0.2, 0.3, 0.5])
        )
        for dtype in INTEGER_DTYPES
    ],
)
def _largest_n(impl: Implementation, case: LargestNCase) -> None:
    _logp_p_matches_scipy(impl, MultinomialCase(case.n, case.counts, case.p, None), case.dtype)


@dataclass(frozen=True)
class ConstantCase:
    """Constant ``n`` and counts of the kinds a user passes (Python ints become int8)."""

    n: Any
    counts: np.ndarray
    p: np.ndarray


@prop(
    "Multinomial",
    "constant_inputs_of_any_integer_kind",
    "constant n and counts (Python ints, int8 ... int64, float) match scipy, never positive",
    cases=[
        ConstantCase(4, np.array([4]), np.array([1.0])),
        ConstantCase(2, np.array([1, 1]), np.array([0.5, 0.5])),
        *(
            ConstantCase(n, np.array([10, 20, 70], dtype=dtype), np.array([0.1, 0.2, 0.7]))
            for n in (
                100,
                np.int8(100),
                np.uint8(100),
                np.int16(100),
                np.int64(100),
                np.array(100.0),
            )
            for dtype in ("int8", "int32", "int64")
        ),
    ],
)
def _constant_inputs(impl: Implementation, case: ConstantCase) -> None:
    call = ConstantCall("Multinomial", "p", case.n, case.p, case.counts)
    logp = run_logp(impl, call)
    expected = scipy_multinomial_logpmf(case.counts, int(case.n), case.p)
    expect_logp(impl, call, logp, expected)


# --- logits ----------------------------------------------------------------------------------


@st.composite
def _finite_logit_cases(draw, max_n: int) -> MultinomialCase:
    k = draw(st.integers(1, 8))
    n = draw(st.integers(0, max_n))
    counts = draw(count_vectors(n, k))
    return MultinomialCase(n, counts, None, draw(logit_vectors(k, allow_neg_inf=False)))


def _with_minus_inf_cases(dtype: str) -> st.SearchStrategy[MultinomialCase]:
    return multinomial_cases(max_n=largest_n(dtype), parametrization="logit_p").filter(
        lambda case: bool(np.isneginf(case.logit_p).any())
    )


@prop(
    "Multinomial",
    "logit_p_exact_at_any_magnitude",
    "logp(logit_p) and its gradient x - n softmax are exact for finite logits up to 1e4",
    strategy=lambda dtype: _finite_logit_cases(largest_n(dtype)),
    # softmax underflows once logits are about 745 apart
    examples=[MultinomialCase(3, np.array([2, 1]), None, np.array([0.0, -1000.0]))],
    params=("int8", "int64", "uint16"),
)
@prop(
    "Multinomial",
    "logit_p_with_minus_inf_entries",
    "logits up to 1e4 with -inf entries (probability 0): exact logp, gradient, no NaN",
    strategy=_with_minus_inf_cases,
    params=("int8", "int64", "uint16"),
)
def _logp_logit_p(impl: Implementation, case: MultinomialCase, dtype: str) -> None:
    call = LogpCall("Multinomial", "logit_p", dtype, case.n, case.counts, case.logit_p)
    logp, grad = run_logp(impl, call)
    expected = multinomial_logpmf_oracle(case.counts, case.n, case.log_p)
    grad_expected = multinomial_grad_logits(case.counts, case.n, case.logit_p)
    expect_logp(impl, call, logp, expected, grad=grad, grad_expected=grad_expected)


@prop(
    "Multinomial",
    "logit_p_constant_extreme",
    "constant logits far apart (softmax underflows): logp stays exact",
    cases=[ExactCase("logit_p", 3, [2, 1], [0.0, -1000.0], -1000.0 + float(np.log(3)))],
)
@prop(
    "Multinomial",
    "integer_typed_parameters",
    "integer-typed constant p (p=[0, 0, 1]) and n: exact logp, no error, nothing truncated",
    cases=[
        ExactCase("p", 3, [0, 0, 3], [0, 0, 1], 0.0),
        ExactCase("p", 3, [1, 0, 2], [0, 0, 1], -np.inf),
        ExactCase("p", np.int16(4), [0, 4], [0, 1], 0.0),
        ExactCase("p", np.uint8(2), [2, 0], [1, 0], 0.0),
    ],
)
@prop(
    "Multinomial",
    "rounded_constant_p_renormalized",
    "a constant p within PyMC's tolerance of the simplex is used as p / sum(p)",
    cases=[
        ExactCase(
            "p",
            3,
            value,
            ROUNDED_P,
            float(stats.multinomial.logpmf(value, 3, np.divide(ROUNDED_P, sum(ROUNDED_P)))),
        )
        for value in ([1, 0, 2], [0, 3, 0])
    ],
)
def _constant(impl: Implementation, case: ExactCase) -> None:
    check_constant(impl, "Multinomial", case)


@prop(
    "Multinomial",
    "accepts_logit_p",
    "Multinomial.dist(n, logit_p=...) exists and is exact",
    cases=[ExactCase("logit_p", 5, [2, 3], [0.0, 1.0], -1.2637233445970688)],
)
def _accepts_logit_p(impl: Implementation, case: ExactCase) -> None:
    call = KeywordCall(case.n, case.theta, case.value)
    try:
        logp = call.run(impl)
    except Exception as err:
        got = f"{type(err).__name__}: {err}"
        raise fail(impl, call, "logp", "logp", got, case.expected) from err
    expect_logp(impl, call, logp, case.expected)


@prop(
    "Multinomial",
    "one_trial_equals_log_softmax",
    "one trial: logp(onehot(label)) equals log_softmax(logit_p)[label]",
    strategy=label_cases(),
)
def _one_trial(impl: Implementation, case: LabelCase) -> None:
    onehot = np.eye(len(case.theta), dtype="int64")[case.label]
    call = LogpCall("Multinomial", "logit_p", "int64", 1, onehot, case.theta)
    logp, _ = run_logp(impl, call)
    expect_logp(impl, call, logp, special.log_softmax(case.theta)[case.label])


# --- zero probabilities, reductions, edge cases -----------------------------------------------


@dataclass(frozen=True)
class ZeroProbCase:
    """A count vector under a ``p`` with at least one zero entry."""

    n: int
    counts: np.ndarray
    p: np.ndarray


@st.composite
def _zero_prob_cases(draw) -> ZeroProbCase:
    k = draw(st.integers(2, 6))
    p = draw(simplex_vectors(k))
    p[draw(st.integers(0, k - 1))] = 0.0
    assume(p.sum() > 0)
    n = draw(st.integers(1, 200))
    return ZeroProbCase(n, draw(count_vectors(n, k)), p / p.sum())


@prop(
    "Multinomial",
    "zero_probabilities",
    "p with zeros: exact where the count is 0, -inf where it is positive, no NaN gradient",
    strategy=_zero_prob_cases(),
)
def _zero_probabilities(impl: Implementation, case: ZeroProbCase) -> None:
    call = LogpCall("Multinomial", "p", "int64", case.n, case.counts, case.p)
    logp, grad = run_logp(impl, call)
    expected = scipy_multinomial_logpmf(case.counts, case.n, case.p)
    if np.any(case.counts[case.p == 0] > 0):
        expected = -np.inf
    # x / p may overflow to inf for subnormal p (the true gradient exceeds 1.8e308), never NaN.
    expect_logp(impl, call, logp, expected, grad=grad)


@dataclass(frozen=True)
class BinomialCase:
    """Two categories: ``n`` trials, ``x`` in the first, probability ``p`` of the first."""

    n: int
    x: int
    p: float


@st.composite
def _binomial_cases(draw) -> BinomialCase:
    n = draw(st.integers(0, 500))
    return BinomialCase(n, draw(st.integers(0, n)), draw(st.floats(0, 1)))


@prop(
    "Multinomial",
    "two_categories_reduce_to_binomial",
    "with K = 2 the log-pmf equals scipy.stats.binom",
    strategy=_binomial_cases(),
)
def _two_categories(impl: Implementation, case: BinomialCase) -> None:
    theta = np.array([case.p, 1 - case.p])
    call = LogpCall("Multinomial", "p", "int64", case.n, [case.x, case.n - case.x], theta)
    logp, _ = run_logp(impl, call)
    expect_logp(impl, call, logp, stats.binom.logpmf(case.x, case.n, case.p))


@prop(
    "Multinomial",
    "n_zero_and_single_category",
    "n = 0 has logp 0 at zero counts; one category has logp 0 at [n]; -inf elsewhere",
    cases=[
        ExactCase(kind, n, value, theta, expected)
        for kind, two, one in (("p", [0.25, 0.75], [1.0]), ("logit_p", [1.0, -2.0], [-3.0]))
        for n, value, theta, expected in (
            (0, [0, 0], two, 0.0),
            (0, [1, -1], two, -np.inf),
            (7, [7], one, 0.0),
            (7, [6], one, -np.inf),
        )
    ],
)
def _n_zero_and_single_category(impl: Implementation, case: ExactCase) -> None:
    check_exact(impl, "Multinomial", case)


# --- values off the support and invalid parameters --------------------------------------------


@st.composite
def _off_support_cases(draw, kind: str) -> OffSupportCase:
    k = draw(st.integers(1, 6))
    n = draw(st.integers(0, 100))
    x = draw(invalid_count_vectors(n, k))
    return OffSupportCase(
        float(n), x, draw(simplex_vectors(k) if kind == "p" else logit_vectors(k))
    )


#: Invalid constant parameters; any implementation must reject them (raise), and
#: pymc_bnn's ``.dist`` raises a ``ValueError`` matching ``match``.
INVALID_PARAMETERS = (
    InvalidParams(dict(n=3, p=[-0.2, 0.7, 0.5]), "p must be nonnegative", [1, 1, 1]),
    InvalidParams(dict(n=3, p=[0.2, 0.2, 0.2]), "p must sum to 1", [1, 1, 1]),
    InvalidParams(dict(n=3, p=[0.5, 0.5 + 1e-4]), "p must sum to 1", [1, 2]),
    InvalidParams(dict(n=3, p=[0.5, np.nan, 0.5]), "p must not contain NaN", [1, 1, 1]),
    InvalidParams(dict(n=-1, p=[0.5, 0.5]), "n must be nonnegative", [0, -1]),
    InvalidParams(dict(n=2.5, p=[0.5, 0.5]), "n must hold whole numbers", [1, 1]),
    InvalidParams(dict(n=3, logit_p=[0.0, np.inf]), r"logit_p must not contain \+inf", [1, 2]),
    InvalidParams(dict(n=3, logit_p=[-np.inf, -np.inf]), "at least one finite entry", [1, 2]),
    InvalidParams(dict(n=3, logit_p=[np.nan, 0.0]), "logit_p must not contain NaN", [1, 2]),
    InvalidParams(dict(n=3, p=0.5), "at least one dimension", 3),
)


# --- float32 mode -----------------------------------------------------------------------------


@st.composite
def _float32_cases(draw) -> Float32Case:
    k = draw(st.integers(2, 7))
    n = draw(st.integers(0, 40))
    theta = draw(float32_logits(k, 10.0))
    return Float32Case(n, draw(count_vectors(n, k)), theta)


def _float32_oracle(case: Float32Case) -> float:
    log_p = special.log_softmax(case.theta.astype("float64"))
    return multinomial_logpmf_oracle(case.value, case.n, log_p)


# --- the properties every distribution has ---------------------------------------------------


register_standard_properties(
    "Multinomial",
    off_support=OffSupportProperty(
        "values_off_support_are_minus_inf",
        "negative, non-integer or wrongly-summing counts give -inf (no error, no NaN)",
        _off_support_cases,
        kinds=("p", "logit_p"),
    ),
    invalid_summary="p off the simplex, NaN, negative or fractional n, +inf/NaN/all -inf "
    "logits: an error",
    invalid_constant=INVALID_PARAMETERS,
    invalid_symbolic=[
        SymbolicInvalid("p", [0.2, 0.2, 0.2], 3, [1, 1, 1]),
        SymbolicInvalid("p", [-0.5, 0.5, 1.0], 3, [1, 1, 1]),
        SymbolicInvalid("p", [0.5, np.nan, 0.5], 3, [1, 1, 1]),
        SymbolicInvalid("p", [0.2, 0.3, 0.5], -3, [1, 1, 1]),
        SymbolicInvalid("p", [0.5, 0.5], 2.5, [1.0, 1.0], "float64"),
        SymbolicInvalid("logit_p", [0.0, np.inf, 1.0], 3, [1, 1, 1]),
        SymbolicInvalid("logit_p", [-np.inf, -np.inf, -np.inf], 3, [1, 1, 1]),
        SymbolicInvalid("logit_p", [np.nan, 0.0, 0.0], 3, [1, 1, 1]),
    ],
    observed=ObservedCase(dict(n=3, p=np.array([0.5, 0.5])), np.array([0.5, 2.5])),
    float32=Float32Property(
        "floatX=float32 with float32 logits: float32 logp within 1e-5 of the float64 oracle",
        _float32_cases(),
        "logit_p",
        _float32_oracle,
    ),
    draws=[
        DrawProperty(
            "draws_support_totals_and_mean",
            "draws are nonnegative integers summing to n, zero-probability categories stay 0, "
            "means within 5 standard errors",
            DrawCase("p", np.array([0, 1, 25]), np.array([0.1, 0.0, 0.3, 0.6])),
        ),
        DrawProperty(
            "draws_from_extreme_logits",
            "logits 0, -1e4, -inf, 2: the last two categories are never drawn, means match",
            DrawCase("logit_p", np.array(30), np.array([0.0, -1e4, -np.inf, 2.0]), 2000, 2),
        ),
        DrawProperty(
            "draws_float32_p_summing_above_one",
            "a valid float32 p whose sum rounds above 1 still draws, with the right totals",
            DrawCase("p", np.array(10), np.array([0.3, 0.3, 0.4000001], "float32"), 100, 3),
        ),
        DrawProperty(
            "draws_float32_p_summing_below_one",
            "a valid float32 p whose sum rounds below 1 never draws its zero-probability category",
            DrawCase("p", np.array(1000), np.array([0.5, 0.49999, 0.0], "float32"), 2000, 4),
        ),
    ],
)
