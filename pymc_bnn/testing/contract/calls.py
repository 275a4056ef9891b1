"""How a property evaluates an implementation, and how a failure shows itself.

A *call* (:class:`LogpCall`, :class:`ConstantCall`, :class:`DrawCall`,
:class:`KeywordCall`, :class:`ModelCall`) is one evaluation of an
:class:`~pymc_bnn.testing.implementations.Implementation`: ``run(impl)``
computes the value and ``code(impl)`` writes the same computation as
stand-alone ``numpy``/``pymc``/``pytensor`` source.  When a check finds a wrong
value, :func:`fail` turns the call's code into the reproducer of a
:class:`PropertyFailure`, whose last line prints the wrong value.

Tolerances against float64 oracles: relative :data:`RTOL` = 1e-10 and absolute
:data:`ATOL` = 1e-12 on log-probabilities (the absolute floor covers values
that are exactly 0), relative :data:`GRAD_RTOL` = 1e-9 on gradients.

Examples
--------
>>> from pymc_bnn.testing import PYMC
>>> call = ConstantCall("Categorical", "logit_p", None, np.array([0.0, -1000.0]), 1)
>>> for line in call.code(PYMC):
...     print(line)
import numpy as np, pymc as pm, pytensor, pytensor.tensor as pt
logp = pm.logp(pm.Categorical.dist(logit_p=np.array([0.0, -1000.0], dtype='float64')), 1).eval()
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt

from pymc_bnn.testing.implementations import (
    Implementation,
    compile_categorical,
    compile_dirichlet_multinomial,
    compile_multinomial,
)

__all__ = [
    "ATOL",
    "GRAD_RTOL",
    "RTOL",
    "ConstantCall",
    "DrawCall",
    "KeywordCall",
    "LogpCall",
    "ModelCall",
    "PropertyFailure",
    "expect_logp",
    "expect_rejected",
    "fail",
    "run_logp",
    "value_text",
]

#: Relative and absolute tolerance on float64 log-probabilities.
RTOL, ATOL = 1e-10, 1e-12
#: Relative tolerance on gradients.
GRAD_RTOL = 1e-9


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

    Examples
    --------
    >>> err = PropertyFailure("logp", -np.inf, -1000.0, "print('logp', logp)")
    >>> err.actual, err.expected
    ('-inf', '-1000.0')
    """

    def __init__(self, quantity: str, actual: Any, expected: Any, reproducer: str):
        self.quantity = quantity
        self.actual = value_text(actual)
        self.expected = value_text(expected)
        self.reproducer = reproducer
        super().__init__(
            f"{quantity}: got {self.actual}, expected {self.expected}\nreproducer:\n{reproducer}"
        )


class Call(Protocol):
    """Anything that writes its computation as code: the calls below."""

    def code(self, impl: Implementation) -> list[str]:
        """Stand-alone source lines that compute the call's value with ``impl``."""


# --- values as text and as source ----------------------------------------------------------


def value_text(x: Any) -> str:
    """A value as report text: strings as they are, floats by ``repr``, arrays by numpy.

    Examples
    --------
    >>> value_text(-np.inf), value_text(np.array([0.5, 0.25])), value_text("no NaN")
    ('-inf', '[0.5  0.25]', 'no NaN')
    """
    if isinstance(x, str):
        return x
    with np.printoptions(precision=17, threshold=20):
        return repr(x) if isinstance(x, float) else str(np.asarray(x) if np.ndim(x) else x)


def _number(v) -> str:
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


def _literal(x) -> str:
    """Python source for ``x``: a number, or an ``np.array`` with its dtype."""
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        if isinstance(x, np.generic):
            return f"np.{x.dtype.name}({_number(x)})"
        return _number(x)
    x = np.asarray(x)

    def nested(a):
        return "[" + ", ".join(nested(b) if np.ndim(b) else _number(b) for b in a) + "]"

    body = _number(x[()]) if x.ndim == 0 else nested(x)
    return f"np.array({body}, dtype={x.dtype.name!r})"


def _alias(impl: Implementation) -> str:
    """The name the reproducer imports ``impl.module`` as."""
    return "pm" if impl.module == "pymc" else "pb"


def _header(impl: Implementation, float32: bool = False) -> list[str]:
    lines = ["import numpy as np, pymc as pm, pytensor, pytensor.tensor as pt"]
    if impl.module != "pymc":
        lines.append(f"import {impl.module} as pb")
    if float32:
        lines.append('pytensor.config.floatX = "float32"')
    return lines


def _constructor_code(
    impl: Implementation, dist: str, kind: str, n: str, theta: str, extra: str = ""
) -> str:
    """Source of ``dist``'s ``.dist`` call with parameter ``kind`` = ``theta``."""
    mod = _alias(impl)
    if dist == "Categorical":
        return f"{mod}.Categorical.dist({kind}={theta}{extra})"
    if dist == "DirichletMultinomial":
        return f"{mod}.DirichletMultinomial.dist({n}, a={theta}{extra})"
    if kind == "logit_p" and impl.module == "pymc":
        # pm.Multinomial takes no logit_p: a user converts with softmax.
        return f"pm.Multinomial.dist({n}, p=pm.math.softmax({theta}, axis=-1){extra})"
    return f"{mod}.Multinomial.dist({n}, {kind}={theta}{extra})"


def _construct(impl: Implementation, dist: str, kind: str, n, theta, **kwargs):
    """``dist``'s ``.dist`` of ``impl`` with parameter ``kind`` = ``theta`` (and ``n``)."""
    if dist == "Categorical":
        return impl.categorical(**{kind: theta}, **kwargs)
    if dist == "DirichletMultinomial":
        return impl.dirichlet_multinomial(n, theta, **kwargs)
    return impl.multinomial(n, **{kind: theta}, **kwargs)


# --- the calls ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LogpCall:
    """``logp`` and its gradient in the parameter, through a compiled-once function.

    ``value_dtype`` is the dtype of ``n`` and of the value; ``float_dtype`` that
    of the parameter (``"float32"`` runs in PyTensor's float32 mode).  ``kind``
    is ``"p"``, ``"logit_p"`` or (DirichletMultinomial) ``"a"``.

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC_BNN
    >>> logp, grad = LogpCall("Multinomial", "p", "int8", 2, [1, 1], [0.5, 0.5]).run(PYMC_BNN)
    >>> round(float(logp), 6)
    -0.693147
    """

    dist: str
    kind: str
    value_dtype: str
    n: Any
    value: Any
    theta: np.ndarray
    float_dtype: str = "float64"

    def run(self, impl: Implementation) -> tuple[np.ndarray, np.ndarray]:
        """``(logp, gradient)`` from ``impl``."""
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
        """The compiled function and its call as source; defines ``logp`` and ``grad``."""
        dtype, fdtype = self.value_dtype, self.float_dtype
        cat = self.dist == "Categorical"
        lines = _header(impl, fdtype == "float32")
        if not cat:
            lines.append(f'n = pt.scalar("n", dtype={dtype!r})')
        lines += [
            f'x = pt.{"scalar" if cat else "vector"}("x", dtype={dtype!r})',
            f'theta = pt.vector("theta", dtype={fdtype!r})',
            f"lp = pm.logp({_constructor_code(impl, self.dist, self.kind, 'n', 'theta')}, x)",
            f"f = pytensor.function({'[x, theta]' if cat else '[n, x, theta]'}, "
            "[lp, pytensor.grad(lp, theta)])",
        ]
        args = [] if cat else [_literal(np.asarray(self.n, dtype=dtype))]
        args += [
            _literal(np.asarray(self.value, dtype=dtype)),
            _literal(np.asarray(self.theta, fdtype)),
        ]
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
        """``logp`` from ``impl``."""
        rv = _construct(impl, self.dist, self.kind, self.n, self.theta)
        return pm.logp(rv, self.value).eval()

    def code(self, impl: Implementation) -> list[str]:
        """The same evaluation as source; defines ``logp``."""
        n, theta = _literal(self.n), _literal(self.theta)
        ctor = _constructor_code(impl, self.dist, self.kind, n, theta)
        return [*_header(impl), f"logp = pm.logp({ctor}, {_literal(self.value)}).eval()"]


@dataclass(frozen=True)
class KeywordCall:
    """``<module>.Multinomial.dist(n=n, logit_p=theta)`` called as a user writes it.

    Unlike the other calls, this one does not convert ``logit_p`` for PyMC: it
    checks that the keyword exists.  ``n``, ``theta`` and ``value`` are plain
    Python numbers and lists, written into the reproducer as they are.
    """

    n: int
    theta: list
    value: list

    def run(self, impl: Implementation) -> np.ndarray:
        """``logp`` from ``impl``'s ``Multinomial`` class."""
        cls = impl.distribution_class("Multinomial")
        return pm.logp(cls.dist(n=self.n, logit_p=self.theta), self.value).eval()

    def code(self, impl: Implementation) -> list[str]:
        """The same call as source; defines ``logp``."""
        ctor = f"{_alias(impl)}.Multinomial.dist(n={self.n}, logit_p={self.theta})"
        return [*_header(impl), f"logp = pm.logp({ctor}, {self.value}).eval()"]


@dataclass(frozen=True)
class ModelCall:
    """``<module>.<dist>("y", **params, observed=observed)`` inside a ``pm.Model``."""

    dist: str
    params: dict
    observed: np.ndarray

    def run(self, impl: Implementation) -> np.ndarray:
        """The observed data the model stored for ``y``."""
        with pm.Model() as model:
            impl.distribution_class(self.dist)("y", **self.params, observed=self.observed)
        return model.rvs_to_values[model["y"]].data

    def code(self, impl: Implementation) -> list[str]:
        """The same model as source; defines ``model``."""
        args = ", ".join(f"{k}={_literal(np.asarray(v))}" for k, v in self.params.items())
        return [
            *_header(impl),
            "with pm.Model() as model:",
            f'    {_alias(impl)}.{self.dist}("y", {args}, observed={_literal(self.observed)})',
        ]


@dataclass(frozen=True)
class DrawCall:
    """``draws`` draws with a symbolic parameter of ``theta``'s dtype and constant ``n``."""

    dist: str
    kind: str
    n: Any
    theta: np.ndarray
    draws: int
    seed: int

    def batch_shape(self) -> tuple:
        """The batch shape of one draw: ``n`` broadcast against ``theta``'s leading axes."""
        n_shape = np.shape(self.n) if self.n is not None else ()
        return np.broadcast_shapes(n_shape, np.shape(self.theta)[:-1])

    def run(self, impl: Implementation) -> np.ndarray:
        """The draws, shaped ``(draws, *batch_shape[, K])``."""
        theta = pt.tensor("theta", dtype=self.theta.dtype.name, shape=(None,) * self.theta.ndim)
        size = (self.draws, *self.batch_shape())
        rv = _construct(impl, self.dist, self.kind, self.n, theta, size=size)
        return pm.compile([theta], rv, random_seed=self.seed)(self.theta)

    def code(self, impl: Implementation) -> list[str]:
        """The same draws as source; defines ``d``."""
        size = (self.draws, *self.batch_shape())
        dtype, ndim = self.theta.dtype.name, self.theta.ndim
        ctor = _constructor_code(
            impl, self.dist, self.kind, _literal(self.n), "theta", f", size={size}"
        )
        return [
            *_header(impl),
            f'theta = pt.tensor("theta", dtype={dtype!r}, shape={(None,) * ndim})',
            f"d = pm.compile([theta], {ctor}, random_seed={self.seed})({_literal(self.theta)})",
        ]


# --- comparing and failing ---------------------------------------------------------------


def fail(
    impl: Implementation, call: Call, quantity: str, expr: str, actual: Any, expected: Any
) -> PropertyFailure:
    """The failure to raise: ``call``'s code, then a line printing ``expr`` as ``quantity``.

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC
    >>> call = ConstantCall("Categorical", "p", None, np.array([1.0]), 0)
    >>> print(fail(PYMC, call, "logp", "logp", 0.5, 0.0).reproducer.splitlines()[-1])
    print('logp', logp)  # expected: 0.0
    """
    lines = call.code(impl)
    lines.append(f"print({quantity!r}, {expr})  # expected: {value_text(expected)}")
    return PropertyFailure(quantity, actual, expected, "\n".join(lines))


def _close(actual, expected, rtol, atol) -> bool:
    actual, expected = np.asarray(actual, dtype="float64"), np.asarray(expected, dtype="float64")
    return actual.shape == expected.shape and bool(
        np.all(np.isclose(actual, expected, rtol=rtol, atol=atol))
    )


def run_logp(impl: Implementation, call: LogpCall | ConstantCall) -> Any:
    """``call.run(impl)``; an implementation that raises on valid input fails the property.

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC
    >>> call = ConstantCall("Multinomial", "p", 2, np.array([0.5, 0.5]), np.array([1, 1]))
    >>> round(float(run_logp(PYMC, call)), 6)
    -0.693147
    """
    try:
        return call.run(impl)
    except Exception as err:
        got = f"{type(err).__name__}: {err}"
        raise fail(impl, call, "logp", "logp", got, "a value") from err


def expect_logp(
    impl: Implementation,
    call: Call,
    logp: Any,
    expected: float,
    rtol: float = RTOL,
    atol: float = ATOL,
    grad: np.ndarray | None = None,
    grad_expected: np.ndarray | None = None,
    grad_atol: float = 1e-9,
) -> None:
    """Raise a :class:`PropertyFailure` unless ``logp`` is right and ``grad`` has no NaN.

    ``logp`` must be within ``rtol``/``atol`` of ``expected`` and never
    positive; ``grad``, when given, must contain no NaN and, when
    ``grad_expected`` is given and ``logp`` is finite, be within
    :data:`GRAD_RTOL`/``grad_atol`` of it.

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC
    >>> call = ConstantCall("Categorical", "logit_p", None, np.array([0.0, -1000.0]), 1)
    >>> expect_logp(PYMC, call, -1000.0, -1000.0)
    >>> expect_logp(PYMC, call, -np.inf, -1000.0)
    Traceback (most recent call last):
    ...
    pymc_bnn.testing.contract.calls.PropertyFailure: logp: got -inf, expected -1000.0
    ...
    """
    if not _close(logp, expected, rtol, atol):
        raise fail(impl, call, "logp", "logp", float(logp), float(expected))
    if logp > 0:
        raise fail(impl, call, "logp", "logp", float(logp), "<= 0")
    if grad is not None and grad_expected is not None and np.isfinite(logp):
        if not _close(grad, grad_expected, GRAD_RTOL, grad_atol):
            raise fail(impl, call, "grad", "grad", grad, grad_expected)
    if grad is not None and np.isnan(grad).any():
        raise fail(impl, call, "grad", "grad", grad, "no NaN")


def expect_rejected(
    impl: Implementation,
    call: Call,
    run: Callable[[], Any],
    errors: tuple[type[BaseException], ...] | type[BaseException] = (Exception,),
) -> None:
    """Raise a :class:`PropertyFailure` unless ``run()`` raises one of ``errors``.

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC_BNN
    >>> call = ConstantCall("Categorical", "p", None, np.array([0.2, 0.2]), 0)
    >>> expect_rejected(PYMC_BNN, call, lambda: call.run(PYMC_BNN))
    """
    try:
        got = run()
    except errors:
        return
    raise fail(impl, call, "logp", "logp", got, "an error (invalid parameter)")
