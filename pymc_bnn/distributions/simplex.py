"""Probability-vector parameters shared by :class:`Categorical` and :class:`Multinomial`.

Both distributions take the class probabilities either as ``p`` (a point on the
simplex) or as ``logit_p`` (unnormalized log-probabilities).  This module holds
the functions the two have in common:

* choosing and validating the parametrization (:func:`as_probs_or_logits`),
* the checks of constant parameters, which raise an error naming the argument,
* the symbolic parameter conditions handed to PyMC's ``check_parameters``
  (:func:`parameter_conditions`), and the check that stops a symbolic ``p``
  that is not a probability vector with an error naming the variable
  (:func:`check_simplex`); the constant and the symbolic check of the sum of
  ``p`` share one tolerance test, :func:`sums_near_one`,
* the renormalization of a ``p`` that is off the simplex by more than rounding
  but within PyMC's tolerance (:func:`simplex_scale`),
* the conversion to log-probabilities used by the log-density
  (:func:`log_probs`) and to float64 probabilities used by the draws
  (:func:`float64_probs`),
* two checks the count distributions share as well: integer-valued support
  (:func:`and_integer_valued`) and broadcastable batch shapes
  (:func:`check_broadcastable`).

The distribution classes built on these are in :mod:`pymc_bnn.distributions.base`.

Rules (documented in the distributions' docstrings):

* ``p`` must be nonnegative and sum to one along its last axis within
  :func:`accepted_atol` of its dtype (PyMC's ``np.isclose`` tolerance, 1e-5,
  or the dtype's rounding, :func:`simplex_atol`, if larger).  Within
  :func:`simplex_atol` it is used as given; between the two it is used
  renormalized, ``p / sum(p)`` (a constant when the distribution is built,
  a symbolic ``p`` in the log-density), so probabilities rounded to six
  digits mean what they meant.  Further off, a constant ``p`` raises a
  ``ValueError`` and a symbolic one an error naming the variable.  The random
  draws normalize ``p`` in float64 in any case.
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
from pymc.distributions.dist_math import check_parameters
from pytensor.tensor.variable import TensorConstant, TensorVariable

__all__ = [
    "accepted_atol",
    "and_integer_valued",
    "as_probs_or_logits",
    "check_broadcastable",
    "check_simplex",
    "float64_probs",
    "log_probs",
    "off_simplex_message",
    "parameter_conditions",
    "parameter_message",
    "simplex_atol",
    "simplex_scale",
    "sums_near_one",
    "sums_to_one",
]

#: PyMC's tolerance on ``sum(p)``: ``np.isclose(sum(p), 1)`` with numpy's defaults.
PYMC_SUM_ATOL = 1e-8 + 1e-5

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


def accepted_atol(dtype: str) -> float:
    """Largest ``|sum(p) - 1|`` accepted for a probability vector of ``dtype``.

    PyMC's tolerance (``np.isclose``: 1e-8 + 1e-5 relative to 1), or
    :func:`simplex_atol` where rounding alone allows more (float32: 3.5e-4).
    A ``p`` between :func:`simplex_atol` and this is used renormalized.

    Examples
    --------
    >>> accepted_atol("float64"), round(accepted_atol("float32"), 6)
    (1.001e-05, 0.000345)
    """
    return max(simplex_atol(dtype), PYMC_SUM_ATOL)


def sums_near_one(total: np.ndarray | TensorVariable, dtype: str) -> np.ndarray | TensorVariable:
    """Whether the sums ``total`` of probability vectors are 1 within :func:`accepted_atol`.

    The one acceptance test of ``p``: the constant check (numpy arrays) and the
    symbolic parameter condition (tensors) both call it.  A NaN sum is not 1.

    Examples
    --------
    >>> sums_near_one(np.array([1.0 + 1e-6, 1.1, np.nan]), "float64")
    array([ True, False, False])
    """
    return abs(total - 1) <= accepted_atol(dtype)


def simplex_scale(p: TensorVariable) -> TensorVariable:
    """``sum(p)`` along the last axis where it is off 1 by more than rounding, else exactly 1.

    Dividing by it renormalizes a ``p`` that PyMC's tolerance admits
    (:func:`accepted_atol`) while a ``p`` within :func:`simplex_atol` of the
    simplex is used exactly as given (so nothing changes where rounding is
    all there is).  The last axis is kept (length 1).

    Examples
    --------
    >>> simplex_scale(pt.as_tensor([[0.2, 0.3, 0.500004], [0.25, 0.25, 0.5]])).eval().ravel()
    array([1.000004, 1.      ])
    """
    total = pt.sum(p, axis=-1, keepdims=True)
    return pt.switch(sums_to_one(total, p.dtype), pt.ones_like(total), total)


def check_simplex(
    res: TensorVariable, kind: Kind, param: TensorVariable, name: str | None
) -> TensorVariable:
    """Stop with an error naming the variable when a ``p`` does not sum to 1.

    A symbolic ``p`` whose sum is finite but off 1 by more than
    :func:`accepted_atol` is not a probability vector at all (a sigmoid per
    class where a softmax was meant, say), not a point a sampler should
    merely reject: PyMC's ``check_parameters`` with
    ``can_be_replaced_by_ninf=False`` raises ``ParameterValueError`` with this
    message wherever the log-density is evaluated (the start point of
    ``pm.sample`` included) instead of returning ``-inf``.  A NaN or infinite
    sum (a divergent trajectory) and negative entries stay ``-inf``
    (:func:`parameter_conditions`).  ``logit_p`` needs no such check.

    Parameters
    ----------
    res : TensorVariable
        The log-density to guard.
    kind : {"p", "logit_p"}
        The parametrization.
    param : TensorVariable
        ``p`` (or ``logit_p``, returned unchanged).
    name : str or None
        Name of the model variable (its value variable's name), shown in the error.

    Examples
    --------
    >>> p = pt.dvector("p")
    >>> logp = check_simplex(pt.as_tensor(0.0), "p", p, "y")
    >>> logp.eval({p: [0.7, 0.8]})
    Traceback (most recent call last):
    ...
    pymc.logprob.utils.ParameterValueError: p of 'y' does not sum to 1 along its last axis ...
    """
    if kind != "p":
        return res
    total = pt.sum(param, axis=-1)
    fine = pt.or_(pt.invert(pt.isfinite(total)), sums_near_one(total, param.dtype))
    msg = off_simplex_message(name, param.dtype)
    return check_parameters(res, fine, msg=msg, can_be_replaced_by_ninf=False)


def off_simplex_message(name: str | None, dtype: str) -> str:
    """The error for a ``p`` that is no probability vector, naming the variable if known.

    Examples
    --------
    >>> off_simplex_message("y", "float64")[:60]
    "p of 'y' does not sum to 1 along its last axis (|sum(p) - 1|"
    """
    who = f"p of {name!r}" if name else "p"
    return (
        f"{who} does not sum to 1 along its last axis (|sum(p) - 1| > "
        f"{accepted_atol(dtype):.1e}), so it is not a probability vector: build p with a "
        "softmax (not a sigmoid per class) or pass the scores as logit_p"
    )


def _float_dtype(dtype: str) -> str:
    """``dtype`` itself if it is a float dtype, else ``floatX`` (what integer input becomes)."""
    return dtype if dtype.startswith("float") else pytensor.config.floatX


def _constant_data(x: TensorVariable) -> np.ndarray | None:
    return np.asarray(x.data) if isinstance(x, TensorConstant) else None


def parameter_conditions(kind: Kind, value: TensorVariable) -> list[TensorVariable]:
    """Symbolic validity conditions of ``p`` or ``logit_p``, for PyMC's ``check_parameters``.

    For ``p``: nonnegative and summing to one within :func:`accepted_atol`.  For
    ``logit_p``: no NaN, no ``+inf`` and at least one finite entry per row.
    """
    if kind == "p":
        return [pt.ge(value, 0), sums_near_one(pt.sum(value, axis=-1), value.dtype)]
    # NaN fails both comparisons, so it is rejected too.
    return [pt.lt(value, np.inf), pt.gt(pt.max(value, axis=-1), -np.inf)]


def parameter_message(kind: Kind) -> str:
    """The message PyMC shows when :func:`parameter_conditions` fail."""
    if kind == "p":
        return "p >= 0 and |sum(p, axis=-1) - 1| <= max(1e-5, sqrt(eps))"
    return "logit_p < inf, not NaN, and max(logit_p, axis=-1) > -inf"


def _check_constant_p(p: np.ndarray) -> np.ndarray:
    """Validate a constant ``p``; return it, renormalized if it is off by more than rounding."""
    if np.any(np.isnan(p)):
        raise ValueError("p must not contain NaN.")
    if np.any(p < 0):
        raise ValueError(
            "Negative `p` parameters are not valid: p must be nonnegative; got negative "
            f"entries: {p[p < 0]}."
        )
    total = np.sum(p, axis=-1)
    dtype = _float_dtype(p.dtype.name)
    bad = ~sums_near_one(total, dtype)
    if np.any(bad):
        raise ValueError(
            f"p must sum to 1 along its last axis (within {accepted_atol(dtype):.1e}); got sums "
            f"{np.atleast_1d(total)[np.atleast_1d(bad)]}. pymc_bnn does not rescale a p that "
            "far off: normalize it yourself, or pass logit_p."
        )
    if np.all(sums_to_one(total, dtype)):
        return p
    p64 = np.asarray(p, dtype="float64")
    return (p64 / np.sum(p64, axis=-1, keepdims=True)).astype(dtype)


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
    ValueError: p must sum to 1 along its last axis (within 1.0e-05); got sums [1.1]. ...
    >>> as_probs_or_logits([0.2, 0.3, 0.500001], None)[1].eval()  # rounded: renormalized
    array([0.1999998, 0.2999997, 0.5000005])
    """
    if (p is None) == (logit_p is None):
        problem = (
            "Can't specify both p and logit_p"
            if p is not None
            else ("Must specify either p or logit_p")
        )
        raise ValueError(
            f"Incompatible parametrization. {problem}: pass exactly one of p (class "
            "probabilities) or logit_p (log-odds)."
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
    if data is not None and kind == "p":
        checked = _check_constant_p(data)
        if checked is not data:
            value = pt.as_tensor_variable(checked)
    elif data is not None:
        _check_constant_logits(data)
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
