"""The classes the pymc_bnn distributions are built from.

Each public distribution (:class:`~pymc_bnn.Categorical`,
:class:`~pymc_bnn.Multinomial`, :class:`~pymc_bnn.DirichletMultinomial`) is a
thin front class: its ``dist`` validates the arguments, raising errors that name
them, and returns a variable of an *implementation* class, a plain PyMC
``Discrete`` distribution with ``rv_op``, ``dist``, ``logp`` and
``support_point``.  PyMC dispatches the log-density and the support point on
the random variable's type, so every random-variable type has its own
implementation class.

* :class:`ValidatedDiscrete` is the base of the front classes: creating a
  model variable checks numeric ``observed`` data first
  (:func:`check_observed_counts`).
* :class:`ProbsOrLogitsDiscrete` adds the choice between the ``p`` and the
  ``logit_p`` implementation (:meth:`ProbsOrLogitsDiscrete.dist_variant`).
* :func:`probs_and_logits` makes that pair of implementation classes
  (``CategoricalProbs`` / ``CategoricalLogits``, ...) from one log-density and
  one support point that take the parametrization as their last argument.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import ClassVar

import numpy as np
import pymc as pm
import pytensor
from pymc.distributions.distribution import Discrete, SymbolicRandomVariable
from pymc.initial_point import make_initial_point_expression
from pytensor.compile.mode import Mode
from pytensor.graph.replace import graph_replace
from pytensor.tensor.random.op import RandomVariable
from pytensor.tensor.variable import TensorConstant, TensorVariable

from pymc_bnn.distributions.simplex import (
    Kind,
    accepted_atol,
    as_probs_or_logits,
    check_broadcastable,
    off_simplex_message,
)

__all__ = [
    "ProbsOrLogitsDiscrete",
    "ProbsOrLogitsVariant",
    "ValidatedDiscrete",
    "check_observed_counts",
    "check_start_simplex",
    "probs_and_logits",
]


def check_observed_counts(observed, name: str) -> None:
    """Raise a ``ValueError`` if numeric ``observed`` data holds negative or non-integer entries.

    PyMC casts observed data to the variable's integer dtype, which silently
    truncates ``0.5`` to ``0``; checking before that cast turns bad labels or
    counts into an error that names the variable.  Missing entries (NaN, or
    masked in a ``numpy.ma`` array) are left alone: PyMC imputes them, as
    ``pm.Categorical`` does, and the entries that are present are checked.
    Symbolic data (``pm.Data``, tensors) is left to the log-density, which
    gives ``-inf`` off the support.

    Parameters
    ----------
    observed : array_like, Variable or None
        The ``observed`` argument of the distribution.
    name : str
        Name of the model variable, shown in the error.

    Raises
    ------
    ValueError
        If the present entries of numeric data hold infinite, non-integer or
        negative values.

    Examples
    --------
    >>> check_observed_counts(np.array([0, 1.5]), "y")
    Traceback (most recent call last):
    ...
    ValueError: observed data for 'y' must hold nonnegative integers; found non-integer values ...
    >>> check_observed_counts(np.array([0, np.nan, 2]), "y")  # missing: imputed by PyMC
    """
    if observed is None or isinstance(observed, pytensor.graph.basic.Variable):
        return
    masked = np.ma.getmaskarray(observed) if np.ma.isMaskedArray(observed) else None
    data = np.asarray(np.ma.getdata(observed))
    if data.dtype.kind not in "biuf":
        return
    present = np.ones(data.shape, bool) if masked is None else ~masked
    if data.dtype.kind == "f":
        present &= ~np.isnan(data)
    values = data[present]
    with np.errstate(invalid="ignore"):
        bad_inf = ~np.isfinite(values) if data.dtype.kind == "f" else np.zeros(values.shape, bool)
        bad_frac = ~bad_inf & (values != np.floor(values))
    if bad_inf.any():
        raise ValueError(
            f"observed data for {name!r} must hold nonnegative integers; found "
            f"{values[bad_inf][:5]} (missing values are NaN or masked)."
        )
    if bad_frac.any():
        raise ValueError(
            f"observed data for {name!r} must hold nonnegative integers; found non-integer "
            f"values {values[bad_frac][:5]}."
        )
    if (values < 0).any():
        raise ValueError(
            f"observed data for {name!r} must hold nonnegative integers; found negative "
            f"values {values[values < 0][:5]}."
        )


class ValidatedDiscrete(Discrete):
    """Base of the public distributions: checks numeric ``observed`` data, then defers to PyMC.

    Subclasses define ``dist``, which validates the parameters and returns a
    variable of an implementation class; ``Distribution.__new__`` calls it and
    registers the variable in the model.  The check runs before PyMC casts the
    data to the variable's integer dtype (see :func:`check_observed_counts`).
    """

    def __new__(cls, name: str, *args, observed=None, **kwargs) -> TensorVariable:
        check_observed_counts(observed, name)
        return super().__new__(cls, name, *args, observed=observed, **kwargs)


#: Evaluates a small graph once, without rewriting or compiling it.
_UNCOMPILED = Mode(linker="py", optimizer=None)


def check_start_simplex(rv: TensorVariable, name: str) -> None:
    """Raise a ``ValueError`` naming the variable if its symbolic ``p`` is no simplex at the start.

    A ``p`` built from the model's other variables (``sigmoid(X @ w)`` where a
    softmax was meant, say) is evaluated at the model's start point, the
    initial values ``pm.sample`` and ``pm.fit`` begin from.  If a row's sum is
    finite and off 1 by more than
    :func:`~pymc_bnn.distributions.simplex.accepted_atol`, the model cannot
    mean it as probabilities, and the error says so when the variable is
    created (PyMC's samplers would report only that the start point's
    log-density is ``-inf``, or nutpie that "all initialization points
    failed").  Constant ``p`` and ``logit_p`` are checked elsewhere; a start
    point that cannot be evaluated here is left to the log-density, which
    raises the same message (:func:`~pymc_bnn.distributions.simplex.check_simplex`).

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> import pymc_bnn as pb
    >>> with pm.Model():
    ...     w = pm.Normal("w", shape=3)
    ...     y = pb.Categorical("y", p=pm.math.sigmoid(w), observed=[0, 2])
    Traceback (most recent call last):
    ...
    ValueError: p of 'y' does not sum to 1 along its last axis ... (sums at the start point: [1.5])
    """
    if getattr(rv.owner.op, "kind", None) != "p":
        return
    param = rv.owner.inputs[-1]
    if isinstance(param, TensorConstant):
        return
    try:
        model = pm.modelcontext(None)
        start = make_initial_point_expression(
            free_rvs=model.free_RVs,
            rvs_to_transforms=model.rvs_to_transforms,
            initval_strategies=model.rvs_to_initial_values,
        )
        at_start = graph_replace(param, dict(zip(model.free_RVs, start, strict=True)))
        totals = np.asarray(at_start.sum(axis=-1).eval(mode=_UNCOMPILED), dtype="float64")
    except Exception:
        return
    off = np.isfinite(totals) & (np.abs(totals - 1) > accepted_atol(param.dtype))
    if np.any(off):
        raise ValueError(
            f"{off_simplex_message(name, param.dtype)} (sums at the start point: "
            f"{np.atleast_1d(totals)[np.atleast_1d(off)][:5]})"
        )


class ProbsOrLogitsDiscrete(ValidatedDiscrete):
    """Base of the public distributions that take ``p`` or ``logit_p``.

    ``variants`` maps the parametrization to its implementation class, made by
    :func:`probs_and_logits`; ``dist`` calls :meth:`dist_variant`.
    """

    #: Implementation class for each parametrization, ``{"p": ..., "logit_p": ...}``.
    variants: ClassVar[Mapping[Kind, type[ProbsOrLogitsVariant]]]

    def __new__(cls, name: str, *args, **kwargs) -> TensorVariable:
        rv = super().__new__(cls, name, *args, **kwargs)
        check_start_simplex(rv, name)
        return rv

    @classmethod
    def dist_variant(
        cls, p, logit_p, leading: Mapping[str, TensorVariable], **kwargs
    ) -> TensorVariable:
        """Validate ``p`` / ``logit_p`` and build the variable of the matching implementation.

        Parameters
        ----------
        p, logit_p : tensor_like or None
            As given by the user; exactly one must be set (see
            :func:`~pymc_bnn.distributions.simplex.as_probs_or_logits`).
        leading : mapping of str to TensorVariable
            The already validated parameters that come before the probability
            vector, by name (``{"n": n}`` for the Multinomial, empty for the
            Categorical).  Their static shapes must broadcast against the batch
            shape of the probability vector.
        **kwargs
            Passed to the implementation's ``dist`` (``shape``, ``size``, ...).

        Examples
        --------
        >>> import pymc_bnn as pb
        >>> y = pb.Categorical.dist_variant(None, [0.0, -1.0], {})
        >>> type(y.owner.op).__name__
        'CategoricalLogitsRV'
        """
        kind, value = as_probs_or_logits(p, logit_p)
        if leading:
            shapes = {name: param.type.shape for name, param in leading.items()}
            check_broadcastable({**shapes, kind: value.type.shape[:-1]})
        return cls.variants[kind].dist(*leading.values(), value, **kwargs)


class ProbsOrLogitsVariant(Discrete):
    """Base of the implementation classes made by :func:`probs_and_logits`.

    ``kind`` is the parametrization of the last parameter, ``"p"`` or
    ``"logit_p"``; ``dist`` takes the parameters in the order of the random
    variable's signature.
    """

    kind: ClassVar[Kind]

    @classmethod
    def dist(cls, *params: TensorVariable, **kwargs) -> TensorVariable:
        """Create an unregistered variable from validated parameters (use the front class)."""
        return super().dist(list(params), **kwargs)


def probs_and_logits(
    name: str,
    probs_rv: type[SymbolicRandomVariable | RandomVariable],
    logits_rv: type[SymbolicRandomVariable | RandomVariable],
    *,
    logp: Callable[..., TensorVariable],
    support_point: Callable[..., TensorVariable],
    logcdf: Callable[..., TensorVariable] | None = None,
) -> tuple[type[ProbsOrLogitsVariant], type[ProbsOrLogitsVariant]]:
    """Make the ``p`` and the ``logit_p`` implementation classes of a distribution.

    For each random-variable type this creates a :class:`ProbsOrLogitsVariant`
    named ``{name}Probs`` or ``{name}Logits`` with

    * ``rv_type`` the random-variable type and ``rv_op`` an instance of it (a
      ``RandomVariable``) or its ``rv_op`` (a ``SymbolicRandomVariable``),
    * ``kind`` the random-variable type's ``kind`` (``"p"`` or ``"logit_p"``),
    * ``logp(value, *params)`` returning ``logp(value, *params, kind)``,
    * ``support_point(rv, size, *params)`` returning
      ``support_point(rv, size, *params, kind)``,

    so that PyMC registers the log-density and the support point for that type.

    Parameters
    ----------
    name : str
        Name of the distribution, e.g. ``"Categorical"``.
    probs_rv, logits_rv : type of RandomVariable or SymbolicRandomVariable
        The random-variable types taking ``p`` and ``logit_p``; each has a
        ``kind`` attribute.
    logp : callable
        ``logp(value, *params, kind)``, the log-density for either parametrization.
    support_point : callable
        ``support_point(rv, size, *params, kind)``.
    logcdf : callable, optional
        ``logcdf(value, *params, kind)``, registered as ``logcdf`` when given.

    Returns
    -------
    tuple of two classes
        The ``p`` class, then the ``logit_p`` class.

    Examples
    --------
    >>> from pymc_bnn.distributions import categorical
    >>> probs, logits = categorical.CategoricalProbs, categorical.CategoricalLogits
    >>> probs.__name__, probs.kind, logits.kind
    ('CategoricalProbs', 'p', 'logit_p')
    >>> logits.rv_type is categorical.CategoricalLogitsRV
    True
    """
    if (probs_rv.kind, logits_rv.kind) != ("p", "logit_p"):
        raise ValueError(
            f"probs_rv and logits_rv must have kind 'p' and 'logit_p'; got "
            f"{probs_rv.kind!r} and {logits_rv.kind!r}."
        )

    def variant(
        rv_type: type[SymbolicRandomVariable | RandomVariable],
    ) -> type[ProbsOrLogitsVariant]:
        kind = rv_type.kind
        suffix, described = ("Probs", "probabilities") if kind == "p" else ("Logits", "logits")
        class_name = f"{name}{suffix}"

        def variant_logp(value, *params):
            return logp(value, *params, kind)

        def variant_support_point(rv, size, *params):
            return support_point(rv, size, *params, kind)

        def variant_logcdf(value, *params):
            return logcdf(value, *params, kind)

        namespace = {
            "__module__": rv_type.__module__,
            "__qualname__": class_name,
            "__doc__": f"{name} parametrized by {described}; use :class:`{name}` (``{kind}=``).",
            "kind": kind,
            "rv_type": rv_type,
            # A RandomVariable type is called through an instance, a symbolic one through rv_op.
            "rv_op": rv_type() if issubclass(rv_type, RandomVariable) else rv_type.rv_op,
            "logp": variant_logp,
            "support_point": variant_support_point,
        }
        if logcdf is not None:
            namespace["logcdf"] = variant_logcdf
        return types.new_class(
            class_name, (ProbsOrLogitsVariant,), exec_body=lambda ns: ns.update(namespace)
        )

    return variant(probs_rv), variant(logits_rv)
