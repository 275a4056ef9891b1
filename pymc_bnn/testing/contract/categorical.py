"""The contract of ``Categorical(p)`` and ``Categorical(logit_p)``.

Oracles: ``log p[label]``, ``log_softmax(logit_p)[label]`` with the closed-form
gradient ``onehot(label) - softmax(logit_p)``, and the one-trial
``Multinomial``.  Tolerances: relative 1e-10, absolute 1e-12 in float64 (the
log-probability is a single ``log_softmax`` entry, exact to a few ulps), 1e-9
relative on gradients, 1e-5 in float32 mode; draw frequencies within 5
standard errors.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from scipy import special

from pymc_bnn.testing.contract.calls import LogpCall, expect_logp, fail, run_logp
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
    register_standard_properties,
)
from pymc_bnn.testing.implementations import Implementation
from pymc_bnn.testing.oracles import categorical_logp_oracle, categorical_logpmf_grad_logits
from pymc_bnn.testing.strategies import INTEGER_DTYPES, logit_vectors, simplex_vectors

__all__ = ["INVALID_PARAMETERS"]


# --- logp(p) for every integer dtype of the label ---------------------------------------------


@prop(
    "Categorical",
    "logp_p_matches_oracle",
    "logp(p) equals log(p[label]) for a label of dtype {param}; no NaN gradient",
    strategy=label_cases("p"),
    params=INTEGER_DTYPES,
)
def _logp_p_matches_oracle(impl: Implementation, case: LabelCase, dtype: str) -> None:
    call = LogpCall("Categorical", "p", dtype, None, case.label, case.theta)
    logp, grad = run_logp(impl, call)
    with np.errstate(divide="ignore"):
        expected = np.log(case.theta[case.label])
    expect_logp(impl, call, logp, expected, grad=grad)


@prop(
    "Categorical",
    "zero_probability_label",
    "a label of probability 0 has logp -inf, others are exact; no NaN gradient",
    cases=[
        ExactCase("p", None, 0, [0.0, 0.25, 0.75], -np.inf),
        ExactCase("p", None, 2, [0.0, 0.25, 0.75], float(np.log(0.75))),
    ],
)
@prop(
    "Categorical",
    "single_category",
    "one category: label 0 has logp 0, label 1 has -inf",
    cases=[
        ExactCase(kind, None, label, theta, expected)
        for kind, theta in (("p", [1.0]), ("logit_p", [-7.0]))
        for label, expected in ((0, 0.0), (1, -np.inf))
    ],
)
def _exact(impl: Implementation, case: ExactCase) -> None:
    check_exact(impl, "Categorical", case)


# --- logits ----------------------------------------------------------------------------------


@prop(
    "Categorical",
    "logit_p_exact_at_any_magnitude",
    "logp(logit_p) = log_softmax(logit_p)[label] with gradient onehot - softmax, "
    "for finite logits up to 1e4",
    strategy=label_cases(allow_neg_inf=False),
    examples=[LabelCase(1, np.array([0.0, -1000.0])), LabelCase(2, np.array([1e4, -1e4, 0.0]))],
)
@prop(
    "Categorical",
    "logit_p_with_minus_inf_entries",
    "logits with -inf entries (probability 0): exact logp, gradient onehot - softmax, no NaN",
    strategy=label_cases().filter(lambda case: bool(np.isneginf(case.theta).any())),
)
def _logp_logit_p(impl: Implementation, case: LabelCase) -> None:
    call = LogpCall("Categorical", "logit_p", "int64", None, case.label, case.theta)
    logp, grad = run_logp(impl, call)
    expected = special.log_softmax(case.theta)[case.label]
    grad_expected = categorical_logpmf_grad_logits(case.label, case.theta)
    expect_logp(
        impl, call, logp, expected, grad=grad, grad_expected=grad_expected, grad_atol=1e-12
    )
    if np.isfinite(logp) and not np.isfinite(grad).all():
        raise fail(impl, call, "grad", "grad", grad, grad_expected)


@prop(
    "Categorical",
    "logit_p_constant_extreme",
    "constant logits far apart (softmax underflows): logp stays exact",
    cases=[
        ExactCase("logit_p", None, 1, [0.0, -1000.0], -1000.0),
        ExactCase("logit_p", None, 2, [1e4, -1e4, 0.0], -1e4),
    ],
)
@prop(
    "Categorical",
    "integer_typed_p",
    "an integer-typed constant p (p=[0, 1]) is a probability vector: exact logp, no error",
    cases=[
        ExactCase("p", None, 1, [0, 1], 0.0),
        ExactCase("p", None, 0, [0, 1], -np.inf),
        ExactCase("p", None, 2, np.array([0, 0, 1], dtype="int8").tolist(), 0.0),
    ],
)
@prop(
    "Categorical",
    "rounded_constant_p_renormalized",
    "a constant p within PyMC's tolerance of the simplex is used as p / sum(p)",
    cases=[
        ExactCase("p", None, label, ROUNDED_P, float(np.log(ROUNDED_P[label] / sum(ROUNDED_P))))
        for label in (0, 2)
    ],
)
def _constant(impl: Implementation, case: ExactCase) -> None:
    check_constant(impl, "Categorical", case)


@prop(
    "Categorical",
    "equals_one_trial_multinomial",
    "Categorical(logit_p) at a label equals Multinomial(1, logit_p) at its one-hot vector",
    strategy=label_cases(),
)
def _equals_one_trial_multinomial(impl: Implementation, case: LabelCase) -> None:
    onehot = np.eye(len(case.theta), dtype="int64")[case.label]
    cat_call = LogpCall("Categorical", "logit_p", "int64", None, case.label, case.theta)
    multi_call = LogpCall("Multinomial", "logit_p", "int64", 1, onehot, case.theta)
    cat, cat_grad = run_logp(impl, cat_call)
    multi, multi_grad = run_logp(impl, multi_call)
    expect_logp(
        impl, cat_call, cat, multi, grad=cat_grad, grad_expected=multi_grad, grad_atol=1e-12
    )


# --- labels off the support and invalid parameters --------------------------------------------


@st.composite
def _labels_off_support(draw, kind: str) -> OffSupportCase:
    theta = draw(simplex_vectors() if kind == "p" else logit_vectors())
    k = len(theta)
    label = draw(
        st.one_of(
            st.integers(-1000, -1),
            st.integers(k, k + 1000),
            st.floats(-10, k + 10).filter(lambda x: x != np.floor(x)),
        )
    )
    assert categorical_logp_oracle(label, np.zeros(k)) == -np.inf
    return OffSupportCase(None, float(label), theta)


#: Invalid constant parameters; any implementation must reject them (raise), and
#: pymc_bnn's ``.dist`` raises a ``ValueError`` matching ``match``.
INVALID_PARAMETERS = (
    InvalidParams(dict(p=[-0.2, 0.7, 0.5]), "p must be nonnegative", 0),
    InvalidParams(dict(p=[0.2, 0.2]), "p must sum to 1", 0),
    InvalidParams(dict(logit_p=[0.0, np.inf]), r"logit_p must not contain \+inf", 0),
    InvalidParams(dict(logit_p=[-np.inf, -np.inf]), "at least one finite entry", 0),
    InvalidParams(dict(logit_p=[np.nan, 0.0]), "logit_p must not contain NaN", 0),
    InvalidParams(dict(logit_p=1.0), "at least one dimension", 0),
)


# --- float32 mode ---------------------------------------------------------------------------


@st.composite
def _float32_cases(draw) -> Float32Case:
    theta = draw(st.integers(2, 7).flatmap(lambda k: float32_logits(k, 150.0)))
    return Float32Case(None, draw(st.integers(0, len(theta) - 1)), theta)


def _float32_oracle(case: Float32Case) -> float:
    return special.log_softmax(case.theta.astype("float64"))[case.value]


# --- the properties every distribution has ---------------------------------------------------


register_standard_properties(
    "Categorical",
    off_support=OffSupportProperty(
        "labels_off_support_are_minus_inf",
        "negative, too large or non-integer labels give -inf (no error, no NaN)",
        _labels_off_support,
        kinds=("p", "logit_p"),
    ),
    invalid_summary="p off the simplex, +inf/NaN/all -inf logits, a scalar parameter: an error",
    invalid_constant=INVALID_PARAMETERS,
    invalid_symbolic=[
        SymbolicInvalid("p", [0.2, 0.2, 0.2]),
        SymbolicInvalid("p", [-0.5, 0.5, 1.0]),
        SymbolicInvalid("logit_p", [0.0, np.inf, 1.0]),
        SymbolicInvalid("logit_p", [-np.inf, -np.inf, -np.inf]),
        SymbolicInvalid("logit_p", [np.nan, 0.0, 0.0]),
    ],
    observed=ObservedCase(dict(p=np.array([0.5, 0.5])), np.array([0.5, 1.0])),
    float32=Float32Property(
        "floatX=float32 with float32 logits up to 150: float32 logp within 1e-5 of log_softmax",
        _float32_cases(),
        "logit_p",
        _float32_oracle,
        atol=1e-4,
    ),
    draws=[
        DrawProperty(
            "draws_frequencies_and_zero_probability",
            "labels lie in the support, a zero-probability label is never drawn, "
            "frequencies within 5 standard errors",
            DrawCase("p", None, np.array([0.5, 0.0, 0.2, 0.3]), 20000, 1),
        ),
        DrawProperty(
            "draws_from_extreme_and_batched_logits",
            "logits 0, -1e4, -inf (and a batch row 5, 5, -inf): -1e4 and -inf never drawn",
            DrawCase("logit_p", None, np.array([[0.0, -1e4, -np.inf], [5.0, 5.0, -np.inf]])),
        ),
        DrawProperty(
            "draws_float32_p_summing_above_one",
            "a valid float32 p whose sum rounds above 1 draws labels in range",
            DrawCase("p", None, np.array([0.3, 0.3, 0.4000001], "float32"), 500, 3),
        ),
        DrawProperty(
            "draws_float32_p_summing_below_one",
            "a valid float32 p whose sum rounds below 1 never draws the label K",
            DrawCase("p", None, np.array([0.3, 0.69999], "float32"), 200000, 4),
        ),
    ],
)
