"""Inference with minibatches: the rescaled log-likelihood and ADVI's loss, checked exactly.

``multinomial_glm`` and ``bnn_classifier`` fit large data by minibatch ADVI:
the observed data is a ``pm.Minibatch`` view of ``pm.Data`` containers, and the
likelihood gets ``total_size=N``.  Minibatch ADVI estimates the same posterior
as full-data ADVI only if the minibatch log-likelihood estimates the full-data
one without bias, and ADVI's loss can only be compared with the full-data loss
if its scale is known.  Both are checked here exactly, not by fitting and
comparing noisy posteriors: the compiled function returns the minibatch it
drew (the rows are read back), so the oracle (scipy) recomputes the very same
batch.

The observed kinds are those the models pass (:class:`MinibatchCase`):
``labels`` (``Categorical``, a label vector), ``counts`` (``Multinomial``, a
count matrix with row totals ``n``) and ``batched`` (``Multinomial``, each row
a ``(G, K)`` batch of count vectors, ``n`` of shape ``(N, G)``), all stored in
``pm.Data`` as the models store them, with ``logit_p = X_batch @ W``:

* ``*.minibatch_logp_rescaled_exactly``: the model's log-likelihood at a
  fixed ``W`` is ``N / B`` times the batch's own (unscaled) log-likelihood,
  relative 1e-12 (both are sums of a dozen terms of size ~1, computed by
  ``log_softmax`` in the same float64 order; 1e-12 leaves room for the few
  rounding differences of summation order).  ``pm.Minibatch`` draws ``B``
  row indices uniformly *with replacement*, so every row enters a batch
  ``B / N`` times on average and ``N / B`` times the batch sum averages to the
  full-data sum: exactly unbiased.  ``B = N`` is a resample of ``N`` rows
  (factor 1), not the full data in another order.  The rows of ``X``, ``y`` and
  ``n`` in one batch must be the same rows (matched through ``X``, whose rows
  are distinct).
* ``Categorical.advi_loss_on_full_data_scale``: ``pm.ADVI``'s objective (the
  negative ELBO that ``pm.fit`` minimizes and reports), built for the
  full-data model and for the minibatch model with the same approximation
  ``mu``, ``rho``, and evaluated at the Monte Carlo draw ``epsilon = 0``
  (ADVI's deterministic mode; the scaling does not depend on the draw),
  against the closed form ``-sum(loglik) - log prior(mu) + log q(mu)``.  The
  full-data loss must equal it; the minibatch loss times ``N / B`` must equal
  ``-(N / B) sum_batch(loglik) - log prior + log q``, whose average over
  batches is the full-data loss.  PyMC divides the minibatch loss by its
  normalizing constant (``Approximation.symbolic_normalizing_constant``, on
  by default), meant to be ``N / B``: it reports the loss on the scale of one
  batch, and ``N / B`` times it is on the full-data scale.  Relative 1e-10
  (sums of ~30 float64 terms of size ~1, ``log q`` through ``softplus``).

  The same check on a count matrix fails for PyMC's and pymc_bnn's classes
  alike, so it is not registered for ``Multinomial``
  (:func:`check_loss_scale` on ``CASES["counts"]``): PyMC's constant is
  ``prod(N / shape)`` over the whole shape of the observed batch (``N**2 /
  (B K)`` for a ``(B, K)`` count matrix, 12 instead of 3 in the case here),
  so the loss of a minibatch of counts is on no fixed scale, and with
  ``pm.fit``'s defaults a minibatch of ``(G, K)`` rows barely moves from the
  initial approximation (``docs/upstream.md``, "ADVI's minibatch loss").

A model variable of an int64 *numpy* label vector or count matrix under
``pm.Minibatch`` raises ``TypeError ... Cast{int32}`` in PyMC 6.4 for PyMC's
and pymc_bnn's classes alike (PyMC's ``convert_data``, patch
``09-minibatch-integer-observed.patch``): the cases use ``pm.Data``
containers, as the models do.

Examples
--------
>>> from pymc_bnn.testing import PYMC_BNN
>>> from pymc_bnn.testing.contract import get
>>> p = get("Categorical", "minibatch_logp_rescaled_exactly")
>>> p.check(PYMC_BNN, p.cases[0])
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pymc as pm
from pymc.pytensorf import collect_default_updates, reseed_rngs
from scipy import special, stats

from pymc_bnn.testing.contract.calls import _alias, _header, _literal, fail
from pymc_bnn.testing.contract.registry import prop
from pymc_bnn.testing.implementations import Implementation

__all__ = [
    "CASES",
    "MinibatchCall",
    "MinibatchCase",
    "batch_loglik",
    "check_logp_rescaled",
    "check_loss_scale",
    "minibatch_model",
]

#: Relative tolerance of the rescaled log-likelihood and of ADVI's loss.
LOGP_RTOL, LOSS_RTOL = 1e-12, 1e-10


@dataclass(frozen=True)
class MinibatchCase:
    """``rows`` rows of one observed ``kind``, minibatches of ``batch_size`` rows.

    The data, the parameter point ``W`` and ADVI's ``rho`` are drawn from
    ``seed`` (:meth:`data`); ``groups`` is ``G`` for the ``batched`` kind.

    Examples
    --------
    >>> data = MinibatchCase("batched", 6, 2).data()
    >>> data["y"].shape, data["n"].shape, data["W"].shape
    ((6, 2, 3), (6, 2), (2, 3))
    """

    kind: str
    rows: int
    batch_size: int
    seed: int = 0
    classes: int = 3
    features: int = 2
    groups: int = 2

    def data(self) -> dict:
        """``X`` (distinct rows), ``y`` (labels or counts), ``n`` (totals), ``W``, ``rho``."""
        rng = np.random.default_rng(self.seed)
        N, K, D = self.rows, self.classes, self.features
        X = rng.normal(size=(N, D))
        W = rng.normal(size=(D, K))
        rho = rng.normal(size=D * K)
        p = special.softmax(X @ W, axis=-1)
        if self.kind == "labels":
            y = np.array([rng.choice(K, p=q) for q in p], dtype="int64")
            return {"X": X, "y": y, "n": None, "W": W, "rho": rho}
        shape = (N,) if self.kind == "counts" else (N, self.groups)
        n = rng.integers(1, 6, size=shape)
        q = p if self.kind == "counts" else p[:, None, :]
        y = rng.multinomial(n, np.broadcast_to(q, (*shape, K))).astype("int64")
        return {"X": X, "y": y, "n": n, "W": W, "rho": rho}


def batch_loglik(kind: str, X, y, n, W) -> np.ndarray:
    """Log-likelihood of each row (scipy): ``log softmax(X W)[y]`` or the multinomial log-pmf.

    Examples
    --------
    >>> X, W = np.zeros((2, 1)), np.zeros((1, 2))
    >>> batch_loglik("labels", X, np.array([0, 1]), None, W).round(6).tolist()
    [-0.693147, -0.693147]
    """
    logits = X @ W
    if kind == "labels":
        return special.log_softmax(logits, axis=-1)[np.arange(len(y)), y]
    p = special.softmax(logits, axis=-1)
    if kind == "batched":
        p = np.broadcast_to(p[:, None, :], y.shape)
    ll = stats.multinomial.logpmf(y, n, p)
    return ll if kind == "counts" else ll.sum(axis=-1)


def minibatch_model(
    impl: Implementation, case: MinibatchCase, batched: bool = True
) -> tuple[pm.Model, list]:
    """The model of ``case`` with ``impl``'s class; returns it and what the likelihood sees.

    As ``multinomial_glm`` builds it: ``pm.Data`` containers, with ``batched``
    their ``pm.Minibatch`` views and ``total_size=N`` on the likelihood;
    ``W ~ Normal(0, 1)``, ``logit_p = X @ W`` (PyMC's ``Multinomial`` takes
    ``p = softmax(logit_p)``: it has no ``logit_p``).
    """
    data = case.data()
    counts = case.kind != "labels"
    with pm.Model() as model:
        names = ["X", "y", "n"] if counts else ["X", "y"]
        tensors = [pm.Data(f"{v}_data", data[v]) for v in names]
        kwargs = {}
        if batched:
            tensors = pm.Minibatch(*tensors, batch_size=case.batch_size)
            kwargs["total_size"] = case.rows
        W = pm.Normal("W", 0.0, 1.0, shape=(case.features, case.classes))
        logits = tensors[0] @ W
        if case.kind == "batched":
            logits = logits[:, None, :]
        if not counts:
            cls = impl.distribution_class("Categorical")
            cls("y", logit_p=logits, observed=tensors[1], **kwargs)
        elif impl.module == "pymc":
            p = pm.math.softmax(logits, axis=-1)
            pm.Multinomial("y", n=tensors[2], p=p, observed=tensors[1], **kwargs)
        else:
            cls = impl.distribution_class("Multinomial")
            cls("y", n=tensors[2], logit_p=logits, observed=tensors[1], **kwargs)
    return model, list(tensors)


def _deterministic_loss(model: pm.Model, W: np.ndarray, rho: np.ndarray):
    """``pm.ADVI``'s objective at ``mu = W``, ``rho``, the Monte Carlo draw ``epsilon = 0``."""
    advi = pm.ADVI(model=model)
    group = advi.approx.groups[0]
    group.params_dict["mu"].set_value(W.ravel())
    group.params_dict["rho"].set_value(rho)
    objective = advi.objective
    # ObjectiveFunction.__call__, with d=1 (deterministic) instead of 0; KL's T is the identity
    loss = objective.op.apply(objective.tf)
    return objective.op.T(advi.approx.set_size_and_deterministic(loss, 1, 1))


@functools.cache
def _compile_logp(impl: Implementation, case: MinibatchCase):
    model, batch = minibatch_model(impl, case)
    W = model.rvs_to_values[model["W"]]
    outputs = [model.logp(vars=model.observed_RVs), *batch]
    return pm.compile([W], outputs, random_seed=case.seed), _rngs(outputs)


@functools.cache
def _compile_loss(impl: Implementation, case: MinibatchCase):
    data = case.data()
    full, _ = minibatch_model(impl, case, batched=False)
    model, batch = minibatch_model(impl, case)
    outputs = [_deterministic_loss(m, data["W"], data["rho"]) for m in (full, model)] + batch
    return pm.compile([], outputs, random_seed=case.seed), _rngs(outputs)


def _rngs(outputs: list) -> list:
    """The random generators of ``outputs``, in the order ``pm.compile`` seeds them."""
    return list(collect_default_updates(outputs=outputs))


@dataclass(frozen=True)
class MinibatchCall:
    """The model of a :class:`MinibatchCase`, evaluated once; and the same as source.

    ``quantity`` is ``"logp"`` (the log-likelihood at ``W``), ``"loss"`` (ADVI's
    loss of the minibatch model) or ``"full loss"`` (of the full-data model;
    :meth:`run` computes both losses in one compiled function).
    """

    case: MinibatchCase
    quantity: str

    def run(self, impl: Implementation) -> list:
        """``[loglik, X_b, y_b(, n_b)]``, or ``[full loss, minibatch loss, X_b, y_b(, n_b)]``."""
        if self.quantity == "logp":
            return _compile_logp(impl, self.case)[0](self.case.data()["W"])
        return _compile_loss(impl, self.case)[0]()

    def reseed(self, impl: Implementation) -> None:
        """Seed the minibatch as ``pm.compile(..., random_seed=case.seed)`` does (batch 1 next)."""
        compiled = _compile_logp if self.quantity == "logp" else _compile_loss
        reseed_rngs(compiled(impl, self.case)[1], self.case.seed)

    def code(self, impl: Implementation) -> list[str]:
        """The model, one call of its compiled function and scipy's value, as source.

        Defines ``loglik`` or ``loss``, the batch ``X_b, y_b(, n_b)``, its
        log-likelihood ``batch_loglik`` (scipy, at ``W0``) and ``expected``.
        """
        case, data = self.case, self.case.data()
        full = self.quantity == "full loss"
        counts = case.kind != "labels"
        names = ["X", "y", "n"] if counts else ["X", "y"]
        batch = ", ".join(f"{v}_b" for v in names)
        lines = [*_header(impl), "from scipy import special, stats"]
        lines += [f"{v} = {_literal(data[v])}" for v in names]
        lines += [f"W0 = {_literal(data['W'])}", f"N, B = {case.rows}, {case.batch_size}"]
        containers = ", ".join(f'pm.Data("{v}_data", {v})' for v in names)
        size = "" if full else ", total_size=N"
        if not counts:
            like = f'{_alias(impl)}.Categorical("y", logit_p=logits, observed=y_b{size})'
        elif impl.module == "pymc":
            like = 'pm.Multinomial("y", n=n_b, p=pm.math.softmax(logits, axis=-1), '
            like += f"observed=y_b{size})"
        else:
            like = f'pb.Multinomial("y", n=n_b, logit_p=logits, observed=y_b{size})'
        lines += [
            "with pm.Model() as model:",
            f"    {batch} = {containers}"
            if full
            else f"    {batch} = pm.Minibatch({containers}, batch_size=B)",
            f'    W = pm.Normal("W", 0.0, 1.0, shape={data["W"].shape})',
            "    logits = (X_b @ W)[:, None, :]"
            if case.kind == "batched"
            else "    logits = X_b @ W",
            f"    {like}",
        ]
        if self.quantity == "logp":
            lines += [
                "f = pm.compile([model.rvs_to_values[W]], "
                f"[model.logp(vars=model.observed_RVs), {batch}], random_seed={case.seed})",
                f"loglik, {batch.replace('_b', '_v')} = f(W0)",
            ]
        else:
            lines += [
                f"rho = {_literal(data['rho'])}",
                "advi = pm.ADVI(model=model)",
                'advi.approx.groups[0].params_dict["mu"].set_value(W0.ravel())',
                'advi.approx.groups[0].params_dict["rho"].set_value(rho)',
                "obj = advi.objective  # pm.fit's loss, at the Monte Carlo draw epsilon = 0:",
                "loss = advi.approx.set_size_and_deterministic(obj.op.apply(obj.tf), 1, 1)",
                f"f = pm.compile([], [loss, {batch}], random_seed={case.seed})",
                f"loss, {batch.replace('_b', '_v')} = f()",
            ]
        lines.append("logits0 = X_v @ W0  # the batch's own log-likelihood (scipy), at W0:")
        if not counts:
            lsm = "special.log_softmax(logits0, axis=-1)"
            lines.append(f"batch_loglik = {lsm}[np.arange(len(y_v)), y_v].sum()")
        else:
            p = "special.softmax(logits0, axis=-1)"
            if case.kind == "batched":
                p = f"np.broadcast_to({p}[:, None, :], y_v.shape)"
            lines.append(f"batch_loglik = stats.multinomial.logpmf(y_v, n_v, {p}).sum()")
        if self.quantity != "logp":
            scale = "1.0" if full else "N / B"
            lines += [
                "prior = stats.norm.logpdf(W0).sum()",
                "logq = -np.log(np.log1p(np.exp(rho))).sum() - rho.size / 2 * np.log(2 * np.pi)",
                f"expected = -{scale} * batch_loglik - prior + logq",
            ]
        return lines


def _rows(X_b: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The indices of the rows of ``X_b`` in ``X`` (whose rows are distinct); -1 if absent."""
    match = (X_b[:, None, :] == X[None, :, :]).all(axis=-1)
    return np.where(match.any(axis=1), match.argmax(axis=1), -1)


def _batch_rows(impl: Implementation, call: MinibatchCall, batch: list) -> np.ndarray:
    """The row indices of one batch, checked to be the same rows of ``X``, ``y`` and ``n``."""
    data = call.case.data()
    X_b, y_b, *n_b = (np.asarray(b) for b in batch)
    idx = _rows(X_b, data["X"])
    same = (
        len(idx) == call.case.batch_size
        and (idx >= 0).all()
        and np.array_equal(y_b, data["y"][idx])
        and (not n_b or np.array_equal(n_b[0], data["n"][idx]))
    )
    if not same:
        raise fail(impl, call, "batch labels", "y_v", y_b, "the rows of y matching X_v")
    return idx


def _run(impl: Implementation, call: MinibatchCall, reseed: bool = False) -> list | None:
    """``call.run(impl)`` (or, with ``reseed``, ``call.reseed(impl)``); an error fails."""
    try:
        return call.reseed(impl) if reseed else call.run(impl)
    except Exception as err:
        got = f"{type(err).__name__}: {err}"
        raise fail(impl, call, call.quantity, call.quantity, got, "a value") from err


def _loglik(case: MinibatchCase, idx: np.ndarray | None = None) -> float:
    """The log-likelihood (scipy) of the rows ``idx`` (all rows if ``None``) at ``W``."""
    d = case.data()
    idx = np.arange(case.rows) if idx is None else idx
    n = None if d["n"] is None else d["n"][idx]
    return float(batch_loglik(case.kind, d["X"][idx], d["y"][idx], n, d["W"]).sum())


#: Batches drawn per case (one compiled function, called this many times).
BATCHES = 20

#: The cases of each observed kind: ``B = N / 3`` (``N / 4`` for batched), and ``B = N``.
CASES = {
    "labels": (MinibatchCase("labels", 12, 4), MinibatchCase("labels", 12, 12, seed=1)),
    "counts": (MinibatchCase("counts", 12, 4),),
    "batched": (MinibatchCase("batched", 12, 3),),
}


@prop(
    "Categorical",
    "minibatch_logp_rescaled_exactly",
    "labels in pm.Minibatch with total_size=N: the log-likelihood is N / B times the batch's "
    "own (rows read back), relative 1e-12; B = N resamples, factor 1",
    cases=CASES["labels"],
)
@prop(
    "Multinomial",
    "minibatch_logp_rescaled_exactly[counts]",
    "a count matrix in pm.Minibatch with total_size=N: the log-likelihood is N / B times the "
    "batch's own (rows read back), relative 1e-12",
    cases=CASES["counts"],
)
@prop(
    "Multinomial",
    "minibatch_logp_rescaled_exactly[batched]",
    "rows of (G, K) counts in pm.Minibatch with total_size=N: the log-likelihood is N / B "
    "times the batch's own (rows read back), relative 1e-12",
    cases=CASES["batched"],
)
def check_logp_rescaled(impl: Implementation, case: MinibatchCase) -> None:
    """Each of :data:`BATCHES` batches: ``loglik == N / B * batch_loglik`` (relative 1e-12).

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC
    >>> check_logp_rescaled(PYMC, CASES["counts"][0])
    """
    call = MinibatchCall(case, "logp")
    scale = case.rows / case.batch_size
    _run(impl, call, reseed=True)
    for _ in range(BATCHES):
        loglik, *batch = _run(impl, call)
        rows = _loglik(case, _batch_rows(impl, call, batch))
        if not np.isclose(loglik, scale * rows, rtol=LOGP_RTOL, atol=0.0):
            ratio = float(loglik) / rows
            raise fail(impl, call, "loglik / batch_loglik", "loglik / batch_loglik", ratio, scale)


@prop(
    "Categorical",
    "advi_loss_on_full_data_scale",
    "pm.ADVI's loss at the same mu, rho and draw: the full-data loss is -loglik - log prior + "
    "log q, the minibatch loss of labels times N / B is -N / B batch loglik - log prior + log q",
    cases=CASES["labels"],
)
def check_loss_scale(impl: Implementation, case: MinibatchCase) -> None:
    """The full-data loss, and each minibatch loss times ``N / B``, against the closed form.

    Relative 1e-10.  Not registered for ``Multinomial``: PyMC's normalizing
    constant is wrong for observed data of two or more dimensions, for any
    distribution class (``docs/upstream.md``, "ADVI's minibatch loss").

    Examples
    --------
    >>> from pymc_bnn.testing import PYMC
    >>> check_loss_scale(PYMC, CASES["counts"][0])
    Traceback (most recent call last):
    ...
    pymc_bnn.testing.contract.calls.PropertyFailure: N / B * loss: got 6.149..., expected 24.597...
    ...
    """
    data = case.data()
    scale = case.rows / case.batch_size
    sigma = np.log1p(np.exp(data["rho"]))  # rho2sigma: softplus
    prior = stats.norm.logpdf(data["W"]).sum()
    logq = -np.log(sigma).sum() - sigma.size / 2 * np.log(2 * np.pi)
    full_expected = -_loglik(case) - prior + logq
    call = MinibatchCall(case, "loss")
    _run(impl, call, reseed=True)
    for i in range(BATCHES):
        loss_full, loss, *batch = _run(impl, call)
        if i == 0 and not np.isclose(loss_full, full_expected, rtol=LOSS_RTOL, atol=0.0):
            full = MinibatchCall(case, "full loss")
            raise fail(impl, full, "full loss", "loss", float(loss_full), float(full_expected))
        expected = -scale * _loglik(case, _batch_rows(impl, call, batch)) - prior + logq
        if not np.isclose(scale * loss, expected, rtol=LOSS_RTOL, atol=0.0):
            raise fail(
                impl, call, "N / B * loss", "N / B * loss", float(scale * loss), float(expected)
            )
