"""One Bayesian dense layer inside a ``pm.Model``: :func:`bnn_layer`.

The layer's weights and biases are random variables and it returns its output,
so layers stack by passing one output to the next layer
(:func:`pymc_bnn.models.bnn.bnn_classifier` stacks them into a classifier).

Parameterization.  Each weight is ``scale * z`` with ``z ~ Normal(0, 1)`` the free
variable (non-centred): every free variable then has the same unit scale, which
suits Adam's per-coordinate steps and, with a learned ``scale``, avoids the funnel
of a centred hierarchical prior.  The weights themselves are Deterministics.

Initial values.  A network whose hidden units start equal stays symmetric under
gradient descent: with all-zero starting weights (PyMC's default initial point)
every unit of a layer receives the same gradient.  :func:`bnn_layer` therefore
gives ``z`` random initial values, ``Normal(0, init_scale)`` from ``random_seed``.
The layer's default ``init_scale=0.3`` keeps the first pre-activations of
standardized inputs mostly out of tanh's flat tails under a unit prior scale
(with 54 inputs their standard deviation starts near 2 rather than 7).
:func:`~pymc_bnn.models.bnn.bnn_classifier`, whose ``"auto"`` prior already gives
the first layer unit-variance pre-activations, starts its layers at a draw from
the prior instead (``init_scale=1.0``).

Its prior scale is a number or ``"fan_in"`` (``1 / sqrt(n_inputs)``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
from numpy.typing import ArrayLike
from pytensor.tensor.variable import TensorVariable

from pymc_bnn.models.compile_mode import quick_compile
from pymc_bnn.models.data import check_positive_int
from pymc_bnn.models.geometry import (
    centred_intercept,
    qr_coefficients,
)

__all__ = ["ACTIVATIONS", "LayerVariables", "bnn_layer", "tanh"]

Activation = str | Callable[[TensorVariable], TensorVariable] | None


def tanh(a: TensorVariable) -> TensorVariable:
    """Hyperbolic tangent through one exponential: ``2 * sigmoid(2 a) - 1``.

    The same function as ``pt.tanh`` to within a few ``1e-16`` absolute, and
    faster where it matters: PyTensor's Numba backend evaluates ``tanh`` with
    libm's scalar ``tanh`` element by element, the logistic with one ``exp``,
    and the hidden layers' activations are a large part of a BNN's ADVI step
    (``benchmarks/elementwise_exp.py`` and ``benchmarks/advi_steps.py``; figures
    in ``benchmarks/results/``).  The gradient, ``4 s (1 - s)`` with
    ``s = sigmoid(2 a)``, is finite for every finite ``a``.

    Parameters
    ----------
    a : TensorVariable
        Pre-activations.

    Returns
    -------
    TensorVariable
        ``tanh(a)``, elementwise.

    Examples
    --------
    >>> import numpy as np
    >>> import pytensor.tensor as pt
    >>> x = np.array([-30.0, -0.5, 0.0, 0.5, 30.0])
    >>> bool(np.allclose(tanh(pt.as_tensor(x)).eval(), np.tanh(x), rtol=0, atol=1e-15))
    True
    """
    return 2.0 * pt.sigmoid(2.0 * a) - 1.0


ACTIVATIONS: dict[str, Callable[[TensorVariable], TensorVariable]] = {
    "tanh": tanh,
    "relu": lambda a: pt.maximum(a, 0.0),
    "softplus": pt.softplus,
    "linear": lambda a: a,
}
"""Named activations: ``name -> pytensor function``."""


@dataclass(frozen=True)
class LayerVariables:
    """The variables of one layer made by :func:`bnn_layer`.

    Attributes
    ----------
    name : str
    weights, bias : TensorVariable
        Deterministics ``{name}_w`` (dims ``(inputs, units)``) and ``{name}_b``
        (None for the linear path of ``bnn_classifier(skip_scale=...)``).
    activation : str, callable or None
    dims : tuple of str
        Names of the input and unit dimensions.
    prior_scale : float
        The weights' prior standard deviation as a number (``"fan_in"`` resolved;
        the half-normal scale when hierarchical).
    init_scale : float or None
        Standard deviation of the random starting values of the unit-scale
        weights ``{name}_w_z`` (None where they start at zero).
    factor : numpy.ndarray or None
        The inputs' QR factor ``R`` when the unit-scale weights ``z`` are sampled
        in QR coordinates (free ``{name}_w_qr``, ``(R z)`` transposed; see
        ``bnn_layer``'s ``geometry``); None when ``{name}_w_z`` is free itself.
    """

    name: str
    weights: TensorVariable
    bias: TensorVariable | None
    activation: str | Callable | None
    dims: tuple[str, str]
    prior_scale: float
    init_scale: float | None = None
    factor: np.ndarray | None = None


def resolve_activation(activation: Activation) -> tuple[str | Callable, Callable]:
    """Normalized activation and its pytensor function; raise on an unknown name."""
    if activation is None:
        activation = "linear"
    if callable(activation):
        return activation, activation
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {sorted(ACTIVATIONS)}, None or a callable; "
            f"got {activation!r}."
        )
    return activation, ACTIVATIONS[activation]


def _n_inputs(inputs: TensorVariable) -> int:
    if inputs.ndim != 2:
        raise ValueError(f"inputs must be 2-D (rows, features); got {inputs.ndim} dimension(s).")
    static = inputs.type.shape[-1]
    if static is not None:
        return int(static)
    with quick_compile():
        return int(pytensor.function([], inputs.shape[-1])())


def _ensure_coord(model: pm.Model, dim: str, size: int) -> None:
    if dim in model.coords:
        if len(model.coords[dim]) != size:
            raise ValueError(
                f"dims: the model's coordinate {dim!r} has {len(model.coords[dim])} "
                f"entries but the layer needs {size}."
            )
    else:
        model.add_coord(dim, range(size))


def _scale(name: str, prior_scale: float, hierarchical: bool) -> TensorVariable | float:
    if hierarchical:
        return pm.HalfNormal(name, sigma=prior_scale)
    return prior_scale


def bnn_layer(
    name: str,
    inputs: ArrayLike | TensorVariable,
    n_units: int,
    *,
    activation: Activation = "tanh",
    prior_scale: float | str | None = None,
    bias_scale: float = 1.0,
    hierarchical: bool = False,
    init_scale: float = 0.3,
    dims: tuple[str, str] | None = None,
    random_seed: int | np.random.Generator | None = None,
    return_variables: bool = False,
    geometry: tuple[np.ndarray, np.ndarray | None] | None = None,
) -> TensorVariable | tuple[TensorVariable, LayerVariables]:
    r"""Add a Bayesian dense layer ``activation(inputs @ W + b)`` to the current model.

    .. math::

       W_{ij} = s\,z_{ij},\quad z_{ij} \sim \mathcal N(0, 1), \qquad
       b_j = s_b\,u_j,\quad u_j \sim \mathcal N(0, 1)

    with ``s`` the prior scale (fixed, or learned with a half-normal prior when
    ``hierarchical``).

    Parameters
    ----------
    name : str
        Prefix of the layer's variables: free ``{name}_w_z`` and ``{name}_b_z``,
        Deterministic weights ``{name}_w`` and biases ``{name}_b``, and
        ``{name}_w_scale`` / ``{name}_b_scale`` when hierarchical.
    inputs : array_like or TensorVariable, shape (rows, n_inputs)
        The layer's input: a data container, a minibatch or a previous layer's
        output.  The number of columns must be knowable (static, or evaluable from
        shared data).
    n_units : int
        Number of output units (>= 1).
    activation : {"tanh", "relu", "softplus", "linear"}, None or callable, default "tanh"
        Applied to ``inputs @ W + b``; ``None`` and ``"linear"`` apply nothing; a
        callable receives and returns a pytensor tensor.
    prior_scale : float or "fan_in", optional
        Standard deviation of the weights' prior (of the half-normal prior of the
        learned scale when ``hierarchical``).  Default ``1.0``.  ``"fan_in"`` means
        ``1 / sqrt(n_inputs)``: pre-activations of about the size of one
        standardized input whatever the number of inputs (unit-variance weights
        on 64 inputs give pre-activations of standard deviation 8).  Measured in
        ``benchmarks/results/calibration.md``: it sharpens the probabilities on
        small data sets with many inputs (digits) when the output layer keeps a
        wide prior, but fits forest cover worse; hence not the default.
    bias_scale : float, default 1.0
        Standard deviation of the biases' prior (or its half-normal scale).
    hierarchical : bool, default False
        Learn one weight scale and one bias scale per layer.
    init_scale : float, default 0.3
        Standard deviation of the random initial values of ``z`` (biases start at
        zero).  Must be positive: random starting weights break the symmetry
        between hidden units; small ones keep tanh units out of saturation.
    dims : tuple of str, optional
        Names of the input and unit dimensions (default ``("{name}_inputs",
        "{name}_units")``); coordinates are added when the model lacks them.
    random_seed : int or numpy.random.Generator, optional
        Seed of the initial values.
    return_variables : bool, default False
        Also return the layer's :class:`LayerVariables`.
    geometry : tuple, optional
        ``(mean, factor)`` of the inputs' rows
        (:func:`pymc_bnn.models.geometry.design_geometry`; ``factor`` may be None):
        sample the biases as those of the centred inputs (free ``{name}_b_centered``)
        and, with a factor, the weights' ``z`` in QR coordinates (free
        ``{name}_w_qr``, units first), as :func:`bnn_classifier`'s
        ``parametrization`` does for the first layer.  The weights and biases,
        and their prior, are those of the default; only the free coordinates
        differ.

    Returns
    -------
    TensorVariable
        The layer's output, shape ``(rows, n_units)``; with ``return_variables``, a
        pair ``(output, LayerVariables)``.

    Raises
    ------
    ValueError
        If ``inputs`` is not 2-D, ``n_units < 1``, the activation is unknown, or a
        scale is not positive.

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> X = np.random.default_rng(0).normal(size=(8, 3))
    >>> with pm.Model() as model:
    ...     h = bnn_layer("hidden", X, 5, random_seed=0)
    ...     out = bnn_layer("out", h, 2, activation=None, random_seed=1)
    >>> sorted(v.name for v in model.free_RVs)
    ['hidden_b_z', 'hidden_w_z', 'out_b_z', 'out_w_z']
    >>> model.named_vars_to_dims["hidden_w"]
    ('hidden_inputs', 'hidden_units')
    >>> out.eval().shape  # doctest: +SKIP
    (8, 2)
    """
    check_positive_int(n_units, "n_units")
    activation, act = resolve_activation(activation)
    inputs = pt.as_tensor_variable(inputs)
    n_in = _n_inputs(inputs)
    if prior_scale is None:
        prior_scale = 1.0
    elif isinstance(prior_scale, str):
        if prior_scale != "fan_in":
            raise ValueError(
                f'prior_scale must be a positive number or "fan_in"; got {prior_scale!r}.'
            )
        prior_scale = 1.0 / np.sqrt(n_in)
    for arg, value in (
        ("prior_scale", prior_scale),
        ("bias_scale", bias_scale),
        ("init_scale", init_scale),
    ):
        if not (np.isscalar(value) and np.isfinite(value) and value > 0):
            raise ValueError(f"{arg} must be a positive number; got {value!r}.")
    dims = dims or (f"{name}_inputs", f"{name}_units")
    model = pm.modelcontext(None)
    _ensure_coord(model, dims[0], n_in)
    _ensure_coord(model, dims[1], int(n_units))

    rng = np.random.default_rng(random_seed)
    start = rng.normal(0.0, init_scale, size=(n_in, int(n_units)))
    mean, factor = (None, None) if geometry is None else geometry
    if factor is None:
        w_z = pm.Normal(f"{name}_w_z", 0.0, 1.0, dims=dims, initval=start)
    else:
        w_z = qr_coefficients(f"{name}_w_qr", np.ones(start.shape), factor, initval=start)
    w_scale = _scale(f"{name}_w_scale", prior_scale, hierarchical)
    b_scale = _scale(f"{name}_b_scale", bias_scale, hierarchical)
    weights = pm.Deterministic(f"{name}_w", w_scale * w_z, dims=dims)
    if mean is None:
        b_z = pm.Normal(f"{name}_b_z", 0.0, 1.0, dims=dims[1:])
    else:
        b_z = centred_intercept(f"{name}_b_centered", 1.0, weights / b_scale, mean, int(n_units))
    bias = pm.Deterministic(f"{name}_b", b_scale * b_z, dims=dims[1:])
    # A static width lets the next layer read its fan-in without evaluating a shape.
    output = pt.specify_shape(act(pt.dot(inputs, weights) + bias), (None, int(n_units)))
    if return_variables:
        layer = LayerVariables(
            name, weights, bias, activation, dims, float(prior_scale), float(init_scale), factor
        )
        return output, layer
    return output
