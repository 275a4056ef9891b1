"""A Bayesian neural network for multiclass classification inside a ``pm.Model``.

:func:`bnn_classifier` stacks hidden layers (:func:`pymc_bnn.models.layer.bnn_layer`)
on the features, adds a linear output layer with one unit per class and the
validated likelihood (:class:`pymc_bnn.Categorical` or
:class:`pymc_bnn.Multinomial` on the logits), and returns a
:class:`BayesianNeuralNetwork` that predicts new rows.

Priors.  :func:`bnn_classifier` defaults to ``prior_scale="auto"``: the first
layer's weights get the standard deviation ``1 / sqrt(mean_i |x_i|^2)`` read from
the training rows, so that its pre-activations have unit variance a priori
whatever the number and kind of inputs (64 standardized pixels, or 10
standardized columns beside 44 one-hot indicators); hidden layers after it keep
``Normal(0, 1)`` and the output layer gets :data:`OUTPUT_SCALE`, so that the
prior allows the confident logits the data can support.
The measurements behind these choices are in the BNN tutorial and
``benchmarks/results/``.  No tempering: the posterior is the plain Bayesian
one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from numpy.typing import ArrayLike
from pytensor.tensor.variable import TensorVariable

from pymc_bnn.models.base import SoftmaxModel
from pymc_bnn.models.compile_mode import quick_compile
from pymc_bnn.models.data import check_positive_int
from pymc_bnn.models.geometry import (
    Parametrization,
    check_parametrization,
    design_geometry,
)
from pymc_bnn.models.inputs import add_inputs
from pymc_bnn.models.layer import (
    ACTIVATIONS,
    Activation,
    LayerVariables,
    bnn_layer,
    resolve_activation,
)

__all__ = [
    "ACTIVATIONS",
    "OUTPUT_SCALE",
    "BayesianNeuralNetwork",
    "LayerVariables",
    "bnn_classifier",
    "bnn_layer",
    "input_scale",
]


@dataclass
class BayesianNeuralNetwork(SoftmaxModel):
    """A Bayesian neural network built by :func:`bnn_classifier`.

    Prediction (:meth:`predict_proba`, :meth:`predict`, :meth:`set_X`,
    :meth:`sample_posterior_predictive`) and the data views come from
    :class:`pymc_bnn.models.base.SoftmaxModel`.

    Attributes
    ----------
    layers : list of LayerVariables
        The hidden layers, then the linear output layer.
    skip : LayerVariables or None
        The linear path from the inputs to the logits (``skip_scale``), if any;
        its ``bias`` is None.
    """

    layers: list[LayerVariables]
    skip: LayerVariables | None = None

    @property
    def prior_scales(self) -> tuple[float, ...]:
        """The weights' prior standard deviation of each layer, as numbers.

        With ``prior_scale="auto"`` the first depends on the rows the network was
        built with; pass these numbers as ``prior_scale`` to rebuild the same
        model on other rows (e.g. to predict in a new session).
        """
        return tuple(layer.prior_scale for layer in self.layers)

    def member_starts(
        self, members: int, random_seed: int | np.random.Generator | None = None
    ) -> list[dict[str, np.ndarray]]:
        """Starting points of :func:`pymc_bnn.fit_advi`'s members, apart from each other.

        The first member starts at the model's initial point; every other one
        draws new starting weights ``{layer}_w_z`` from ``Normal(0, init_scale)``
        (:func:`bnn_layer`), so each member's units break their symmetry in
        their own way and the members settle in different modes.  A first layer
        sampled in QR coordinates (``parametrization="qr"``) gets the same
        weights as its free ``{layer}_w_qr``.

        Parameters
        ----------
        members : int
            Number of members.
        random_seed : int or numpy.random.Generator, optional
            Seed of the new starting weights.

        Returns
        -------
        list of dict
            ``{value variable name: array}`` per member (the first empty).

        Examples
        --------
        >>> import numpy as np, pymc as pm
        >>> X, y = np.random.default_rng(0).normal(size=(30, 2)), np.arange(30) % 2
        >>> with pm.Model():
        ...     net = bnn_classifier("y", X, y, hidden=(3,), random_seed=0)
        >>> starts = net.member_starts(3, random_seed=1)
        >>> [sorted(s) for s in starts]
        [[], ['y_hidden1_w_z', 'y_out_w_z'], ['y_hidden1_w_z', 'y_out_w_z']]
        """
        check_positive_int(members, "members")
        rng = np.random.default_rng(random_seed)
        starts: list[dict[str, np.ndarray]] = [{}]
        for _ in range(members - 1):
            start = {}
            for layer in self.layers:
                z = rng.normal(0.0, layer.init_scale, size=_weight_shape(layer.weights))
                if layer.factor is None:
                    start[f"{layer.name}_w_z"] = z
                else:
                    start[f"{layer.name}_w_qr"] = (layer.factor @ z).T
            starts.append(start)
        return starts


def _weight_shape(weights: TensorVariable) -> tuple[int, int]:
    """The static ``(inputs, units)`` shape of a layer's weights."""
    shape = tuple(weights.type.shape)
    if None in shape:
        with quick_compile():
            shape = tuple(int(n) for n in weights.shape.eval())
    return shape


def input_scale(X: ArrayLike) -> float:
    """Prior standard deviation giving a dense layer on ``X`` unit-variance pre-activations.

    ``1 / sqrt(mean_i |x_i|^2)``, the mean over the rows of the squared row norm:
    with weights ``Normal(0, s)``, the pre-activation ``x_i @ w`` has variance
    ``s**2 |x_i|^2``, which is 1 on average over the rows.  For standardized
    columns this is ``1 / sqrt(n_columns)`` (the fan-in rule); a one-hot group of
    any size counts as one column, a 0/1 indicator that is rarely 1 as less.
    Returns 1.0 when every entry of ``X`` is zero (or ``X`` has no rows).

    Parameters
    ----------
    X : array_like, shape (rows, columns)

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> round(input_scale(np.random.default_rng(0).normal(size=(20000, 16))), 2)
    0.25
    >>> input_scale(np.eye(4))  # a one-hot group: one unit-variance input
    1.0
    """
    X = np.asarray(X, dtype=np.float64)
    mean_square = float(np.mean(np.sum(np.square(X), axis=1))) if X.size else 0.0
    return float(1.0 / np.sqrt(mean_square)) if mean_square > 0 else 1.0


def _check_hidden(hidden) -> tuple[int, ...]:
    if isinstance(hidden, int | np.integer):
        hidden = (hidden,)
    hidden = tuple(hidden)
    if not all(
        isinstance(h, int | np.integer) and not isinstance(h, bool) and h >= 1 for h in hidden
    ):
        raise ValueError(f"hidden must be a sequence of positive integers; got {hidden!r}.")
    return hidden


OUTPUT_SCALE = 3.0
"""The output layer's prior standard deviation under ``prior_scale="auto"``.

With unit priors on the output weights a (20, 20) network's prior logits have a
standard deviation near 3, and the posterior stayed under-confident on data it
could classify almost perfectly (digits); 3 gave the best held-out log score of
the scales measured across digits, cover type and many-class data
(``benchmarks/results/uncertainty.md``, the BNN tutorial)."""


def _layer_scales(prior_scale, n_layers: int, first: float) -> list:
    """One prior scale per layer (hidden layers, then the output layer).

    ``"auto"`` (and ``None``) is ``first`` for the first layer, 1.0 for the hidden
    layers after it and :data:`OUTPUT_SCALE` for the output layer (``first`` when
    the output layer is the only one); in a sequence, ``None`` stands for that
    layer's ``"auto"`` value.
    """
    auto = [first] + [1.0] * (n_layers - 2) + [OUTPUT_SCALE] * (n_layers > 1)
    if prior_scale is None or (isinstance(prior_scale, str) and prior_scale == "auto"):
        return auto
    scales = [prior_scale] * n_layers if np.isscalar(prior_scale) else list(prior_scale)
    if len(scales) != n_layers:
        raise ValueError(
            f"prior_scale: a sequence needs one scale per layer ({n_layers}: the hidden "
            f"layers, then the output layer); got {len(scales)}."
        )
    for s in scales:
        # Checked here, not left to bnn_layer, whose message cannot name "auto".
        if isinstance(s, str) and s not in ("auto", "fan_in"):
            raise ValueError(
                f'prior_scale must be a positive number, "auto", "fan_in", None or a '
                f"sequence of them (one per layer); got {s!r}."
            )
    return [a if s is None or s == "auto" else s for s, a in zip(scales, auto, strict=True)]


def bnn_classifier(
    name: str,
    X: ArrayLike,
    y: ArrayLike | None = None,
    *,
    hidden: Sequence[int] | int = (20, 20),
    activation: Activation = "tanh",
    classes: Sequence | int | None = None,
    prior_scale: float | str | Sequence[float | str | None] | None = "auto",
    bias_scale: float = 1.0,
    hierarchical: bool = False,
    init_scale: float = 1.0,
    skip_scale: float | None = None,
    batch_size: int | None = None,
    dims: tuple[str, str, str] = ("obs", "features", "classes"),
    parametrization: Parametrization = "centered",
    random_seed: int | None = None,
) -> BayesianNeuralNetwork:
    """Add a Bayesian neural network classifier of ``y`` on ``X`` to the current model.

    Hidden layers ``{name}_hidden1``, ``{name}_hidden2``, ... (:func:`bnn_layer`
    with ``activation``), a linear output layer ``{name}_out`` with one unit per
    class, and the likelihood ``{name}`` on its logits: :class:`pymc_bnn.Categorical`
    for labels, :class:`pymc_bnn.Multinomial` for a count matrix.  Data containers
    and prediction are those of :func:`pymc_bnn.multinomial_glm`.

    Fit it with :func:`pymc_bnn.fit_advi` (mean-field ADVI with Adam and small
    starting standard deviations); NUTS (``pm.sample``) works for small networks
    but the posterior of a network is multimodal (unit permutations, sign flips),
    so chains land in different modes and r_hat is no diagnostic of the weights.

    Parameters
    ----------
    name : str
        Name of the likelihood and prefix of every other variable.
    X : array_like or pandas.DataFrame, shape (rows, features)
        Numeric features without NaN or inf, preferably standardized.
    y : array_like, optional
        Class labels (1-D) or a count matrix (2-D), as in
        :func:`pymc_bnn.multinomial_glm`.  Without ``y`` pass ``classes``.
    hidden : sequence of int or int, default (20, 20)
        Units per hidden layer; ``()`` gives a softmax regression (without the
        GLM's identification).
    activation : str, None or callable, default "tanh"
        Activation of the hidden layers (see :func:`bnn_layer`).
    classes : sequence or int, optional
        The class labels in order (an int ``K`` means ``0..K-1``).
    prior_scale : float, "fan_in", "auto" or a sequence of them, default "auto"
        Prior standard deviation of the weights (see :func:`bnn_layer`): one value
        for every layer, or one entry per layer (the hidden layers, then the
        output layer).  ``"auto"``: the first layer gets :func:`input_scale` of
        ``X`` (unit-variance pre-activations a priori, whatever the number of
        inputs and however many of them are 0/1 indicators), later hidden
        layers 1.0 and the output layer :data:`OUTPUT_SCALE` (3.0); in a
        sequence, ``None`` or ``"auto"`` stands for that layer's ``"auto"``
        value.  Measured in ``benchmarks/results/uncertainty.md`` and the BNN
        tutorial.  The numbers used are
        :attr:`BayesianNeuralNetwork.prior_scales`: pass them to rebuild the
        same model on other rows.
    bias_scale, hierarchical
        Passed to every layer (see :func:`bnn_layer`).
    init_scale : float, default 1.0
        Standard deviation of the random starting values of every layer's
        ``z`` (:func:`bnn_layer`; the biases start at zero).  The default starts
        the weights at a draw from their prior: under the ``"auto"`` prior the
        first layer's pre-activations then start with unit variance, so the
        tanh units start in their curved range, neither linear nor saturated.
        Smaller starts (:func:`bnn_layer`'s 0.3) leave the units near-linear,
        and mean-field ADVI can settle there for good: on two moons every
        member of a fit then learned a straight boundary
        (``benchmarks/results/moons.md``).
    skip_scale : float, optional
        Add a linear path from the inputs to the logits, a softmax regression
        inside the network: ``logits = out(hidden(X)) + X @ W_skip`` with
        ``W_skip = skip_scale * z``, ``z ~ Normal(0, 1)`` (``{name}_skip_w``; no
        second bias).  The network then only has to model what is not linear.
        Off by default (``None``); ``2.5`` is the prior of
        :func:`pymc_bnn.multinomial_glm`'s coefficients.  Measured in
        ``benchmarks/results/calibration.md``.
    batch_size : int, optional
        Fit on random minibatches of this many rows (``pm.Minibatch``, with
        ``total_size`` on the likelihood), for ADVI.
    dims : tuple of str, default ("obs", "features", "classes")
        Names of the observation, feature and class dimensions.
    parametrization : {"qr", "centered", "plain"}, default "centered"
        The free coordinates of the first layer, as for
        :func:`pymc_bnn.multinomial_glm`: ``"centered"`` samples its biases as
        those of the centred training rows (free ``{name}_hidden1_b_centered``),
        ``"qr"`` also its weights' ``z`` in the coordinates of the rows' QR
        factor (:func:`pymc_bnn.models.geometry.design_geometry`; free
        ``{name}_hidden1_w_qr``), ``"plain"`` both as they are.  The posterior is
        the same; the geometry NUTS and ADVI walk differs
        (``benchmarks/parametrization_advi.py`` compares them under ADVI).  The
        default keeps the first layer's ``z`` a free variable, so its prior
        scale can be read back from stored draws.
    random_seed : int, optional
        Seed of the initial weights and of the minibatch index generator.

    Returns
    -------
    BayesianNeuralNetwork

    Raises
    ------
    ValueError
        For invalid ``X``/``y`` (as :func:`pymc_bnn.multinomial_glm`), ``hidden``
        holding anything but positive integers, an unknown activation, or a
        non-positive scale.

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 2))
    >>> y = np.where(X[:, 0] > 0, "right", "left")
    >>> with pm.Model() as model:
    ...     net = bnn_classifier("y", X, y, hidden=(4,), random_seed=0)
    >>> [layer.name for layer in net.layers]
    ['y_hidden1', 'y_out']
    >>> model.named_vars_to_dims["y_out_w"]
    ('y_hidden1_units', 'classes')
    """
    hidden = _check_hidden(hidden)
    resolve_activation(activation)
    check_parametrization(parametrization)
    if skip_scale is not None and not (
        isinstance(skip_scale, int | float | np.number)
        and not isinstance(skip_scale, bool)
        and np.isfinite(skip_scale)
        and skip_scale > 0
    ):
        raise ValueError(f"skip_scale must be a positive number or None; got {skip_scale!r}.")
    model = pm.modelcontext(None)
    inputs = add_inputs(
        name, X, y, classes=classes, dims=dims, batch_size=batch_size, random_seed=random_seed
    )
    seeds = np.random.SeedSequence(random_seed).spawn(len(hidden) + 1)
    scales = _layer_scales(prior_scale, len(hidden) + 1, input_scale(inputs.X.get_value()))
    options = {
        "bias_scale": bias_scale,
        "hierarchical": hierarchical,
        "init_scale": init_scale,
        "return_variables": True,
    }
    # The width is known: state it, so bnn_layer need not evaluate the shape.
    a = pt.specify_shape(inputs.X_fit, (None, len(inputs.features)))
    geometry = _first_layer_geometry(
        inputs.X.get_value(), scales[0] if hidden else scales[-1], parametrization
    )
    in_dim, layers = dims[1], []
    for i, units in enumerate(hidden, start=1):
        layer_name = f"{name}_hidden{i}"
        a, layer = bnn_layer(
            layer_name,
            a,
            units,
            activation=activation,
            dims=(in_dim, f"{layer_name}_units"),
            random_seed=np.random.default_rng(seeds[i - 1]),
            prior_scale=scales[i - 1],
            geometry=geometry if i == 1 else None,
            **options,
        )
        layers.append(layer)
        in_dim = layer.dims[1]
    logits, out = bnn_layer(
        f"{name}_out",
        a,
        inputs.encoder.n_classes,
        activation=None,
        dims=(in_dim, dims[2]),
        random_seed=np.random.default_rng(seeds[-1]),
        prior_scale=scales[-1],
        geometry=None if hidden else geometry,
        **options,
    )
    layers.append(out)
    skip = None
    if skip_scale is not None:
        skip = _skip_layer(f"{name}_skip", inputs.X_fit, skip_scale, (dims[1], dims[2]))
        logits = logits + pt.dot(inputs.X_fit, skip.weights)
    return BayesianNeuralNetwork.with_likelihood(
        name, model, inputs, logits, layers=layers, skip=skip
    )


def _first_layer_geometry(
    X: np.ndarray, prior_scale, parametrization: str
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """The ``geometry`` of the first layer on rows ``X`` for a ``parametrization``."""
    if parametrization == "plain":
        return None
    if isinstance(prior_scale, str):  # "fan_in"
        prior_scale = 1.0 / np.sqrt(X.shape[1])
    mean, factor = design_geometry(X, prior_scale)
    return mean, factor if parametrization == "qr" else None


def _skip_layer(name: str, X, scale, dims: tuple[str, str]) -> LayerVariables:
    """The weights of ``bnn_classifier``'s linear path (non-centred, no bias)."""
    z = pm.Normal(f"{name}_w_z", 0.0, 1.0, dims=dims)
    weights = pm.Deterministic(f"{name}_w", scale * z, dims=dims)
    return LayerVariables(name, weights, None, None, dims, float(scale))
