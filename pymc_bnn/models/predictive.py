"""Class probabilities of new rows under every posterior draw, and their summaries.

:func:`compile_predictive` compiles one function of a chunk of rows and a stack
of posterior draws from the model's own logits:
:func:`pytensor.graph.replace.vectorize_graph` replaces the features by the new
rows and each parameter by its stack of draws, so every layer is one batched
product for all draws (a layer on the rows themselves, the first, is one matrix
product of the rows with all draws' weights side by side).  The softmax and what
is asked of it follow in the same function:

* ``"draws"``: the probabilities under each draw, ``(draws, rows, classes)``;
* ``"mean"``: their mean over the draws, ``(rows, classes)``;
* ``"uncertainty"``: the mean and the expected entropy of the draws (the
  aleatoric part of the predictive entropy), without the per-draw
  probabilities leaving the function.

Under JAX (:func:`prediction_backend`) XLA fuses the softmax, the mean and the
entropy into one pass over the logits; without it the function runs NumPy's
loops node by node.  :class:`PosteriorPredictive` holds a posterior's draws
stacked once, in the precision asked for (under JAX, on JAX's device, so they
are not copied for every chunk), and runs the compiled function chunk by chunk,
so memory stays bounded by the chunk.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable, Iterator
from typing import Literal, get_args

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.compile.mode import get_mode
from pytensor.graph.basic import Constant, Variable
from pytensor.graph.replace import vectorize_graph
from pytensor.graph.traversal import toposort
from pytensor.tensor.variable import TensorVariable
from scipy.special import entr

from pymc_bnn.models.compile_mode import quick_compile

__all__ = [
    "DTYPES",
    "SUMMARIES",
    "PosteriorPredictive",
    "Summary",
    "compile_predictive",
    "prediction_backend",
]

Summary = Literal["draws", "mean", "uncertainty"]
SUMMARIES: tuple[str, ...] = get_args(Summary)
"""What a compiled predictive function returns (see the module documentation)."""

DTYPES: tuple[str, ...] = ("float64", "float32")
"""The precisions prediction computes in."""

_CHUNK_ELEMENTS = 1 << 21
"""Rows per chunk: the widest layer's activations of one chunk under every draw hold
about this many numbers (16 MiB in float64).  Among powers of two from a quarter to
four times this, it was the fastest or near it for the softmax regression and the
(20, 20) network on cover type (``benchmarks/prediction.py``): larger chunks leave
the processor's caches."""
_MIN_ROWS, _MAX_ROWS = 16, 4096
_SEPARATE_EXPONENTIALS = ("local_softmax_stabilize", "local_log_sum_exp")
"""PyTensor rewrites left out of the summaries' compile (see compile_predictive)."""


def prediction_backend() -> str:
    """The PyTensor mode prediction compiles with: ``"JAX"`` when JAX is installed.

    Without JAX, PyTensor's ``FAST_COMPILE`` with Python thunks
    (:func:`pymc_bnn.models.compile_mode.quick_compile`): each node runs NumPy's
    loops on a whole chunk, and nothing is compiled to machine code.

    Examples
    --------
    >>> prediction_backend() in ("JAX", "FAST_COMPILE")
    True
    """
    return "JAX" if importlib.util.find_spec("jax") is not None else "FAST_COMPILE"


def _check_dtype(dtype: str) -> str:
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {list(DTYPES)}; got {dtype!r}.")
    return dtype


def _in_precision(outputs: list[Variable], dtype: str) -> list[Variable]:
    """``outputs`` rebuilt with every float constant in ``dtype``.

    The new rows and draws enter in ``dtype``; the model's own constants (a
    prior's scale, the ``2`` of ``tanh``) are float64 and would upcast every
    node they touch back to float64.
    """
    if dtype == "float64":
        return outputs
    new: dict[Variable, Variable] = {}
    for node in toposort(outputs):
        inputs = []
        for i in node.inputs:
            i = new.get(i, i)
            if isinstance(i, Constant) and getattr(i, "dtype", None) == "float64":
                i = pt.constant(np.asarray(i.data, dtype=dtype))
            inputs.append(i)
        if inputs != node.inputs:
            rebuilt = node.op.make_node(*inputs)
            new.update(zip(node.outputs, rebuilt.outputs, strict=True))
    return [new.get(o, o) for o in outputs]


def compile_predictive(
    logits: TensorVariable,
    features: TensorVariable,
    parameters: list[TensorVariable],
    summary: Summary = "draws",
    *,
    dtype: str = "float64",
    backend: str | None = None,
    trust_input: bool = False,
) -> Callable[..., list[np.ndarray]]:
    """Compile a summary of new rows' class probabilities over a stack of posterior draws.

    Parameters
    ----------
    logits : TensorVariable
        The logits the likelihood sees, ``(rows, classes)``.
    features : TensorVariable
        The variable of the features ``logits`` is built on.
    parameters : list of TensorVariable
        Variables that, with ``features``, fix ``logits``, as stored in a posterior.
    summary : {"draws", "mean", "uncertainty"}, default "draws"
        What the function returns (see the module documentation).
    dtype : {"float64", "float32"}, default "float64"
        Precision of the rows, the draws and every step.
    backend : str, optional
        PyTensor mode; default :func:`prediction_backend`.
    trust_input : bool, default False
        Skip the check and conversion of the inputs on each call: the caller
        passes ``X`` and the draws as arrays of ``dtype`` and the right number
        of dimensions (under JAX, the draws may be JAX arrays already on the
        device, which are then not copied on each call).

    Returns
    -------
    callable
        ``f(X, *draws)`` with ``X`` of shape ``(rows, features)`` and one array
        ``(draws, *shape)`` per parameter, both of ``dtype``; returns a list: the
        probabilities ``(draws, rows, classes)``; the mean ``(rows, classes)``;
        or the mean and the expected entropy ``(rows,)``.

    Examples
    --------
    >>> import pymc as pm
    >>> with pm.Model():
    ...     X = pm.Data("X", np.zeros((1, 2)))
    ...     w = pm.Normal("w", shape=(2, 3))
    >>> f = compile_predictive(X @ w, X, [w], "uncertainty", backend="FAST_COMPILE")
    >>> mean, aleatoric = f(np.ones((4, 2)), np.zeros((5, 2, 3)))  # 5 draws, 4 rows
    >>> mean.shape, np.round(aleatoric, 4)  # uniform over 3 classes: entropy log 3
    ((4, 3), array([1.0986, 1.0986, 1.0986, 1.0986]))
    """
    if summary not in SUMMARIES:
        raise ValueError(f"summary must be one of {list(SUMMARIES)}; got {summary!r}.")
    _check_dtype(dtype)
    rows = pt.matrix("rows", dtype=dtype)
    stacks = [
        pt.tensor(f"{p.name}_draws", shape=(None, *p.type.shape), dtype=dtype) for p in parameters
    ]
    # vectorize_graph rebuilds every node from its new inputs, so static shapes the
    # model's graph inferred from its own data (a minibatch's rows) do not carry over.
    replace = {features: rows, **dict(zip(parameters, stacks, strict=True))}
    (batched,) = _in_precision([vectorize_graph(logits, replace=replace)], dtype)
    # The summaries work on the logits laid out (rows, draws, classes) and reduce over
    # the middle axis.  A first layer on the rows computes them in that layout (one
    # product of the rows with every draw's weights side by side), so the transpose
    # cancels; reducing over a leading draws axis instead made XLA walk a transposed
    # array, markedly slower (benchmarks/prediction.py).
    by_row = batched.transpose(1, 0, 2)
    shifted = by_row - by_row.max(axis=-1, keepdims=True)
    exp = pt.exp(shifted)
    total = exp.sum(axis=-1, acc_dtype=dtype)
    probs = exp / total[..., None]
    # A mean as a sum times a constant of the precision: PyTensor's mean of float32
    # accumulates in float64, and its JAX form returns that float64.
    inverse = pt.cast(1.0 / probs.shape[1], dtype)
    if summary == "draws":
        outputs = [probs.transpose(1, 0, 2)]
    elif summary == "mean":
        outputs = [probs.sum(axis=1, acc_dtype=dtype) * inverse]
    else:
        # Entropy of each draw's softmax: log sum exp - sum p * shifted logits.
        entropy = pt.log(total) - (probs * shifted).sum(axis=-1, acc_dtype=dtype)
        mean = probs.sum(axis=1, acc_dtype=dtype) * inverse
        outputs = [mean, entropy.sum(axis=1, acc_dtype=dtype) * inverse]
    # PyTensor would recognise exp(x) / sum(exp(x)) as a Softmax and log(sum(exp(x))) as
    # a logsumexp, each computing its own exponentials: the summary would take the
    # exponential of every logit twice.
    backend = backend or prediction_backend()
    mode = get_mode(backend).excluding(*_SEPARATE_EXPONENTIALS)
    inputs = [rows, *stacks]
    if backend == "FAST_COMPILE":
        with quick_compile():
            return pytensor.function(
                inputs, outputs, mode=mode, on_unused_input="ignore", trust_input=trust_input
            )
    with warnings.catch_warnings():
        # JAX drops the graph's broadcast assertions, which the shapes satisfy.
        warnings.filterwarnings("ignore", message="Skipping Assert")
        return pytensor.function(
            inputs, outputs, mode=mode, on_unused_input="ignore", trust_input=trust_input
        )


def _finite(mean: np.ndarray) -> np.ndarray:
    """``mean``, or a ``ValueError`` naming the rows whose probabilities are not finite."""
    bad = np.flatnonzero(~np.isfinite(mean).all(axis=-1))
    if len(bad):
        raise ValueError(
            f"the probabilities of {len(bad)} row(s) are not finite (rows "
            f"{bad[:5].tolist()}{' ...' if len(bad) > 5 else ''}): their features are so "
            "large that the model's arithmetic overflows."
        )
    return mean


class PosteriorPredictive:
    """New rows' class probabilities under a posterior's draws, summarised chunk by chunk.

    Made by :meth:`pymc_bnn.models.base.SoftmaxModel.predictive`, which stacks
    the draws (chains and draws pooled) once and hands the model's compiled
    functions over.

    Every chunk is padded to :attr:`chunk_rows` rows, so the compiled function
    always sees one shape: JAX compiles it once, and a row's probabilities are
    the same to the last bit whatever rows it comes with (a table scored whole
    or in partitions).

    Parameters
    ----------
    compiled : callable
        ``compiled(summary)``: the compiled function of that summary, which
        trusts its inputs (``compile_predictive(..., trust_input=True)``): each
        chunk is handed over as an array of ``dtype``.
    stacks : list of numpy.ndarray
        One stack ``(chains * draws, *shape)`` per parameter, in ``dtype``.
    chains, draws : int
    n_classes : int
    width : int
        The widest layer (units or classes): it sets the rows per chunk.
    dtype : str
        Precision of the computation.
    backend : str, optional
        The mode ``compiled`` was compiled with; under ``"JAX"`` the stacks are
        put on JAX's device once, at the first chunk, not copied there with
        every chunk.
    """

    def __init__(
        self,
        compiled: Callable[[str], Callable],
        stacks: list[np.ndarray],
        *,
        chains: int,
        draws: int,
        n_classes: int,
        width: int,
        dtype: str,
        backend: str | None = None,
    ):
        self._compiled = compiled
        self.dtype = _check_dtype(dtype)
        self.stacks = [np.ascontiguousarray(s, dtype=dtype) for s in stacks]
        self._backend = backend
        self._inputs: list | None = None
        self.chains, self.draws, self.n_classes = chains, draws, n_classes
        budget = _CHUNK_ELEMENTS // max(chains * draws * max(width, n_classes), 1)
        rows = 1 << max(int(budget).bit_length() - 1, 0)
        self.chunk_rows = int(np.clip(rows, _MIN_ROWS, _MAX_ROWS))

    def _chunks(self, X: np.ndarray, summary: str) -> Iterator[tuple[int, list[np.ndarray]]]:
        """``(rows, outputs)`` per chunk of ``X``.

        The outputs may hold padding rows after the first ``rows``.
        """
        f = self._compiled(summary)
        if self._inputs is None:
            self._inputs = self.stacks
            if self._backend == "JAX":
                # After compiling: PyTensor's JAX backend switches JAX to float64,
                # which a float64 stack put on the device before would not be.
                import jax

                self._inputs = [jax.device_put(s) for s in self.stacks]
        X = np.ascontiguousarray(X, dtype=self.dtype)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (rows, features); got shape {X.shape}.")
        for start in range(0, len(X), self.chunk_rows):
            chunk = X[start : start + self.chunk_rows]
            n = len(chunk)
            if n < self.chunk_rows:
                padding = np.zeros((self.chunk_rows - n, X.shape[1]), X.dtype)
                chunk = np.concatenate([chunk, padding])
            yield n, [np.asarray(o) for o in f(chunk, *self._inputs)]

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        """Probabilities ``(chains, draws, rows, classes)`` of rows ``X`` under each draw."""
        parts = [probs[:, :n] for n, (probs,) in self._chunks(X, "draws")]
        if not parts:
            parts = [np.zeros((self.chains * self.draws, 0, self.n_classes))]
        probs = np.concatenate(parts, axis=1).astype(np.float64, copy=False)
        return probs.reshape(self.chains, self.draws, *probs.shape[1:])

    def mean(self, X: np.ndarray) -> np.ndarray:
        """Posterior mean class probabilities ``(rows, classes)`` of rows ``X``.

        Raises
        ------
        ValueError
            If a row's probabilities are not finite (its features are so large
            that the model's arithmetic overflows), naming the first such rows.
        """
        parts = [mean[:n] for n, (mean,) in self._chunks(X, "mean")]
        if not parts:
            return np.zeros((0, self.n_classes))
        return _finite(np.concatenate(parts).astype(np.float64, copy=False))

    def uncertainty(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """The posterior mean probabilities and the entropy decomposition of rows ``X``.

        Returns
        -------
        dict
            ``mean`` ``(rows, classes)``; ``total`` (entropy of the mean),
            ``aleatoric`` (mean entropy of the draws) and ``epistemic`` (their
            difference, clipped at zero, which it undershoots only by rounding),
            each ``(rows,)``, in nats.

        Raises
        ------
        ValueError
            As :meth:`mean`.
        """
        means, aleatoric = [np.zeros((0, self.n_classes))], [np.zeros(0)]
        for n, (mean, expected) in self._chunks(X, "uncertainty"):
            means.append(mean[:n])
            aleatoric.append(expected[:n])
        mean = _finite(np.concatenate(means).astype(np.float64, copy=False))
        expected = np.concatenate(aleatoric).astype(np.float64, copy=False)
        total = entr(mean).sum(axis=-1)
        return {
            "mean": mean,
            "total": total,
            "aleatoric": expected,
            "epistemic": np.maximum(total - expected, 0.0),
        }
