"""Tests of prediction through the model's own graph (pymc_bnn.models.base).

Oracle: the forward pass written out in numpy from the posterior's Deterministic
weights (``softmax(X @ coef + intercept)`` for the GLM, the tanh chain for the
BNN), evaluated on rows the model was not built on.  Tolerance: rtol 1e-10,
atol 1e-14 (float64; the two differ only in summation order).

Regression: a minibatch model's graph carries the batch size as a static shape;
prediction must rebuild it for any number of rows (it once failed with
``SpecifyShape: dim 0 of input has shape 2000, expected 256``).
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import pytest
from scipy.special import softmax

import pymc_bnn as pb
from pymc_bnn.models.predictive import compile_predictive

RTOL, ATOL = 1e-10, 1e-14


def _data(rows=30, features=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, features)), rng.choice(["a", "b", "c"], rows)


def _prior(model, handle, draws=6):
    names = [v.name for v in model.deterministics] + [p.name for p in handle.parameters]
    with model:
        return pm.sample_prior_predictive(draws, random_seed=1, var_names=names)["prior"]


@pytest.mark.parametrize("batch_size", [None, 7])
@pytest.mark.parametrize(
    ("identification", "coef_prior"),
    [
        ("zerosum", None),
        ("reference", None),
        ("none", lambda name, shape: pm.StudentT(name, nu=3, sigma=1.0, shape=shape)),
    ],
)
def test_glm_prediction_matches_numpy_forward(batch_size, identification, coef_prior):
    X, y = _data()
    with pm.Model() as model:
        glm = pb.multinomial_glm(
            "y",
            X,
            y,
            identification=identification,
            coef_prior=coef_prior,
            batch_size=batch_size,
            random_seed=0,
        )
    post = _prior(model, glm)
    X_new = np.random.default_rng(5).normal(size=(11, 3))  # not the batch size, not the data
    coef = post["y_coef"].values  # (chain, draw, features, classes)
    intercept = post["y_intercept"].values
    expected = softmax(np.einsum("nf,cdfk->cdnk", X_new, coef) + intercept[:, :, None], -1)
    got = glm.predict_proba(post, X_new)
    np.testing.assert_allclose(got.values, expected, rtol=RTOL, atol=ATOL)
    assert got.dims == ("chain", "draw", "obs", "classes")


@pytest.mark.parametrize("batch_size", [None, 7])
def test_bnn_prediction_matches_numpy_forward(batch_size):
    X, y = _data()
    with pm.Model() as model:
        net = pb.bnn_classifier(
            "y", X, y, hidden=(4, 3), batch_size=batch_size, hierarchical=True, random_seed=0
        )
    post = _prior(model, net)
    X_new = np.random.default_rng(6).normal(size=(13, 3))
    a = X_new[None, None]
    for i, layer in enumerate(net.layers):
        a = a @ post[layer.weights.name].values + post[layer.bias.name].values[:, :, None]
        a = np.tanh(a) if i < len(net.layers) - 1 else a
    got = net.predict_proba(post, X_new)
    np.testing.assert_allclose(got.values, softmax(a, -1), rtol=RTOL, atol=ATOL)


def test_parameters_are_the_free_variables_upstream_of_the_logits():
    X, y = _data()
    with pm.Model():
        pm.Normal("unrelated")
        net = pb.bnn_classifier("y", X, y, hidden=(2,), hierarchical=True, random_seed=0)
    names = sorted(p.name for p in net.parameters)
    assert "unrelated" not in names
    assert names == sorted(
        f"y_{layer}_{part}"
        for layer in ("hidden1", "out")
        for part in ("w_z", "b_centered" if layer == "hidden1" else "b_z", "w_scale", "b_scale")
    )


def test_compiled_once_per_handle():
    X, y = _data()
    with pm.Model() as model:
        glm = pb.multinomial_glm("y", X, y)
    post = _prior(model, glm)
    glm.predict_proba(post, X[:3])
    compiled = dict(glm._compiled)
    glm.predict_proba(post, X[:5])
    glm.predictive(post).mean(X[:4])
    assert all(glm._compiled[key] is f for key, f in compiled.items())
    assert sorted(summary for summary, *_ in glm._compiled) == ["draws", "mean"]


def test_without_jax_prediction_compiles_without_numba_or_c():
    # quick_compile: Numba's compile of the probabilities cost 13-19 s per model on an
    # empty cache (the demo, 2026-12-03) for a function called once per chunk of rows.
    from pytensor.link.vm import VMLinker

    with pm.Model():
        X = pm.Data("X", np.zeros((1, 2)))
        w = pm.Normal("w", shape=(2, 3))
    f = compile_predictive(X @ w, X, [w], backend="FAST_COMPILE")
    assert isinstance(f.maker.linker, VMLinker)  # not Numba's linker
    assert f.maker.linker.c_thunks is False  # Python thunks: no C compiler either


@pytest.mark.parametrize("backend", ["FAST_COMPILE", "JAX"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_summary_equals_numpy_of_each_draw(backend, dtype):
    """Oracle: softmax of each draw's logits in numpy (float64), their mean, and the
    entropy decomposition of pymc_bnn.uncertainty.  float64 to 1e-10; float32 to the
    precision of 24-bit floats on logits of size ~3 (relative 1e-5 on the probabilities,
    1e-5 nats on the entropies)."""
    if backend == "JAX":
        pytest.importorskip("jax")
    rng = np.random.default_rng(0)
    with pm.Model():
        X = pm.Data("X", np.zeros((1, 2)))
        w = pm.Normal("w", shape=(2, 3))
        b = pm.Normal("b", shape=3)
    logits = pt.tanh(X @ w) * 2.0 + b  # a float64 constant: computed in dtype all the same
    rows, w_draws, b_draws = (
        rng.normal(size=(4, 2)),
        rng.normal(size=(5, 2, 3)),
        rng.normal(size=(5, 3)),
    )
    expected = softmax(np.tanh(rows @ w_draws) * 2.0 + b_draws[:, None], -1)
    tol = dict(rtol=1e-10, atol=1e-14) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)
    args = [a.astype(dtype) for a in (rows, w_draws, b_draws)]
    outputs = {}
    for summary in ("draws", "mean", "uncertainty"):
        f = compile_predictive(logits, X, [w, b], summary, dtype=dtype, backend=backend)
        outputs[summary] = [np.asarray(o) for o in f(*args)]
        assert all(o.dtype == dtype for o in outputs[summary])
    np.testing.assert_allclose(outputs["draws"][0], expected, **tol)
    np.testing.assert_allclose(outputs["mean"][0], expected.mean(0), **tol)
    mean, aleatoric = outputs["uncertainty"]
    np.testing.assert_allclose(mean, expected.mean(0), **tol)
    decomposition = pb.uncertainty.entropy_decomposition(expected)
    np.testing.assert_allclose(aleatoric, decomposition.aleatoric, **tol)


def test_predictive_pools_chains_and_draws_in_chunks_of_any_size():
    """Oracle: the pooled numpy forward pass of every chain and draw.  Rows span several
    chunks (a chunk is made small here) and end in a partial one, which the JAX backend
    pads; the uncertainty columns equal pymc_bnn.uncertainty's on the per-draw
    probabilities."""
    X, y = _data()
    with pm.Model():
        glm = pb.multinomial_glm("y", X, y)
        prior = pm.sample_prior_predictive(12, random_seed=3)["prior"].to_dataset()
    post = prior.drop_vars("draw").assign_coords(chain=[0]).isel(chain=0, drop=True)
    post = post.coarsen(draw=4).construct(draw=("chain", "draw")).transpose("chain", "draw", ...)
    assert post.sizes["chain"] == 3 and post.sizes["draw"] == 4  # an ensemble of 3 members
    X_new = np.random.default_rng(7).normal(size=(45, 3))
    coef, intercept = post["y_coef"].values, post["y_intercept"].values
    expected = softmax(np.einsum("nf,cdfk->cdnk", X_new, coef) + intercept[:, :, None], -1)
    pooled = expected.reshape(12, 45, 3)
    for backend in ("FAST_COMPILE", "JAX"):
        predictive = glm.predictive(post, backend=backend)
        predictive.chunk_rows = 16  # 45 rows: two whole chunks and one of 13
        np.testing.assert_allclose(predictive.probabilities(X_new), expected, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(predictive.mean(X_new), pooled.mean(0), rtol=RTOL, atol=ATOL)
        got = predictive.uncertainty(X_new)
        parts = pb.uncertainty.entropy_decomposition(pooled)
        np.testing.assert_allclose(got["mean"], pooled.mean(0), rtol=RTOL, atol=ATOL)
        for name in ("total", "aleatoric", "epistemic"):
            np.testing.assert_allclose(got[name], getattr(parts, name), rtol=1e-9, atol=1e-12)
        assert predictive.mean(X_new[:0]).shape == (0, 3)


@pytest.mark.parametrize("backend", ["FAST_COMPILE", "JAX"])
def test_a_rows_prediction_does_not_depend_on_the_rows_it_comes_with(backend):
    """Regression: chunks of different sizes went through matrix products of different
    shapes, whose last bits differ (a table scored in partitions disagreed with the whole
    table by 3e-16).  Every chunk is now padded to one shape.  Oracle: the prediction of
    the whole table, bit for bit."""
    if backend == "JAX":
        pytest.importorskip("jax")
    X, y = _data()
    with pm.Model() as model:
        net = pb.bnn_classifier("y", X, y, hidden=(5,), random_seed=0)
    post = _prior(model, net, draws=40)
    predictive = net.predictive(post, backend=backend)
    predictive.chunk_rows = 64
    rows = np.random.default_rng(8).normal(size=(300, 3))
    whole = predictive.uncertainty(rows)
    for size in (1, 7, 64, 100):
        parts = [predictive.uncertainty(rows[s : s + size]) for s in range(0, 300, size)]
        for name, value in whole.items():
            np.testing.assert_array_equal(np.concatenate([p[name] for p in parts]), value)
