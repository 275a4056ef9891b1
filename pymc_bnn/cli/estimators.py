"""The estimators behind the commands: which one a model kind is, and how it is fitted."""

from __future__ import annotations

import time
from typing import Any

from pymc_bnn.cli.errors import CLIError, one_line

__all__ = ["MODEL_KINDS", "describe", "fit_timed", "make_estimator"]

MODEL_KINDS = {"glm": "Bayesian softmax regression", "bnn": "Bayesian neural network"}
"""The values of ``--model`` and what they fit."""


def make_estimator(kind: str, **params: Any):
    """The estimator of a model kind (``"glm"`` or ``"bnn"``) with ``params``.

    ``hidden`` is dropped for ``"glm"``.

    Examples
    --------
    >>> make_estimator("glm", hidden=(5,), iterations=100)
    BayesianSoftmaxClassifier(iterations=100)
    """
    from pymc_bnn.sklearn import BayesianMLPClassifier, BayesianSoftmaxClassifier

    if kind == "bnn":
        return BayesianMLPClassifier(**params)
    params.pop("hidden", None)
    return BayesianSoftmaxClassifier(**params)


def describe(kind: str, estimator: Any) -> str:
    """One line naming the model and how it is fitted.

    Examples
    --------
    >>> describe("bnn", make_estimator("bnn", hidden=(8,), batch_size=256))
    'Bayesian neural network, hidden (8,), tanh (ADVI 10000 iterations, minibatches of 256)'
    """
    what = MODEL_KINDS[kind]
    if kind == "bnn":
        what += f", hidden {tuple(estimator.hidden)}, {estimator.activation}"
    batches = "" if estimator.batch_size is None else f", minibatches of {estimator.batch_size}"
    how = (
        f"ADVI {estimator.iterations} iterations{batches}"
        if estimator.method == "advi"
        else f"NUTS {estimator.chains} x {estimator.draws} draws"
    )
    return f"{what} ({how})"


def fit_timed(estimator: Any, X, y) -> float:
    """Fit ``estimator`` and return the seconds it took; a ``ValueError`` becomes a CLIError."""
    start = time.perf_counter()
    try:
        estimator.fit(X, y)
    except ValueError as err:
        raise CLIError(one_line(err)) from err
    return time.perf_counter() - start
