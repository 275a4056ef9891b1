"""Tests of pymc_bnn.models.bnn (bnn_layer, bnn_classifier) and pymc_bnn.models.inference.fit_advi.

Oracles: numpy forward passes written out by hand, softmax of the model's own
logits, and a simulation with known classes (three separated Gaussian blobs,
which a softmax classifier separates almost perfectly).

Tolerances: forward passes agree to rtol 1e-10 (float64, different summation
order only); accuracy on the blobs >= 0.97 (the Bayes error of blobs 6 standard
deviations apart is below 1e-3; 0.97 leaves room for the 150-row sample).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from scipy.special import softmax

import pymc_bnn as pb
from pymc_bnn.models.bnn import ACTIVATIONS, BayesianNeuralNetwork, bnn_classifier, bnn_layer
from pymc_bnn.models.compile_mode import quick_compile
from pymc_bnn.models.inference import fit_advi
from pymc_bnn.uncertainty import entropy_decomposition

SEED = 20261125
CENTRES = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, 4.0]])


def blobs(n_per_class: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs of unit spread around CENTRES, labels 'a', 'b', 'c'."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([c + rng.normal(size=(n_per_class, 2)) for c in CENTRES])
    y = np.repeat(np.array(["a", "b", "c"]), n_per_class)
    return X, y


# --------------------------------------------------------------------------------------
# Structure: names, dims, shapes
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("hidden", [(), (3,), (4, 5), (2, 3, 4)])
def test_names_dims_and_shapes_for_any_stack(hidden):
    X, y = blobs(5)
    with pm.Model() as model:
        net = bnn_classifier("y", X, y, hidden=hidden, random_seed=0)
    names = [f"y_hidden{i}" for i in range(1, len(hidden) + 1)] + ["y_out"]
    assert [layer.name for layer in net.layers] == names
    sizes = (2, *hidden, 3)
    point = model.initial_point()
    for i, (layer, n_in, n_out) in enumerate(zip(net.layers, sizes[:-1], sizes[1:], strict=True)):
        assert point[f"{layer.name}_w_z"].shape == (n_in, n_out)
        # The first layer's biases are sampled on the centred inputs (the default).
        bias = f"{layer.name}_b_centered" if i == 0 else f"{layer.name}_b_z"
        assert point[bias].shape == (n_out,)
        assert model.named_vars_to_dims[f"{layer.name}_w"] == layer.dims
    assert net.layers[0].dims[0] == "features"
    assert net.layers[-1].dims == (net.layers[-2].dims[1] if hidden else "features", "classes")
    assert isinstance(net, BayesianNeuralNetwork)
    assert isinstance(net.likelihood.owner.op, pb.distributions.categorical.CategoricalLogitsRV)


def test_layers_stack_by_hand_with_data_containers():
    X = np.random.default_rng(0).normal(size=(6, 4))
    with pm.Model() as model:
        data = pm.Data("X", X)
        h = bnn_layer("h", data, 3, random_seed=0)
        out = bnn_layer("out", h, 2, activation=None, random_seed=1)
        fn = pm.compile([], out, random_seed=0, mode="FAST_COMPILE")  # a shape check
    assert fn().shape == (6, 2)
    assert model.coords["h_inputs"] == tuple(range(4))


def test_count_matrix_uses_multinomial():
    X = np.random.default_rng(0).normal(size=(3, 2))
    with pm.Model():
        net = bnn_classifier("y", X, np.array([[1, 2], [0, 3], [4, 0]]), hidden=(2,))
    assert net.counts
    assert isinstance(net.likelihood.owner.op, pb.distributions.multinomial.MultinomialLogitsRV)


def test_hierarchical_scales_are_learned_per_layer():
    X, y = blobs(3)
    with pm.Model() as model:
        bnn_classifier("y", X, y, hidden=(2,), hierarchical=True)
    free = {v.name for v in model.free_RVs}
    assert {"y_hidden1_w_scale", "y_hidden1_b_scale", "y_out_w_scale", "y_out_b_scale"} <= free


def test_initial_weights_break_symmetry_and_follow_the_seed():
    X, y = blobs(3)

    def initial(seed):
        with pm.Model() as model:
            bnn_classifier("y", X, y, hidden=(5, 5), random_seed=seed)
        return model.initial_point()

    first, again, other = initial(1), initial(1), initial(2)
    w = first["y_hidden1_w_z"]
    # No two hidden units start with the same incoming weights.
    assert len({tuple(col) for col in w.T.round(12)}) == w.shape[1]
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    assert not np.allclose(first["y_hidden2_w_z"], other["y_hidden2_w_z"])
    # bnn_classifier starts z at a draw from its Normal(0, 1) prior, as documented
    # (init_scale=1.0; 70 values: sd within +-25%).
    all_w = np.concatenate([first[k].ravel() for k in first if k.endswith("_w_z")])
    assert 0.75 < all_w.std() < 1.25


# --------------------------------------------------------------------------------------
# Forward pass and gradients
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", [*ACTIVATIONS, None, lambda a: pt.sin(a)])
def test_prediction_matches_the_model_logits(activation):
    """predict_proba (the vectorized graph) equals softmax of the model's logits at every draw."""
    X, y = blobs(4)
    with pm.Model():
        net = bnn_classifier("y", X, y, hidden=(3, 2), activation=activation, random_seed=0)
        pm.Deterministic("logits", net.logits)
        prior = pm.sample_prior_predictive(  # only the draws matter: compile them cheaply
            7,
            random_seed=SEED,
            var_names=["logits", *(p.name for p in net.prediction_parameters)],
            compile_kwargs={"mode": "FAST_COMPILE"},
        )
    expected = softmax(prior["prior"]["logits"].values, axis=-1)
    got = net.predict_proba(prior, group="prior")
    np.testing.assert_allclose(got.values, expected, rtol=1e-10, atol=1e-14)
    assert got.coords["classes"].values.tolist() == ["a", "b", "c"]


def test_skip_path_adds_a_linear_term_to_the_logits():
    """skip_scale: logits = tanh(X W1 + b1) W2 + b2 + X W_skip, by hand in numpy."""
    X, y = blobs(4)
    weights = ["y_hidden1_w", "y_hidden1_b", "y_out_w", "y_out_b", "y_skip_w"]
    with pm.Model() as model:
        net = bnn_classifier("y", X, y, hidden=(3,), skip_scale=2.5, random_seed=0)
        prior = pm.sample_prior_predictive(
            5,
            random_seed=SEED,
            var_names=[*(p.name for p in net.parameters), *weights],
            compile_kwargs={"mode": "FAST_COMPILE"},
        )
    assert net.skip.name == "y_skip" and net.skip.bias is None and net.skip.prior_scale == 2.5
    assert model.named_vars_to_dims["y_skip_w"] == ("features", "classes")
    assert "y_skip_w_z" in {p.name for p in net.parameters}
    # prior_scales still has one entry per layer of the stack, as prior_scale takes them.
    assert [layer.name for layer in net.layers] == ["y_hidden1", "y_out"]
    d = {k: prior["prior"][k].values[0] for k in [*weights, "y_skip_w_z"]}
    np.testing.assert_allclose(d["y_skip_w"], 2.5 * d["y_skip_w_z"], rtol=1e-15)
    hidden = np.tanh(np.einsum("ri,dij->drj", X, d["y_hidden1_w"]) + d["y_hidden1_b"][:, None])
    logits = np.einsum("drj,djk->drk", hidden, d["y_out_w"]) + d["y_out_b"][:, None]
    logits = logits + np.einsum("ri,dik->drk", X, d["y_skip_w"])
    got = net.predict_proba(prior, group="prior")
    np.testing.assert_allclose(got.values[0], softmax(logits, axis=-1), rtol=1e-10, atol=1e-14)


def test_tanh_activation_matches_numpy_in_value_and_gradient():
    """ "tanh" is written through the logistic (faster in Numba); the function must not change.

    Oracle: numpy's tanh and its derivative 1 - tanh^2.  Tolerance 1e-15 absolute:
    2 sigmoid(2a) - 1 loses relative precision near 0 (cancellation) but its absolute
    error stays within a few units of 2**-53.  The extremes check saturation and a finite
    gradient where exp(2a) overflows.
    """
    a = pt.dvector("a")
    out = ACTIVATIONS["tanh"](a)
    f = pytensor.function([a], [out, pytensor.grad(out.sum(), a)], mode="FAST_COMPILE")
    x = np.concatenate([np.linspace(-20, 20, 4001), [-800.0, -1e-300, 0.0, 1e-12, 800.0]])
    value, grad = f(x)
    np.testing.assert_allclose(value, np.tanh(x), rtol=0, atol=1e-15)
    np.testing.assert_allclose(grad, 1 - np.tanh(x) ** 2, rtol=0, atol=1e-15)
    assert np.isfinite(grad).all()


def test_gradient_is_finite_at_random_and_extreme_points():
    X, y = blobs(10)
    with pm.Model() as model:
        bnn_classifier("y", X * 100, y, hidden=(4, 4), hierarchical=True, random_seed=0)
    dlogp = model.compile_dlogp()
    rng = np.random.default_rng(SEED)
    point = model.initial_point()
    for scale in (0.0, 1.0, 30.0):
        values = {k: rng.normal(0, scale, size=np.shape(v)) for k, v in point.items()}
        assert np.isfinite(dlogp(values)).all()


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_units": 0}, "n_units must be a positive integer; got 0"),
        ({"n_units": 2.5}, "n_units must be a positive integer"),
        ({"activation": "sigmoidish"}, "activation must be one of"),
        ({"prior_scale": 0.0}, "prior_scale must be a positive number"),
        ({"init_scale": -1.0}, "init_scale must be a positive number"),
        ({"inputs": np.zeros(4)}, "inputs must be 2-D"),
    ],
)
def test_bad_layer_arguments_are_named(kwargs, message):
    args = {"inputs": np.zeros((4, 2)), "n_units": 3, **kwargs}
    with pm.Model(), pytest.raises(ValueError, match=message):
        bnn_layer("h", args.pop("inputs"), args.pop("n_units"), **args)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hidden": (3, 0)}, "hidden must be a sequence of positive integers"),
        ({"activation": "step"}, "activation must be one of"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        ({"skip_scale": 0.0}, "skip_scale must be a positive number or None"),
        ({"skip_scale": "auto"}, "skip_scale must be a positive number or None"),
        ({"skip_scale": np.inf}, "skip_scale must be a positive number or None"),
    ],
)
def test_bad_classifier_arguments_are_named(kwargs, message):
    X, y = blobs(3)
    with pm.Model(), pytest.raises(ValueError, match=message):
        bnn_classifier("y", X, y, **kwargs)


def test_bad_data_is_named_as_in_the_glm():
    with pm.Model(), pytest.raises(ValueError, match="X must not contain NaN"):
        bnn_classifier("y", np.array([[0.0, np.nan], [1.0, 1.0]]), [0, 1])
    with pm.Model(), pytest.raises(ValueError, match="X and y must have the same number of rows"):
        bnn_classifier("y", np.zeros((3, 2)), [0, 1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "svgd"}, "method must be one of"),
        ({"n": 0}, "n must be a positive integer"),
        ({"learning_rate": 0.0}, "learning_rate must be positive"),
        ({"start_sigma": -0.1}, "start_sigma must be positive"),
    ],
)
def test_bad_fit_arguments_are_named(kwargs, message):
    with pm.Model():
        pm.Normal("x")
        with pytest.raises(ValueError, match=message):
            fit_advi(**{"n": 10, **kwargs}, progressbar=False)


# --------------------------------------------------------------------------------------
# Fitting: minibatch ADVI on separable blobs
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def blob_fit():
    """30,000 minibatch ADVI steps of a (10, 10) tanh network on three blobs."""
    X, y = blobs(50, seed=1)
    with pm.Model() as model:
        net = bnn_classifier("y", X, y, hidden=(10, 10), batch_size=32, random_seed=SEED)
        idata, approx = fit_advi(30_000, draws=300, random_seed=SEED, progressbar=False)
    return X, y, net, idata, approx, model


@pytest.mark.slow
def test_long_minibatch_advi_has_no_nan(blob_fit):
    *_, approx, _ = blob_fit
    assert len(approx.hist) == 30_000
    assert np.isfinite(approx.hist).all()


@pytest.mark.slow
def test_blobs_are_classified_almost_perfectly(blob_fit):
    _, _, net, idata, _, _ = blob_fit
    X_new, y_new = blobs(100, seed=2)
    assert np.mean(net.predict(idata, X_new) == y_new) >= 0.97


@pytest.mark.slow
def test_epistemic_uncertainty_grows_away_from_the_data(blob_fit):
    """Far from every blob the draws disagree more than at the blobs' centres."""
    _, _, net, idata, _, _ = blob_fit
    rng = np.random.default_rng(SEED)
    angles = rng.uniform(0, 2 * np.pi, 200)
    far = 15.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    near = np.repeat(CENTRES, 20, axis=0) + rng.normal(scale=0.3, size=(60, 2))
    epi_far = entropy_decomposition(net.predict_proba(idata, far)).epistemic.values
    epi_near = entropy_decomposition(net.predict_proba(idata, near)).epistemic.values
    assert np.median(epi_far) > 2 * np.median(epi_near)
    assert np.mean(epi_far) > np.mean(epi_near)


@pytest.mark.slow
def test_minibatch_model_refuses_set_X_but_predicts(blob_fit):
    _, _, net, idata, _, _ = blob_fit
    with pytest.raises(NotImplementedError, match="minibatch"):
        net.set_X(np.zeros((2, 2)))
    # A DataFrame's columns are matched to the features (0, 1) by name, not position.
    frame = pd.DataFrame({1: [0.0, 4.0], 0: [-3.0, 0.0]})
    assert net.predict(idata, frame).tolist() == ["a", "c"]


# --------------------------------------------------------------------------------------
# Full-data fitting: out-of-sample prediction, full-rank ADVI, NUTS
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_full_data_model_predicts_new_rows_of_any_length():
    X, y = blobs(20, seed=3)
    # quick_compile: what is tested does not depend on the backend (Numba's compiles of
    # the steps and of the predictive draws took 18 s of a cold run).
    with pm.Model(), quick_compile():
        net = bnn_classifier("y", X, y, hidden=(4,), random_seed=0)
        idata, _ = fit_advi(3000, draws=200, random_seed=0, progressbar=False)
    X_new, y_new = blobs(7, seed=4)
    with quick_compile():
        draws = net.sample_posterior_predictive(idata, X_new, random_seed=1)
    assert draws.sizes == {"chain": 1, "draw": 200, "obs": 21}
    # Label frequencies over the 200 draws estimate the posterior mean probabilities
    # (standard error <= 0.5 / sqrt(200) = 0.035; tolerance 0.125 is 3.5 of them).
    probs = net.predict_proba(idata, X_new).mean(("chain", "draw")).values
    freq = np.stack([(draws.values[0] == c).mean(axis=0) for c in net.classes], axis=-1)
    np.testing.assert_allclose(freq, probs, atol=0.125)
    # set_X left the new rows in the model: predicting "the current data" sees them.
    assert net.predict(idata).tolist() == net.predict(idata, X_new).tolist()
    assert np.mean(net.predict(idata) == y_new) > 0.9


@pytest.mark.slow
@pytest.mark.parametrize("method", ["fullrank_advi", "nuts"])
def test_small_networks_fit_with_fullrank_advi_and_nuts(method):
    X, y = blobs(15, seed=5)
    with pm.Model():
        net = bnn_classifier("y", X, y, hidden=(3,), random_seed=0)
        if method == "nuts":
            idata = pm.sample(
                200,
                tune=300,
                chains=1,
                random_seed=0,
                progressbar=False,
                compute_convergence_checks=False,
            )
        else:  # the approximation is the subject, not the backend (a Numba compile: 19 s cold)
            with quick_compile():
                idata, approx = fit_advi(
                    5000, method=method, draws=200, random_seed=0, progressbar=False
                )
            assert np.isfinite(approx.hist).all()
    X_new, y_new = blobs(50, seed=6)
    assert np.mean(net.predict(idata, X_new) == y_new) >= 0.97


@pytest.mark.slow
def test_fit_advi_starts_from_small_standard_deviations():
    with pm.Model():
        pm.Normal("x", shape=3)
        _, approx = fit_advi(1, learning_rate=1e-9, draws=1, progressbar=False, random_seed=0)
    np.testing.assert_allclose(approx.std.eval(), 0.1, rtol=1e-6)


@pytest.mark.parametrize("parametrization", ["centered", "qr"])
def test_first_layer_parametrizations_have_the_plain_posterior(parametrization):
    """Oracle: the change of variables, as for multinomial_glm.  At any point of the
    reparametrized network, the plain network's log-density at the same weights and
    biases differs by the log-Jacobian alone (0 for the centred biases,
    ``-units * log det R`` for the first layer's weights in QR coordinates), and the
    first layer starts from the same weights."""
    rng = np.random.default_rng(SEED)
    X = np.column_stack([rng.normal(size=(60, 2)) + 2.0, rng.integers(0, 2, (60, 2))])
    y = rng.integers(0, 3, 60)
    models = {}
    for kind in ("plain", parametrization):
        with pm.Model() as model:
            net = bnn_classifier("y", X, y, hidden=(4,), parametrization=kind, random_seed=0)
        models[kind] = (model, net)
    model, net = models[parametrization]
    plain, _ = models["plain"]
    layer = net.layers[0]
    values = pytensor.function(
        model.value_vars,
        model.replace_rvs_by_values([layer.weights, layer.bias]),
        on_unused_input="ignore",
    )
    start_w = plain.initial_point()["y_hidden1_w_z"] * layer.prior_scale
    first = values(*(model.initial_point()[v.name] for v in model.value_vars))[0]
    np.testing.assert_allclose(first, start_w, rtol=1e-10, atol=1e-12)
    _, factor = pb.models.geometry.design_geometry(X, layer.prior_scale)
    jacobian = -4 * np.log(np.diag(factor)).sum() if parametrization == "qr" else 0.0
    logp, logp_plain = model.compile_logp(), plain.compile_logp()
    start = model.initial_point()
    for _ in range(5):
        point = {name: rng.normal(0.0, 0.5, size=v.shape) for name, v in start.items()}
        w, b = values(*(point[v.name] for v in model.value_vars))
        free = dict(point)
        for name in ("y_hidden1_w_qr", "y_hidden1_b_centered"):
            free.pop(name, None)
        free["y_hidden1_w_z"] = w / layer.prior_scale
        free["y_hidden1_b_z"] = b / 1.0  # bias_scale
        np.testing.assert_allclose(logp(point) - logp_plain(free), jacobian, rtol=0, atol=1e-8)
