"""Bayesian softmax (multinomial logistic) regression inside a ``pm.Model``.

:func:`multinomial_glm` adds to the current model

* data containers ``{name}_X`` (features), ``{name}_y`` (labels or counts) and,
  for count matrices, ``{name}_n`` (row totals), all resizable;
* the coefficients ``{name}_coef`` (dims ``(features, classes)``) and intercepts
  ``{name}_intercept`` (dims ``(classes,)``), identified as chosen;
* the likelihood ``{name}``: :class:`pymc_bnn.Categorical` for a label vector or
  :class:`pymc_bnn.Multinomial` for a count matrix, both with ``logit_p``;

and returns a :class:`MultinomialGLM` that holds them and predicts new rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from numpy.typing import ArrayLike
from pytensor.tensor.variable import TensorVariable
from scipy.linalg import helmert

from pymc_bnn.models.base import SoftmaxModel
from pymc_bnn.models.collinearity import COLLINEARITY, check_collinearity
from pymc_bnn.models.geometry import (
    Parametrization,
    centred_intercept,
    check_parametrization,
    design_geometry,
    qr_coefficients,
)
from pymc_bnn.models.inputs import add_inputs

__all__ = [
    "IDENTIFICATIONS",
    "Identification",
    "MultinomialGLM",
    "PriorFactory",
    "multinomial_glm",
]

Identification = Literal["zerosum", "reference", "none"]
IDENTIFICATIONS: tuple[str, ...] = get_args(Identification)
"""The accepted values of ``identification``."""

PriorFactory = Callable[[str, tuple[int, ...]], TensorVariable]
"""``factory(name, shape)`` registers and returns a free random variable of that shape."""


@dataclass
class MultinomialGLM(SoftmaxModel):
    """A softmax regression built by :func:`multinomial_glm`; holds its variables by name.

    Prediction (:meth:`predict_proba`, :meth:`predict`, :meth:`set_X`,
    :meth:`sample_posterior_predictive`) and the data views (``X``, ``y``, ``n``,
    ``classes``, ``encoder``, ``feature_names``, ``dims``) come from
    :class:`pymc_bnn.models.base.SoftmaxModel`.

    Attributes
    ----------
    coef, intercept : TensorVariable
        Coefficients ``(features, classes)`` and intercepts ``(classes,)``, in the
        identification chosen (for ``"zerosum"`` they sum to zero over classes;
        for ``"reference"`` the reference class's entries are zero).
    identification : str
    fixed_columns : list of int
        Indices of the feature columns whose coefficients are fixed at zero
        (``collinearity="drop"`` or an explicit list).
    """

    coef: TensorVariable
    intercept: TensorVariable
    identification: str
    fixed_columns: list[int] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------


def _check_options(identification, prior_scale, intercept_scale) -> None:
    if identification not in IDENTIFICATIONS:
        raise ValueError(
            f"identification must be one of {list(IDENTIFICATIONS)}; got {identification!r}."
        )
    for arg, value in (("prior_scale", prior_scale), ("intercept_scale", intercept_scale)):
        if not np.all(np.asarray(value, dtype=float) > 0):
            raise ValueError(f"{arg} must be positive; got {value!r}.")


def _zerosum_basis(k: int) -> np.ndarray:
    """Orthonormal ``(k - 1, k)`` basis of the vectors summing to zero."""
    return helmert(k, full=False)


def _to_zerosum(free: TensorVariable, k: int) -> TensorVariable:
    """``free @ basis``: the free ``(..., k - 1)`` block mapped to ``k`` classes summing to zero.

    Written as a broadcast product summed over ``k - 1``, not as a matrix product:
    PyTensor's ``reassociate_matmul_chain`` rewrite would otherwise turn
    ``X @ (free @ basis)`` into ``(X @ free) @ basis``, fewer multiplications but one
    more pass over an ``(n, k - 1)`` array, forward and backward: under the JAX backend
    full-batch ADVI steps run markedly slower that way (figures in
    ``benchmarks/results/code_choices.md``; Numba's steps hardly differ).
    """
    basis = pt.as_tensor(_zerosum_basis(k))
    return (free[..., :, None] * basis).sum(axis=-2)


def _identify(
    name: str,
    free: TensorVariable,
    dims: tuple[str, ...],
    identification: str,
    batch_shape: tuple[int, ...],
    kept: list[int] | None,
) -> TensorVariable:
    """The Deterministic ``name`` of the free block ``free``, identified as asked.

    ``free`` has ``K - 1`` columns (``"zerosum"``, ``"reference"``) or ``K``
    (``"none"``); with ``kept`` (rows of a ``(features, classes)`` block) it holds
    only those rows and the others are zero.
    """
    k = len(pm.modelcontext(None).coords[dims[-1]])
    rows = batch_shape if kept is None else (len(kept),)
    if identification == "zerosum":
        value = _to_zerosum(free, k)
    elif identification == "reference":
        value = pt.concatenate([pt.zeros((*rows, 1)), free], axis=-1)
    else:
        value = free
    if kept is not None:
        full = pt.zeros((*batch_shape, k), dtype=value.dtype)
        value = pt.set_subtensor(full[np.asarray(kept, dtype=np.int64)], value)
    return pm.Deterministic(name, value, dims=dims)


def _plain_block(
    name: str,
    scale,
    factory: PriorFactory | None,
    batch_shape: tuple[int, ...],
    dims: tuple[str, ...],
    identification: str,
    kept: list[int] | None = None,
) -> tuple[TensorVariable, TensorVariable]:
    """One parameter block sampled as it is: ``(identified value, free block)``.

    The free block is ``{name}_raw`` (i.i.d. Normal of ``scale``, or ``factory``'s),
    or, for ``"none"`` without ``kept`` and ``factory``, ``name`` itself.
    """
    k = len(pm.modelcontext(None).coords[dims[-1]])
    if identification == "none" and kept is None and factory is None:
        value = pm.Normal(name, 0.0, scale, dims=dims)
        return value, value
    rows = batch_shape if kept is None else (len(kept),)
    free_shape = (*rows, k) if identification == "none" else (*rows, k - 1)
    if factory is None:
        free = pm.Normal(f"{name}_raw", 0.0, scale, shape=free_shape)
    else:
        free = factory(f"{name}_raw", free_shape)
    return _identify(name, free, dims, identification, batch_shape, kept), free


def _parameters(
    name: str,
    X_free: np.ndarray,
    *,
    identification: str,
    parametrization: str,
    prior_scale,
    intercept_scale,
    coef_prior: PriorFactory | None,
    intercept_prior: PriorFactory | None,
    dims: tuple[str, str],
    kept: list[int] | None,
) -> tuple[TensorVariable, TensorVariable]:
    """The identified coefficients and intercepts, sampled in the coordinates asked for.

    ``X_free`` holds the design's columns whose coefficients are free.  A block
    with a ``*_prior`` factory is sampled as the factory makes it, whatever the
    parametrization.
    """
    feat_dim, cls_dim = dims
    f = len(pm.modelcontext(None).coords[feat_dim])
    k = len(pm.modelcontext(None).coords[cls_dim])
    scale = np.asarray(prior_scale, dtype=float)
    if scale.ndim == 1:
        scale = scale[:, None]
    if kept is not None and scale.ndim == 2:
        scale = scale[kept]
    qr = parametrization == "qr" and coef_prior is None
    centred = parametrization in ("qr", "centered") and intercept_prior is None
    columns = k - 1 if identification != "none" else k
    scales = np.broadcast_to(scale, (X_free.shape[1], columns)).astype(np.float64)
    mean, factor = design_geometry(X_free, scales.mean(axis=1)) if qr or centred else (0, 0)
    coef_name = f"{name}_coef"
    if qr:
        coef_free = qr_coefficients(f"{coef_name}_qr", scales, factor)
        coef = _identify(coef_name, coef_free, dims, identification, (f,), kept)
    else:
        coef, coef_free = _plain_block(
            coef_name, pt.as_tensor(scale), coef_prior, (f,), dims, identification, kept
        )
    intercept_name = f"{name}_intercept"
    if centred:
        free = centred_intercept(
            f"{intercept_name}_centered", intercept_scale, coef_free, mean, columns
        )
        intercept = _identify(intercept_name, free, (cls_dim,), identification, (), None)
    else:
        intercept, _ = _plain_block(
            intercept_name, intercept_scale, intercept_prior, (), (cls_dim,), identification
        )
    return coef, intercept


def _fixed_columns(collinearity, X_values, names: list[str]) -> list[int]:
    """The feature columns whose coefficients are fixed at zero, by the ``collinearity`` option."""
    if isinstance(collinearity, str):
        return check_collinearity(X_values, names, collinearity)
    columns = []
    for c in collinearity:
        if isinstance(c, int | np.integer) and not isinstance(c, bool) and 0 <= c < len(names):
            columns.append(int(c))
        elif str(c) in names:
            columns.append(names.index(str(c)))
        else:
            raise ValueError(
                f"collinearity lists {c!r}, which is neither a column index below "
                f"{len(names)} nor a feature name."
            )
    return sorted(set(columns))


# --------------------------------------------------------------------------------------
# Public builder
# --------------------------------------------------------------------------------------


def multinomial_glm(
    name: str,
    X: ArrayLike,
    y: ArrayLike | None = None,
    *,
    classes: Sequence | int | None = None,
    identification: Identification = "zerosum",
    prior_scale: float | ArrayLike = 2.5,
    intercept_scale: float = 5.0,
    coef_prior: PriorFactory | None = None,
    intercept_prior: PriorFactory | None = None,
    batch_size: int | None = None,
    dims: tuple[str, str, str] = ("obs", "features", "classes"),
    collinearity: str | Sequence[int | str] = "drop",
    parametrization: Parametrization = "qr",
    random_seed: int | None = None,
) -> MultinomialGLM:
    r"""Add a Bayesian softmax regression of ``y`` on ``X`` to the current model.

    .. math::

       \eta_{ik} = \alpha_k + \sum_j x_{ij} \beta_{jk}, \qquad
       y_i \sim \operatorname{Categorical}(\operatorname{softmax}(\eta_i))
       \ \text{or}\ \operatorname{Multinomial}(n_i, \operatorname{softmax}(\eta_i))

    Parameters
    ----------
    name : str
        Name of the likelihood; the other variables are ``{name}_X``, ``{name}_y``,
        ``{name}_n`` (counts only), ``{name}_coef`` and ``{name}_intercept``.
    X : array_like or pandas.DataFrame, shape (rows, features)
        Numeric features without NaN or inf.  A DataFrame's column names become the
        ``features`` coordinate.  The default priors assume standardized features.
    y : array_like, optional
        Either a 1-D vector of class labels (integers, strings, booleans or a
        pandas Categorical), modelled with :class:`pymc_bnn.Categorical`; or a 2-D
        matrix of counts, one column per class, modelled with
        :class:`pymc_bnn.Multinomial` with the row sums as numbers of trials.  The
        labels (or a count DataFrame's columns) become the ``classes`` coordinate.
        Without ``y`` the likelihood is unobserved (a prior predictive model) and
        ``classes`` is required.
    classes : sequence or int, optional
        The class labels in order (an int ``K`` means ``0..K-1``).  Default: the
        sorted labels of ``y`` (a Categorical's category order).  Use it to include
        classes that ``y`` lacks.
    identification : {"zerosum", "reference", "none"}, default "zerosum"
        The softmax is unchanged by adding the same number to every class's logit,
        so the coefficients of ``K`` classes carry only ``K - 1`` identified
        directions per feature.

        * ``"zerosum"``: coefficients and intercepts sum to zero over classes.
          ``K - 1`` columns of i.i.d. Normal coefficients (sampled as
          ``parametrization`` says) are mapped to the zero-sum subspace by an
          orthonormal (Helmert) basis, which gives exactly the prior of
          :class:`pymc.ZeroSumNormal`.
          Symmetric in the classes, sampled in ``K - 1`` unconstrained
          directions, so the posterior is proper and well conditioned.  The
          default: it samples as fast as ``"reference"`` and treats no class
          specially (measured in ``benchmarks/``).  ``pm.ZeroSumNormal`` itself
          is not used: with its transform PyTensor computes the gradient's
          ``X.T @ G`` twice.
        * ``"reference"``: the first class's coefficients and intercept are fixed
          at zero and the others are log-odds against it.  Equally identified, but
          the prior is not symmetric in the classes (the reference class is a priori
          less variable relative to the others) and results depend on which class
          is first; convenient to read when a natural baseline exists.
        * ``"none"``: independent priors on all ``K`` columns.  Only the prior pins
          the common shift, so the posterior has a long ridge of width
          ``prior_scale`` along it, which costs NUTS longer trajectories and slows
          ADVI (several times fewer effective samples per second; measured in
          ``benchmarks/``); the predictions and the centred contrasts are the
          same.
    prior_scale : float or array_like, default 2.5
        Standard deviation of the Normal prior of the (free) coefficients;
        2.5 is weakly informative on standardized features.  An array broadcasts
        against ``(features, 1)`` to give per-feature scales.
    intercept_scale : float, default 5.0
        Standard deviation of the intercepts' prior.
    coef_prior, intercept_prior : callable, optional
        Factories ``factory(name, shape)`` that register and return the free
        parameters, replacing the Normal priors, e.g.
        ``lambda name, shape: pm.StudentT(name, nu=3, sigma=1, shape=shape)``.  They
        receive ``K - 1`` classes for ``"zerosum"`` (mapped to the zero-sum
        subspace by the orthonormal basis) and ``"reference"``, and ``K`` for
        ``"none"``; the identified ``{name}_coef`` / ``{name}_intercept`` are
        then Deterministics.
    batch_size : int, optional
        Fit on random minibatches of this many rows (``pm.Minibatch``), for ADVI on
        large data.  The likelihood gets ``total_size=rows`` so that its scaled
        minibatch value estimates the full-data log-likelihood without bias.
        NUTS needs the full data; leave it ``None`` for ``pm.sample``.
    dims : tuple of str, default ("obs", "features", "classes")
        Names of the observation, feature and class dimensions (change them to put
        two GLMs in one model).
    collinearity : {"drop", "warn", "error", "ignore"} or list, default "drop"
        What to do when ``X`` is exactly collinear with the intercept: constant
        columns, duplicated columns, or groups of columns (one-hot indicators)
        that sum to a constant.  The likelihood is then flat along a direction of
        the coefficients, the posterior has a ridge that only the prior bounds,
        and NUTS needs long trajectories (see ``docs/tutorials/softmax-covertype.md``).
        Found by ``pymc_bnn.models.collinearity.find_collinearity`` on the
        observed rows (nothing is checked without ``y``).  A column that is zero
        on every row is none of these: its coefficients are outside the
        likelihood and keep their prior, so rows where it is not zero (a level
        absent from training) show that uncertainty.

        * ``"drop"``: warn (``CollinearityWarning``,
          naming the columns) and fix the coefficients of the redundant columns at
          zero: the last column of each indicator group (reference coding), every
          constant column (its effect is the intercept's) and every later copy of
          a column.  The predictions are unchanged; the model is identified.
          The default: on cover type, reference coding the two indicator groups
          raised the step size PyMC's NUTS adapts to from 0.010 to 0.053 and cut
          the leapfrog steps per draw from about 350 to 127
          (``benchmarks/analysis.md``; ``benchmarks/nuts.py`` measures both).
        * ``"warn"``: warn and keep the model as it is.
        * ``"error"``: raise a ``ValueError`` naming the columns.
        * ``"ignore"``: check nothing.
        * a list of column indices or feature names: fix those coefficients at
          zero without checking (how a fitted model is rebuilt for prediction).
    parametrization : {"qr", "centered", "plain"}, default "qr"
        The coordinates NUTS and ADVI move in.  Every choice gives the same
        posterior of ``{name}_coef`` and ``{name}_intercept`` (the same prior,
        mapped through a linear change of variables); they differ in how
        correlated the free variables are, which decides how far NUTS's
        diagonal mass matrix and mean-field ADVI can step.

        * ``"qr"`` (the default): the intercepts are sampled as those of the centred design
          ``X - m`` (``m`` the column means of the training rows), free variable
          ``{name}_intercept_centered``, and the coefficients as ``theta = R
          beta``, free variable ``{name}_coef_qr`` (classes first), with ``R``
          the triangular factor of the centred design
          (:func:`pymc_bnn.models.geometry.design_geometry`, Stan's QR
          reparametrisation), so that the
          logits' directions are uncorrelated: NUTS's diagonal mass matrix then
          fits the posterior, which is why it is the default
          (``benchmarks/results/nuts_rows*.md``).  Mean-field ADVI approximates
          in these coordinates too; on short fits it lags ``"centered"``, which
          :class:`pymc_bnn.BayesianSoftmaxClassifier` therefore uses for ADVI.
        * ``"centered"``: only the intercepts on the centred
          design, as brms and Bambi sample them; the free coefficients are
          ``{name}_coef_raw``.  On centred columns (standardized features) its
          geometry is that of ``"plain"``; on 0/1 indicators it removes the intercepts'
          correlation with the indicators' coefficients.
        * ``"plain"``: ``{name}_coef_raw`` and ``{name}_intercept_raw`` as they
          are.  On 0/1 indicator columns every intercept is then correlated with
          every indicator's coefficient.

        ``{name}_coef`` and ``{name}_intercept`` always keep their meaning (the
        intercept is that of ``X``, not of the centred design).  A block given by
        ``coef_prior`` or ``intercept_prior`` is sampled as that factory makes
        it.  The centre and ``R`` come from the rows the model is built with;
        predictions read ``{name}_coef`` and ``{name}_intercept`` and need
        neither.
    random_seed : int, optional
        Seed of the minibatch index generator (only used with ``batch_size``).

    Returns
    -------
    MultinomialGLM

    Raises
    ------
    ValueError
        If ``X`` is not 2-D or holds NaN/inf, if ``X`` and ``y`` differ in length,
        if ``y`` has fewer than two classes, if a count matrix holds negative or
        non-integer entries, or if an option is invalid.

    Notes
    -----
    Fit with :func:`pymc_bnn.fit_advi` (ADVI; add ``batch_size`` for large data)
    or ``pm.sample`` (NUTS).  For NUTS on thousands of rows, sample inside
    ``pymc_bnn.models.inference.blas_limits(1)``: the model's matrix products are thin,
    and OpenBLAS's default threads made them up to ten times slower on a
    2-core machine (``fit_advi`` does this itself).

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2))
    >>> y = np.array(["a", "b", "c"])[rng.integers(0, 3, 60)]
    >>> with pm.Model() as model:
    ...     glm = multinomial_glm("y", X, y)
    >>> sorted(model.named_vars)
    ['y', 'y_X', 'y_coef', 'y_coef_qr', 'y_intercept', 'y_intercept_centered', 'y_y']
    >>> model.coords["classes"]
    ('a', 'b', 'c')
    """
    _check_options(identification, prior_scale, intercept_scale)
    check_parametrization(parametrization)
    if isinstance(collinearity, str) and collinearity not in COLLINEARITY:
        raise ValueError(
            f"collinearity must be one of {list(COLLINEARITY)} or a list of columns; "
            f"got {collinearity!r}."
        )
    model = pm.modelcontext(None)
    inputs = add_inputs(
        name, X, y, classes=classes, dims=dims, batch_size=batch_size, random_seed=random_seed
    )
    names = [str(c) for c in inputs.features]
    if y is None and isinstance(collinearity, str):
        fixed = []
    else:
        fixed = _fixed_columns(collinearity, inputs.X.get_value(), names)
    _, feat_dim, cls_dim = dims
    f = len(inputs.features)
    kept = [j for j in range(f) if j not in fixed] if fixed else None
    coef, intercept = _parameters(
        name,
        inputs.X.get_value() if kept is None else inputs.X.get_value()[:, kept],
        identification=identification,
        parametrization=parametrization,
        prior_scale=prior_scale,
        intercept_scale=intercept_scale,
        coef_prior=coef_prior,
        intercept_prior=intercept_prior,
        dims=(feat_dim, cls_dim),
        kept=kept,
    )
    logits = pt.dot(inputs.X_fit, coef) + intercept
    return MultinomialGLM.with_likelihood(
        name,
        model,
        inputs,
        logits,
        coef=coef,
        intercept=intercept,
        identification=identification,
        fixed_columns=fixed,
    )
