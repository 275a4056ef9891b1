"""Bayesian neural network (multilayer perceptron) as a scikit-learn classifier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pymc_bnn.estimators.base import Method, _BayesianClassifier, _document
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
    members : int, default 5
        Independent ADVI fits, started from different random weights and kept
        as the chains of one posterior (:func:`pymc_bnn.fit_advi`): a network's
        posterior has many modes, and the members' disagreement away from the
        training data is what flags rows unlike it
        (``benchmarks/results/uncertainty.md``; 3 and 8 members against 5:
        ``benchmarks/results/ablation-members.md``).  They are fitted at once, as
        one vectorized computation.
    parametrization : {"auto", "qr", "centered", "plain"}, default "centered"
        The free coordinates of the first layer that NUTS and ADVI move in (see
        :func:`pymc_bnn.bnn_classifier`): the posterior is the same, the
        geometry differs.  ``"auto"`` takes ``"qr"`` for ``method="nuts"`` and
        ``"centered"`` for ADVI.
    init_scale : float, default 1.0
        Standard deviation of every member's random starting weights (see
        :func:`pymc_bnn.bnn_classifier`): 1.0 starts them at a draw from the
        prior, so the tanh units start in their curved range; much smaller
        starts leave them near-linear, where mean-field ADVI can stay.
    {common}

    Attributes
    ----------
    {fitted}
    prior_scales_ : tuple of float
        Each layer's weight prior scale as fitted (``prior_scale="auto"`` scales
        the first to the training rows).

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
    _builder_options = (
        "hidden",
        "activation",
        "prior_scale",
        "skip_scale",
        "parametrization",
        "init_scale",
    )

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
        members: int = 5,
        learning_rate: float = 0.01,
        draws: int = 200,
        tune: int = 1000,
        chains: int = 2,
        n_jobs: int | None = 1,
        batch_size: int | None = None,
        parametrization: str = "centered",
        init_scale: float = 1.0,
        prediction_dtype: str = "float64",
        compile_mode: str | None = None,
        random_state: int | np.random.RandomState | None = None,
        progressbar: bool = True,
    ):
        self._set_params_from(locals())

    def _record_fitted(self, predictor) -> None:
        self.prior_scales_ = tuple(float(s) for s in predictor.prior_scales)

    def _fitted_options(self) -> dict[str, Any]:
        return {"prior_scale": list(self.prior_scales_)}  # "auto" read the training rows

    def _fitted_entries(self) -> dict[str, Any]:
        return {"prior_scales": list(self.prior_scales_)}

    def _restore_fitted(self, entries: Any, file: Path) -> None:
        scales = entries.get("prior_scales") if isinstance(entries, dict) else None
        if (
            not isinstance(scales, list)
            or set(entries) != {"prior_scales"}
            or len(scales) != len(self.hidden) + 1
            or not all(isinstance(s, int | float) and not isinstance(s, bool) for s in scales)
            or not all(np.isfinite(s) and s > 0 for s in scales)
        ):
            raise ValueError(
                f"{file}: fitted must be {{'prior_scales': [one positive scale per layer "
                f"({len(self.hidden) + 1})]}}; got {str(entries)[:100]}"
            )
        self.prior_scales_ = tuple(float(s) for s in scales)
