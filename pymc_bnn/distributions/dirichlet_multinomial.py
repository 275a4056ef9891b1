"""Dirichlet-multinomial distribution with a validated log-density and robust draws."""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
from pymc.distributions.dist_math import check_parameters
from pymc.distributions.distribution import Discrete, SymbolicRandomVariable
from pymc.distributions.moments.means import _mean
from pytensor.tensor.random.basic import gamma, multinomial, uniform
from pytensor.tensor.variable import TensorConstant, TensorVariable

from pymc_bnn.distributions.base import ValidatedDiscrete
from pymc_bnn.distributions.exact import check_categories, log_rising_factorial
from pymc_bnn.distributions.multinomial import (
    as_trial_count,
    count_mean,
    count_rv_inputs,
    count_support,
    log_multinomial_coefficient,
    multinomial_support_point,
)
from pymc_bnn.distributions.simplex import (
    and_integer_valued,
    check_broadcastable,
    float64_probs,
)

__all__ = ["DirichletMultinomial", "dirichlet_multinomial_logp"]


class DirichletMultinomialRV(SymbolicRandomVariable):
    """Multinomial draws with Dirichlet probabilities drawn in log space.

    ``log G_k = log G'_k + log(U_k) / a_k`` with ``G'_k ~ Gamma(a_k + 1)`` and
    ``U_k ~ U(0, 1)`` is the log of a ``Gamma(a_k)`` draw that does not
    underflow for small ``a_k``; ``softmax(log G)`` is then Dirichlet(a) in
    float64.  The term ``log(U_k) / a_k`` is formed relative to the largest one,
    so it stays finite for subnormal ``a`` (1e-310), where the Dirichlet
    is a vertex drawn with probability ``a_k / sum(a)``.
    (``pm.DirichletMultinomial`` draws the gammas directly: for ``a`` near 1e-3
    they all underflow to 0 and the counts come out as garbage.)
    """

    name = "dirichlet_multinomial"
    extended_signature = "[rng],[size],(),(k)->[rng],(k)"
    _print_name = ("DirichletMultinomial", "\\operatorname{DirichletMultinomial}")

    @classmethod
    def rv_op(cls, n, a, *, size=None, rng=None):
        n, a, size, rng = count_rv_inputs(cls, n, a, size, rng)
        a64 = pt.cast(a, "float64")
        full = pt.concatenate([size, a.shape[-1:]])
        rng1, g = gamma(a64 + 1.0, scale=1.0, size=full, rng=rng, return_next_rng=True)
        rng2, u = uniform(0.0, 1.0, size=full, rng=rng1, return_next_rng=True)
        # log(u) / a overflows for subnormal a (1e-310): write it as -exp(t) with
        # t = log(-log u) - log a, and subtract the largest term (the smallest t) first.
        t = pt.log(-pt.log(u)) - pt.log(a64)
        t_min = pt.min(t, axis=-1, keepdims=True)
        gap = pt.switch(pt.eq(t, t_min), 0.0, pt.exp(t_min) * pt.expm1(t - t_min))
        log_g = pt.log(g) - gap
        next_rng, draws = multinomial(
            pt.cast(n, "int64"),
            float64_probs("logit_p", log_g),
            size=size,
            rng=rng2,
            return_next_rng=True,
        )
        return cls(inputs=[rng, size, n, a], outputs=[next_rng, draws])(rng, size, n, a)


def dirichlet_multinomial_logp(
    value: TensorVariable, n: TensorVariable, a: TensorVariable
) -> TensorVariable:
    """Log-probability of the counts ``value`` under ``n`` trials and concentration ``a``.

    ``log n! - sum_k log x_k! + log G(A) - log G(n + A) + sum_k [log G(x_k + a_k) - log G(a_k)]``
    with ``A = sum_k a_k``, all computed in float64 whatever the dtypes of the
    inputs (the result has the dtype of ``a``).  The ratios of gamma functions
    are log rising factorials
    (:func:`~pymc_bnn.distributions.exact.log_rising_factorial`), exact for
    concentrations up to 1e300 (the plain ``gammaln`` difference is 17 units
    off at ``a = [1e15, 2e15]``).  Counts that are negative, non-integer or do
    not sum to ``n`` give ``-inf``; the result is capped at 0.  A value with the
    wrong number of categories is refused.

    Examples
    --------
    >>> x = pt.as_tensor(np.array([1, 1], dtype="int8"))
    >>> dm = dirichlet_multinomial_logp(x, pt.as_tensor(2), pt.as_tensor([1.0, 1.0]))
    >>> round(float(dm.eval()), 10)
    -1.0986122887
    """
    value = check_categories(value, a)
    a64 = pt.cast(a, "float64")
    x = pt.cast(value, "float64")
    n_ = pt.cast(n, "float64")
    total = pt.sum(a64, axis=-1)
    res = (
        log_multinomial_coefficient(value, n)
        - log_rising_factorial(total, n_)
        + pt.sum(log_rising_factorial(a64, x), axis=-1)
    )
    res = pt.switch(count_support(value, n), pt.minimum(res, 0), -np.inf)
    return check_parameters(
        pt.cast(res, a.dtype),
        and_integer_valued(pt.ge(n, 0), n),
        pt.gt(a, 0),
        pt.lt(a, np.inf),
        msg="n >= 0 and integer, 0 < a < inf",
    )


def _as_concentration(a) -> TensorVariable:
    a = pt.as_tensor_variable(a)
    if a.type.ndim == 0:
        raise ValueError(
            "a must have at least one dimension (the categories, on its last axis); got a scalar."
        )
    if isinstance(a, TensorConstant):
        data = np.asarray(a.data)
        if np.any(np.isnan(data)):
            raise ValueError("a must not contain NaN.")
        if np.any(data <= 0) or np.any(np.isinf(data)):
            raise ValueError(f"a must hold positive, finite concentrations; got {data}.")
    if not a.dtype.startswith("float"):
        a = pt.cast(a, "float64")
    return a


@_mean.register(DirichletMultinomialRV)
def _dirichlet_multinomial_mean(op, rv, rng, size, n, a) -> TensorVariable:
    # moments.mean, as for pm.DirichletMultinomial: n a / sum(a).
    return count_mean(size, n, a / pt.sum(a, axis=-1, keepdims=True))


class _DirichletMultinomial(Discrete):
    """Implementation of :class:`DirichletMultinomial`, whose ``dist`` validates the arguments."""

    rv_type = DirichletMultinomialRV
    rv_op = DirichletMultinomialRV.rv_op

    @classmethod
    def dist(cls, n, a, **kwargs):
        return super().dist([n, a], **kwargs)

    def support_point(rv, size, n, a):
        return multinomial_support_point(rv, size, n, a / pt.sum(a, axis=-1, keepdims=True))

    def logp(value, n, a):
        return dirichlet_multinomial_logp(value, n, a)


class DirichletMultinomial(ValidatedDiscrete):
    r"""Dirichlet-multinomial distribution, a drop-in for ``pm.DirichletMultinomial``.

    .. math::

       f(x \mid n, a) = \frac{n!\,\Gamma(A)}{\Gamma(n + A)}
                        \prod_k \frac{\Gamma(x_k + a_k)}{x_k!\,\Gamma(a_k)},
       \qquad A = \sum_k a_k,\ \sum_k x_k = n

    Parameters
    ----------
    n : tensor_like of int
        Number of trials (``n >= 0``); any integer dtype, or a float holding
        whole numbers.
    a : tensor_like of float
        Concentrations, positive and finite, categories on the last axis.  A
        constant ``a`` that breaks this raises a ``ValueError`` naming ``a``; a
        symbolic one fails PyMC's parameter check.
    **kwargs
        Passed to PyMC (``shape``, ``size``, ``dims``, ``observed``, ...).

    Notes
    -----
    Differences from ``pm.DirichletMultinomial`` (PyMC 6.4), each checked by
    ``pymc-bnn check-upstream``: non-integer counts have log-probability
    ``-inf``; a non-integer ``n`` is rejected instead of truncated; ``a = inf``
    fails the parameter check instead of giving NaN; draws stay valid for small
    concentrations.

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> import pymc_bnn as pb
    >>> x = pb.DirichletMultinomial.dist(n=np.int8(2), a=[1.0, 1.0])
    >>> round(float(pm.logp(x, np.array([1, 1], dtype="int8")).eval()), 6)
    -1.098612
    >>> with pm.Model():
    ...     a = pm.HalfNormal("a", 1.0, shape=3)
    ...     counts = pb.DirichletMultinomial("counts", n=10, a=a, observed=[2, 3, 5])
    """

    @classmethod
    def dist(cls, n, a, **kwargs) -> TensorVariable:
        """Create an unregistered Dirichlet-multinomial variable (see the class docstring)."""
        n = as_trial_count(n)
        a = _as_concentration(a)
        check_broadcastable({"n": n.type.shape, "a": a.type.shape[:-1]})
        return _DirichletMultinomial.dist(n, a, **kwargs)
