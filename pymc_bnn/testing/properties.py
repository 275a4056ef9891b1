"""The contract of the multiclass likelihoods, written once for any implementation.

Each :class:`Property` is one point of the contract of ``Categorical``,
``Multinomial`` and ``DirichletMultinomial``: a hypothesis strategy (or a
table of cases) and a check that takes an :class:`~pymc_bnn.testing.Implementation`
and one case.  The pytest suite runs every property against
:data:`~pymc_bnn.testing.PYMC_BNN`; ``pymc-bnn check-upstream``
(:mod:`pymc_bnn.testing.conformance`) runs the same objects against PyMC's
distributions and turns each failure into a bug report.

A failing check raises :class:`PropertyFailure` (an ``AssertionError``) that
carries the quantity, the actual and expected values, and a reproducer: plain
``numpy``/``pymc``/``pytensor`` code that shows the wrong value when run on
its own.

Tolerances (the oracles are scipy or exact closed forms): relative 1e-10 and
absolute 1e-12 on float64 log-probabilities; 1e-9 on gradients;
relative 1e-9 / absolute 1e-9 for the Dirichlet-multinomial, whose log-pmf
is a difference of ``gammaln`` terms up to about 1e4; about 1e-5 in float32
mode.  Draws: every mean within 5 standard errors.

Examples
--------
>>> from pymc_bnn.testing import PYMC_BNN
>>> prop = get("Categorical", "single_category")
>>> for case in prop.cases:
...     prop.check(PYMC_BNN, case)
>>> len(select(distribution="DirichletMultinomial")) > 5
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
from hypothesis import assume
from hypothesis import strategies as st
from pymc.logprob.utils import ParameterValueError
from scipy import special, stats

from pymc_bnn.testing import (
    INTEGER_DTYPES,
    Implementation,
    MultinomialCase,
    categorical_logp_oracle,
    categorical_logpmf_grad_logits,
    compile_categorical,
    compile_dirichlet_multinomial,
    compile_multinomial,
    concentration_vectors,
    count_vectors,
    invalid_count_vectors,
    logit_vectors,
    multinomial_cases,
    multinomial_grad_logits,
    multinomial_logpmf_oracle,
    scipy_dirichlet_multinomial_logpmf,
    scipy_multinomial_logpmf,
    simplex_vectors,
)
from pymc_bnn.testing.conformance import DISTRIBUTIONS

__all__ = [
    "DISTRIBUTIONS",
    "PROPERTIES",
    "Property",
    "PropertyFailure",
    "get",
    "select",
]


RTOL, ATOL = 1e-10, 1e-12
GRAD_RTOL = 1e-9
DM_RTOL, DM_ATOL = 1e-9, 1e-9


# --- failures and reproducers -------------------------------------------------------------


class PropertyFailure(AssertionError):
    """A property does not hold: what was computed, what was expected, and how to see it.

    Attributes
    ----------
    quantity : str
        What was compared, e.g. ``"logp"`` or ``"max label"``.
    actual, expected : str
        The two values, as text.
    reproducer : str
        Stand-alone Python code whose last line prints the actual value.
    """

    def __init__(self, quantity: str, actual: Any, expected: Any, reproducer: str):
        self.quantity = quantity
        self.actual = _text(actual)
        self.expected = _text(expected)
        self.reproducer = reproducer
        super().__init__(
            f"{quantity}: got {self.actual}, expected {self.expected}\nreproducer:\n{reproducer}"
        )


def _text(x: Any) -> str:
    if isinstance(x, str):
        return x
    with np.printoptions(precision=17, threshold=20):
        return repr(x) if isinstance(x, float) else str(np.asarray(x) if np.ndim(x) else x)


def _num(v) -> str:
    v = v.item() if isinstance(v, np.generic) else v
    if v is None:
        return "None"
    if isinstance(v, bool | np.bool_):
        return repr(bool(v))
    if isinstance(v, int):
        return str(v)
    v = float(v)
    if np.isnan(v):
        return "np.nan"
    if np.isinf(v):
        return "np.inf" if v > 0 else "-np.inf"
    return repr(v)


def _lit(x) -> str:
    """Python source for ``x``: a number, or an ``np.array`` with its dtype."""
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        if isinstance(x, np.generic):
            return f"np.{x.dtype.name}({_num(x)})"
        return _num(x)
    x = np.asarray(x)

    def nested(a):
        return "[" + ", ".join(nested(b) if np.ndim(b) else _num(b) for b in a) + "]"

    body = _num(x[()]) if x.ndim == 0 else nested(x)
    return f"np.array({body}, dtype={x.dtype.name!r})"


def _module(impl: Implementation) -> str:
    return "pm" if impl.module == "pymc" else "pb"


def _header(impl: Implementation, float32: bool = False) -> list[str]:
    lines = ["import numpy as np, pymc as pm, pytensor, pytensor.tensor as pt"]
    if impl.module != "pymc":
        lines.append(f"import {impl.module} as pb")
    if float32:
        lines.append('pytensor.config.floatX = "float32"')
    return lines


def _ctor_code(impl: Implementation, dist: str, kind: str, n: str, theta: str, extra="") -> str:
    mod = _module(impl)
    if dist == "Categorical":
        return f"{mod}.Categorical.dist({kind}={theta}{extra})"
    if dist == "DirichletMultinomial":
        return f"{mod}.DirichletMultinomial.dist({n}, a={theta}{extra})"
    if kind == "logit_p" and impl.module == "pymc":
        # pm.Multinomial takes no logit_p: a user converts with softmax.
        return f"pm.Multinomial.dist({n}, p=pm.math.softmax({theta}, axis=-1){extra})"
    return f"{mod}.Multinomial.dist({n}, {kind}={theta}{extra})"


def _ctor(impl: Implementation, dist: str, kind: str) -> Callable:
    if dist == "Categorical":
        return lambda n, theta, **kw: impl.categorical(**{kind: theta}, **kw)
    if dist == "DirichletMultinomial":
        return lambda n, theta, **kw: impl.dirichlet_multinomial(n, theta, **kw)
    return lambda n, theta, **kw: impl.multinomial(n, **{kind: theta}, **kw)


# --- the calls a property makes, each able to write itself as code ------------------------


@dataclass(frozen=True)
class LogpCall:
    """``logp`` and its gradient in the parameter, through a compiled-once function.

    ``value_dtype`` is the dtype of ``n`` and of the value; ``float_dtype`` that
    of the parameter (``"float32"`` runs in PyTensor's float32 mode).
    """

    dist: str
    kind: str
    value_dtype: str
    n: Any
    value: Any
    theta: np.ndarray
    float_dtype: str = "float64"

    def run(self, impl: Implementation) -> tuple[np.ndarray, np.ndarray]:
        dtype, fdtype = self.value_dtype, self.float_dtype
        with pytensor.config.change_flags(floatX=fdtype):
            if self.dist == "Categorical":
                f = compile_categorical(impl, self.kind, dtype, fdtype)
            elif self.dist == "Multinomial":
                f = compile_multinomial(impl, self.kind, dtype, fdtype)
            else:
                f = compile_dirichlet_multinomial(impl, dtype, fdtype)
        value = np.asarray(self.value, dtype=dtype)
        theta = np.asarray(self.theta, dtype=fdtype)
        if self.dist == "Categorical":
            return f(value, theta)
        return f(np.asarray(self.n, dtype=dtype), value, theta)

    def code(self, impl: Implementation) -> list[str]:
        dtype, fdtype = self.value_dtype, self.float_dtype
        cat = self.dist == "Categorical"
        lines = _header(impl, fdtype == "float32")
        if not cat:
            lines.append(f'n = pt.scalar("n", dtype={dtype!r})')
        lines += [
            f'x = pt.{"scalar" if cat else "vector"}("x", dtype={dtype!r})',
            f'theta = pt.vector("theta", dtype={fdtype!r})',
            f"lp = pm.logp({_ctor_code(impl, self.dist, self.kind, 'n', 'theta')}, x)",
            f"f = pytensor.function({'[x, theta]' if cat else '[n, x, theta]'}, "
            "[lp, pytensor.grad(lp, theta)])",
        ]
        args = [] if cat else [_lit(np.asarray(self.n, dtype=dtype))]
        args += [_lit(np.asarray(self.value, dtype=dtype)), _lit(np.asarray(self.theta, fdtype))]
        lines.append(f"logp, grad = f({', '.join(args)})")
        return lines


@dataclass(frozen=True)
class ConstantCall:
    """``pm.logp(dist(n, theta), value).eval()`` with constant (non-symbolic) inputs."""

    dist: str
    kind: str
    n: Any
    theta: Any
    value: Any

    def run(self, impl: Implementation) -> np.ndarray:
        rv = _ctor(impl, self.dist, self.kind)(self.n, self.theta)
        return pm.logp(rv, self.value).eval()

    def code(self, impl: Implementation) -> list[str]:
        ctor = _ctor_code(impl, self.dist, self.kind, _lit(self.n), _lit(self.theta))
        return [*_header(impl), f"logp = pm.logp({ctor}, {_lit(self.value)}).eval()"]


@dataclass(frozen=True)
class DrawCall:
    """``size`` draws with a symbolic parameter of ``theta``'s dtype and constant ``n``."""

    dist: str
    kind: str
    n: Any
    theta: np.ndarray
    draws: int
    seed: int

    def batch_shape(self) -> tuple:
        n_shape = np.shape(self.n) if self.n is not None else ()
        return np.broadcast_shapes(n_shape, np.shape(self.theta)[:-1])

    def run(self, impl: Implementation) -> np.ndarray:
        theta = pt.tensor("theta", dtype=self.theta.dtype.name, shape=(None,) * self.theta.ndim)
        size = (self.draws, *self.batch_shape())
        rv = _ctor(impl, self.dist, self.kind)(self.n, theta, size=size)
        return pm.compile([theta], rv, random_seed=self.seed)(self.theta)

    def code(self, impl: Implementation) -> list[str]:
        size = (self.draws, *self.batch_shape())
        dtype, ndim = self.theta.dtype.name, self.theta.ndim
        ctor = _ctor_code(impl, self.dist, self.kind, _lit(self.n), "theta", f", size={size}")
        return [
            *_header(impl),
            f'theta = pt.tensor("theta", dtype={dtype!r}, shape={(None,) * ndim})',
            f"d = pm.compile([theta], {ctor}, random_seed={self.seed})({_lit(self.theta)})",
        ]


def _failure(impl, call, quantity: str, expr: str, actual, expected) -> PropertyFailure:
    lines = call.code(impl) if call is not None else []
    lines.append(f"print({quantity!r}, {expr})  # expected: {_text(expected)}")
    return PropertyFailure(quantity, actual, expected, "\n".join(lines))


def _close(actual, expected, rtol, atol) -> bool:
    actual, expected = np.asarray(actual, dtype="float64"), np.asarray(expected, dtype="float64")
    return actual.shape == expected.shape and bool(
        np.all(np.isclose(actual, expected, rtol=rtol, atol=atol))
    )


def _run_logp(impl, call: LogpCall):
    try:
        return call.run(impl)
    except Exception as err:  # an implementation that raises on valid input fails
        raise _failure(
            impl, call, "logp", "logp", f"{type(err).__name__}: {err}", "a value"
        ) from err


def _expect_logp(
    impl, call, logp, expected, rtol=RTOL, atol=ATOL, grad=None, grad_expected=None, grad_atol=1e-9
):
    if not _close(logp, expected, rtol, atol):
        raise _failure(impl, call, "logp", "logp", float(logp), float(expected))
    if logp > 0:
        raise _failure(impl, call, "logp", "logp", float(logp), "<= 0")
    if grad is not None and grad_expected is not None and np.isfinite(logp):
        if not _close(grad, grad_expected, GRAD_RTOL, grad_atol):
            raise _failure(impl, call, "grad", "grad", grad, grad_expected)
    if grad is not None and np.isnan(grad).any():
        raise _failure(impl, call, "grad", "grad", grad, "no NaN")


def _expect_rejected(impl, call, run: Callable[[], Any], errors=(Exception,)):
    try:
        got = run()
    except errors:
        return
    raise _failure(impl, call, "logp", "logp", got, "an error (invalid parameter)")


# --- the property object ------------------------------------------------------------------


@dataclass(frozen=True)
class Property:
    """One point of the contract of one distribution.

    Give either ``strategy`` (hypothesis draws the cases and shrinks a
    failure; ``examples`` are cases it always tries first, like
    ``hypothesis.example``) or ``cases`` (a table, checked in order).

    Attributes
    ----------
    distribution : str
        ``"Categorical"``, ``"Multinomial"`` or ``"DirichletMultinomial"``.
    name : str
        Short name, unique within the distribution, e.g. ``"logp_p_matches_scipy[int8]"``.
    summary : str
        One line: what must hold.
    check : callable
        ``check(impl, case)``; raises :class:`PropertyFailure` if it does not hold.
    """

    distribution: str
    name: str
    summary: str
    check: Callable[[Implementation, Any], None]
    strategy: st.SearchStrategy | None = None
    cases: tuple = field(default=())
    examples: tuple = field(default=())

    @property
    def id(self) -> str:
        """``"<distribution>.<name>"``."""
        return f"{self.distribution}.{self.name}"

    def applies_to(self, impl: Implementation) -> bool:
        """Whether ``impl`` provides this property's distribution."""
        return (
            self.distribution != "DirichletMultinomial" or impl.dirichlet_multinomial is not None
        )


PROPERTIES: list[Property] = []


def _register(distribution, name, summary, check, strategy=None, cases=(), examples=()):
    PROPERTIES.append(
        Property(distribution, name, summary, check, strategy, tuple(cases), tuple(examples))
    )


def select(distribution: str | None = None, name: str | None = None) -> list[Property]:
    """Properties of ``distribution`` whose name starts with ``name`` (both optional).

    Examples
    --------
    >>> [p.name for p in select("Categorical", "labels_off_support_are_minus_inf")]
    ['labels_off_support_are_minus_inf[p]', 'labels_off_support_are_minus_inf[logit_p]']
    """
    return [
        p
        for p in PROPERTIES
        if (distribution is None or p.distribution == distribution)
        and (name is None or p.name == name or p.name.startswith(name + "["))
    ]


def get(distribution: str, name: str) -> Property:
    """The property called ``name`` (exactly) of ``distribution``.

    Examples
    --------
    >>> get("Multinomial", "logp_p_matches_scipy[int8]").id
    'Multinomial.logp_p_matches_scipy[int8]'
    """
    for p in PROPERTIES:
        if p.distribution == distribution and p.name == name:
            return p
    raise KeyError(f"{distribution}.{name}")


def case_text(case: Any) -> str:
    """A one-line description of a case, for reports.

    Examples
    --------
    >>> case_text(BinomialCase(n=3, x=1, p=0.5))
    'n=3, x=1, p=0.5'
    """
    if dataclasses.is_dataclass(case):
        parts = []
        for f in dataclasses.fields(case):
            v = getattr(case, f.name)
            if v is None:
                continue
            if isinstance(v, np.ndarray) and v.dtype.kind in "iu" and v.dtype != np.int64:
                parts.append(f"{f.name}={_text(v)} ({v.dtype})")
            else:
                parts.append(f"{f.name}={_text(v)}")
        return ", ".join(parts)
    return _text(case)


def _max_n(dtype: str) -> int:
    return int(min(np.iinfo(dtype).max, 1000))


# --- Multinomial --------------------------------------------------------------------------


def _m_logp_p(dtype, impl, case):
    call = LogpCall("Multinomial", "p", dtype, case.n, case.counts, case.p)
    logp, grad = _run_logp(impl, call)
    expected = scipy_multinomial_logpmf(case.counts, case.n, case.p)
    _expect_logp(impl, call, logp, expected, grad=grad)


def _m_logp_logits(dtype, impl, case):
    call = LogpCall("Multinomial", "logit_p", dtype, case.n, case.counts, case.logit_p)
    logp, grad = _run_logp(impl, call)
    expected = multinomial_logpmf_oracle(case.counts, case.n, case.log_p)
    grad_expected = multinomial_grad_logits(case.counts, case.n, case.logit_p)
    _expect_logp(impl, call, logp, expected, grad=grad, grad_expected=grad_expected)


for _dtype in INTEGER_DTYPES:
    _register(
        "Multinomial",
        f"logp_p_matches_scipy[{_dtype}]",
        f"logp(p) equals scipy.stats.multinomial, n and counts of dtype {_dtype}; no NaN grad",
        lambda impl, case, d=_dtype: _m_logp_p(d, impl, case),
        multinomial_cases(max_n=_max_n(_dtype), parametrization="p"),
    )


@st.composite
def _finite_logit_cases(draw, max_n) -> MultinomialCase:
    k = draw(st.integers(1, 8))
    n = draw(st.integers(0, max_n))
    counts = draw(count_vectors(n, k))
    return MultinomialCase(n, counts, None, draw(logit_vectors(k, allow_neg_inf=False)))


for _dtype in ("int8", "int64", "uint16"):
    _register(
        "Multinomial",
        f"logit_p_exact_at_any_magnitude[{_dtype}]",
        "logp(logit_p) and its gradient x - n softmax are exact for finite logits up to 1e4",
        lambda impl, case, d=_dtype: _m_logp_logits(d, impl, case),
        _finite_logit_cases(_max_n(_dtype)),
        # softmax underflows once logits are about 745 apart
        examples=[MultinomialCase(3, np.array([2, 1]), None, np.array([0.0, -1000.0]))],
    )
    _register(
        "Multinomial",
        f"logit_p_with_minus_inf_entries[{_dtype}]",
        "logits up to 1e4 with -inf entries (probability 0): exact logp, gradient, no NaN",
        lambda impl, case, d=_dtype: _m_logp_logits(d, impl, case),
        multinomial_cases(max_n=_max_n(_dtype), parametrization="logit_p").filter(
            lambda c: bool(np.isneginf(c.logit_p).any())
        ),
    )


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


def _m_zero_prob(impl, case):
    call = LogpCall("Multinomial", "p", "int64", case.n, case.counts, case.p)
    logp, grad = _run_logp(impl, call)
    expected = scipy_multinomial_logpmf(case.counts, case.n, case.p)
    if np.any(case.counts[case.p == 0] > 0):
        expected = -np.inf
    # x / p may overflow to inf for subnormal p (the true gradient exceeds 1.8e308), never NaN.
    _expect_logp(impl, call, logp, expected, grad=grad)


@dataclass(frozen=True)
class ExactCase:
    """A value whose log-probability is known exactly."""

    kind: str
    n: Any
    value: Any
    theta: list
    expected: float


def _constant_logits(dist, impl, case: ExactCase):
    call = ConstantCall(dist, "logit_p", case.n, np.asarray(case.theta), np.asarray(case.value))
    _expect_logp(impl, call, _run_logp(impl, call), case.expected)


_register(
    "Multinomial",
    "logit_p_constant_extreme",
    "constant logits far apart (softmax underflows): logp stays exact",
    lambda impl, case: _constant_logits("Multinomial", impl, case),
    cases=[ExactCase("logit_p", 3, [2, 1], [0.0, -1000.0], -1000.0 + float(np.log(3)))],
)


@dataclass(frozen=True)
class _KeywordCall:
    """Code for ``<module>.Multinomial.dist(n, logit_p=...)`` with constant inputs."""

    case: ExactCase

    def code(self, impl):
        c = self.case
        ctor = f"{_module(impl)}.Multinomial.dist(n={c.n}, logit_p={c.theta})"
        return [*_header(impl), f"logp = pm.logp({ctor}, {c.value}).eval()"]


def _logit_keyword(impl, case: ExactCase):
    cls = pm.Multinomial if impl.module == "pymc" else __import__(impl.module).Multinomial
    call = _KeywordCall(case)
    try:
        logp = pm.logp(cls.dist(n=case.n, logit_p=case.theta), case.value).eval()
    except Exception as err:
        got = f"{type(err).__name__}: {err}"
        raise _failure(impl, call, "logp", "logp", got, case.expected) from err
    _expect_logp(impl, call, logp, case.expected)


_register(
    "Multinomial",
    "accepts_logit_p",
    "Multinomial.dist(n, logit_p=...) exists and is exact",
    _logit_keyword,
    cases=[ExactCase("logit_p", 5, [2, 3], [0.0, 1.0], -1.2637233445970688)],
)


@dataclass(frozen=True)
class LargestNCase:
    """The largest ``n`` of an integer dtype (at most 1000), all trials in one category."""

    dtype: str
    n: int
    counts: np.ndarray
    p: np.ndarray


def _m_largest_n(impl, case: LargestNCase):
    _m_logp_p(case.dtype, impl, MultinomialCase(case.n, case.counts, case.p, None))


_register(
    "Multinomial",
    "largest_n_of_each_dtype",
    "n at the top of its integer dtype (int8: 127) matches scipy: no overflow in n + 1",
    _m_largest_n,
    cases=[
        LargestNCase(d, _max_n(d), np.array([0, 0, _max_n(d)]), np.array([0.2, 0.3, 0.5]))
        for d in INTEGER_DTYPES
    ],
)
_register(
    "Multinomial",
    "zero_probabilities",
    "p with zeros: exact where the count is 0, -inf where it is positive, no NaN gradient",
    _m_zero_prob,
    _zero_prob_cases(),
)


@dataclass(frozen=True)
class OffSupportCase:
    """A value off the support: negative, non-integer, or the wrong total/label."""

    n: float | None
    value: Any
    theta: np.ndarray


@st.composite
def _multinomial_off_support(draw, kind) -> OffSupportCase:
    k = draw(st.integers(1, 6))
    n = draw(st.integers(0, 100))
    x = draw(invalid_count_vectors(n, k))
    return OffSupportCase(
        float(n), x, draw(simplex_vectors(k) if kind == "p" else logit_vectors(k))
    )


def _off_support(dist, kind, impl, case):
    call = LogpCall(dist, kind, "float64", case.n, case.value, case.theta)
    logp, grad = _run_logp(impl, call)
    _expect_logp(impl, call, logp, -np.inf, grad=grad)


for _kind in ("p", "logit_p"):
    _register(
        "Multinomial",
        f"values_off_support_are_minus_inf[{_kind}]",
        "negative, non-integer or wrongly-summing counts give -inf (no error, no NaN)",
        lambda impl, case, k=_kind: _off_support("Multinomial", k, impl, case),
        _multinomial_off_support(_kind),
    )


@dataclass(frozen=True)
class InvalidParams:
    """Invalid constant parameters, and the message pymc_bnn's ``ValueError`` must match."""

    kwargs: dict
    match: str
    value: Any = None


#: Invalid constant parameters; any implementation must reject them (raise), and
#: pymc_bnn's ``.dist`` raises a ``ValueError`` matching ``match``.
MULTINOMIAL_INVALID = (
    InvalidParams(dict(n=3, p=[-0.2, 0.7, 0.5]), "p must be nonnegative", [1, 1, 1]),
    InvalidParams(dict(n=3, p=[0.2, 0.2, 0.2]), "p must sum to 1", [1, 1, 1]),
    InvalidParams(dict(n=3, p=[0.5, 0.5 + 1e-6]), "p must sum to 1", [1, 2]),
    InvalidParams(dict(n=3, p=[0.5, np.nan, 0.5]), "p must not contain NaN", [1, 1, 1]),
    InvalidParams(dict(n=-1, p=[0.5, 0.5]), "n must be nonnegative", [0, -1]),
    InvalidParams(dict(n=2.5, p=[0.5, 0.5]), "n must hold whole numbers", [1, 1]),
    InvalidParams(dict(n=3, logit_p=[0.0, np.inf]), r"logit_p must not contain \+inf", [1, 2]),
    InvalidParams(dict(n=3, logit_p=[-np.inf, -np.inf]), "at least one finite entry", [1, 2]),
    InvalidParams(dict(n=3, logit_p=[np.nan, 0.0]), "logit_p must not contain NaN", [1, 2]),
    InvalidParams(dict(n=3, p=0.5), "at least one dimension", 3),
)


def _invalid_constant(dist, impl, case: InvalidParams):
    kwargs = dict(case.kwargs)
    n = kwargs.pop("n", None)
    ((kind, theta),) = kwargs.items()
    call = ConstantCall(dist, kind, n, np.asarray(theta, dtype="float64"), np.asarray(case.value))
    _expect_rejected(impl, call, lambda: call.run(impl))


_register(
    "Multinomial",
    "invalid_constant_parameters_rejected",
    "p off the simplex, NaN, negative or fractional n, +inf/NaN/all -inf logits: an error",
    lambda impl, case: _invalid_constant("Multinomial", impl, case),
    cases=MULTINOMIAL_INVALID,
)


@dataclass(frozen=True)
class SymbolicInvalid:
    """Invalid parameters fed to a compiled function with symbolic inputs."""

    kind: str
    theta: list
    n: float | None = None
    value: Any = 1
    value_dtype: str = "int64"


_M_SYMBOLIC_INVALID = (
    SymbolicInvalid("p", [0.2, 0.2, 0.2], 3, [1, 1, 1]),
    SymbolicInvalid("p", [-0.5, 0.5, 1.0], 3, [1, 1, 1]),
    SymbolicInvalid("p", [0.5, np.nan, 0.5], 3, [1, 1, 1]),
    SymbolicInvalid("p", [0.2, 0.3, 0.5], -3, [1, 1, 1]),
    SymbolicInvalid("p", [0.5, 0.5], 2.5, [1.0, 1.0], "float64"),
    SymbolicInvalid("logit_p", [0.0, np.inf, 1.0], 3, [1, 1, 1]),
    SymbolicInvalid("logit_p", [-np.inf, -np.inf, -np.inf], 3, [1, 1, 1]),
    SymbolicInvalid("logit_p", [np.nan, 0.0, 0.0], 3, [1, 1, 1]),
)


def _invalid_symbolic(dist, impl, case: SymbolicInvalid):
    kind = "a" if dist == "DirichletMultinomial" else case.kind
    call = LogpCall(dist, kind, case.value_dtype, case.n, case.value, np.asarray(case.theta))
    _expect_rejected(impl, call, lambda: call.run(impl)[0], ParameterValueError)


_register(
    "Multinomial",
    "invalid_symbolic_parameters_rejected",
    "the same invalid parameters as symbolic inputs fail PyMC's parameter check",
    lambda impl, case: _invalid_symbolic("Multinomial", impl, case),
    cases=_M_SYMBOLIC_INVALID,
)


def _exact(dist, impl, case: ExactCase):
    call = LogpCall(dist, case.kind, "int64", case.n, case.value, np.asarray(case.theta))
    logp, _ = _run_logp(impl, call)
    _expect_logp(impl, call, logp, case.expected)


_register(
    "Multinomial",
    "n_zero_and_single_category",
    "n = 0 has logp 0 at zero counts; one category has logp 0 at [n]; -inf elsewhere",
    lambda impl, case: _exact("Multinomial", impl, case),
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


@dataclass(frozen=True)
class ConstantCase:
    """Constant ``n`` and counts of the kinds a user passes (Python ints become int8)."""

    n: Any
    counts: np.ndarray
    p: np.ndarray


def _m_constant(impl, case: ConstantCase):
    call = ConstantCall("Multinomial", "p", case.n, case.p, case.counts)
    logp = _run_logp(impl, call)
    expected = scipy_multinomial_logpmf(case.counts, int(case.n), case.p)
    _expect_logp(impl, call, logp, expected)


_register(
    "Multinomial",
    "constant_inputs_of_any_integer_kind",
    "constant n and counts (Python ints, int8 ... int64, float) match scipy, never positive",
    _m_constant,
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


def _m_binomial(impl, case: BinomialCase):
    theta = np.array([case.p, 1 - case.p])
    call = LogpCall("Multinomial", "p", "int64", case.n, [case.x, case.n - case.x], theta)
    logp, _ = _run_logp(impl, call)
    _expect_logp(impl, call, logp, stats.binom.logpmf(case.x, case.n, case.p))


_register(
    "Multinomial",
    "two_categories_reduce_to_binomial",
    "with K = 2 the log-pmf equals scipy.stats.binom",
    _m_binomial,
    _binomial_cases(),
)


@dataclass(frozen=True)
class LabelCase:
    """A label and a parameter vector (``p`` or ``logit_p``)."""

    label: Any
    theta: np.ndarray


@st.composite
def _label_cases(draw, kind="logit_p", allow_neg_inf=True) -> LabelCase:
    if kind == "logit_p":
        theta = draw(logit_vectors(allow_neg_inf=allow_neg_inf))
    else:
        theta = draw(simplex_vectors())
    return LabelCase(draw(st.integers(0, len(theta) - 1)), theta)


def _m_one_trial(impl, case: LabelCase):
    onehot = np.eye(len(case.theta), dtype="int64")[case.label]
    call = LogpCall("Multinomial", "logit_p", "int64", 1, onehot, case.theta)
    logp, _ = _run_logp(impl, call)
    _expect_logp(impl, call, logp, special.log_softmax(case.theta)[case.label])


_register(
    "Multinomial",
    "one_trial_equals_log_softmax",
    "one trial: logp(onehot(label)) equals log_softmax(logit_p)[label]",
    _m_one_trial,
    _label_cases(),
)


@dataclass(frozen=True)
class Float32Case:
    """Inputs for float32 mode: float32 parameter, int64 value and ``n``."""

    n: int | None
    value: Any
    theta: np.ndarray


def _float32_logits(k, scale):
    return st.lists(st.floats(-scale, scale, width=32), min_size=k, max_size=k).map(
        lambda x: np.array(x, dtype="float32")
    )


@st.composite
def _multinomial_float32(draw, kind="logit_p") -> Float32Case:
    k = draw(st.integers(2, 7))
    n = draw(st.integers(0, 40))
    if kind == "a":
        theta = draw(concentration_vectors(k, 0.1, 100.0)).astype("float32")
    else:
        theta = draw(_float32_logits(k, 10.0))
    return Float32Case(n, draw(count_vectors(n, k)), theta)


def _float32(dist, kind, expected_fn, rtol, atol, impl, case: Float32Case):
    call = LogpCall(dist, kind, "int64", case.n, case.value, case.theta, "float32")
    logp, grad = _run_logp(impl, call)
    if np.asarray(logp).dtype != np.float32:
        raise _failure(impl, call, "logp dtype", "logp.dtype", np.asarray(logp).dtype, "float32")
    _expect_logp(impl, call, logp, expected_fn(case), rtol, atol)
    if np.isfinite(logp) and not np.isfinite(grad).all():
        raise _failure(impl, call, "grad", "grad", grad, "finite")


_register(
    "Multinomial",
    "float32_mode",
    "floatX=float32 with float32 logits: float32 logp within 1e-5 of the float64 oracle",
    lambda impl, case: _float32(
        "Multinomial",
        "logit_p",
        lambda c: multinomial_logpmf_oracle(
            c.value, c.n, special.log_softmax(c.theta.astype("float64"))
        ),
        1e-5,
        1e-5,
        impl,
        case,
    ),
    _multinomial_float32(),
)


# --- draws (all distributions) ------------------------------------------------------------


@dataclass(frozen=True)
class MultinomialDraws:
    """Draw from ``kind`` ∈ {p, logit_p, a} with ``n`` trials (``None`` for Categorical)."""

    kind: str
    n: Any
    theta: np.ndarray
    draws: int = 4000
    seed: int = 1


def _category_probs(kind, theta):
    theta = np.asarray(theta, dtype="float64")
    if kind == "p":
        return theta / theta.sum(-1, keepdims=True)
    if kind == "logit_p":
        return special.softmax(theta, axis=-1)
    return theta / theta.sum(-1, keepdims=True)


def _check_draws(dist, impl, case: MultinomialDraws):
    call = DrawCall(dist, case.kind, case.n, case.theta, case.draws, case.seed)
    try:
        d = call.run(impl)
    except Exception as err:
        raise _failure(impl, call, "draws", "d", f"{type(err).__name__}: {err}", "draws") from err
    probs = _category_probs(case.kind, case.theta)
    k = probs.shape[-1]
    if d.dtype.kind not in "iu":
        raise _failure(impl, call, "dtype", "d.dtype", d.dtype, "an integer dtype")
    if dist == "Categorical":
        if d.min() < 0 or d.max() > k - 1:
            got = f"labels {d.min()} to {d.max()}"
            raise _failure(impl, call, "labels", "d.min(), d.max()", got, f"in 0..{k - 1}")
        onehot = np.eye(k, dtype="int64")[d]
        n = np.ones(d.shape[1:], dtype="int64")
    else:
        onehot = d
        n = np.broadcast_to(case.n, d.shape[1:-1])
        if (d < 0).any():
            raise _failure(impl, call, "min count", "d.min()", d.min(), ">= 0")
        totals = d.sum(-1)
        if (totals != n).any():
            raise _failure(impl, call, "totals", "np.unique(d.sum(-1))", np.unique(totals), n)
    drawn_zero = onehot[np.broadcast_to(probs == 0, onehot.shape)]
    if drawn_zero.any():
        zero = np.flatnonzero(np.atleast_2d(probs)[0] == 0).tolist()
        expr = f"np.isin(d, {zero}).sum()" if dist == "Categorical" else f"d[..., {zero}].sum()"
        raise _failure(
            impl, call, "draws of zero-probability categories", expr, drawn_zero.sum(), 0
        )
    mean = onehot.mean(0)
    expected = n[..., None] * probs
    var = n[..., None] * probs * (1 - probs)
    if dist == "DirichletMultinomial":
        total = np.asarray(case.theta, dtype="float64").sum(-1, keepdims=True)
        var = var * (n[..., None] + total) / (1 + total)
    se = np.sqrt(var / case.draws)
    if np.any(np.abs(mean - expected) > 5 * se + 1e-12):
        expr = "d.mean(0)" if dist != "Categorical" else f"np.bincount(d.ravel(), minlength={k})"
        raise _failure(impl, call, "mean counts", expr, mean, expected)


_MULTINOMIAL_DRAWS = {
    "draws_support_totals_and_mean": (
        "draws are nonnegative integers summing to n, zero-probability categories stay 0, "
        "means within 5 standard errors",
        MultinomialDraws("p", np.array([0, 1, 25]), np.array([0.1, 0.0, 0.3, 0.6])),
    ),
    "draws_from_extreme_logits": (
        "logits 0, -1e4, -inf, 2: the last two categories are never drawn, means match",
        MultinomialDraws("logit_p", np.array(30), np.array([0.0, -1e4, -np.inf, 2.0]), 2000, 2),
    ),
    "draws_float32_p_summing_above_one": (
        "a valid float32 p whose sum rounds above 1 still draws, with the right totals",
        MultinomialDraws("p", np.array(10), np.array([0.3, 0.3, 0.4000001], "float32"), 100, 3),
    ),
    "draws_float32_p_summing_below_one": (
        "a valid float32 p whose sum rounds below 1 never draws its zero-probability category",
        MultinomialDraws("p", np.array(1000), np.array([0.5, 0.49999, 0.0], "float32"), 2000, 4),
    ),
}
for _name, (_summary, _case) in _MULTINOMIAL_DRAWS.items():
    _register(
        "Multinomial",
        _name,
        _summary,
        lambda impl, case: _check_draws("Multinomial", impl, case),
        cases=[_case],
    )


# --- observed data (all distributions) -----------------------------------------------------


@dataclass(frozen=True)
class ObservedCase:
    """Non-integer observed data, which PyMC would silently truncate to its integer dtype."""

    params: dict
    observed: np.ndarray


def _observed(dist, impl, case: ObservedCase):
    mod = _module(impl)
    cls = getattr(pm if impl.module == "pymc" else __import__(impl.module), dist)
    args = ", ".join(f"{k}={_lit(np.asarray(v))}" for k, v in case.params.items())
    code = [
        *_header(impl),
        "with pm.Model() as model:",
        f'    {mod}.{dist}("y", {args}, observed={_lit(case.observed)})',
    ]
    expr = 'model.rvs_to_values[model["y"]].data'

    class _Code:
        def code(self, impl):
            return list(code)

    try:
        with pm.Model() as model:
            cls("y", **case.params, observed=case.observed)
    except ValueError:
        return
    stored = model.rvs_to_values[model["y"]].data
    raise _failure(impl, _Code(), "observed data", expr, stored, "a ValueError (non-integer data)")


_OBSERVED = {
    "Categorical": ObservedCase(dict(p=np.array([0.5, 0.5])), np.array([0.5, 1.0])),
    "Multinomial": ObservedCase(dict(n=3, p=np.array([0.5, 0.5])), np.array([0.5, 2.5])),
    "DirichletMultinomial": ObservedCase(dict(n=3, a=np.array([1.0, 1.0])), np.array([0.5, 2.5])),
}
for _dist, _case in _OBSERVED.items():
    _register(
        _dist,
        "non_integer_observed_data_rejected",
        "non-integer observed data raises a ValueError instead of being truncated",
        lambda impl, case, d=_dist: _observed(d, impl, case),
        cases=[_case],
    )


# --- Categorical --------------------------------------------------------------------------


def _c_logp_p(dtype, impl, case: LabelCase):
    call = LogpCall("Categorical", "p", dtype, None, case.label, case.theta)
    logp, grad = _run_logp(impl, call)
    with np.errstate(divide="ignore"):
        expected = np.log(case.theta[case.label])
    _expect_logp(impl, call, logp, expected, grad=grad)


for _dtype in INTEGER_DTYPES:
    _register(
        "Categorical",
        f"logp_p_matches_oracle[{_dtype}]",
        f"logp(p) equals log(p[label]) for a label of dtype {_dtype}; no NaN gradient",
        lambda impl, case, d=_dtype: _c_logp_p(d, impl, case),
        _label_cases("p"),
    )


def _c_logits(impl, case: LabelCase):
    call = LogpCall("Categorical", "logit_p", "int64", None, case.label, case.theta)
    logp, grad = _run_logp(impl, call)
    expected = special.log_softmax(case.theta)[case.label]
    grad_expected = categorical_logpmf_grad_logits(case.label, case.theta)
    _expect_logp(
        impl, call, logp, expected, grad=grad, grad_expected=grad_expected, grad_atol=1e-12
    )
    if np.isfinite(logp) and not np.isfinite(grad).all():
        raise _failure(impl, call, "grad", "grad", grad, grad_expected)


_register(
    "Categorical",
    "logit_p_exact_at_any_magnitude",
    "logp(logit_p) = log_softmax(logit_p)[label] with gradient onehot - softmax, "
    "for finite logits up to 1e4",
    _c_logits,
    _label_cases(allow_neg_inf=False),
    examples=[LabelCase(1, np.array([0.0, -1000.0])), LabelCase(2, np.array([1e4, -1e4, 0.0]))],
)
_register(
    "Categorical",
    "logit_p_constant_extreme",
    "constant logits far apart (softmax underflows): logp stays exact",
    lambda impl, case: _constant_logits("Categorical", impl, case),
    cases=[
        ExactCase("logit_p", None, 1, [0.0, -1000.0], -1000.0),
        ExactCase("logit_p", None, 2, [1e4, -1e4, 0.0], -1e4),
    ],
)
_register(
    "Categorical",
    "logit_p_with_minus_inf_entries",
    "logits with -inf entries (probability 0): exact logp, gradient onehot - softmax, no NaN",
    _c_logits,
    _label_cases().filter(lambda c: bool(np.isneginf(c.theta).any())),
)
_register(
    "Categorical",
    "zero_probability_label",
    "a label of probability 0 has logp -inf, others are exact; no NaN gradient",
    lambda impl, case: _exact("Categorical", impl, case),
    cases=[
        ExactCase("p", None, 0, [0.0, 0.25, 0.75], -np.inf),
        ExactCase("p", None, 2, [0.0, 0.25, 0.75], float(np.log(0.75))),
    ],
)


@st.composite
def _labels_off_support(draw, kind) -> OffSupportCase:
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


for _kind in ("p", "logit_p"):
    _register(
        "Categorical",
        f"labels_off_support_are_minus_inf[{_kind}]",
        "negative, too large or non-integer labels give -inf (no error, no NaN)",
        lambda impl, case, k=_kind: _off_support("Categorical", k, impl, case),
        _labels_off_support(_kind),
    )

CATEGORICAL_INVALID = (
    InvalidParams(dict(p=[-0.2, 0.7, 0.5]), "p must be nonnegative", 0),
    InvalidParams(dict(p=[0.2, 0.2]), "p must sum to 1", 0),
    InvalidParams(dict(logit_p=[0.0, np.inf]), r"logit_p must not contain \+inf", 0),
    InvalidParams(dict(logit_p=[-np.inf, -np.inf]), "at least one finite entry", 0),
    InvalidParams(dict(logit_p=[np.nan, 0.0]), "logit_p must not contain NaN", 0),
    InvalidParams(dict(logit_p=1.0), "at least one dimension", 0),
)
_register(
    "Categorical",
    "invalid_constant_parameters_rejected",
    "p off the simplex, +inf/NaN/all -inf logits, a scalar parameter: an error",
    lambda impl, case: _invalid_constant("Categorical", impl, case),
    cases=CATEGORICAL_INVALID,
)
_register(
    "Categorical",
    "invalid_symbolic_parameters_rejected",
    "the same invalid parameters as symbolic inputs fail PyMC's parameter check",
    lambda impl, case: _invalid_symbolic("Categorical", impl, case),
    cases=[
        SymbolicInvalid("p", [0.2, 0.2, 0.2]),
        SymbolicInvalid("p", [-0.5, 0.5, 1.0]),
        SymbolicInvalid("logit_p", [0.0, np.inf, 1.0]),
        SymbolicInvalid("logit_p", [-np.inf, -np.inf, -np.inf]),
        SymbolicInvalid("logit_p", [np.nan, 0.0, 0.0]),
    ],
)
_register(
    "Categorical",
    "single_category",
    "one category: label 0 has logp 0, label 1 has -inf",
    lambda impl, case: _exact("Categorical", impl, case),
    cases=[
        ExactCase(kind, None, label, theta, expected)
        for kind, theta in (("p", [1.0]), ("logit_p", [-7.0]))
        for label, expected in ((0, 0.0), (1, -np.inf))
    ],
)


def _c_one_trial(impl, case: LabelCase):
    onehot = np.eye(len(case.theta), dtype="int64")[case.label]
    cat_call = LogpCall("Categorical", "logit_p", "int64", None, case.label, case.theta)
    multi_call = LogpCall("Multinomial", "logit_p", "int64", 1, onehot, case.theta)
    cat, cat_grad = _run_logp(impl, cat_call)
    multi, multi_grad = _run_logp(impl, multi_call)
    _expect_logp(
        impl, cat_call, cat, multi, grad=cat_grad, grad_expected=multi_grad, grad_atol=1e-12
    )


_register(
    "Categorical",
    "equals_one_trial_multinomial",
    "Categorical(logit_p) at a label equals Multinomial(1, logit_p) at its one-hot vector",
    _c_one_trial,
    _label_cases(),
)


@st.composite
def _categorical_float32(draw) -> Float32Case:
    theta = draw(st.integers(2, 7).flatmap(lambda k: _float32_logits(k, 150.0)))
    return Float32Case(None, draw(st.integers(0, len(theta) - 1)), theta)


_register(
    "Categorical",
    "float32_mode",
    "floatX=float32 with float32 logits up to 150: float32 logp within 1e-5 of log_softmax",
    lambda impl, case: _float32(
        "Categorical",
        "logit_p",
        lambda c: special.log_softmax(c.theta.astype("float64"))[c.value],
        1e-5,
        1e-4,
        impl,
        case,
    ),
    _categorical_float32(),
)

_CATEGORICAL_DRAWS = {
    "draws_frequencies_and_zero_probability": (
        "labels lie in the support, a zero-probability label is never drawn, "
        "frequencies within 5 standard errors",
        MultinomialDraws("p", None, np.array([0.5, 0.0, 0.2, 0.3]), 20000, 1),
    ),
    "draws_from_extreme_and_batched_logits": (
        "logits 0, -1e4, -inf (and a batch row 5, 5, -inf): -1e4 and -inf never drawn",
        MultinomialDraws("logit_p", None, np.array([[0.0, -1e4, -np.inf], [5.0, 5.0, -np.inf]])),
    ),
    "draws_float32_p_summing_above_one": (
        "a valid float32 p whose sum rounds above 1 draws labels in range",
        MultinomialDraws("p", None, np.array([0.3, 0.3, 0.4000001], "float32"), 500, 3),
    ),
    "draws_float32_p_summing_below_one": (
        "a valid float32 p whose sum rounds below 1 never draws the label K",
        MultinomialDraws("p", None, np.array([0.3, 0.69999], "float32"), 200000, 4),
    ),
}
for _name, (_summary, _case) in _CATEGORICAL_DRAWS.items():
    _register(
        "Categorical",
        _name,
        _summary,
        lambda impl, case: _check_draws("Categorical", impl, case),
        cases=[_case],
    )


# --- DirichletMultinomial -----------------------------------------------------------------


@dataclass(frozen=True)
class DMCase:
    """Counts summing to ``n`` and a concentration vector ``a``."""

    n: int
    counts: np.ndarray
    a: np.ndarray


@st.composite
def _dm_cases(draw, max_n=1000) -> DMCase:
    k = draw(st.integers(1, 8))
    n = draw(st.integers(0, max_n))
    return DMCase(n, draw(count_vectors(n, k)), draw(concentration_vectors(k)))


def _dm_logp(dtype, impl, case: DMCase):
    call = LogpCall("DirichletMultinomial", "a", dtype, case.n, case.counts, case.a)
    logp, grad = _run_logp(impl, call)
    expected = scipy_dirichlet_multinomial_logpmf(case.counts, case.n, case.a)
    _expect_logp(impl, call, logp, expected, DM_RTOL, DM_ATOL, grad=grad)


for _dtype in INTEGER_DTYPES:
    _register(
        "DirichletMultinomial",
        f"logp_matches_scipy[{_dtype}]",
        f"logp equals scipy.stats.dirichlet_multinomial, n and counts of dtype {_dtype}",
        lambda impl, case, d=_dtype: _dm_logp(d, impl, case),
        _dm_cases(_max_n(_dtype)),
    )


@st.composite
def _dm_off_support(draw) -> OffSupportCase:
    k = draw(st.integers(1, 6))
    n = draw(st.integers(0, 100))
    return OffSupportCase(
        float(n), draw(invalid_count_vectors(n, k)), draw(concentration_vectors(k))
    )


_register(
    "DirichletMultinomial",
    "values_off_support_are_minus_inf",
    "negative, non-integer or wrongly-summing counts give -inf (no error, no NaN)",
    lambda impl, case: _off_support("DirichletMultinomial", "a", impl, case),
    _dm_off_support(),
)

DIRICHLET_MULTINOMIAL_INVALID = (
    InvalidParams(dict(n=3, a=[0.0, 1.0]), "a must hold positive, finite", [1, 2]),
    InvalidParams(dict(n=3, a=[-1.0, 1.0]), "a must hold positive, finite", [1, 2]),
    InvalidParams(dict(n=3, a=[np.inf, 1.0]), "a must hold positive, finite", [1, 2]),
    InvalidParams(dict(n=3, a=[np.nan, 1.0]), "a must not contain NaN", [1, 2]),
    InvalidParams(dict(n=-1, a=[1.0, 1.0]), "n must be nonnegative", [0, -1]),
    InvalidParams(dict(n=2.5, a=[1.0, 1.0]), "n must hold whole numbers", [1, 1]),
    InvalidParams(dict(n=3, a=1.0), "at least one dimension", 3),
)
_register(
    "DirichletMultinomial",
    "invalid_constant_parameters_rejected",
    "a <= 0, a = inf or NaN, negative or fractional n, a scalar a: an error",
    lambda impl, case: _invalid_constant("DirichletMultinomial", impl, case),
    cases=DIRICHLET_MULTINOMIAL_INVALID,
)
_register(
    "DirichletMultinomial",
    "invalid_symbolic_parameters_rejected",
    "the same invalid parameters as symbolic inputs fail PyMC's parameter check",
    lambda impl, case: _invalid_symbolic("DirichletMultinomial", impl, case),
    cases=[
        SymbolicInvalid("a", [0.0, 1.0, 1.0], 3, [1, 1, 1]),
        SymbolicInvalid("a", [np.inf, 1.0, 1.0], 3, [1, 1, 1]),
        SymbolicInvalid("a", [np.nan, 1.0, 1.0], 3, [1, 1, 1]),
        SymbolicInvalid("a", [1.0, 1.0, 1.0], -3, [1, 1, 1]),
        SymbolicInvalid("a", [1.0, 1.0], 2.5, [1.0, 1.0], "float64"),
    ],
)
_register(
    "DirichletMultinomial",
    "n_zero_and_single_category",
    "n = 0 has logp 0 at zero counts; one category has logp 0 at [n]; -inf elsewhere",
    lambda impl, case: _exact("DirichletMultinomial", impl, case),
    cases=[
        ExactCase("a", 0, [0, 0], [0.5, 2.0], 0.0),
        ExactCase("a", 0, [1, -1], [0.5, 2.0], -np.inf),
        ExactCase("a", 7, [7], [3.0], 0.0),
        ExactCase("a", 7, [6], [3.0], -np.inf),
    ],
)
_register(
    "DirichletMultinomial",
    "float32_mode",
    "floatX=float32 with a float32 a: float32 logp within 1e-5 of scipy",
    lambda impl, case: _float32(
        "DirichletMultinomial",
        "a",
        lambda c: scipy_dirichlet_multinomial_logpmf(c.value, c.n, c.theta.astype("float64")),
        1e-5,
        1e-5,
        impl,
        case,
    ),
    _multinomial_float32("a"),
)
_DM_DRAWS = {
    "draws_support_totals_and_mean": (
        "draws are nonnegative integers summing to n, means n a / sum(a) within 5 standard errors",
        MultinomialDraws("a", np.array([0, 1, 25]), np.array([1.0, 2.0, 3.0])),
    ),
    "draws_small_concentration": (
        "a = 1e-3 (nearly one category per draw): draws still sum to n",
        MultinomialDraws("a", np.array(20), np.array([1e-3, 1e-3, 1e-3]), 2000, 1),
    ),
}
for _name, (_summary, _case) in _DM_DRAWS.items():
    _register(
        "DirichletMultinomial",
        _name,
        _summary,
        lambda impl, case: _check_draws("DirichletMultinomial", impl, case),
        cases=[_case],
    )


def by_distribution(names: Sequence[str] | None = None) -> dict[str, list[Property]]:
    """Properties grouped by distribution, in :data:`DISTRIBUTIONS` order.

    Examples
    --------
    >>> list(by_distribution(["Categorical"]))
    ['Categorical']
    """
    names = list(names or DISTRIBUTIONS)
    return {d: [p for p in PROPERTIES if p.distribution == d] for d in names}


def hypothesis_properties(distribution: str) -> list[Property]:
    """The properties of ``distribution`` that hypothesis draws cases for.

    Examples
    --------
    >>> all(p.strategy is not None for p in hypothesis_properties("Multinomial"))
    True
    """
    return [p for p in select(distribution) if p.strategy is not None]


def fixed_cases(distribution: str) -> list[tuple[Property, Any, str]]:
    """``(property, case, id)`` for every table case and explicit example of ``distribution``.

    Examples
    --------
    >>> fixed_cases("Categorical")[0][2]
    'non_integer_observed_data_rejected-0'
    """
    return [
        (p, case, f"{p.name}-{i}")
        for p in select(distribution)
        for i, case in enumerate(p.cases or p.examples)
    ]
