"""Extremes of the contract: huge ``n``, huge and tiny concentrations, exact totals, logcdf.

Properties of all three distributions that scipy cannot judge, checked against
an arbitrary-precision oracle (mpmath, 60 digits, inputs taken as their exact
float64 values; :mod:`pymc_bnn.testing.oracles`):

* ``Multinomial.huge_n_matches_mpmath``: ``n = 2**31 - 1``, ``2**40``,
  ``2**50`` with counts near ``n p``; relative 1e-10 (the textbook
  ``gammaln`` difference is off by 7e-5 relative at ``2**40``: it cancels two
  numbers near 3e13);
* ``Multinomial.totals_compared_exactly``: counts summing to ``n - 1`` with
  ``n = 2**53 + 1`` must give ``-inf`` (equal in float64);
* ``Multinomial.float32_mode_huge_n``: float32 logits with ``n = 1e6`` and
  ``2**25 + 1``; the float32 log-pmf within 1e-6 relative of the oracle (a
  float32 rounding of the exact value) and the gradient within 1e-6 * n of
  ``x - n softmax``;
* ``*.wrong_number_of_categories_refused``: a count vector of length 1 against
  three categories raises instead of broadcasting;
* ``DirichletMultinomial.huge_concentration_matches_mpmath``: ``a`` up to
  1e300; relative 1e-10;
* ``DirichletMultinomial.draws_tiny_concentration``: ``a = 1e-310`` draws
  counts summing to ``n``, each draw a vertex with probability ``a_k / sum a``;
* ``Categorical.logcdf_matches_oracle[p|logit_p]``: ``pm.logcdf`` exists and
  equals ``log sum_{k <= x} p_k`` (relative 1e-10, absolute 1e-12), for logits
  from ``log_softmax`` at any magnitude;
* ``Categorical.missing_labels_imputed_like_pymc``: NaN or masked labels are
  imputed as ``pm.Categorical`` does, the present ones still validated.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
from hypothesis import strategies as st
from scipy import special

from pymc_bnn.testing.contract.calls import (
    ConstantCall,
    LogpCall,
    _alias,
    _header,
    _literal,
    expect_logp,
    expect_rejected,
    fail,
    run_logp,
)
from pymc_bnn.testing.contract.registry import prop
from pymc_bnn.testing.contract.shared import DrawCase, check_draws, label_cases
from pymc_bnn.testing.implementations import Implementation
from pymc_bnn.testing.oracles import (
    categorical_logcdf_oracle,
    mpmath_dirichlet_multinomial_logpmf,
    mpmath_multinomial_logpmf,
    mpmath_softmax,
)
from pymc_bnn.testing.strategies import simplex_vectors

__all__ = ["CategoriesCase", "HugeCase", "LogcdfCall"]


@dataclass(frozen=True)
class HugeCase:
    """Counts ``x`` of ``n`` trials (any size) under ``theta`` (``p``, ``logit_p`` or ``a``)."""

    n: int
    x: np.ndarray
    theta: np.ndarray


def _near_mean(n: int, p: np.ndarray, shift: int = 0) -> np.ndarray:
    """Counts near ``n p`` summing to ``n`` exactly (integer arithmetic), moved by ``shift``."""
    x = [int(n * q) for q in p]  # Python ints: exact for any n
    x[-1] = n - sum(x[:-1])
    x[0] += shift
    x[-1] -= shift
    return np.array(x, dtype="int64")


def _check_mpmath(impl: Implementation, dist: str, kind: str, oracle, case: HugeCase) -> None:
    """``logp`` (int64 counts) within 1e-10 relative of the mpmath ``oracle``; no NaN gradient."""
    call = LogpCall(dist, kind, "int64", case.n, case.x, case.theta)
    logp, grad = run_logp(impl, call)
    expected = oracle(case.x, case.n, case.theta)
    expect_logp(impl, call, logp, expected, rtol=1e-10, atol=1e-12, grad=grad)


_P3 = np.array([0.1, 0.2, 0.7])
_P4 = np.array([0.25, 0.125, 0.5, 0.125])


@prop(
    "Multinomial",
    "huge_n_matches_mpmath",
    "n = 2**31 - 1 ... 2**50, counts near n p: logp within 1e-10 relative of mpmath",
    cases=[
        HugeCase(2**31 - 1, _near_mean(2**31 - 1, _P3, 12345), _P3),
        HugeCase(2**40, _near_mean(2**40, _P3, 777_777), _P3),
        HugeCase(2**40, _near_mean(2**40, _P4), _P4),
        HugeCase(2**50, _near_mean(2**50, _P3, -(10**7)), _P3),
    ],
)
def _huge_n(impl: Implementation, case: HugeCase) -> None:
    _check_mpmath(impl, "Multinomial", "p", mpmath_multinomial_logpmf, case)


@prop(
    "Multinomial",
    "totals_compared_exactly",
    "n = 2**53 + 1 with counts summing to n - 1 (equal in float64): logp is -inf",
    cases=[
        HugeCase(2**53 + 1, np.array([2**52, 2**52]), np.array([0.5, 0.5])),
        HugeCase(2**62, np.array([2**61, 2**61 - 1]), np.array([0.5, 0.5])),
    ],
)
def _exact_totals(impl: Implementation, case: HugeCase) -> None:
    call = LogpCall("Multinomial", "p", "int64", case.n, case.x, case.theta)
    logp, _ = run_logp(impl, call)
    expect_logp(impl, call, logp, -np.inf)


@prop(
    "Multinomial",
    "float32_mode_huge_n",
    "floatX=float32, n = 1e6 and 2**25 + 1: logp within 1e-6 relative of mpmath, "
    "gradient within 1e-6 n of x - n softmax",
    cases=[
        HugeCase(n, _near_mean(n, special.softmax(theta.astype("float64")), shift), theta)
        for n, shift in ((10**6, 300), (2**25 + 1, -2000))
        for theta in (np.array([0.0, 1.0, -1.0], dtype="float32"),)
    ],
)
def _float32_huge_n(impl: Implementation, case: HugeCase) -> None:
    call = LogpCall("Multinomial", "logit_p", "int64", case.n, case.x, case.theta, "float32")
    logp, grad = run_logp(impl, call)
    probs = mpmath_softmax(case.theta)
    expected = mpmath_multinomial_logpmf(case.x, case.n, [float(q) for q in probs])
    expect_logp(impl, call, logp, expected, rtol=1e-6, atol=0.0)
    grad_expected = case.x - case.n * special.softmax(case.theta.astype("float64"))
    if not np.allclose(grad, grad_expected, rtol=0, atol=1e-6 * case.n):
        raise fail(impl, call, "grad", "grad", np.asarray(grad), grad_expected)


@dataclass(frozen=True)
class CategoriesCase:
    """A count vector whose length differs from the number of categories of ``theta``."""

    n: int
    value: np.ndarray
    theta: np.ndarray


def _wrong_categories(impl: Implementation, dist: str, kind: str, case: CategoriesCase) -> None:
    call = ConstantCall(dist, kind, case.n, case.theta, case.value)
    expect_rejected(impl, call, lambda: call.run(impl))


_CATEGORIES_CASES = [
    CategoriesCase(3, np.array([3]), np.array([0.2, 0.3, 0.5])),
    CategoriesCase(3, np.array([1, 1, 1, 0]), np.array([0.2, 0.3, 0.5])),
]


@prop(
    "Multinomial",
    "wrong_number_of_categories_refused",
    "a count vector of length 1 (or 4) against 3 categories raises, never broadcasts",
    cases=_CATEGORIES_CASES,
)
def _multinomial_categories(impl: Implementation, case: CategoriesCase) -> None:
    _wrong_categories(impl, "Multinomial", "p", case)


@prop(
    "DirichletMultinomial",
    "wrong_number_of_categories_refused",
    "a count vector of length 1 (or 4) against 3 concentrations raises, never broadcasts",
    cases=[CategoriesCase(c.n, c.value, c.theta * 10) for c in _CATEGORIES_CASES],
)
def _dm_categories(impl: Implementation, case: CategoriesCase) -> None:
    _wrong_categories(impl, "DirichletMultinomial", "a", case)


@prop(
    "DirichletMultinomial",
    "huge_concentration_matches_mpmath",
    "a up to 1e300 (a = [1e15, 2e15]: truth -3.02): logp within 1e-10 relative of mpmath",
    cases=[
        HugeCase(5, np.array([2, 3]), np.array([1e15, 2e15])),
        HugeCase(40, np.array([10, 0, 30]), np.array([1e8, 1.0, 3e12])),
        HugeCase(7, np.array([3, 4]), np.array([1e300, 1e300])),
        HugeCase(1000, np.array([500, 500]), np.array([1e20, 1e20])),
    ],
)
def _huge_concentration(impl: Implementation, case: HugeCase) -> None:
    _check_mpmath(impl, "DirichletMultinomial", "a", mpmath_dirichlet_multinomial_logpmf, case)


@prop(
    "DirichletMultinomial",
    "draws_tiny_concentration",
    "a = 1e-310 (subnormal): draws are counts summing to n, vertex k with probability "
    "a_k / sum(a)",
    cases=[DrawCase("a", np.array(10), np.array([1e-310, 3e-310]), 2000, 5)],
)
def _draws_tiny(impl: Implementation, case: DrawCase) -> None:
    check_draws(impl, "DirichletMultinomial", case)


# --- Categorical logcdf ------------------------------------------------------------------------


@functools.cache
def _compile_logcdf(impl: Implementation, kind: str):
    value = pt.scalar("value", dtype="float64")
    theta = pt.vector("theta", dtype="float64")
    logcdf = pm.logcdf(impl.categorical(**{kind: theta}), value)
    return pytensor.function([value, theta], [logcdf, pt.grad(logcdf, theta)])


@dataclass(frozen=True)
class LogcdfCall:
    """``pm.logcdf(Categorical.dist(kind=theta), value)`` through a compiled-once function."""

    kind: str
    value: float
    theta: np.ndarray

    def run(self, impl: Implementation) -> tuple[np.ndarray, np.ndarray]:
        """``(logcdf, gradient)`` from ``impl``."""
        return _compile_logcdf(impl, self.kind)(self.value, self.theta)

    def code(self, impl: Implementation) -> list[str]:
        """The same computation as source; defines ``logcdf``."""
        ctor = f"{_alias(impl)}.Categorical.dist({self.kind}={_literal(self.theta)})"
        return [*_header(impl), f"logcdf = pm.logcdf({ctor}, {self.value!r}).eval()"]


@st.composite
def _logcdf_cases(draw, kind: str) -> LogcdfCall:
    case = draw(label_cases(kind) if kind == "logit_p" else st.builds(_p_case, simplex_vectors()))
    offset = draw(st.sampled_from([0.0, 0.0, 0.5, -1.0, 1.0]))
    return LogcdfCall(kind, float(case.label) + offset, case.theta)


@dataclass(frozen=True)
class _PCase:
    label: int
    theta: np.ndarray


def _p_case(theta: np.ndarray) -> _PCase:
    return _PCase(len(theta) // 2, theta)


@prop(
    "Categorical",
    "logcdf_matches_oracle",
    "pm.logcdf exists and equals log sum(p[:x + 1]) ({param}; logits at any magnitude)",
    strategy=_logcdf_cases,
    params=("p", "logit_p"),
)
def _logcdf(impl: Implementation, call: LogcdfCall, kind: str) -> None:
    _check_logcdf(impl, call)


@prop(
    "Categorical",
    "logcdf_logit_extreme",
    "logits 1000 apart: logcdf(0) is -1000 (softmax underflows), the upper tail exact",
    cases=[
        LogcdfCall("logit_p", 0.0, np.array([0.0, 1000.0])),
        LogcdfCall("logit_p", 1.0, np.array([0.0, 0.0, -40.0])),
    ],
)
def _check_logcdf(impl: Implementation, call: LogcdfCall) -> None:
    kind = call.kind
    try:
        logcdf, grad = call.run(impl)
    except Exception as err:
        got = f"{type(err).__name__}: {err}"
        raise fail(impl, call, "logcdf", "logcdf", got, "a value") from err
    probs = mpmath_softmax(call.theta) if kind == "logit_p" else call.theta
    expected = categorical_logcdf_oracle(call.value, probs)
    if not np.isclose(logcdf, expected, rtol=1e-10, atol=1e-12) and not (
        np.isneginf(logcdf) and np.isneginf(expected)
    ):
        raise fail(impl, call, "logcdf", "logcdf", float(logcdf), expected)
    if np.isnan(grad).any():
        raise fail(impl, call, "grad", "grad", grad, "no NaN")


# --- missing labels ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MissingLabelsCall:
    """``Categorical("y", p=p, observed=labels)`` with missing labels (NaN or masked)."""

    p: np.ndarray
    labels: np.ndarray
    masked: bool = False

    def observed(self) -> np.ndarray:
        """The observed data as the user passes it."""
        if self.masked:
            return np.ma.masked_invalid(self.labels)
        return self.labels

    def run(self, impl: Implementation) -> tuple[list[str], float]:
        """The free variables' names and the model logp at the initial point."""
        with pm.Model() as model:
            impl.distribution_class("Categorical")("y", p=self.p, observed=self.observed())
        names = [v.name for v in model.free_RVs]
        return names, float(model.compile_logp()(model.initial_point()))

    def code(self, impl: Implementation) -> list[str]:
        """The same model as source; defines ``names`` and ``logp``."""
        labels = _literal(self.labels)
        observed = f"np.ma.masked_invalid({labels})" if self.masked else labels
        return [
            *_header(impl),
            "with pm.Model() as model:",
            f'    {_alias(impl)}.Categorical("y", p={_literal(self.p)}, observed={observed})',
            "names = [v.name for v in model.free_RVs]",
            "logp = model.compile_logp()(model.initial_point())",
        ]


@prop(
    "Categorical",
    "missing_labels_imputed_like_pymc",
    "NaN or masked labels are imputed (a y_unobserved variable), the present ones validated; "
    "model logp at the initial point is sum(log p[labels]) + log p[mode] per missing label",
    cases=[
        MissingLabelsCall(np.array([0.2, 0.3, 0.5]), np.array([0.0, np.nan, 2.0, 1.0])),
        MissingLabelsCall(np.array([0.6, 0.4]), np.array([1.0, np.nan, np.nan]), masked=True),
    ],
)
def _missing_labels(impl: Implementation, call: MissingLabelsCall) -> None:
    try:
        names, logp = call.run(impl)
    except Exception as err:
        got = f"{type(err).__name__}: {err}"
        raise fail(impl, call, "model", "names", got, "['y_unobserved']") from err
    if names != ["y_unobserved"]:
        raise fail(impl, call, "free variables", "names", names, ["y_unobserved"])
    present = ~np.isnan(call.labels)
    log_p = np.log(call.p)
    # the initial value of a missing label is the support point: the most probable class
    expected = log_p[call.labels[present].astype(int)].sum() + (~present).sum() * log_p.max()
    expect_logp(impl, call, logp, expected)
