"""What every softmax-output classifier built by pymc_bnn shares.

:func:`multinomial_glm` and :func:`bnn_classifier` differ only in how they turn
features into logits.  Everything around that lives here, once:

* :func:`add_inputs` validates ``X`` and ``y``, registers the coordinates and the
  resizable data containers ``{name}_X``, ``{name}_y`` and (count matrices)
  ``{name}_n``, and, with ``batch_size``, the ``pm.Minibatch`` views of them;
* :func:`add_likelihood` puts :class:`pymc_bnn.Categorical` (label vector) or
  :class:`pymc_bnn.Multinomial` (count matrix) on the logits, with ``total_size``
  for minibatches;
* :class:`SoftmaxClassifier` is the base of the objects the builders return: it
  holds the variables and predicts new rows from posterior draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr
from numpy.typing import ArrayLike
from pytensor.tensor.variable import TensorVariable
from scipy.special import log_softmax

from pymc_bnn.categorical import Categorical
from pymc_bnn.data import (
    LabelEncoder,
    check_counts,
    check_features,
    check_positive_int,
    check_same_length,
    column_names,
)
from pymc_bnn.multinomial import Multinomial

__all__ = ["ModelInputs", "SoftmaxClassifier", "add_inputs", "add_likelihood"]


@dataclass(frozen=True)
class ModelInputs:
    """The data side of a classifier, as registered by :func:`add_inputs`.

    Attributes
    ----------
    X, y, n : TensorVariable
        Data containers (``y`` is ``None`` without observations, ``n`` for labels).
    X_fit, y_fit, n_fit : TensorVariable
        What the likelihood sees: the containers, or their minibatch views.
    encoder : LabelEncoder
    features : list
        The ``features`` coordinate.
    counts : bool
        Whether ``y`` is a count matrix.
    rows : int
        Number of rows of ``X``.
    batch_size : int or None
    dims : tuple of str
        Names of the observation, feature and class dimensions.
    """

    X: TensorVariable
    y: TensorVariable | None
    n: TensorVariable | None
    X_fit: TensorVariable
    y_fit: TensorVariable | None
    n_fit: TensorVariable | None
    encoder: LabelEncoder
    features: list
    counts: bool
    rows: int
    batch_size: int | None
    dims: tuple[str, str, str]


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


def _seed_minibatch(tensor: TensorVariable, random_seed) -> None:
    if random_seed is None:
        return
    for inp in tensor.owner.inputs:
        if inp.type.__class__.__name__.endswith("GeneratorType"):
            inp.set_value(np.random.default_rng(random_seed))


def add_inputs(
    name: str,
    X: ArrayLike,
    y: ArrayLike | None,
    *,
    classes: Sequence | int | None,
    dims: tuple[str, str, str],
    batch_size: int | None,
    random_seed: int | None,
) -> ModelInputs:
    """Validate ``X`` and ``y`` and register coordinates and data containers in the model.

    Parameters
    ----------
    name : str
        Prefix of the containers ``{name}_X``, ``{name}_y`` and ``{name}_n``.
    X : array_like or pandas.DataFrame, shape (rows, features)
    y : array_like, optional
        Label vector or count matrix (see :func:`pymc_bnn.multinomial_glm`).
    classes : sequence or int, optional
        Class labels in order; required without ``y``.
    dims : tuple of str
        Names of the observation, feature and class dimensions.
    batch_size : int, optional
        Rows per minibatch; the ``*_fit`` views are then ``pm.Minibatch`` slices.
    random_seed : int, optional
        Seed of the minibatch index generator.

    Returns
    -------
    ModelInputs

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> with pm.Model() as model:
    ...     inputs = add_inputs("y", np.eye(3), ["a", "b", "a"], classes=None,
    ...                         dims=("obs", "features", "classes"), batch_size=None,
    ...                         random_seed=None)
    >>> inputs.y.get_value().tolist(), model.coords["classes"]
    ([0, 1, 0], ('a', 'b'))
    """
    if batch_size is not None:
        check_positive_int(batch_size, "batch_size")
    model = pm.modelcontext(None)
    features = column_names(X)
    X_arr = check_features(X, "X")
    features = features if features is not None else list(range(X_arr.shape[1]))
    check_same_length(X=X_arr, y=y)
    y_obs, totals, encoder, counts = _encode_y(y, classes)
    obs, feat, cls = dims
    model.add_coord(feat, features)
    model.add_coord(cls, encoder.classes.tolist())

    X_data = pm.Data(f"{name}_X", X_arr, dims=(obs, feat))
    y_data = n_data = None
    if y_obs is not None:
        y_data = pm.Data(f"{name}_y", y_obs, dims=(obs, cls) if counts else (obs,))
    if totals is not None:
        n_data = pm.Data(f"{name}_n", totals, dims=(obs,))
    X_fit, y_fit, n_fit = X_data, y_data, n_data
    if batch_size is not None:
        if y_data is None:
            raise ValueError("batch_size needs observed y.")
        batch = [X_data, y_data] + ([n_data] if counts else [])
        X_fit, y_fit, *rest = pm.Minibatch(*batch, batch_size=batch_size)
        n_fit = rest[0] if counts else None
        _seed_minibatch(X_fit, random_seed)
    return ModelInputs(
        X=X_data,
        y=y_data,
        n=n_data,
        X_fit=X_fit,
        y_fit=y_fit,
        n_fit=n_fit,
        encoder=encoder,
        features=features,
        counts=counts,
        rows=X_arr.shape[0],
        batch_size=batch_size,
        dims=dims,
    )


def add_likelihood(name: str, logits: TensorVariable, inputs: ModelInputs) -> TensorVariable:
    """Register the validated likelihood of ``inputs.y_fit`` given ``logits``.

    :class:`pymc_bnn.Categorical` for labels, :class:`pymc_bnn.Multinomial` with
    the row totals for counts, both parametrized by ``logit_p``; with a minibatch
    the likelihood gets ``total_size=rows`` so that its value estimates the
    full-data log-likelihood without bias.

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> with pm.Model() as model:
    ...     inputs = add_inputs("y", np.eye(2), [0, 1], classes=None,
    ...                         dims=("obs", "features", "classes"), batch_size=None,
    ...                         random_seed=None)
    ...     y = add_likelihood("y", pm.math.zeros((2, 2)), inputs)
    >>> float(model.compile_logp()({}))  # two labels, each with probability 1/2
    -1.386...
    """
    obs, _, cls = inputs.dims
    kwargs: dict = {}
    if inputs.batch_size is not None:
        kwargs["total_size"] = inputs.rows
    else:
        kwargs["dims"] = (obs, cls) if inputs.counts else (obs,)
    if inputs.counts:
        return Multinomial(name, n=inputs.n_fit, logit_p=logits, observed=inputs.y_fit, **kwargs)
    return Categorical(name, logit_p=logits, observed=inputs.y_fit, **kwargs)


def posterior_dataset(idata, group: str = "posterior") -> xr.Dataset:
    """The ``group`` of a DataTree as a Dataset (a Dataset is returned as it is)."""
    if isinstance(idata, xr.DataTree):
        idata = idata[group] if group in idata.children else idata
        return idata.to_dataset()
    return idata


def draws_of(post: xr.Dataset, var: TensorVariable, *dims: str) -> np.ndarray:
    """Values of ``var`` in ``post`` as an array ``(chain, draw, *dims)``."""
    return post[var.name].transpose("chain", "draw", *dims).values


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


@dataclass
class SoftmaxClassifier:
    """Base of the classifiers built by pymc_bnn: holds the variables and predicts.

    Subclasses implement ``_forward(post, X)``: the logits of rows ``X`` for every
    posterior draw in ``post``, as an array ``(chain, draw, rows, classes)``.

    Attributes
    ----------
    name : str
        Name of the likelihood; other variables are prefixed with it.
    model : pymc.Model
        The model the variables live in.
    inputs : ModelInputs
        Data containers, their minibatch views, the label encoder and dims.
    logits : TensorVariable
        The logits the likelihood sees (of a minibatch when ``batch_size`` is set).
    likelihood : TensorVariable
        The :class:`pymc_bnn.Categorical` or :class:`pymc_bnn.Multinomial` variable.
    """

    name: str
    model: pm.Model
    inputs: ModelInputs
    logits: TensorVariable
    likelihood: TensorVariable

    # -- views of the inputs ---------------------------------------------------------
    @property
    def X(self) -> TensorVariable:
        """Data container of the features."""
        return self.inputs.X

    @property
    def y(self) -> TensorVariable | None:
        """Data container of the observed labels or counts."""
        return self.inputs.y

    @property
    def n(self) -> TensorVariable | None:
        """Data container of the row totals (count models)."""
        return self.inputs.n

    @property
    def encoder(self) -> LabelEncoder:
        """The class labels and their codes."""
        return self.inputs.encoder

    @property
    def classes(self) -> np.ndarray:
        """The class labels, in class-code order."""
        return self.inputs.encoder.classes

    @property
    def feature_names(self) -> list:
        """The ``features`` coordinate."""
        return self.inputs.features

    @property
    def counts(self) -> bool:
        """Whether ``y`` is a count matrix (Multinomial) rather than labels."""
        return self.inputs.counts

    @property
    def batch_size(self) -> int | None:
        """Rows per minibatch, or ``None`` for full-data fitting."""
        return self.inputs.batch_size

    @property
    def dims(self) -> tuple[str, str, str]:
        """Names of the observation, feature and class dimensions."""
        return self.inputs.dims

    # -- prediction ------------------------------------------------------------------
    def _forward(self, post: xr.Dataset, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

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
        >>> from pymc_bnn import multinomial_glm
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
        >>> from pymc_bnn import multinomial_glm
        >>> with pm.Model():
        ...     glm = multinomial_glm("y", np.eye(3), ["a", "b", "c"])
        ...     prior = pm.sample_prior_predictive(10, random_seed=0)
        >>> glm.predict_proba(prior, np.zeros((2, 3)), group="prior").sizes
        Frozen({'chain': 1, 'draw': 10, 'obs': 2, 'classes': 3})
        """
        post = posterior_dataset(idata, group)
        arr = np.asarray(self.X.get_value()) if X is None else self._check_new_X(X, "X")
        probs = np.exp(log_softmax(self._forward(post, arr), axis=-1))
        obs, _, cls = self.dims
        return xr.DataArray(
            probs,
            dims=("chain", "draw", obs, cls),
            coords={"chain": post["chain"].values, "draw": post["draw"].values, cls: self.classes},
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
        >>> from pymc_bnn import multinomial_glm
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
        >>> from pymc_bnn import multinomial_glm
        >>> with pm.Model():
        ...     glm = multinomial_glm("y", np.eye(2), ["a", "b"])
        ...     prior = pm.sample_prior_predictive(10, random_seed=0)
        >>> glm.predict(prior, np.zeros((2, 2)), group="prior").shape
        (2,)
        """
        mean = self.predict_proba(idata, X, group=group).mean(("chain", "draw")).values
        return self.encoder.inverse_transform(mean.argmax(axis=-1))
