"""Categorical distribution with exact log-probabilities for ``p`` and ``logit_p``."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytensor.tensor as pt
from pymc.distributions.dist_math import check_parameters
from pymc.distributions.shape_utils import rv_size_is_none
from pytensor.compile import optdb
from pytensor.graph.rewriting.basic import in2out, node_rewriter
from pytensor.tensor.random.basic import CategoricalRV, gumbel
from pytensor.tensor.type_other import NoneTypeT
from pytensor.tensor.variable import TensorVariable

from pymc_bnn.distributions.base import ProbsOrLogitsDiscrete, probs_and_logits
from pymc_bnn.distributions.simplex import (
    Kind,
    and_integer_valued,
    check_simplex,
    log_probs,
    parameter_conditions,
    parameter_message,
    simplex_scale,
)

__all__ = [
    "Categorical",
    "CategoricalLogits",
    "CategoricalProbs",
    "categorical_logcdf",
    "categorical_logp",
    "gumbel_max",
    "gumbel_max_draws",
]


class _CategoricalRV(CategoricalRV):
    """Categorical draws by the Gumbel-max trick on float64 log-probabilities.

    A subclass of PyTensor's ``CategoricalRV``, so that PyMC treats a
    pymc_bnn Categorical as it treats its own (``BinaryGibbsMetropolis`` and
    ``CategoricalGibbsMetropolis`` sample a latent one, ``moments.mean``
    answers as for ``pm.Categorical``), while the log-density, the support point
    and the draws are pymc_bnn's, registered for these subclasses only.

    ``argmax(log p + Gumbel noise)`` is exactly categorical, never returns a
    category of probability zero, and needs no normalized cumulative sum, so
    float32 rounding of ``p`` cannot push a draw out of range.  Compiled
    graphs draw through :func:`gumbel_max_draws` (a rewrite that replaces the
    node by a Gumbel draw and an ``argmax``, so every backend runs the same
    graph); an uncompiled ``perform`` calls :meth:`rng_fn`.
    """

    kind: Kind

    @classmethod
    def rng_fn(cls, rng, param, size):
        scores = np.asarray(param, dtype="float64")
        if cls.kind == "p":
            with np.errstate(divide="ignore"):
                scores = np.log(scores)
        shape = scores.shape if size is None else (*size, scores.shape[-1])
        return np.argmax(scores + rng.gumbel(size=shape), axis=-1)


class CategoricalProbsRV(_CategoricalRV):
    name = "categorical_probs"
    _print_name = ("Categorical", "\\operatorname{Categorical}")
    kind = "p"


class CategoricalLogitsRV(_CategoricalRV):
    name = "categorical_logits"
    _print_name = ("CategoricalLogits", "\\operatorname{Categorical_{logit}}")
    kind = "logit_p"


def gumbel_max(
    kind: Kind, param: TensorVariable, size, rng
) -> tuple[TensorVariable, TensorVariable]:
    """``(next_rng, argmax(log p + G))``: categorical draws from ``p`` or ``logit_p``.

    ``size`` is the draws' batch shape (``None`` or a ``NoneConst``: the batch
    shape of ``param``); ``G`` is standard Gumbel noise with one column per
    category.  ``argmax`` ignores a common shift, so ``p`` need not be
    normalized and logits are used as they are.

    Examples
    --------
    >>> import pytensor
    >>> rng = pytensor.shared(np.random.default_rng(0))
    >>> _, draws = gumbel_max("p", pt.as_tensor([0.0, 1.0, 0.0]), pt.as_tensor([5]), rng)
    >>> draws.eval().tolist()
    [1, 1, 1, 1, 1]
    """
    if size is None or isinstance(size.type, NoneTypeT):
        noise_size = param.shape
    else:
        noise_size = pt.concatenate([size, param.shape[-1:]])
    scores = pt.cast(param, "float64")
    if kind == "p":
        scores = pt.log(scores)
    next_rng, noise = gumbel(0.0, 1.0, size=noise_size, rng=rng, return_next_rng=True)
    return next_rng, pt.argmax(scores + noise, axis=-1)


@node_rewriter([_CategoricalRV])
def gumbel_max_draws(fgraph, node):
    """Replace a pymc_bnn Categorical draw by its Gumbel-max graph (see :func:`gumbel_max`).

    Registered in PyTensor's rewrite database for these op classes only: a
    ``pm.Categorical`` (PyTensor's own ``CategoricalRV``) is never touched.
    """
    if not isinstance(node.op, _CategoricalRV):
        return None
    rng, size, param = node.inputs
    next_rng, draws = gumbel_max(node.op.kind, param, size, rng)
    return [next_rng, draws]


if "pymc_bnn_categorical_gumbel_max" not in optdb:
    # Before canonicalization and long before the backends' own random-variable
    # rewrites (Numba and JAX at position 100), in every mode that rewrites.
    optdb.register(
        "pymc_bnn_categorical_gumbel_max",
        in2out(gumbel_max_draws),
        "fast_run",
        "fast_compile",
        position=0.9,
    )


def _aligned(
    value: TensorVariable, param: TensorVariable
) -> tuple[TensorVariable, TensorVariable]:
    """``value`` and ``param`` with their batch dimensions aligned, as ``pm.Categorical`` does.

    ``param`` has one dimension more than ``value`` (the categories); the one with
    fewer batch dimensions gets length-1 dimensions on the left.
    """
    dim_diff = param.type.ndim - value.type.ndim
    if dim_diff > 1:
        value = pt.shape_padleft(value, dim_diff - 1)
    elif dim_diff < 1:
        param = pt.shape_padleft(param, 1 - dim_diff)
    return value, param


def categorical_logp(value: TensorVariable, param: TensorVariable, kind: Kind) -> TensorVariable:
    """Log-probability of a categorical ``value`` under ``p`` or ``logit_p``.

    With ``kind="logit_p"`` the result is ``log_softmax(logit_p)[value]``,
    exact for logits of any magnitude.  With ``kind="p"`` it is
    ``log(p[value])``: the logarithm is taken after indexing so that a zero in
    an unselected category cannot put a NaN into the gradient.  A ``p`` off the
    simplex by more than rounding but within PyMC's tolerance is used
    renormalized (:func:`~pymc_bnn.distributions.simplex.simplex_scale`);
    one further off stops with an error naming the variable
    (:func:`~pymc_bnn.distributions.simplex.check_simplex`).  Values outside
    ``{0, ..., K-1}`` (negative, too large or non-integer) give ``-inf``.

    Examples
    --------
    >>> categorical_logp(pt.as_tensor(1), pt.as_tensor([0.0, -1000.0]), "logit_p").eval()
    array(-1000.)
    """
    name = value.name
    k = param.shape[-1]
    value, param = _aligned(value, param)

    in_support = and_integer_valued(pt.and_(pt.ge(value, 0), pt.lt(value, k)), value)
    index = pt.switch(in_support, value, 0).astype("int64")[..., None]
    if kind == "p":
        picked = pt.log(pt.take_along_axis(param, index, axis=-1).squeeze(-1))
        picked = picked - pt.log(simplex_scale(param).squeeze(-1))
    else:
        picked = pt.take_along_axis(log_probs(kind, param), index, axis=-1).squeeze(-1)
    res = pt.switch(in_support, picked, -np.inf)
    res = check_parameters(res, *parameter_conditions(kind, param), msg=parameter_message(kind))
    return check_simplex(res, kind, param, name)


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
    name = value.name
    k = param.shape[-1]
    value, param = _aligned(value, param)
    theta = pt.cast(param, "float64")
    upto = pt.le(pt.arange(k), pt.floor(pt.cast(value, "float64"))[..., None])
    inside = pt.and_(pt.ge(value, 0), pt.lt(value, k - 1))
    if kind == "p":
        total = pt.sum(pt.switch(upto, theta, 0.0), axis=-1) / simplex_scale(param).squeeze(-1)
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
    res = check_parameters(
        pt.cast(res, param.dtype),
        *parameter_conditions(kind, param),
        msg=parameter_message(kind),
    )
    return check_simplex(res, kind, param, name)


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
        and sum to 1 within PyMC's tolerance (``np.isclose``: 1e-5; 3.5e-4 in
        float32).  Within rounding (``sqrt(eps)`` of its dtype) ``p`` is used as
        given; off by more but within the tolerance (probabilities rounded to
        six digits) it is used renormalized, ``p / sum(p)``.  Further off, a
        constant ``p`` raises a ``ValueError`` naming ``p`` (``pm.Categorical``
        rescales it with a warning), and a symbolic one an error naming the
        variable, when the variable is created (``p`` at the model's start
        point) or when the log-density runs.
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
