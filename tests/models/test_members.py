"""Several ADVI fits at once (``fit_advi(members=...)``), kept as the chains of one posterior."""

import numpy as np
import pymc as pm
import pytest

import pymc_bnn as pb
from pymc_bnn.models.advi_steps import MembersInTurn, VectorizedMembers, compile_steps
from pymc_bnn.models.compile_mode import quick_compile


def _normal_mean_model():
    """mu ~ Normal(0, 10), 100 observations of 3.0 with unit noise.

    Conjugate posterior: mean 3.0 * 100 / (100 + 1/100) = 2.9997, sd 1 / sqrt(100.01) = 0.09999.
    """
    model = pm.Model()
    with model:
        mu = pm.Normal("mu", 0, 10)
        pm.Normal("obs", mu, 1, observed=np.full(100, 3.0))
    return model


POSTERIOR_MEAN, POSTERIOR_SD = 300 / 100.01, 1 / np.sqrt(100.01)


def test_each_member_fits_the_conjugate_posterior_from_its_own_start():
    # Oracle: the closed-form posterior; mean-field ADVI of a 1-D Gaussian is exact. The
    # members start 40 posterior sds apart on either side; each must land on it (the
    # learning rate decays 100-fold, so Adam's jitter ends well under 0.3 sd). 1,000 draws
    # per member: Monte Carlo error of a mean 0.003, of an sd about 2 %.
    with _normal_mean_model(), quick_compile():
        idata, approx = pb.fit_advi(
            4000,
            learning_rate=0.1,
            decay=0.01,
            members=3,
            starts=[{"mu": -1.0}, {"mu": 3.0}, {"mu": 7.0}],
            draws=1000,
            random_seed=0,
            progressbar=False,
        )
    draws = idata["posterior"]["mu"]
    assert draws.shape == (3, 1000)
    np.testing.assert_allclose(draws.mean("draw"), POSTERIOR_MEAN, atol=0.3 * POSTERIOR_SD)
    np.testing.assert_allclose(draws.std("draw"), POSTERIOR_SD, rtol=0.15)
    assert approx.hist.shape == (4000, 3)  # one loss column per member
    # The first steps' losses tell the starts apart: 4 and 2 sds of the prior from 3.0.
    assert approx.hist[0, 0] > approx.hist[0, 1] and approx.hist[0, 2] > approx.hist[0, 1]


@pytest.mark.parametrize("backend", [None, "jax"])
def test_members_draw_their_own_noise(backend):
    # Started at the same point with the same seed, two members differ only by their
    # Monte Carlo noise: were it shared (vectorizing the step alone shares the draw), their
    # parameters would stay equal to the last bit. Numba and C run the members in turn,
    # JAX as one vectorized computation.
    if backend == "jax":
        pytest.importorskip("jax")
    with _normal_mean_model(), quick_compile():
        advi = pm.ADVI(random_seed=0)
        steps = compile_steps(advi, 0.1, random_seed=0, backend=backend, members=2)
    expected = VectorizedMembers if backend == "jax" else MembersInTurn
    assert isinstance(steps, expected) and steps.members == 2
    losses = steps(500)
    assert losses.shape == (500, 2)
    (group,) = advi.approx.groups
    means = steps.values(group.params_dict["mu"])
    assert means.shape == (2, 1)
    assert means[0, 0] != means[1, 0]
    assert not np.array_equal(losses[:, 0], losses[:, 1])
    # Both on the posterior (Adam's one-draw gradients jitter within about one sd).
    np.testing.assert_allclose(means[:, 0], POSTERIOR_MEAN, atol=2 * POSTERIOR_SD)


def test_the_first_member_in_turn_is_the_one_member_fit():
    # Oracle: the plain one-member steps from the same seed. Run in turn, member 0 takes
    # the generator's first draws, exactly as a one-member fit does, so its losses and
    # parameters are the same to the last bit.
    def fit(members):
        with _normal_mean_model(), quick_compile():
            advi = pm.ADVI(random_seed=0)
            steps = compile_steps(advi, 0.1, random_seed=3, members=members)
        losses = steps(200)
        (group,) = advi.approx.groups
        mu = group.params_dict["mu"]
        return losses, (steps.values(mu)[0] if members else mu.get_value())

    one_losses, one_mean = fit(None)
    losses, mean = fit(3)
    np.testing.assert_array_equal(losses[:, 0], one_losses)
    np.testing.assert_array_equal(mean, one_mean)


def test_set_values_checks_the_shape():
    with _normal_mean_model(), quick_compile():
        advi = pm.ADVI(random_seed=0)
        steps = compile_steps(advi, 0.1, random_seed=0, members=2)
    (group,) = advi.approx.groups
    with pytest.raises(ValueError, match=r"must have shape \(2, 1\)"):
        steps.set_values(group.params_dict["mu"], np.zeros(2))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"members": 0}, "members must be a positive integer"),
        ({"members": 2.5}, "members must be a positive integer"),
        ({"members": 2, "starts": [{}]}, r"one point per member \(2\); got 1"),
        ({"members": 1, "starts": [{"nu": 1.0}]}, "'nu', not a free variable"),
        ({"members": 1, "starts": [{"mu": [1.0, 2.0]}]}, r"must have shape \(\); got \(2,\)"),
    ],
)
def test_bad_members_or_starts_are_named(kwargs, message):
    with _normal_mean_model(), pytest.raises(ValueError, match=message):
        pb.fit_advi(10, progressbar=False, **kwargs)


def test_one_member_with_a_start_begins_there():
    # members=1 keeps the plain (unvectorized) steps; a start still applies.
    with _normal_mean_model(), quick_compile():
        _, approx = pb.fit_advi(
            1, learning_rate=1e-9, starts=[{"mu": 42.0}], draws=5, progressbar=False
        )
    assert approx.mean.eval()[0] == pytest.approx(42.0, abs=1e-6)


def test_network_members_start_apart_and_the_first_where_the_model_does():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), rng.integers(0, 2, 30)
    with pm.Model() as model:
        net = pb.bnn_classifier("y", X, y, hidden=(4,), init_scale=0.3, random_seed=0)
    starts = net.member_starts(3, random_seed=1)
    assert starts[0] == {}
    assert set(starts[1]) == {"y_hidden1_w_z", "y_out_w_z"}
    assert starts[1]["y_hidden1_w_z"].shape == (3, 4)
    assert starts[1]["y_out_w_z"].shape == (4, 2)
    assert not np.allclose(starts[1]["y_hidden1_w_z"], starts[2]["y_hidden1_w_z"])
    point = model.initial_point()
    assert not np.allclose(starts[1]["y_hidden1_w_z"], point["y_hidden1_w_z"])
    # Drawn as the layer draws its own starting weights: Normal(0, init_scale).
    many = net.member_starts(400, random_seed=2)
    values = np.concatenate([s["y_hidden1_w_z"].ravel() for s in many[1:]])
    assert values.std() == pytest.approx(0.3, rel=0.05)  # 4,788 values: sd error ~1 %
    # Same seed, same starts.
    again = net.member_starts(3, random_seed=1)
    np.testing.assert_array_equal(again[2]["y_out_w_z"], starts[2]["y_out_w_z"])
    # A softmax regression has one mode: its members all start at the initial point.
    with pm.Model():
        glm = pb.multinomial_glm("y", X, y)
    assert glm.member_starts(2) == [{}, {}]


def test_members_of_a_qr_first_layer_start_at_the_weights_of_the_plain_layer():
    # Regression: the members' starts named the first layer's plain weights (w_z), which a
    # first layer sampled in QR coordinates does not have, so fit_advi refused them.
    # Oracle: the same seed's starts for the plain network; the QR layer's free variable
    # must map back (weights = prior_scale * R^-1 theta^T) to the same weights.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)) * [1.0, 5.0, 0.2] + 2.0, rng.integers(0, 2, 30)
    options = {"hidden": (4,), "init_scale": 0.3, "prior_scale": 0.7, "random_seed": 0}
    with pm.Model():
        plain = pb.bnn_classifier("y", X, y, parametrization="plain", **options)
    with pm.Model() as model:
        qr = pb.bnn_classifier("y", X, y, parametrization="qr", **options)
    expected = plain.member_starts(3, random_seed=1)
    starts = qr.member_starts(3, random_seed=1)
    assert set(starts[1]) == {"y_hidden1_w_qr", "y_out_w_z"}
    (graph,) = model.replace_rvs_by_values([model["y_hidden1_w"]])
    weights = model.compile_fn(graph, inputs=model.value_vars, on_unused_input="ignore")
    for plain_start, start in zip(expected[1:], starts[1:], strict=True):
        point = {**model.initial_point(), **start}
        np.testing.assert_allclose(
            weights(point), 0.7 * plain_start["y_hidden1_w_z"], rtol=1e-12, atol=1e-12
        )
        np.testing.assert_array_equal(start["y_out_w_z"], plain_start["y_out_w_z"])
    # fit_advi takes them (it refused a start naming a variable the model lacks).
    with model, quick_compile():
        idata, _ = pb.fit_advi(
            5, members=3, starts=starts, draws=2, random_seed=0, progressbar=False
        )
    assert idata["posterior"].sizes["chain"] == 3
