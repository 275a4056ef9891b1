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
import pytest
from scipy.special import softmax

import pymc_bnn as pb
from pymc_bnn.models.base import compile_probabilities

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
        for part in ("w_z", "b_z", "w_scale", "b_scale")
    )


def test_compiled_once_per_handle():
    X, y = _data()
    with pm.Model() as model:
        glm = pb.multinomial_glm("y", X, y)
    post = _prior(model, glm)
    glm.predict_proba(post, X[:3])
    compiled = glm._probabilities
    glm.predict_proba(post, X[:5])
    assert glm._probabilities is compiled


def test_compile_probabilities_compiles_without_numba_or_c():
    # quick_compile: Numba's compile of the probabilities cost 13-19 s per model on an
    # empty cache (the demo, 2026-12-03) for a function called once per chunk of rows.
    from pytensor.link.vm import VMLinker

    with pm.Model():
        X = pm.Data("X", np.zeros((1, 2)))
        w = pm.Normal("w", shape=(2, 3))
    f = compile_probabilities(X @ w, X, [w])
    assert isinstance(f.maker.linker, VMLinker)  # not Numba's linker
    assert f.maker.linker.c_thunks is False  # Python thunks: no C compiler either


def test_compile_probabilities_batches_over_draws():
    """Each draw's probabilities equal the unbatched softmax of that draw."""
    rng = np.random.default_rng(0)
    with pm.Model():
        X = pm.Data("X", np.zeros((1, 2)))
        w = pm.Normal("w", shape=(2, 3))
    f = compile_probabilities(X @ w, X, [w])
    rows, draws = rng.normal(size=(4, 2)), rng.normal(size=(5, 2, 3))
    got = f(rows, draws)
    for d in range(5):
        np.testing.assert_allclose(got[d], softmax(rows @ draws[d], -1), rtol=RTOL, atol=ATOL)
