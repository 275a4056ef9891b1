"""Bayesian neural network (multilayer perceptron) as a scikit-learn classifier."""

from __future__ import annotations

from typing import Any

import numpy as np

from pymc_bnn.estimators.base import _NAME, Method, _BayesianClassifier, _document
from pymc_bnn.models.bnn import bnn_classifier

__all__ = ["BayesianMLPClassifier"]


@_document
class BayesianMLPClassifier(_BayesianClassifier):
    """Bayesian neural network (multilayer perceptron), as a scikit-learn classifier.

    The model is :func:`pymc_bnn.bnn_classifier`: fully connected hidden layers with
    Normal priors on the weights and a softmax output.

    Parameters
    ----------
    hidden : tuple of int, default (20, 20)
        Widths of the hidden layers.
    activation : str, default "tanh"
        Activation of the hidden layers.
    prior_scale : float, "fan_in", "auto" or a sequence of them, default "auto"
        Prior standard deviation of the weights, as in
        :func:`pymc_bnn.bnn_classifier`: ``"auto"`` scales the first layer's
        prior to the training rows (unit-variance pre-activations), 1.0 after it.
    skip_scale : float, optional
        Prior standard deviation of a linear path from the features to the
        logits (:func:`pymc_bnn.bnn_classifier`); None (default) leaves it out.
    {common}

    Attributes
    ----------
    classes_ : numpy.ndarray
        The class labels.
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray
        Column names, when fitted on a DataFrame.
    idata_ : xarray.DataTree
        The fitted posterior.
    posterior_ : xarray.Dataset
        The ``posterior`` group of ``idata_``.
    model_ : pymc.Model
        The PyMC model.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> X = (X - X.mean(0)) / X.std(0)
    >>> clf = BayesianMLPClassifier(hidden=(5,), iterations=2000, draws=200,
    ...                             random_state=0, progressbar=False)
    >>> clf.fit(X, y).score(X, y) > 0.9  # doctest: +SKIP
    True
    """

    _builder = staticmethod(bnn_classifier)
    _builder_options = ("hidden", "activation", "prior_scale", "skip_scale")
    _kind = "bnn"

    def __init__(
        self,
        *,
        hidden: tuple[int, ...] = (20, 20),
        activation: str = "tanh",
        prior_scale: float | str | tuple[float | str | None, ...] = "auto",
        skip_scale: float | None = None,
        method: Method = "advi",
        nuts_sampler: str = "auto",
        iterations: int = 10_000,
        learning_rate: float = 0.01,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 2,
        n_jobs: int | None = 1,
        batch_size: int | None = None,
        compile_mode: str | None = None,
        random_state: int | np.random.RandomState | None = None,
        progressbar: bool = True,
    ):
        self._set_params_from(locals())

    def _fitted_options(self) -> dict[str, Any]:
        return {"prior_scale": self._fitted_prior_scales()}  # "auto" read the training rows

    def _fitted_prior_scales(self) -> list[float]:
        """Each layer's weight prior scale, read from the draws (weights = scale * z).

        ``"auto"`` depends on the training rows, which a loaded or unpickled
        estimator no longer has; the draws hold both the weights and their
        unit-scale ``z``, whose ratio is the scale (to rounding, about 1e-16).
        """
        post = self.idata_["posterior"]
        layers, i = [], 1
        while f"{_NAME}_hidden{i}_w" in post:
            layers.append(f"{_NAME}_hidden{i}")
            i += 1
        scales = []
        for layer in [*layers, f"{_NAME}_out"]:
            w = np.asarray(post[f"{layer}_w"].values)
            z = np.asarray(post[f"{layer}_w_z"].values)
            nonzero = z != 0
            scales.append(float(np.median(w[nonzero] / z[nonzero])) if nonzero.any() else 1.0)
        return scales
