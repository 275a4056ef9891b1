"""Probability-vector parameters shared by :class:`Categorical` and :class:`Multinomial`.

Both distributions take the class probabilities either as ``p`` (a point on the
simplex) or as ``logit_p`` (unnormalized log-probabilities).  This module holds
the functions the two have in common:

* choosing and validating the parametrization (:func:`as_probs_or_logits`),
* the checks of constant parameters, which raise an error naming the argument,
* the symbolic parameter conditions handed to PyMC's ``check_parameters``
  (:func:`parameter_conditions`); the constant and the symbolic check of the
  sum of ``p`` share one tolerance test, :func:`sums_to_one`,
* the conversion to log-probabilities used by the log-density
  (:func:`log_probs`) and to float64 probabilities used by the draws
  (:func:`float64_probs`),
* two checks the count distributions share as well: integer-valued support
  (:func:`and_integer_valued`) and broadcastable batch shapes
  (:func:`check_broadcastable`).

The distribution classes built on these are in :mod:`pymc_bnn.distributions.base`.

Rules (documented in the distributions' docstrings):

* ``p`` must be nonnegative and sum to one along its last axis within
  :func:`simplex_atol` of its dtype.  It is **never rescaled** in the
  log-density; only the random draws normalize it (in float64), so that
  float32 rounding cannot make a sampler reject it.
* ``logit_p`` may hold any values in ``[-inf, inf)``; ``-inf`` means
  probability zero.  At least one entry per row must be finite.  The
  log-density works with ``log_softmax(logit_p)`` and never forms
  probabilities, so logits of any magnitude stay exact.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.tensor.variable import TensorConstant, TensorVariable

__all__ = [
    "and_integer_valued",
    "as_probs_or_logits",
    "check_broadcastable",
    "float64_probs",
    "log_probs",
    "parameter_conditions",
    "parameter_message",
    "simplex_atol",
    "sums_to_one",
]

Kind = Literal["p", "logit_p"]


def simplex_atol(dtype: str) -> float:
    """Absolute tolerance on ``|sum(p) - 1|`` for a probability vector of ``dtype``.

    The tolerance is ``sqrt(eps)`` of the dtype: about 1.5e-8 for float64 and
    3.5e-4 for float32.  That admits every vector produced by a softmax, a
    Dirichlet or a normalization in that precision, and rejects vectors that are
    off by a typing error.

    Examples
    --------
    >>> simplex_atol("float64") < 1e-7 < simplex_atol("float32")
    True
    """
    return float(np.sqrt(np.finfo(dtype).eps))


def sums_to_one(total: np.ndarray | TensorVariable, dtype: str) -> np.ndarray | TensorVariable:
    """Whether the sums ``total`` of probability vectors are 1 within :func:`simplex_atol`.

    The one tolerance test of ``p``: the constant check (numpy arrays) and the
    symbolic parameter condition (tensors) both call it.  ``dtype`` is the
    float dtype of the probabilities, which sets the tolerance.  A NaN sum is
    not 1.

    Parameters
    ----------
    total : numpy.ndarray or TensorVariable
        Sums of the probabilities along their last axis.
    dtype : str
        Float dtype of the probabilities, e.g. ``"float32"``.

    Returns
    -------
    numpy.ndarray or TensorVariable
        Boolean, ``|total - 1| <= simplex_atol(dtype)`` elementwise, of the same
        kind as ``total``.

    Examples
    --------
    >>> sums_to_one(np.array([1.0 + 1e-9, 1.1, np.nan]), "float64")
    array([ True, False, False])
    >>> sums_to_one(pt.as_tensor([1.0 + 1e-5]), "float32").eval()
    array([ True])
    """
    return abs(total - 1) <= simplex_atol(dtype)


def _float_dtype(dtype: str) -> str:
    """``dtype`` itself if it is a float dtype, else ``floatX`` (what integer input becomes)."""
    return dtype if dtype.startswith("float") else pytensor.config.floatX


def _constant_data(x: TensorVariable) -> np.ndarray | None:
    return np.asarray(x.data) if isinstance(x, TensorConstant) else None


def parameter_conditions(kind: Kind, value: TensorVariable) -> list[TensorVariable]:
    """Symbolic validity conditions of ``p`` or ``logit_p``, for PyMC's ``check_parameters``.

    For ``p``: nonnegative and summing to one within :func:`simplex_atol`.  For
    ``logit_p``: no NaN, no ``+inf`` and at least one finite entry per row.
    """
    if kind == "p":
        return [pt.ge(value, 0), sums_to_one(pt.sum(value, axis=-1), value.dtype)]
    # NaN fails both comparisons, so it is rejected too.
    return [pt.lt(value, np.inf), pt.gt(pt.max(value, axis=-1), -np.inf)]


def parameter_message(kind: Kind) -> str:
    """The message PyMC shows when :func:`parameter_conditions` fail."""
    if kind == "p":
        return "p >= 0 and |sum(p, axis=-1) - 1| <= sqrt(eps)"
    return "logit_p < inf, not NaN, and max(logit_p, axis=-1) > -inf"


def _check_constant_p(p: np.ndarray) -> None:
    if np.any(np.isnan(p)):
        raise ValueError("p must not contain NaN.")
    if np.any(p < 0):
        raise ValueError(f"p must be nonnegative; got negative entries: {p[p < 0]}.")
    total = np.sum(p, axis=-1)
    dtype = _float_dtype(p.dtype.name)
    atol = simplex_atol(dtype)
    bad = ~sums_to_one(total, dtype)
    if np.any(bad):
        raise ValueError(
            "p must sum to 1 along its last axis (within "
            f"{atol:.1e}); got sums {np.atleast_1d(total)[np.atleast_1d(bad)]}. "
            "pymc_bnn does not rescale p: normalize it yourself, or pass logit_p."
        )


def _check_constant_logits(logit_p: np.ndarray) -> None:
    if np.any(np.isnan(logit_p)):
        raise ValueError("logit_p must not contain NaN.")
    if np.any(logit_p == np.inf):
        raise ValueError("logit_p must not contain +inf (use -inf for probability zero).")
    if logit_p.shape[-1] > 0 and np.any(np.all(logit_p == -np.inf, axis=-1)):
        raise ValueError(
            "logit_p must have at least one finite entry along its last axis; "
            "a row of -inf has no probability mass."
        )


def as_probs_or_logits(p, logit_p) -> tuple[Kind, TensorVariable]:
    """Validate the ``p`` / ``logit_p`` pair and return the one given as a float tensor.

    Exactly one of the two must be given.  Constant values are checked here and
    raise a ``ValueError`` naming the argument; symbolic values are checked in
    the log-density through PyMC's ``check_parameters``.

    Parameters
    ----------
    p, logit_p : tensor_like or None
        Class probabilities, or unnormalized log-probabilities, with the
        categories on the last axis.

    Returns
    -------
    kind : {"p", "logit_p"}
        Which of the two was given.
    value : TensorVariable
        It, as a float tensor (integer input is cast to ``floatX``).

    Raises
    ------
    ValueError
        If both or neither are given, if the parameter is a scalar, or if a
        constant parameter is invalid (see the module docstring).

    Examples
    --------
    >>> kind, value = as_probs_or_logits(None, [0.0, -1e4, -np.inf])
    >>> kind
    'logit_p'
    >>> as_probs_or_logits([0.5, 0.6], None)
    Traceback (most recent call last):
    ...
    ValueError: p must sum to 1 along its last axis (within 1.5e-08); got sums [1.1]. ...
    """
    if (p is None) == (logit_p is None):
        raise ValueError(
            "Pass exactly one of p (class probabilities) or logit_p (log-odds); got "
            + ("both." if p is not None else "neither.")
        )
    kind: Kind = "p" if p is not None else "logit_p"
    value = pt.as_tensor_variable(p if p is not None else logit_p)
    if value.type.ndim == 0:
        raise ValueError(
            f"{kind} must have at least one dimension (the categories, on its last axis); "
            "got a scalar."
        )
    if value.type.shape[-1] == 0:
        raise ValueError(f"{kind} must have at least one category; its last axis has length 0.")
    data = _constant_data(value)
    if data is not None:
        (_check_constant_p if kind == "p" else _check_constant_logits)(data)
    return kind, pt.cast(value, _float_dtype(value.dtype))


def log_probs(kind: Kind, value: TensorVariable) -> TensorVariable:
    """Log class probabilities of a ``p`` or ``logit_p`` tensor.

    ``logit_p`` goes through ``log_softmax``, which is exact for logits of any
    magnitude and maps ``-inf`` to ``-inf``; probabilities are never formed.

    Examples
    --------
    >>> log_probs("logit_p", pt.as_tensor([0.0, -1e4])).eval()
    array([     0., -10000.])
    """
    if kind == "p":
        return pt.log(value)
    return pt.special.log_softmax(value, axis=-1)


def float64_probs(kind: Kind, value: TensorVariable) -> TensorVariable:
    """Probabilities normalized in float64, for random draws only.

    Normalizing here keeps float32 rounding (a ``p`` summing to ``1 + 1e-7``)
    from upsetting the samplers; the log-density never rescales.
    """
    value = pt.cast(value, "float64")
    if kind == "p":
        return value / pt.sum(value, axis=-1, keepdims=True)
    return pt.special.softmax(value, axis=-1)


def check_broadcastable(batch_shapes: dict[str, tuple]) -> None:
    """Raise a ``ValueError`` naming the arguments whose static batch shapes do not broadcast.

    Unknown (``None``) lengths are skipped; they are checked when the graph runs.

    Examples
    --------
    >>> check_broadcastable({"n": (3,), "p": (4,)})
    Traceback (most recent call last):
    ...
    ValueError: The batch shapes of n (3,) and p (4,) do not broadcast ...
    """
    names = list(batch_shapes)
    ndim = max((len(s) for s in batch_shapes.values()), default=0)
    padded = {k: (1,) * (ndim - len(s)) + tuple(s) for k, s in batch_shapes.items()}
    for axis in range(ndim):
        lengths = {k: s[axis] for k, s in padded.items() if s[axis] not in (None, 1)}
        if len(set(lengths.values())) > 1:
            shown = " and ".join(f"{k} {batch_shapes[k]}" for k in names)
            raise ValueError(
                f"The batch shapes of {shown} do not broadcast (axis {axis - ndim} "
                f"has lengths {lengths})."
            )


def and_integer_valued(condition: TensorVariable, x: TensorVariable) -> TensorVariable:
    """``condition & (x == floor(x))`` elementwise; just ``condition`` for integer dtypes.

    Used for the support of both distributions' values (and for a float ``n``).
    Integer inputs skip the check entirely, so the common case costs nothing.

    Examples
    --------
    >>> x = pt.as_tensor([1.0, 1.5, -1.0])
    >>> and_integer_valued(pt.ge(x, 0), x).eval()
    array([ True, False, False])
    """
    if x.dtype.startswith("float"):
        return pt.and_(condition, pt.eq(x, pt.floor(x)))
    return condition
