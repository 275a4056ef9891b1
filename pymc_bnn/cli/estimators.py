"""The estimators behind the commands: which one a ``--model`` is, and how it is fitted."""

from __future__ import annotations

import importlib.util
import time
from typing import Any

from pymc_bnn.cli.errors import CLIError, one_line

__all__ = [
    "BACKENDS",
    "MODELS",
    "MODEL_ALIASES",
    "compile_mode",
    "describe",
    "fit_timed",
    "make_estimator",
    "resolve_backend",
]

MODELS = {"softmax": "Bayesian softmax regression", "bnn": "Bayesian neural network"}
"""The values of ``--model`` and what they fit."""

MODEL_ALIASES = {"glm": "softmax"}
"""Other accepted names of ``--model`` values (``glm``: its name before 0.2)."""


BACKENDS = {"jax": "JAX", "numba": None}
"""The values of ``--backend`` (besides ``auto``) and the PyTensor mode of each.

The backend compiles an ADVI fit's steps.  JAX compiles each fit in seconds, on
every run; Numba (PyTensor's default) compiles far longer on an empty compile cache
and loads the steps from its cache later, where it runs minibatch steps faster than
JAX.  ``auto`` is JAX when it is installed (the ``nuts`` and ``test`` extras), else
Numba: with the compile caches warm Numba is the faster choice, but on an empty cache
JAX stays ahead until a fit runs several hundred thousand minibatch steps.  Figures:
``benchmarks/results/advi_steps.md`` (steps) and ``benchmarks/results/code_choices.md``
(compile and demo times)."""


def resolve_backend(backend: str) -> str:
    """The backend ``--backend`` names: ``auto`` is ``jax`` when JAX is installed, else ``numba``.

    Examples
    --------
    >>> resolve_backend("numba")
    'numba'
    """
    if backend == "auto":
        backend = "jax" if importlib.util.find_spec("jax") is not None else "numba"
    if backend not in BACKENDS:
        raise CLIError(f"--backend must be one of auto, {', '.join(BACKENDS)}; got {backend!r}")
    return backend


def compile_mode(backend: str, method: str = "advi") -> str | None:
    """The estimator's ``compile_mode`` for ``--backend`` (``auto``, ``jax`` or ``numba``).

    Only ADVI fits are compiled by it: ``None`` (PyTensor's default) for NUTS,
    whose samplers compile the model themselves.

    Examples
    --------
    >>> compile_mode("numba") is None
    True
    >>> compile_mode("jax", method="nuts") is None
    True
    """
    return BACKENDS[resolve_backend(backend)] if method == "advi" else None


def _canonical(model: str) -> str:
    return MODEL_ALIASES.get(model, model)


def make_estimator(model: str, **params: Any):
    """The estimator of a ``--model`` (``"softmax"``, alias ``"glm"``, or ``"bnn"``).

    ``hidden`` is dropped for ``"softmax"``, ``collinearity`` for ``"bnn"``.

    Examples
    --------
    >>> make_estimator("softmax", hidden=(5,), iterations=100)
    BayesianSoftmaxClassifier(iterations=100)
    """
    from pymc_bnn.estimators import BayesianMLPClassifier, BayesianSoftmaxClassifier

    if _canonical(model) == "bnn":
        params.pop("collinearity", None)  # a softmax-regression option
        return BayesianMLPClassifier(**params)
    params.pop("hidden", None)
    return BayesianSoftmaxClassifier(**params)


def describe(model: str, estimator: Any, n_rows: int | None = None) -> str:
    """One line naming the model and how it is fitted on ``n_rows`` rows.

    The minibatch size shown is the one used: at most ``n_rows``, and none
    when a minibatch would hold every row.

    Examples
    --------
    >>> describe("bnn", make_estimator("bnn", hidden=(8,), batch_size=256))
    'Bayesian neural network, hidden (8,), tanh (ADVI 10000 iterations, minibatches of 256)'
    >>> describe("softmax", make_estimator("softmax", batch_size=100_000), n_rows=240)
    'Bayesian softmax regression (ADVI 10000 iterations, all 240 rows at each step)'
    >>> describe("softmax", make_estimator("softmax", compile_mode="JAX"))
    'Bayesian softmax regression (ADVI 10000 iterations, compiled by JAX)'
    """
    model = _canonical(model)
    what = MODELS[model]
    if model == "bnn":
        what += f", hidden {tuple(estimator.hidden)}, {estimator.activation}"
    batch = estimator.batch_size
    if batch is not None and n_rows is not None and batch >= n_rows:
        batches = f", all {n_rows} rows at each step"
    else:
        batches = "" if batch is None else f", minibatches of {batch}"
    backend = ", compiled by JAX" if getattr(estimator, "compile_mode", None) == "JAX" else ""
    how = (
        f"ADVI {estimator.iterations} iterations{batches}{backend}"
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
