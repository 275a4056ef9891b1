"""Multinomial distribution with exact log-probabilities for ``p`` and ``logit_p``."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytensor.tensor as pt
from pymc.distributions.dist_math import check_parameters
from pymc.distributions.distribution import SymbolicRandomVariable
from pymc.distributions.moments.means import _mean
from pymc.distributions.multivariate import Multinomial as PyMCMultinomial
from pymc.distributions.shape_utils import implicit_size_from_params, rv_size_is_none
from pymc.pytensorf import normalize_rng_param
from pytensor.graph.basic import Variable
from pytensor.tensor.random.basic import multinomial
from pytensor.tensor.random.utils import normalize_size_param
from pytensor.tensor.variable import TensorConstant, TensorVariable

from pymc_bnn.distributions.base import ProbsOrLogitsDiscrete, probs_and_logits
from pymc_bnn.distributions.exact import (
    check_categories,
    stirling_remainder,
    trials_minus_counts,
)
from pymc_bnn.distributions.simplex import (
    Kind,
    and_integer_valued,
    check_simplex,
    float64_probs,
    log_probs,
    parameter_conditions,
    parameter_message,
    simplex_scale,
)

__all__ = [
    "Multinomial",
    "MultinomialLogits",
    "MultinomialProbs",
    "as_trial_count",
    "count_mean",
    "count_rv_inputs",
    "count_support",
    "log_multinomial_coefficient",
    "mean_of_counts",
    "multinomial_logp",
    "multinomial_support_point",
]


def count_rv_inputs(cls, n, param, size, rng) -> tuple:
    """The inputs of a ``(), (k)`` count variable's ``rv_op``: ``n``, ``param``, ``size``, ``rng``.

    Shared by the Multinomial and Dirichlet-multinomial random variables: the
    generator and size normalized as PyMC's ``rv_op`` do, and a missing ``size``
    implied by the batch shape of ``n`` and ``param``.

    Examples
    --------
    >>> n, p, size, rng = count_rv_inputs(MultinomialProbsRV, 5, [[0.5, 0.5]] * 3, None, None)
    >>> size.eval()
    array([3])
    """
    n = pt.as_tensor(n)
    param = pt.as_tensor(param)
    rng = normalize_rng_param(rng)
    size = normalize_size_param(size)
    if rv_size_is_none(size):
        size = implicit_size_from_params(n, param, ndims_params=cls.ndims_params)
    return n, param, size, rng


class _MultinomialRV(SymbolicRandomVariable):
    """Multinomial draws from probabilities normalized in float64."""

    extended_signature = "[rng],[size],(),(k)->[rng],(k)"
    kind: Kind

    @classmethod
    def rv_op(cls, n, param, *, size=None, rng=None):
        n, param, size, rng = count_rv_inputs(cls, n, param, size, rng)
        next_rng, draws = multinomial(
            pt.cast(n, "int64"),
            float64_probs(cls.kind, param),
            size=size,
            rng=rng,
            return_next_rng=True,
        )
        return cls(inputs=[rng, size, n, param], outputs=[next_rng, draws])(rng, size, n, param)


class MultinomialProbsRV(_MultinomialRV):
    name = "multinomial_probs"
    _print_name = ("Multinomial", "\\operatorname{Multinomial}")
    kind = "p"


class MultinomialLogitsRV(_MultinomialRV):
    name = "multinomial_logits"
    _print_name = ("MultinomialLogits", "\\operatorname{Multinomial_{logit}}")
    kind = "logit_p"


def log_multinomial_coefficient(value: TensorVariable, n: TensorVariable) -> TensorVariable:
    """``log n! - sum_k log x_k!`` in float64, whatever the integer dtype of the inputs.

    Shared by :func:`multinomial_logp` and the Dirichlet-multinomial log-density.

    Examples
    --------
    >>> x = pt.as_tensor(np.array([0, 0, 127], dtype="int8"))
    >>> log_multinomial_coefficient(x, pt.as_tensor(np.int8(127))).eval()
    array(0.)
    """
    x = pt.cast(value, "float64")
    return pt.gammaln(pt.cast(n, "float64") + 1) - pt.sum(pt.gammaln(x + 1), axis=-1)


def count_support(value: TensorVariable, n: TensorVariable) -> TensorVariable:
    """Whether ``value`` holds nonnegative whole counts summing to ``n`` (last axis).

    The totals are compared in int64 when both are integers (exact up to
    2**63), in float64 otherwise.

    Examples
    --------
    >>> count_support(pt.as_tensor([0.5, 2.5]), pt.as_tensor(3)).eval()
    array(False)
    """
    if value.dtype.startswith(("int", "uint")) and n.dtype.startswith(("int", "uint")):
        # Exact totals: in float64, counts summing to 2**53 would equal n = 2**53 + 1.
        total, trials = pt.sum(pt.cast(value, "int64"), axis=-1), pt.cast(n, "int64")
    else:
        total, trials = pt.sum(pt.cast(value, "float64"), axis=-1), pt.cast(n, "float64")
    return pt.and_(
        pt.all(and_integer_valued(pt.ge(value, 0), value), axis=-1), pt.eq(total, trials)
    )


def multinomial_logp(
    value: TensorVariable, n: TensorVariable, param: TensorVariable, kind: Kind
) -> TensorVariable:
    r"""Log-probability of the counts ``value`` under ``n`` trials and ``p`` or ``logit_p``.

    ``log n! - sum_k log x_k! + sum_k x_k log p_k``, computed in float64 to the
    end whatever the dtypes (the result is cast to the parameter's dtype), in
    a form where nothing large cancels (see :mod:`pymc_bnn.distributions.exact`):

    .. math::

       r(n) + \sum_{x_k > 0} \left[x_k \log\frac{n p_k}{x_k} - r(x_k)\right],
       \qquad r(x) = \log x! - x \log x + x,

    with ``x log(n p / x) = x log1p((n p - x) / x)`` and ``n p - x`` computed
    without rounding ``n p`` when ``n p`` is close to ``x``.  The textbook
    ``gammaln(n + 1) - sum gammaln(x + 1)`` loses 3e-3 at ``n = 2**40``; this
    form stays within a few 1e-16 relative of an arbitrary-precision oracle.

    * ``pm.Multinomial`` computes ``n + 1`` in the input's dtype (overflow for
      int8) and uses float32 for int8/int16;
    * ``x_k log p_k`` is 0 when ``x_k = 0``, also when ``p_k = 0`` or
      ``logit_p_k = -inf``, and its gradient there is 0, not NaN;
    * ``log p`` for logits is ``log_softmax(logit_p)``, exact at any magnitude.

    A value off the support (a negative or non-integer count, counts not
    summing to ``n``, compared exactly for integer dtypes) gives ``-inf``; a
    value with the wrong number of categories is refused
    (:func:`~pymc_bnn.distributions.exact.check_categories`).  The result is
    capped at 0, the largest log-probability a discrete distribution can have.

    Examples
    --------
    >>> x = pt.as_tensor([0, 3])
    >>> multinomial_logp(x, pt.as_tensor(3), pt.as_tensor([0.0, 1.0]), "p").eval()
    array(0.)
    """
    dtype = param.dtype
    name = value.name
    value = check_categories(value, param)
    x = pt.cast(value, "float64")
    n64 = pt.cast(n, "float64")
    theta = pt.cast(param, "float64")
    positive = pt.gt(x, 0)
    xs = pt.switch(positive, x, 1.0)
    if kind == "p":
        # log(1) where x = 0 keeps log(0) out of both the value and the gradient; a p
        # off the simplex by more than rounding (within PyMC's tolerance) is renormalized.
        probs = theta / simplex_scale(param)
        log_p = pt.log(pt.switch(positive, probs, 1.0))
    else:
        log_p = log_probs(kind, theta)
        probs = pt.exp(log_p)
    # x log(n p / x): log1p of the exact relative difference near n p = x, logs elsewhere.
    n_k = pt.shape_padright(n64, 1)  # n against each category
    u = trials_minus_counts(n_k, probs, x) / xs
    near = pt.lt(abs(u), 0.5)
    close_form = xs * pt.log1p(pt.switch(near, u, 0.0))
    far_form = xs * (pt.log(pt.switch(positive, n_k, 1.0)) + log_p - pt.log(xs))
    terms = pt.switch(near, close_form, far_form) - stirling_remainder(xs)
    res = stirling_remainder(n64) + pt.sum(pt.switch(positive, terms, 0.0), axis=-1)
    res = pt.switch(count_support(value, n), pt.minimum(res, 0.0), -np.inf)
    res = check_parameters(
        pt.cast(res, dtype),
        and_integer_valued(pt.ge(n, 0), n),
        *parameter_conditions(kind, param),
        msg=f"n >= 0 and integer, {parameter_message(kind)}",
    )
    return check_simplex(res, kind, param, name)


def multinomial_support_point(rv, size, n, p) -> TensorVariable:
    """PyMC's support point of the Multinomial: ``n * p`` rounded to counts summing to ``n``.

    Shared by the Multinomial (with ``p`` normalized in float64) and the
    Dirichlet-multinomial (with the mean probabilities ``a / sum(a)``).

    Parameters
    ----------
    rv : TensorVariable
        The random variable (unused, as in PyMC's signature).
    size : TensorVariable or None
        Its ``size``; the result is broadcast to it.
    n : TensorVariable
        Number of trials.
    p : TensorVariable
        Probabilities, categories on the last axis, summing to 1.

    Examples
    --------
    >>> multinomial_support_point(None, None, pt.as_tensor(10), pt.as_tensor([0.26, 0.74])).eval()
    array([3., 7.])
    """
    return PyMCMultinomial.support_point(rv, size, n, p)


def _support_point(rv, size, n, param, kind: Kind):
    return multinomial_support_point(rv, size, n, float64_probs(kind, param))


MultinomialProbs, MultinomialLogits = probs_and_logits(
    "Multinomial",
    MultinomialProbsRV,
    MultinomialLogitsRV,
    logp=multinomial_logp,
    support_point=_support_point,
)


def count_mean(size: TensorVariable, n: TensorVariable, probs: TensorVariable) -> TensorVariable:
    """``n p`` broadcast to the variable's shape: the mean of a count vector.

    What ``pymc.distributions.moments.mean`` gives for PyMC's ``Multinomial``
    and ``DirichletMultinomial``; pymc_bnn registers it for its own
    random-variable types (:data:`mean_of_counts`).

    Examples
    --------
    >>> count_mean(pt.as_tensor([2]), pt.as_tensor(10), pt.as_tensor([0.25, 0.75])).eval()
    array([[2.5, 7.5],
           [2.5, 7.5]])
    """
    mean = pt.shape_padright(n) * probs
    if not rv_size_is_none(size):
        mean = pt.full(pt.concatenate([size, probs.shape[-1:]]), mean)
    return mean


@_mean.register(MultinomialProbsRV)
@_mean.register(MultinomialLogitsRV)
def mean_of_counts(op, rv, rng, size, n, param) -> TensorVariable:
    """``moments.mean`` of a pymc_bnn Multinomial: ``n p`` (``n softmax(logit_p)``)."""
    if op.kind == "p":
        probs = param / simplex_scale(param)
    else:
        probs = pt.special.softmax(param, axis=-1)
    return count_mean(size, n, probs)


def as_trial_count(n) -> TensorVariable:
    """Validate the number of trials ``n`` of a Multinomial or Dirichlet-multinomial.

    A constant ``n`` must hold nonnegative whole numbers below ``2**63`` (what
    int64 holds), not booleans; a float one is converted to int64.  A symbolic
    ``n`` must be numeric; its values are checked in the log-density.

    Parameters
    ----------
    n : tensor_like
        Number of trials.

    Returns
    -------
    TensorVariable
        ``n`` as a tensor.

    Raises
    ------
    ValueError
        If a constant ``n`` is negative, NaN, infinite, not a whole number or
        ``2**63`` or more.
    TypeError
        If ``n`` is not numeric, or is boolean.

    Examples
    --------
    >>> as_trial_count(3.0).dtype
    'int64'
    >>> as_trial_count(1.5)
    Traceback (most recent call last):
    ...
    ValueError: n must hold whole numbers of trials; got 1.5.
    >>> as_trial_count(10**30)
    Traceback (most recent call last):
    ...
    ValueError: n must be below 2**63 (the largest int64); got 1e+30.
    """
    if isinstance(n, TensorConstant):
        n = n.data
    if isinstance(n, Variable):
        if not n.dtype.startswith(("int", "uint", "float")):
            raise TypeError(f"n must be a numeric tensor of trial counts; got dtype {n.dtype}.")
        return pt.as_tensor_variable(n)
    return pt.as_tensor_variable(_checked_trials(n))


def _checked_trials(value) -> np.ndarray:
    """A constant number of trials as a NumPy array of whole numbers that int64 holds."""
    data = np.asarray(value)
    if data.dtype == object:  # Python integers beyond 64 bits
        try:
            data = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError, OverflowError) as err:
            raise TypeError(f"n must be a number of trials; got {value!r}.") from err
    if data.dtype.kind == "b":
        raise TypeError(f"n must be a number of trials, not a boolean; got {data}.")
    if data.dtype.kind not in "iuf":
        raise TypeError(f"n must be a numeric tensor of trial counts; got dtype {data.dtype}.")
    if data.dtype.kind == "f":
        if np.any(np.isnan(data)) or np.any(np.isfinite(data) & (data != np.floor(data))):
            raise ValueError(f"n must hold whole numbers of trials; got {data}.")
        if np.any(np.isinf(data)):
            raise ValueError(f"n must be finite; got {data}.")
    if np.any(data < 0):
        raise ValueError(f"n must be nonnegative; got {data}.")
    too_large = data >= 2.0**63 if data.dtype.kind == "f" else data > np.iinfo(np.int64).max
    if np.any(too_large):
        raise ValueError(f"n must be below 2**63 (the largest int64); got {data}.")
    return data.astype(np.int64) if data.dtype.kind == "f" else data


class Multinomial(ProbsOrLogitsDiscrete):
    r"""Multinomial distribution, a drop-in for ``pm.Multinomial`` that also takes logits.

    .. math::

       f(x \mid n, p) = \frac{n!}{\prod_k x_k!} \prod_k p_k^{x_k},
       \qquad x_k \in \{0, 1, \ldots\},\ \sum_k x_k = n

    Give ``n`` and exactly one of ``p`` or ``logit_p``.  ``logit_p`` is
    carried to the log-density as logits (``log_softmax``), so it is exact for
    logits of any magnitude and for ``-inf`` entries.

    Parameters
    ----------
    n : tensor_like of int
        Number of trials (``n >= 0``), broadcast against the batch shape of
        ``p``.  Any integer dtype works; a float ``n`` must hold whole numbers.
    p : tensor_like of float, optional
        Class probabilities, categories on the last axis, held to the rules of
        :class:`Categorical`'s ``p``: nonnegative, summing to 1 within PyMC's
        tolerance (renormalized if off by more than rounding), refused with an
        error naming ``p`` or the variable further off (``pm.Multinomial``
        rescales such a constant with a warning).
    logit_p : tensor_like of float, optional
        Unnormalized log-probabilities; ``-inf`` means probability zero.
    **kwargs
        Passed to PyMC (``shape``, ``size``, ``dims``, ``observed``, ...).

    Notes
    -----
    Counts that are negative, non-integer or do not sum to ``n`` have
    log-probability ``-inf``.  Draws normalize the probabilities in float64
    first, so a float32 ``p`` that sums to slightly more than 1 still draws,
    and a category of probability zero is never drawn.

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> import pymc_bnn as pb
    >>> x = pb.Multinomial.dist(n=np.int8(100), p=[0.5, 0.5])
    >>> round(float(pm.logp(x, np.array([50, 50], dtype="int8")).eval()), 6)
    -2.530876
    >>> with pm.Model():
    ...     logits = pm.Normal("logits", 0, 1, shape=3)
    ...     counts = pb.Multinomial("counts", n=10, logit_p=logits, observed=[2, 3, 5])
    """

    variants: ClassVar = {"p": MultinomialProbs, "logit_p": MultinomialLogits}

    @classmethod
    def dist(cls, n, p=None, logit_p=None, **kwargs) -> TensorVariable:
        """Create an unregistered Multinomial variable (see the class docstring)."""
        return cls.dist_variant(p, logit_p, {"n": as_trial_count(n)}, **kwargs)
