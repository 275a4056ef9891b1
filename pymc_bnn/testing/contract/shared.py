"""Cases and checks that several distributions share, and the properties they all have.

Each distribution module registers its own properties (name, summary, cases),
calling :func:`check_exact` and :func:`check_constant` for exact values.  The
points every distribution has in common (values off the support, invalid
constant and symbolic parameters, non-integer observed data, float32 mode and
draws) are registered by :func:`register_standard_properties` from a table that
each distribution module fills with what is its own: its cases, strategies,
float32 oracle and summaries.  The cases are frozen dataclasses, so a report
prints their fields (:func:`~pymc_bnn.testing.contract.case_text`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from pymc.logprob.utils import ParameterValueError
from scipy import special

from pymc_bnn.testing.contract.calls import (
    ConstantCall,
    DrawCall,
    LogpCall,
    ModelCall,
    expect_logp,
    expect_rejected,
    fail,
    run_logp,
)
from pymc_bnn.testing.contract.registry import prop
from pymc_bnn.testing.implementations import Implementation
from pymc_bnn.testing.strategies import logit_vectors, simplex_vectors

__all__ = [
    "ROUNDED_P",
    "DrawCase",
    "DrawProperty",
    "ExactCase",
    "Float32Case",
    "Float32Property",
    "InvalidParams",
    "LabelCase",
    "ObservedCase",
    "OffSupportCase",
    "OffSupportProperty",
    "SymbolicInvalid",
    "check_constant",
    "check_draws",
    "check_exact",
    "check_float32",
    "check_invalid_constant",
    "check_invalid_symbolic",
    "check_observed",
    "check_off_support",
    "float32_logits",
    "label_cases",
    "largest_n",
    "register_standard_properties",
]

#: Probabilities rounded to six digits: inside PyMC's np.isclose tolerance on sum(p),
#: far outside float64 rounding.
ROUNDED_P = [0.2, 0.3, 0.500001]


def largest_n(dtype: str) -> int:
    """The largest ``n`` drawn for counts of integer ``dtype``: its maximum, at most 1000.

    Examples
    --------
    >>> largest_n("int8"), largest_n("uint16")
    (127, 1000)
    """
    return int(min(np.iinfo(dtype).max, 1000))


# --- exact values --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExactCase:
    """A value whose log-probability is known exactly."""

    kind: str
    n: Any
    value: Any
    theta: list
    expected: float


def check_exact(impl: Implementation, dist: str, case: ExactCase) -> None:
    """``logp`` through a compiled function (int64 value) equals ``case.expected``.

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC_BNN
    >>> check_exact(PYMC_BNN, "Categorical", ExactCase("p", None, 0, [1.0], 0.0))
    """
    call = LogpCall(dist, case.kind, "int64", case.n, case.value, np.asarray(case.theta))
    logp, _ = run_logp(impl, call)
    expect_logp(impl, call, logp, case.expected)


def check_constant(impl: Implementation, dist: str, case: ExactCase) -> None:
    """``logp`` with constant inputs (``pm.logp(...).eval()``) equals ``case.expected``.

    The parameter keeps the dtype of ``np.asarray(case.theta)``: a list of
    ints is an integer-typed ``p`` (or ``a``), as a user writes ``p=[0, 1]``;
    ``case.n`` is passed as given.

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC_BNN
    >>> case = ExactCase("logit_p", None, 1, [0.0, -1000.0], -1000.0)
    >>> check_constant(PYMC_BNN, "Categorical", case)
    >>> check_constant(PYMC_BNN, "Categorical", ExactCase("p", None, 1, [0, 1], 0.0))
    """
    call = ConstantCall(dist, case.kind, case.n, np.asarray(case.theta), np.asarray(case.value))
    expect_logp(impl, call, run_logp(impl, call), case.expected)


# --- values off the support ----------------------------------------------------------------


@dataclass(frozen=True)
class OffSupportCase:
    """A value off the support: negative, non-integer, or the wrong total/label."""

    n: float | None
    value: Any
    theta: np.ndarray


def check_off_support(impl: Implementation, dist: str, kind: str, case: OffSupportCase) -> None:
    """A value off the support has ``logp`` ``-inf`` (float64 value), no error, no NaN gradient.

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC_BNN
    >>> case = OffSupportCase(None, 0.5, np.array([0.5, 0.5]))
    >>> check_off_support(PYMC_BNN, "Categorical", "p", case)
    """
    call = LogpCall(dist, kind, "float64", case.n, case.value, case.theta)
    logp, grad = run_logp(impl, call)
    expect_logp(impl, call, logp, -np.inf, grad=grad)


# --- invalid parameters --------------------------------------------------------------------


@dataclass(frozen=True)
class InvalidParams:
    """Invalid constant parameters, and the message pymc_bnn's ``ValueError`` must match."""

    kwargs: dict
    match: str
    value: Any = None


def check_invalid_constant(impl: Implementation, dist: str, case: InvalidParams) -> None:
    """Invalid constant parameters raise (any exception) when the ``logp`` is built or run.

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC_BNN
    >>> case = InvalidParams(dict(p=[0.2, 0.2]), "p must sum to 1", 0)
    >>> check_invalid_constant(PYMC_BNN, "Categorical", case)
    """
    kwargs = dict(case.kwargs)
    n = kwargs.pop("n", None)
    ((kind, theta),) = kwargs.items()
    call = ConstantCall(dist, kind, n, np.asarray(theta, dtype="float64"), np.asarray(case.value))
    expect_rejected(impl, call, lambda: call.run(impl))


@dataclass(frozen=True)
class SymbolicInvalid:
    """Invalid parameters fed to a compiled function with symbolic inputs."""

    kind: str
    theta: list
    n: float | None = None
    value: Any = 1
    value_dtype: str = "int64"


def check_invalid_symbolic(impl: Implementation, dist: str, case: SymbolicInvalid) -> None:
    """Invalid symbolic parameters make the compiled ``logp`` raise PyMC's ``ParameterValueError``.

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC_BNN
    >>> check_invalid_symbolic(PYMC_BNN, "Categorical", SymbolicInvalid("p", [0.2, 0.2]))
    """
    kind = "a" if dist == "DirichletMultinomial" else case.kind
    call = LogpCall(dist, kind, case.value_dtype, case.n, case.value, np.asarray(case.theta))
    expect_rejected(impl, call, lambda: call.run(impl)[0], ParameterValueError)


# --- labels --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelCase:
    """A label and a parameter vector (``p`` or ``logit_p``)."""

    label: Any
    theta: np.ndarray


@st.composite
def label_cases(draw, kind: str = "logit_p", allow_neg_inf: bool = True) -> LabelCase:
    """A label in the support of a drawn ``p`` or ``logit_p`` (``kind``).

    Examples
    --------
    >>> case = label_cases("p").example()
    >>> bool(0 <= case.label < len(case.theta))
    True
    """
    if kind == "logit_p":
        theta = draw(logit_vectors(allow_neg_inf=allow_neg_inf))
    else:
        theta = draw(simplex_vectors())
    return LabelCase(draw(st.integers(0, len(theta) - 1)), theta)


# --- float32 mode --------------------------------------------------------------------------


@dataclass(frozen=True)
class Float32Case:
    """Inputs for float32 mode: float32 parameter, int64 value and ``n``."""

    n: int | None
    value: Any
    theta: np.ndarray


def float32_logits(k: int, scale: float) -> st.SearchStrategy[np.ndarray]:
    """float32 logit vectors of length ``k`` with entries in ``[-scale, scale]``.

    Examples
    --------
    >>> float32_logits(3, 10.0).example().dtype
    dtype('float32')
    """
    return st.lists(st.floats(-scale, scale, width=32), min_size=k, max_size=k).map(
        lambda x: np.array(x, dtype="float32")
    )


def check_float32(
    impl: Implementation, call: LogpCall, expected: float, rtol: float, atol: float
) -> None:
    """In float32 mode ``logp`` is float32, near the float64 ``expected``, with a finite gradient.

    ``logp`` must be within ``rtol``/``atol`` of ``expected``, and the
    gradient finite wherever ``logp`` is.

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC_BNN
    >>> theta = np.array([0.0, 1.0], dtype="float32")
    >>> call = LogpCall("Categorical", "logit_p", "int64", None, 1, theta, "float32")
    >>> check_float32(PYMC_BNN, call, float(special.log_softmax([0.0, 1.0])[1]), 1e-5, 1e-4)
    """
    logp, grad = run_logp(impl, call)
    if np.asarray(logp).dtype != np.float32:
        raise fail(impl, call, "logp dtype", "logp.dtype", np.asarray(logp).dtype, "float32")
    expect_logp(impl, call, logp, expected, rtol, atol)
    if np.isfinite(logp) and not np.isfinite(grad).all():
        raise fail(impl, call, "grad", "grad", grad, "finite")


# --- draws ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawCase:
    """Draws with parameter ``kind`` (p, logit_p or a) and ``n`` trials (Categorical: None)."""

    kind: str
    n: Any
    theta: np.ndarray
    draws: int = 4000
    seed: int = 1


def _category_probs(kind: str, theta) -> np.ndarray:
    theta = np.asarray(theta, dtype="float64")
    if kind == "logit_p":
        return special.softmax(theta, axis=-1)
    # p, or a Dirichlet concentration a: the mean probabilities are a / sum(a)
    return theta / theta.sum(-1, keepdims=True)


def check_draws(impl: Implementation, dist: str, case: DrawCase) -> None:
    """Draws lie in the support, avoid zero-probability categories, and have the right mean.

    Every draw is an integer in the support (labels in ``0..K-1``; counts
    nonnegative and summing to ``n``), no zero-probability category is ever
    drawn, and the mean counts lie within 5 standard errors of ``n p`` (the
    Dirichlet-multinomial's variance is the multinomial's times
    ``(n + sum a) / (1 + sum a)``).

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC_BNN
    >>> check_draws(PYMC_BNN, "Categorical", DrawCase("p", None, np.array([0.5, 0.5]), 100))
    """
    call = DrawCall(dist, case.kind, case.n, case.theta, case.draws, case.seed)
    try:
        d = call.run(impl)
    except Exception as err:
        raise fail(impl, call, "draws", "d", f"{type(err).__name__}: {err}", "draws") from err
    probs = _category_probs(case.kind, case.theta)
    k = probs.shape[-1]
    if d.dtype.kind not in "iu":
        raise fail(impl, call, "dtype", "d.dtype", d.dtype, "an integer dtype")
    if dist == "Categorical":
        if d.min() < 0 or d.max() > k - 1:
            got = f"labels {d.min()} to {d.max()}"
            raise fail(impl, call, "labels", "d.min(), d.max()", got, f"in 0..{k - 1}")
        onehot = np.eye(k, dtype="int64")[d]
        n = np.ones(d.shape[1:], dtype="int64")
    else:
        onehot = d
        n = np.broadcast_to(case.n, d.shape[1:-1])
        if (d < 0).any():
            raise fail(impl, call, "min count", "d.min()", d.min(), ">= 0")
        totals = d.sum(-1)
        if (totals != n).any():
            raise fail(impl, call, "totals", "np.unique(d.sum(-1))", np.unique(totals), n)
    drawn_zero = onehot[np.broadcast_to(probs == 0, onehot.shape)]
    if drawn_zero.any():
        zero = np.flatnonzero(np.atleast_2d(probs)[0] == 0).tolist()
        expr = f"np.isin(d, {zero}).sum()" if dist == "Categorical" else f"d[..., {zero}].sum()"
        raise fail(impl, call, "draws of zero-probability categories", expr, drawn_zero.sum(), 0)
    mean = onehot.mean(0)
    expected = n[..., None] * probs
    var = n[..., None] * probs * (1 - probs)
    if dist == "DirichletMultinomial":
        total = np.asarray(case.theta, dtype="float64").sum(-1, keepdims=True)
        var = var * (n[..., None] + total) / (1 + total)
    se = np.sqrt(var / case.draws)
    if np.any(np.abs(mean - expected) > 5 * se + 1e-12):
        expr = "d.mean(0)" if dist != "Categorical" else f"np.bincount(d.ravel(), minlength={k})"
        raise fail(impl, call, "mean counts", expr, mean, expected)


# --- observed data -------------------------------------------------------------------------


@dataclass(frozen=True)
class ObservedCase:
    """Non-integer observed data, which PyMC would silently truncate to its integer dtype."""

    params: dict
    observed: np.ndarray


def check_observed(impl: Implementation, dist: str, case: ObservedCase) -> None:
    """Registering ``case.observed`` as ``dist``'s observed data raises a ``ValueError``.

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC_BNN
    >>> case = ObservedCase(dict(p=np.array([0.5, 0.5])), np.array([0.5, 1.0]))
    >>> check_observed(PYMC_BNN, "Categorical", case)
    """
    call = ModelCall(dist, case.params, case.observed)
    try:
        stored = call.run(impl)
    except ValueError:
        return
    expr = 'model.rvs_to_values[model["y"]].data'
    raise fail(impl, call, "observed data", expr, stored, "a ValueError (non-integer data)")


# --- the properties every distribution has -------------------------------------------------


@dataclass(frozen=True)
class OffSupportProperty:
    """A distribution's values off the support, checked by :func:`check_off_support`.

    With ``kinds`` (e.g. ``("p", "logit_p")``) one property per kind, named
    ``name[kind]``, whose cases ``strategy(kind)`` draws; without, one property
    of the concentration ``a``, whose cases ``strategy`` draws.
    """

    name: str
    summary: str
    strategy: st.SearchStrategy | Callable[[str], st.SearchStrategy]
    kinds: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Float32Property:
    """A distribution's float32 mode, checked by :func:`check_float32`.

    ``strategy`` draws :class:`Float32Case` cases; the parameter is passed as
    ``kind``; ``oracle(case)`` is the float64 log-probability the float32 one
    must be within ``rtol`` / ``atol`` of (1e-5 unless given).
    """

    summary: str
    strategy: st.SearchStrategy
    kind: str
    oracle: Callable[[Float32Case], float]
    rtol: float = 1e-5
    atol: float = 1e-5


@dataclass(frozen=True)
class DrawProperty:
    """One property of draws, checked by :func:`check_draws` on ``case``."""

    name: str
    summary: str
    case: DrawCase


def register_standard_properties(
    distribution: str,
    *,
    off_support: OffSupportProperty,
    invalid_summary: str,
    invalid_constant: Sequence[InvalidParams],
    invalid_symbolic: Sequence[SymbolicInvalid],
    observed: ObservedCase,
    float32: Float32Property,
    draws: Sequence[DrawProperty],
) -> None:
    """Register the properties every distribution has, from ``distribution``'s own table.

    In this order: values off the support give ``-inf``
    (:func:`check_off_support`); ``invalid_constant_parameters_rejected``
    (:func:`check_invalid_constant`, summary ``invalid_summary``);
    ``invalid_symbolic_parameters_rejected`` (:func:`check_invalid_symbolic`);
    ``non_integer_observed_data_rejected`` (:func:`check_observed` on
    ``observed``); ``float32_mode`` (:func:`check_float32`); one property per
    entry of ``draws`` (:func:`check_draws`).  Each distribution module calls
    it once, after its own properties.

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC_BNN
    >>> from pymc_bnn.testing.contract import get
    >>> p = get("DirichletMultinomial", "non_integer_observed_data_rejected")
    >>> p.summary
    'non-integer observed data raises a ValueError instead of being truncated'
    >>> p.check(PYMC_BNN, p.cases[0])
    """

    def values_off_support(impl: Implementation, case: OffSupportCase, kind: str = "a") -> None:
        check_off_support(impl, distribution, kind, case)

    def invalid_constant_parameters(impl: Implementation, case: InvalidParams) -> None:
        check_invalid_constant(impl, distribution, case)

    def invalid_symbolic_parameters(impl: Implementation, case: SymbolicInvalid) -> None:
        check_invalid_symbolic(impl, distribution, case)

    def non_integer_observed(impl: Implementation, case: ObservedCase) -> None:
        check_observed(impl, distribution, case)

    def float32_mode(impl: Implementation, case: Float32Case) -> None:
        call = LogpCall(
            distribution, float32.kind, "int64", case.n, case.value, case.theta, "float32"
        )
        check_float32(impl, call, float32.oracle(case), float32.rtol, float32.atol)

    register = functools.partial(prop, distribution)
    register(
        off_support.name,
        off_support.summary,
        strategy=off_support.strategy,
        params=off_support.kinds,
    )(values_off_support)
    register("invalid_constant_parameters_rejected", invalid_summary, cases=invalid_constant)(
        invalid_constant_parameters
    )
    register(
        "invalid_symbolic_parameters_rejected",
        "the same invalid parameters as symbolic inputs fail PyMC's parameter check",
        cases=invalid_symbolic,
    )(invalid_symbolic_parameters)
    register(
        "non_integer_observed_data_rejected",
        "non-integer observed data raises a ValueError instead of being truncated",
        cases=[observed],
    )(non_integer_observed)
    register("float32_mode", float32.summary, strategy=float32.strategy)(float32_mode)
    for entry in draws:
        # a check of its own for each entry: one check registered twice would put the
        # second property before the first (the order of stacked decorators)
        def draws_property(impl: Implementation, case: DrawCase) -> None:
            check_draws(impl, distribution, case)

        register(entry.name, entry.summary, cases=[entry.case])(draws_property)
