"""Categorical distribution with exact log-probabilities for ``p`` and ``logit_p``."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytensor.tensor as pt
from pymc.distributions.dist_math import check_parameters
from pymc.distributions.distribution import SymbolicRandomVariable
from pymc.distributions.shape_utils import implicit_size_from_params, rv_size_is_none
from pymc.pytensorf import normalize_rng_param
from pytensor.tensor.random.basic import gumbel
from pytensor.tensor.random.utils import normalize_size_param
from pytensor.tensor.variable import TensorVariable

from pymc_bnn.distributions.base import ProbsOrLogitsDiscrete, probs_and_logits
from pymc_bnn.distributions.simplex import (
    Kind,
    and_integer_valued,
    log_probs,
    parameter_conditions,
    parameter_message,
)

__all__ = [
    "Categorical",
    "CategoricalLogits",
    "CategoricalProbs",
    "categorical_logcdf",
    "categorical_logp",
]


class _CategoricalRV(SymbolicRandomVariable):
    """Categorical draws by the Gumbel-max trick on float64 log-probabilities.

    ``argmax(log p + Gumbel noise)`` is exactly categorical, never returns a
    category of probability zero, and needs no normalized cumulative sum, so
    float32 rounding of ``p`` cannot push a draw out of range.
    """

    extended_signature = "[rng],[size],(k)->[rng],()"
    kind: Kind

    @classmethod
    def rv_op(cls, param, *, size=None, rng=None):
        param = pt.as_tensor(param)
        rng = normalize_rng_param(rng)
        size = normalize_size_param(size)
        if rv_size_is_none(size):
            size = implicit_size_from_params(param, ndims_params=cls.ndims_params)
        noise_size = pt.concatenate([size, param.shape[-1:]])
        next_rng, noise = gumbel(0.0, 1.0, size=noise_size, rng=rng, return_next_rng=True)
        draws = pt.argmax(log_probs(cls.kind, pt.cast(param, "float64")) + noise, axis=-1)
        return cls(inputs=[rng, size, param], outputs=[next_rng, draws])(rng, size, param)


class CategoricalProbsRV(_CategoricalRV):
    name = "categorical_probs"
    _print_name = ("Categorical", "\\operatorname{Categorical}")
    kind = "p"


class CategoricalLogitsRV(_CategoricalRV):
    name = "categorical_logits"
    _print_name = ("CategoricalLogits", "\\operatorname{Categorical_{logit}}")
    kind = "logit_p"


def categorical_logp(value: TensorVariable, param: TensorVariable, kind: Kind) -> TensorVariable:
    """Log-probability of a categorical ``value`` under ``p`` or ``logit_p``.

    With ``kind="logit_p"`` the result is ``log_softmax(logit_p)[value]``,
    exact for logits of any magnitude.  With ``kind="p"`` it is
    ``log(p[value])``: the logarithm is taken after indexing so that a zero in
    an unselected category cannot put a NaN into the gradient.  Values outside
    ``{0, ..., K-1}`` (negative, too large or non-integer) give ``-inf``.

    Examples
    --------
    >>> categorical_logp(pt.as_tensor(1), pt.as_tensor([0.0, -1000.0]), "logit_p").eval()
    array(-1000.)
    """
    k = param.shape[-1]
    # Align value and param batch dimensions as pm.Categorical does.
    dim_diff = param.type.ndim - value.type.ndim
    if dim_diff > 1:
        value = pt.shape_padleft(value, dim_diff - 1)
    elif dim_diff < 1:
        param = pt.shape_padleft(param, 1 - dim_diff)

    in_support = and_integer_valued(pt.and_(pt.ge(value, 0), pt.lt(value, k)), value)
    index = pt.switch(in_support, value, 0).astype("int64")[..., None]
    if kind == "p":
        picked = pt.log(pt.take_along_axis(param, index, axis=-1).squeeze(-1))
    else:
        picked = pt.take_along_axis(log_probs(kind, param), index, axis=-1).squeeze(-1)
    res = pt.switch(in_support, picked, -np.inf)
    return check_parameters(res, *parameter_conditions(kind, param), msg=parameter_message(kind))


def categorical_logcdf(value: TensorVariable, param: TensorVariable, kind: Kind) -> TensorVariable:
    """Log of ``P(X <= value)`` under ``p`` or ``logit_p``.

    ``logsumexp`` of the log-probabilities of the categories up to
    ``floor(value)``: exact for logits of any magnitude (``pm.Categorical``
    takes ``log(cumsum(softmax(logit_p)))``, which is ``-inf`` once the first
    probabilities underflow).  ``-inf`` below 0, exactly 0 from ``K - 1`` on.

    Examples
    --------
    >>> v = pt.as_tensor(0)
    >>> categorical_logcdf(v, pt.as_tensor([0.0, 1000.0]), "logit_p").eval()
    array(-1000.)
    """
    k = param.shape[-1]
    dim_diff = param.type.ndim - value.type.ndim
    if dim_diff > 1:
        value = pt.shape_padleft(value, dim_diff - 1)
    elif dim_diff < 1:
        param = pt.shape_padleft(param, 1 - dim_diff)
    theta = pt.cast(param, "float64")
    upto = pt.le(pt.arange(k), pt.floor(pt.cast(value, "float64"))[..., None])
    inside = pt.and_(pt.ge(value, 0), pt.lt(value, k - 1))
    if kind == "p":
        total = pt.sum(pt.switch(upto, theta, 0.0), axis=-1)
        summed = pt.log(pt.switch(inside, total, 1.0))
    else:
        masked = pt.switch(upto, log_probs(kind, theta), -np.inf)
        top = pt.max(masked, axis=-1, keepdims=True)
        empty = pt.isinf(top)  # every category up to the value has probability 0
        safe_top = pt.switch(empty, 0.0, top)
        total = pt.sum(pt.exp(masked - safe_top), axis=-1)
        empty = empty.squeeze(-1)
        summed = pt.switch(
            empty, -np.inf, pt.log(pt.switch(empty, 1.0, total)) + safe_top.squeeze(-1)
        )
    res = pt.switch(pt.lt(value, 0), -np.inf, pt.switch(inside, summed, 0.0))
    return check_parameters(
        pt.cast(res, param.dtype),
        *parameter_conditions(kind, param),
        msg=parameter_message(kind),
    )


def _support_point(rv, size, param, kind: Kind):
    # The most probable category: argmax is the same for p and for logit_p.
    mode = pt.argmax(param, axis=-1)
    if not rv_size_is_none(size):
        mode = pt.full(size, mode)
    return mode


CategoricalProbs, CategoricalLogits = probs_and_logits(
    "Categorical",
    CategoricalProbsRV,
    CategoricalLogitsRV,
    logp=categorical_logp,
    support_point=_support_point,
    logcdf=categorical_logcdf,
)


class Categorical(ProbsOrLogitsDiscrete):
    r"""Categorical distribution, a drop-in for ``pm.Categorical`` with exact logits.

    .. math:: f(x \mid p) = p_x, \qquad x \in \{0, \ldots, K - 1\}

    Give exactly one of ``p`` or ``logit_p``.  ``logit_p`` is carried to the
    log-density as logits: the log-probability is
    ``log_softmax(logit_p)[x]``, finite and exact for logits of any magnitude
    (``pm.Categorical`` forms ``softmax(logit_p)`` first, which underflows to
    0 and gives ``-inf`` and NaN gradients once the logits are about 745 apart).

    Parameters
    ----------
    p : tensor_like of float, optional
        Class probabilities, categories on the last axis.  Must be nonnegative
        and sum to 1 within ``sqrt(eps)`` of its dtype (1.5e-8 in float64,
        3.5e-4 in float32).  ``p`` is never rescaled: a constant ``p`` that
        fails these rules raises a ``ValueError`` naming ``p``; a symbolic one
        fails PyMC's parameter check.
    logit_p : tensor_like of float, optional
        Unnormalized log-probabilities, categories on the last axis.  ``-inf``
        means probability zero; ``+inf`` and NaN are invalid, as is a row with
        no finite entry.
    **kwargs
        Passed to PyMC (``shape``, ``size``, ``dims``, ``observed``, ...).

    Notes
    -----
    Values outside ``{0, ..., K-1}``, including non-integers, have
    log-probability ``-inf``.  Draws use the Gumbel-max trick in float64, so a
    category of probability zero is never drawn.

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> import pymc_bnn as pb
    >>> y = pb.Categorical.dist(logit_p=[0.0, -1000.0])
    >>> float(pm.logp(y, 1).eval())
    -1000.0
    >>> with pm.Model():
    ...     logits = pm.Normal("logits", 0, 1, shape=3)
    ...     obs = pb.Categorical("obs", logit_p=logits, observed=np.array([0, 2, 2]))
    """

    variants: ClassVar = {"p": CategoricalProbs, "logit_p": CategoricalLogits}

    @classmethod
    def dist(cls, p=None, logit_p=None, **kwargs) -> TensorVariable:
        """Create an unregistered Categorical variable (see the class docstring)."""
        return cls.dist_variant(p, logit_p, {}, **kwargs)
