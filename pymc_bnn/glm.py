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
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr
from numpy.typing import ArrayLike
from pytensor.tensor.variable import TensorVariable
from scipy.linalg import helmert
from scipy.special import log_softmax

from pymc_bnn.categorical import Categorical
from pymc_bnn.data import (
    LabelEncoder,
    check_counts,
    check_features,
    check_same_length,
    column_names,
)
from pymc_bnn.multinomial import Multinomial

__all__ = [
    "IDENTIFICATIONS",
    "Identification",
    "MultinomialGLM",
    "PriorFactory",
    "multinomial_glm",
]

Identification = Literal["zerosum", "reference", "none"]
IDENTIFICATIONS: tuple[str, ...] = ("zerosum", "reference", "none")
"""The accepted values of ``identification``."""

PriorFactory = Callable[[str, tuple[int, ...]], TensorVariable]
"""``factory(name, shape)`` registers and returns a free random variable of that shape."""


@dataclass(frozen=True)
class _Dims:
    obs: str
    features: str
    classes: str


@dataclass
class MultinomialGLM:
    """A softmax regression built by :func:`multinomial_glm`; holds its variables by name.

    Attributes
    ----------
    name : str
        Name of the likelihood; other variables are prefixed with it.
    model : pymc.Model
        The model the variables live in.
    X, y, n : TensorVariable
        Data containers of the features, the observed labels or counts, and (for
        count matrices) the row totals; ``y`` and ``n`` are ``None`` when absent.
    coef, intercept : TensorVariable
        Coefficients ``(features, classes)`` and intercepts ``(classes,)``, in the
        identification chosen (for ``"zerosum"`` they sum to zero over classes;
        for ``"reference"`` the reference class's entries are zero).
    logits : TensorVariable
        ``X @ coef + intercept`` for the rows the likelihood sees (a minibatch when
        ``batch_size`` is set).
    likelihood : TensorVariable
        The :class:`pymc_bnn.Categorical` or :class:`pymc_bnn.Multinomial` variable.
    encoder : LabelEncoder
        The class labels, in class-code order.
    feature_names : list
        The ``features`` coordinate.
    identification : str
    counts : bool
        Whether ``y`` is a count matrix (Multinomial) rather than labels.
    batch_size : int or None
    dims : tuple of str
        Names of the observation, feature and class dimensions.
    """

    name: str
    model: pm.Model
    X: TensorVariable
    y: TensorVariable | None
    n: TensorVariable | None
    coef: TensorVariable
    intercept: TensorVariable
    logits: TensorVariable
    likelihood: TensorVariable
    encoder: LabelEncoder
    feature_names: list
    identification: str
    counts: bool
    batch_size: int | None
    dims: tuple[str, str, str]

    @property
    def classes(self) -> np.ndarray:
        """The class labels, in class-code order."""
        return self.encoder.classes

    def _check_new_X(self, X: ArrayLike, name: str) -> np.ndarray:
        names = column_names(X)
        if names is not None:
            missing = [f for f in map(str, self.feature_names) if f not in names]
            if missing:
                raise ValueError(f"{name} lacks the model's features {missing[:5]}.")
            by_name = {str(c): c for c in X.columns}
            X = X[[by_name[str(f)] for f in self.feature_names]]
        arr = check_features(X, name)
        if arr.shape[1] != len(self.feature_names):
            raise ValueError(
                f"{name} must have {len(self.feature_names)} columns (the model's features); "
                f"got {arr.shape[1]}."
            )
        return arr

    def set_X(self, X: ArrayLike, y: ArrayLike | None = None, n: ArrayLike | None = None) -> None:
        """Replace the data by new rows, e.g. before ``pm.sample_posterior_predictive``.

        Parameters
        ----------
        X : array_like or pandas.DataFrame, shape (rows, features)
            New features, of any number of rows.  A DataFrame's columns are matched
            to the model's features by name.
        y : array_like, optional
            New labels (or counts); labels must be classes the model knows.  When
            omitted, ``y`` is filled with placeholders (class 0, or all trials in
            class 0), which posterior predictive sampling ignores.
        n : array_like of int, optional
            For count models, the number of trials per new row (default: the row
            sums of ``y``, or 1).

        Raises
        ------
        ValueError
            If ``X`` is invalid, ``y`` holds labels the model never saw, or lengths
            differ.
        NotImplementedError
            For a minibatch model (use :meth:`predict_proba`).

        Examples
        --------
        >>> import numpy as np, pymc as pm
        >>> with pm.Model() as model:
        ...     glm = multinomial_glm("y", np.eye(3), ["a", "b", "c"])
        >>> glm.set_X(np.zeros((5, 3)))
        >>> model["y_X"].get_value().shape
        (5, 3)
        """
        if self.batch_size is not None:
            raise NotImplementedError(
                "set_X is not available for a minibatch model; use predict_proba(idata, X)."
            )
        arr = self._check_new_X(X, "X")
        rows = check_same_length(X=arr, y=y, n=n)
        new = {self.X.name: arr}
        if self.counts:
            counts, totals = _new_counts(y, n, rows, self.encoder.n_classes)
            new[self.y.name], new[self.n.name] = counts, totals
        elif self.y is not None:
            new[self.y.name] = (
                np.zeros(rows, np.int64) if y is None else self.encoder.transform(y, "y")
            )
        pm.set_data(new, model=self.model)

    def predict_proba(
        self,
        idata: xr.DataTree | xr.Dataset,
        X: ArrayLike | None = None,
        *,
        group: str = "posterior",
    ) -> xr.DataArray:
        """Posterior class probabilities of rows ``X``, one set per posterior draw.

        Parameters
        ----------
        idata : DataTree or Dataset
            Result of ``pm.sample`` / ``approx.sample`` (its ``group`` is used), or
            the group itself.
        X : array_like or pandas.DataFrame, optional
            Rows to predict (default: the data currently in the model).
        group : str, default "posterior"
            Group of ``idata`` holding the parameters (e.g. ``"prior"``).

        Returns
        -------
        xarray.DataArray
            Dims ``(chain, draw, obs, classes)``; the classes coordinate holds the
            original labels.  Pass it to :mod:`pymc_bnn.uncertainty` functions.

        Examples
        --------
        >>> import numpy as np, pymc as pm
        >>> with pm.Model():
        ...     glm = multinomial_glm("y", np.eye(3), ["a", "b", "c"])
        ...     prior = pm.sample_prior_predictive(10, random_seed=0)
        >>> glm.predict_proba(prior, np.zeros((2, 3)), group="prior").sizes
        Frozen({'chain': 1, 'draw': 10, 'obs': 2, 'classes': 3})
        """
        post = _posterior_dataset(idata, group)
        arr = np.asarray(self.X.get_value()) if X is None else self._check_new_X(X, "X")
        coef = post[self.coef.name].transpose("chain", "draw", *self.dims[1:]).values
        intercept = post[self.intercept.name].transpose("chain", "draw", self.dims[2]).values
        logits = np.einsum("nf,cdfk->cdnk", arr, coef) + intercept[:, :, None, :]
        probs = np.exp(log_softmax(logits, axis=-1))
        return xr.DataArray(
            probs,
            dims=("chain", "draw", self.dims[0], self.dims[2]),
            coords={
                "chain": post["chain"].values,
                "draw": post["draw"].values,
                self.dims[2]: self.classes,
            },
            name=f"{self.name}_probs",
        )

    def sample_posterior_predictive(
        self,
        idata: xr.DataTree,
        X: ArrayLike | None = None,
        *,
        random_seed: int | None = None,
        **kwargs,
    ) -> xr.DataArray:
        """Posterior predictive draws for rows ``X``, as original class labels.

        Calls :meth:`set_X` (which leaves the new rows in the model) and
        ``pm.sample_posterior_predictive``, then maps the class codes back to the
        labels.  For count models the draws are counts with a classes dimension and
        ``n`` can be passed to choose the number of trials per row (default 1).

        Parameters
        ----------
        idata : DataTree
            Result of ``pm.sample`` or ``approx.sample``.
        X : array_like or pandas.DataFrame, optional
            Rows to predict (default: the data currently in the model).
        random_seed : int, optional
            Seed of the draws.
        **kwargs
            ``n`` (count models), then passed to ``pm.sample_posterior_predictive``.

        Returns
        -------
        xarray.DataArray
            Dims ``(chain, draw, obs)`` of labels, or ``(chain, draw, obs, classes)``
            of counts.

        Examples
        --------
        >>> import numpy as np, pymc as pm
        >>> with pm.Model():
        ...     glm = multinomial_glm("y", np.eye(2), ["a", "b"])
        ...     prior = pm.sample_prior_predictive(5, random_seed=0)
        >>> idata = xr.DataTree.from_dict({"posterior": prior["prior"].to_dataset()})
        >>> draws = glm.sample_posterior_predictive(idata, np.zeros((3, 2)), random_seed=1)
        >>> draws.sizes, sorted(set(draws.values.ravel().tolist()))
        (Frozen({'chain': 1, 'draw': 5, 'obs': 3}), ['a', 'b'])
        """
        if X is not None:
            self.set_X(X, n=kwargs.pop("n", None))
        pp = pm.sample_posterior_predictive(
            idata,
            model=self.model,
            var_names=[self.name],
            random_seed=random_seed,
            progressbar=kwargs.pop("progressbar", False),
            **kwargs,
        )
        draws = pp["posterior_predictive"][self.name]
        if self.counts:
            return draws.assign_coords({self.dims[2]: self.classes})
        return draws.copy(data=self.encoder.inverse_transform(draws.values))

    def predict(
        self,
        idata: xr.DataTree | xr.Dataset,
        X: ArrayLike | None = None,
        *,
        group: str = "posterior",
    ) -> np.ndarray:
        """Most probable class label of each row under the posterior mean probabilities.

        Arguments are those of :meth:`predict_proba`.

        Examples
        --------
        >>> import numpy as np, pymc as pm
        >>> with pm.Model():
        ...     glm = multinomial_glm("y", np.eye(2), ["a", "b"])
        ...     prior = pm.sample_prior_predictive(10, random_seed=0)
        >>> glm.predict(prior, np.zeros((2, 2)), group="prior").shape
        (2,)
        """
        mean = self.predict_proba(idata, X, group=group).mean(("chain", "draw")).values
        return self.encoder.inverse_transform(mean.argmax(axis=-1))


def _posterior_dataset(idata, group: str) -> xr.Dataset:
    if isinstance(idata, xr.DataTree):
        idata = idata[group] if group in idata.children else idata
        return idata.to_dataset()
    return idata


def _new_counts(y, n, rows: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    if y is not None:
        counts, totals = check_counts(y, "y")
        if counts.shape[1] != k:
            raise ValueError(f"y must have {k} columns (one per class); got {counts.shape[1]}.")
        if n is not None and not np.array_equal(np.asarray(n), totals):
            raise ValueError("n must equal the row sums of y.")
        return counts, totals
    totals = np.ones(rows, np.int64) if n is None else np.asarray(n)
    totals = check_counts(np.column_stack([totals, np.zeros_like(totals)]), "n")[1]
    counts = np.zeros((rows, k), np.int64)
    counts[:, 0] = totals
    return counts, totals


# --------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------


def _check_options(identification, prior_scale, intercept_scale, batch_size) -> None:
    if identification not in IDENTIFICATIONS:
        raise ValueError(
            f"identification must be one of {list(IDENTIFICATIONS)}; got {identification!r}."
        )
    for arg, value in (("prior_scale", prior_scale), ("intercept_scale", intercept_scale)):
        if not np.all(np.asarray(value, dtype=float) > 0):
            raise ValueError(f"{arg} must be positive; got {value!r}.")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}.")


def _encode_y(y, classes) -> tuple[np.ndarray | None, np.ndarray | None, LabelEncoder, bool]:
    """Observed values, row totals (counts only), the encoder, and whether y is counts."""
    if y is None:
        if classes is None:
            raise ValueError("Without y, pass classes (the number of classes or their labels).")
        return None, None, LabelEncoder.fit([], classes=classes), False
    if np.ndim(y) == 2 and not isinstance(y, pd.Categorical):
        counts, totals = check_counts(y, "y")
        labels = column_names(y) if classes is None else classes
        labels = counts.shape[1] if labels is None else labels
        encoder = LabelEncoder(
            np.asarray(labels if not isinstance(labels, int) else range(labels))
        )
        if encoder.n_classes != counts.shape[1]:
            raise ValueError(
                f"classes has {encoder.n_classes} labels but y has {counts.shape[1]} columns."
            )
        return counts, totals, encoder, True
    encoder = LabelEncoder.fit(y, "y", classes=classes)
    return encoder.transform(y, "y"), None, encoder, False


def _zerosum_basis(k: int) -> np.ndarray:
    """Orthonormal ``(k - 1, k)`` basis of the vectors summing to zero."""
    return helmert(k, full=False)


def _identified(
    name: str,
    scale,
    factory: PriorFactory | None,
    batch_shape: tuple[int, ...],
    dims: tuple[str, ...],
    identification: str,
) -> TensorVariable:
    """One parameter block with classes on the last axis, identified as asked."""
    k = len(pm.modelcontext(None).coords[dims[-1]])
    if identification == "none":
        if factory is not None:
            return pm.Deterministic(name, factory(f"{name}_raw", (*batch_shape, k)), dims=dims)
        return pm.Normal(name, 0.0, scale, dims=dims)
    if identification == "zerosum" and factory is None:
        return pm.ZeroSumNormal(name, sigma=scale, dims=dims, n_zerosum_axes=1)
    free_shape = (*batch_shape, k - 1)
    if factory is None:
        free = pm.Normal(f"{name}_raw", 0.0, scale, shape=free_shape)
    else:
        free = factory(f"{name}_raw", free_shape)
    if identification == "zerosum":
        value = pt.dot(free, pt.as_tensor(_zerosum_basis(k)))
    else:
        value = pt.concatenate([pt.zeros((*batch_shape, 1)), free], axis=-1)
    return pm.Deterministic(name, value, dims=dims)


def _add_coords(model: pm.Model, dims: _Dims, features: list, classes: np.ndarray) -> None:
    model.add_coord(dims.features, features)
    model.add_coord(dims.classes, classes.tolist())


def _seed_minibatch(tensor: TensorVariable, random_seed) -> None:
    if random_seed is None:
        return
    for inp in tensor.owner.inputs:
        if inp.type.__class__.__name__.endswith("GeneratorType"):
            inp.set_value(np.random.default_rng(random_seed))


def _data(name: str, X, y_obs, totals, dims: _Dims, counts: bool):
    X_data = pm.Data(f"{name}_X", X, dims=(dims.obs, dims.features))
    y_data = n_data = None
    if y_obs is not None:
        y_dims = (dims.obs, dims.classes) if counts else (dims.obs,)
        y_data = pm.Data(f"{name}_y", y_obs, dims=y_dims)
    if totals is not None:
        n_data = pm.Data(f"{name}_n", totals, dims=(dims.obs,))
    return X_data, y_data, n_data


def _likelihood(name, logits, y, n, dims: _Dims, counts: bool, total_size, batch_size):
    kwargs: dict = {"total_size": total_size} if batch_size is not None else {}
    if batch_size is None:
        kwargs["dims"] = (dims.obs, dims.classes) if counts else (dims.obs,)
    if counts:
        return Multinomial(name, n=n, logit_p=logits, observed=y, **kwargs)
    return Categorical(name, logit_p=logits, observed=y, **kwargs)


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

        * ``"zerosum"``: coefficients and intercepts sum to zero over classes
          (:class:`pymc.ZeroSumNormal`).  Symmetric in the classes, sampled in
          ``K - 1`` unconstrained directions, so the posterior is proper and
          well conditioned.  The default: it samples about as fast as
          ``"reference"`` and treats no class specially.
        * ``"reference"``: the first class's coefficients and intercept are fixed
          at zero and the others are log-odds against it.  Equally identified, but
          the prior is not symmetric in the classes (the reference class is a priori
          less variable relative to the others) and results depend on which class
          is first; convenient to read when a natural baseline exists.
        * ``"none"``: independent priors on all ``K`` columns.  Only the prior pins
          the common shift, so the posterior has a long ridge of width
          ``prior_scale`` along it, which costs NUTS longer trajectories and slows
          ADVI; the predictions and the centred contrasts are the same.  (On a
          simulated 500 x 4 problem with 4 classes, NUTS took about 10 leapfrog
          steps per draw for ``"zerosum"`` and ``"reference"`` and about 110 for
          ``"none"``, giving 4-6 times fewer effective samples per second.)
    prior_scale : float or array_like, default 2.5
        Standard deviation of the Normal (ZeroSumNormal) prior of the coefficients;
        2.5 is weakly informative on standardized features.  An array broadcasts
        against ``(features, 1)`` to give per-feature scales.
    intercept_scale : float, default 5.0
        Standard deviation of the intercepts' prior.
    coef_prior, intercept_prior : callable, optional
        Factories ``factory(name, shape)`` that register and return the free
        parameters, replacing the Normal priors, e.g.
        ``lambda name, shape: pm.StudentT(name, nu=3, sigma=1, shape=shape)``.  They
        receive ``K - 1`` classes for ``"zerosum"`` (mapped to the zero-sum
        subspace by an orthonormal basis, so an i.i.d. Normal gives exactly a
        ZeroSumNormal) and ``"reference"``, and ``K`` for ``"none"``; the
        identified ``{name}_coef`` / ``{name}_intercept`` are then Deterministics.
    batch_size : int, optional
        Fit on random minibatches of this many rows (``pm.Minibatch``), for ADVI on
        large data.  The likelihood gets ``total_size=rows`` so that its scaled
        minibatch value estimates the full-data log-likelihood without bias.
        NUTS needs the full data; leave it ``None`` for ``pm.sample``.
    dims : tuple of str, default ("obs", "features", "classes")
        Names of the observation, feature and class dimensions (change them to put
        two GLMs in one model).
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

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2))
    >>> y = np.array(["a", "b", "c"])[rng.integers(0, 3, 60)]
    >>> with pm.Model() as model:
    ...     glm = multinomial_glm("y", X, y)
    >>> sorted(model.named_vars)
    ['y', 'y_X', 'y_coef', 'y_intercept', 'y_y']
    >>> model.coords["classes"]
    ('a', 'b', 'c')
    """
    _check_options(identification, prior_scale, intercept_scale, batch_size)
    model = pm.modelcontext(None)
    features = column_names(X)
    X_arr = check_features(X, "X")
    features = features if features is not None else list(range(X_arr.shape[1]))
    check_same_length(X=X_arr, y=y)
    y_obs, totals, encoder, counts = _encode_y(y, classes)
    d = _Dims(*dims)
    _add_coords(model, d, features, encoder.classes)

    X_data, y_data, n_data = _data(name, X_arr, y_obs, totals, d, counts)
    rows = X_arr.shape[0]
    X_fit, y_fit, n_fit = X_data, y_data, n_data
    if batch_size is not None:
        if y_data is None:
            raise ValueError("batch_size needs observed y.")
        batch = [X_data, y_data] + ([n_data] if counts else [])
        X_fit, y_fit, *rest = pm.Minibatch(*batch, batch_size=batch_size)
        n_fit = rest[0] if counts else None
        _seed_minibatch(X_fit, random_seed)

    scale = pt.as_tensor(np.asarray(prior_scale, dtype=float))
    if scale.ndim == 1:
        scale = scale[:, None]
    f = X_arr.shape[1]
    coef = _identified(
        f"{name}_coef", scale, coef_prior, (f,), (d.features, d.classes), identification
    )
    intercept = _identified(
        f"{name}_intercept", intercept_scale, intercept_prior, (), (d.classes,), identification
    )
    logits = pt.dot(X_fit, coef) + intercept
    likelihood = _likelihood(name, logits, y_fit, n_fit, d, counts, rows, batch_size)
    return MultinomialGLM(
        name=name,
        model=model,
        X=X_data,
        y=y_data,
        n=n_data,
        coef=coef,
        intercept=intercept,
        logits=logits,
        likelihood=likelihood,
        encoder=encoder,
        feature_names=features,
        identification=identification,
        counts=counts,
        batch_size=batch_size,
        dims=dims,
    )
