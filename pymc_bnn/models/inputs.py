"""Registering a classifier's data in a ``pm.Model``: the inputs and the likelihood.

:func:`pymc_bnn.multinomial_glm` and :func:`pymc_bnn.bnn_classifier` differ only
in how they turn features into logits.  What surrounds that lives here, once:

* :func:`add_inputs` validates ``X`` and ``y``, registers the coordinates and the
  resizable data containers ``{name}_X``, ``{name}_y`` and (count matrices)
  ``{name}_n``, and, with ``batch_size``, the ``pm.Minibatch`` views of them;
* :func:`add_likelihood` puts :class:`pymc_bnn.Categorical` (label vector) or
  :class:`pymc_bnn.Multinomial` (count matrix) on the logits, scaled from a
  minibatch to the full data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pymc as pm
from numpy.typing import ArrayLike
from pytensor.tensor.variable import TensorVariable

from pymc_bnn.distributions.categorical import Categorical
from pymc_bnn.distributions.multinomial import Multinomial
from pymc_bnn.models.data import (
    LabelEncoder,
    check_counts,
    check_features,
    check_positive_int,
    check_same_length,
    column_names,
)

__all__ = ["ModelInputs", "add_inputs", "add_likelihood"]


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

    def check_new_X(self, X: ArrayLike, name: str = "X") -> np.ndarray:
        """New rows as an array of the registered features (a DataFrame's matched by name).

        Raises
        ------
        ValueError
            If ``X`` is invalid, lacks a feature or has another number of columns.
        """
        names = column_names(X)
        if names is not None:
            missing = [f for f in map(str, self.features) if f not in names]
            if missing:
                raise ValueError(f"{name} lacks the model's features {missing[:5]}.")
            by_name = {str(c): c for c in X.columns}
            X = X[[by_name[str(f)] for f in self.features]]
        arr = check_features(X, name)
        if arr.shape[1] != len(self.features):
            raise ValueError(
                f"{name} must have {len(self.features)} columns (the model's features); "
                f"got {arr.shape[1]}."
            )
        return arr

    def new_data(
        self, X: ArrayLike, y: ArrayLike | None = None, n: ArrayLike | None = None
    ) -> dict[str, np.ndarray]:
        """The containers' values for new rows, by container name (``pm.set_data``'s input).

        Without ``y`` the observations are placeholders: class 0, or every trial
        in class 0 (``n`` trials, default 1, for a count model).
        """
        arr = self.check_new_X(X)
        rows = check_same_length(X=arr, y=y, n=n)
        new = {self.X.name: arr}
        if self.counts:
            new[self.y.name], new[self.n.name] = _new_counts(y, n, rows, self.encoder.n_classes)
        elif self.y is not None:
            new[self.y.name] = (
                np.zeros(rows, np.int64) if y is None else self.encoder.transform(y, "y")
            )
        return new


def _new_counts(y, n, rows: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts and row totals of new rows: ``y`` checked against ``k`` classes, or placeholders."""
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
    the row totals for counts, both parametrized by ``logit_p``.  With a
    minibatch of ``B`` of the ``N`` rows the log-likelihood is scaled by
    ``N / B``, so that it estimates the full-data log-likelihood without bias:
    labels by ``total_size=N``; counts as :func:`_minibatch_counts` explains.

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
    if inputs.batch_size is None:
        if inputs.counts:
            return Multinomial(
                name, n=inputs.n, logit_p=logits, observed=inputs.y, dims=(obs, cls)
            )
        return Categorical(name, logit_p=logits, observed=inputs.y, dims=(obs,))
    if inputs.counts:
        return _minibatch_counts(name, logits, inputs)
    return Categorical(name, logit_p=logits, observed=inputs.y_fit, total_size=inputs.rows)


def _minibatch_counts(name: str, logits: TensorVariable, inputs: ModelInputs) -> TensorVariable:
    """The Multinomial likelihood of a minibatch of count rows, scaled by ``N / B``.

    PyMC scales a likelihood given ``total_size`` rightly, but ``pm.fit``
    divides its loss by a constant it takes from each such observation's whole
    shape: ``N / B`` for a vector of labels, ``(N / B) (N / K)`` for ``B`` rows
    of ``K`` counts (``upstream/patches/12``).  Its default optimizer then
    takes steps about ``N / K`` times too small and stops far from the
    posterior.  So the counts are registered without ``total_size``; their
    scaling is the potential ``{name}_minibatch_scaling`` (the other
    ``N / B - 1`` times their log-likelihood), and the minibatch's row totals
    are observed as ``{name}_minibatch_rows``, a vector at its own values
    (log-probability zero) with ``total_size=N``, from which PyMC takes the
    constant ``N / B``, as for labels.
    """
    likelihood = Multinomial(name, n=inputs.n_fit, logit_p=logits, observed=inputs.y_fit)
    scale = inputs.rows / inputs.batch_size
    pm.Potential(
        f"{name}_minibatch_scaling", (scale - 1) * pm.logp(likelihood, inputs.y_fit).sum()
    )
    pm.DiracDelta(
        f"{name}_minibatch_rows", c=inputs.n_fit, observed=inputs.n_fit, total_size=inputs.rows
    )
    return likelihood
