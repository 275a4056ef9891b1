"""Bayesian softmax (multinomial logistic) regression as a scikit-learn classifier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pymc_bnn.estimators.base import Method, _BayesianClassifier, _document
from pymc_bnn.models.glm import multinomial_glm

__all__ = ["BayesianSoftmaxClassifier"]


@_document
class BayesianSoftmaxClassifier(_BayesianClassifier):
    """Bayesian softmax (multinomial logistic) regression, as a scikit-learn classifier.

    The model is :func:`pymc_bnn.multinomial_glm`: ``y ~ Categorical(softmax(X @
    coef + intercept))`` with Normal priors on standardized features; the
    posterior holds them as ``y_coef`` and ``y_intercept``.

    Parameters
    ----------
    prior_scale : float, default 2.5
        Prior standard deviation of the coefficients.
    identification : {"zerosum", "reference", "none"}, default "zerosum"
        How the softmax's redundant direction is removed (see
        :func:`pymc_bnn.multinomial_glm`).
    collinearity : {"drop", "warn", "error", "ignore"}, default "drop"
        What to do when the features are exactly collinear with the intercept
        (constant or duplicated columns, one-hot groups): ``"drop"`` warns,
        naming the columns, and fixes the redundant columns' coefficients at zero
        (see :func:`pymc_bnn.multinomial_glm`).  A column that is zero on every
        training row (a level absent from training) keeps its prior, so new rows
        where it is not zero read as unfamiliar; a list of columns fixes exactly
        those.
    members : int, default 1
        Independent ADVI fits kept as the chains of one posterior
        (:func:`pymc_bnn.fit_advi`).  The softmax regression's posterior has one
        mode, so one suffices.
    parametrization : {"auto", "qr", "centered", "plain"}, default "auto"
        The free coordinates NUTS and ADVI move in (see
        :func:`pymc_bnn.multinomial_glm`): the posterior is the same, the
        geometry differs.  ``"auto"`` takes ``"qr"`` for ``method="nuts"``, whose
        diagonal mass matrix walks it at every data size, and ``"centered"``
        for ADVI, which on short fits does better there.
    {common}

    Attributes
    ----------
    {fitted}
    fixed_columns_ : list of int
        The feature columns whose coefficients were fixed at zero (``collinearity``).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> X = (X - X.mean(0)) / X.std(0)
    >>> clf = BayesianSoftmaxClassifier(iterations=2000, draws=200, random_state=0,
    ...                                 progressbar=False).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    >>> list(clf.predict_uncertainty(X[:2]).columns)
    ['total', 'aleatoric', 'epistemic', 'max_probability']
    """

    _builder = staticmethod(multinomial_glm)
    _builder_options = ("prior_scale", "identification", "collinearity", "parametrization")

    def __init__(
        self,
        *,
        prior_scale: float = 2.5,
        identification: str = "zerosum",
        collinearity: str = "drop",
        method: Method = "advi",
        nuts_sampler: str = "auto",
        iterations: int = 10_000,
        members: int = 1,
        learning_rate: float = 0.01,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 2,
        n_jobs: int | None = 1,
        batch_size: int | None = None,
        parametrization: str = "auto",
        prediction_dtype: str = "float64",
        compile_mode: str | None = None,
        random_state: int | np.random.RandomState | None = None,
        progressbar: bool = True,
    ):
        self._set_params_from(locals())

    def _record_fitted(self, predictor) -> None:
        self.fixed_columns_ = [int(j) for j in predictor.fixed_columns]

    def _fitted_options(self) -> dict[str, Any]:
        return {"collinearity": list(self.fixed_columns_)}  # the coefficients fixed at zero

    def _fitted_entries(self) -> dict[str, Any]:
        return {"fixed_columns": list(self.fixed_columns_)}

    def _restore_fitted(self, entries: Any, file: Path) -> None:
        fixed = entries.get("fixed_columns") if isinstance(entries, dict) else None
        if (
            not isinstance(fixed, list)
            or set(entries) != {"fixed_columns"}
            or not all(isinstance(j, int) and not isinstance(j, bool) for j in fixed)
            or len(set(fixed)) != len(fixed)
            or not all(0 <= j < self.n_features_in_ for j in fixed)
        ):
            raise ValueError(
                f"{file}: fitted must be {{'fixed_columns': [distinct feature indices]}}; "
                f"got {str(entries)[:100]}"
            )
        self.fixed_columns_ = list(fixed)
