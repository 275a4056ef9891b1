"""The implementations the likelihood contract runs against, and compiled-once evaluators.

An :class:`Implementation` bundles the constructors of ``Categorical``,
``Multinomial`` and ``DirichletMultinomial``; :data:`PYMC_BNN` and :data:`PYMC`
are the two the project checks.  The ``compile_*`` functions compile
``(inputs) -> (logp, gradient)`` once per implementation, parametrization and
dtype (PyTensor's first compile of a graph takes seconds), so hypothesis can
feed one compiled function many examples.

Examples
--------
>>> import numpy as np
>>> f = compile_categorical(PYMC, "p")
>>> logp, grad = f(1, np.array([0.25, 0.75]))
>>> round(float(logp), 6)
-0.287682
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass

import pymc as pm
import pytensor
import pytensor.tensor as pt
from pytensor.tensor.variable import TensorVariable

from pymc_bnn.distributions import Categorical, DirichletMultinomial, Multinomial

__all__ = [
    "PYMC",
    "PYMC_BNN",
    "Implementation",
    "compile_categorical",
    "compile_dirichlet_multinomial",
    "compile_multinomial",
]


@dataclass(frozen=True)
class Implementation:
    """The distribution constructors under test, e.g. pymc_bnn's or PyMC's.

    ``categorical`` and ``multinomial`` take ``p=`` or ``logit_p=`` keyword
    arguments, ``dirichlet_multinomial`` takes ``(n, a)``; all return an
    unregistered variable (a ``.dist``).  ``module`` is the module whose
    classes (``Categorical``, ...) these are, as imported in a reproducer.
    :data:`PYMC_BNN` and :data:`PYMC` are the two the project checks; the
    properties of :mod:`pymc_bnn.testing.contract` are written once against
    this interface.

    Examples
    --------
    >>> PYMC.distribution_class("Multinomial").__module__
    'pymc.distributions.multivariate'
    """

    name: str
    categorical: Callable[..., TensorVariable]
    multinomial: Callable[..., TensorVariable]
    dirichlet_multinomial: Callable[..., TensorVariable] | None = None
    module: str = "pymc_bnn"

    def distribution_class(self, name: str) -> type:
        """The class ``name`` (e.g. ``"Multinomial"``) of :attr:`module`, for model variables."""
        return getattr(importlib.import_module(self.module), name)


def _pymc_multinomial(n, p=None, logit_p=None, **kwargs):
    # pm.Multinomial takes no logit_p; a user converts with softmax.
    if logit_p is not None:
        p = pt.special.softmax(logit_p, axis=-1)
    return pm.Multinomial.dist(n, p, **kwargs)


PYMC_BNN = Implementation(
    "pymc_bnn", Categorical.dist, Multinomial.dist, DirichletMultinomial.dist, "pymc_bnn"
)
PYMC = Implementation(
    "pymc", pm.Categorical.dist, _pymc_multinomial, pm.DirichletMultinomial.dist, "pymc"
)


def _compile_logp(
    dist: TensorVariable, value: TensorVariable, theta: TensorVariable, inputs: list
) -> Callable[..., list]:
    """Compile ``inputs -> (logp of dist at value, its gradient in theta)``."""
    logp = pm.logp(dist, value)
    return pytensor.function(inputs, [logp, pt.grad(logp, theta)])


def _compile_counts(
    dist: Callable[[TensorVariable, TensorVariable], TensorVariable],
    theta_name: str,
    int_dtype: str,
    float_dtype: str,
) -> Callable[..., list]:
    """:func:`_compile_logp` of ``dist(n, theta)`` at counts: ``(n, counts, theta)``."""
    n = pt.scalar("n", dtype=int_dtype)
    counts = pt.vector("counts", dtype=int_dtype)
    theta = pt.vector(theta_name, dtype=float_dtype)
    return _compile_logp(dist(n, theta), counts, theta, [n, counts, theta])


@functools.cache
def compile_multinomial(
    impl: Implementation, kind: str, int_dtype: str = "int64", float_dtype: str = "float64"
) -> Callable[..., list]:
    """Compile ``(n, counts, theta) -> (logp, dlogp/dtheta)`` once, with symbolic inputs.

    ``theta`` is ``p`` or ``logit_p`` as ``kind`` says; ``n`` and ``counts``
    have ``int_dtype`` (``"float64"`` tests non-integer counts).  Cached, so
    every caller shares one compiled function.

    Examples
    --------
    >>> import numpy as np
    >>> f = compile_multinomial(PYMC_BNN, "logit_p")
    >>> logp, grad = f(2, np.array([1, 1]), np.zeros(2))
    >>> round(float(logp), 6)
    -0.693147
    """
    return _compile_counts(
        lambda n, theta: impl.multinomial(n, **{kind: theta}), "theta", int_dtype, float_dtype
    )


@functools.cache
def compile_categorical(
    impl: Implementation, kind: str, value_dtype: str = "int64", float_dtype: str = "float64"
) -> Callable[..., list]:
    """Compile ``(label, theta) -> (logp, dlogp/dtheta)`` once, with symbolic inputs.

    Examples
    --------
    >>> import numpy as np
    >>> f = compile_categorical(PYMC_BNN, "logit_p")
    >>> logp, grad = f(1, np.array([0.0, -1000.0]))
    >>> float(logp)
    -1000.0
    """
    label = pt.scalar("label", dtype=value_dtype)
    theta = pt.vector("theta", dtype=float_dtype)
    return _compile_logp(impl.categorical(**{kind: theta}), label, theta, [label, theta])


@functools.cache
def compile_dirichlet_multinomial(
    impl: Implementation, int_dtype: str = "int64", float_dtype: str = "float64"
) -> Callable[..., list]:
    """Compile ``(n, counts, a) -> (logp, dlogp/da)`` once, with symbolic inputs.

    Examples
    --------
    >>> import numpy as np
    >>> f = compile_dirichlet_multinomial(PYMC_BNN)
    >>> logp, grad = f(2, np.array([1, 1]), np.ones(2))
    >>> round(float(logp), 6)
    -1.098612
    """
    return _compile_counts(impl.dirichlet_multinomial, "a", int_dtype, float_dtype)
