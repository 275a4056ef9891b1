"""The BNN's default priors (issue 17) and the calibration they give.

Oracles: the prior standard deviations written out (``1 / sqrt(mean squared row
norm)`` for the first layer under ``"auto"``, ``1 / sqrt(fan-in)``, numbers),
read back from the model's graph; and a simulation with known class
probabilities, whose predictions are compared with the true probabilities (no
label noise in the comparison).

The slow test is the regression guard of the defaults: 40 standardized inputs of
which 2 matter, 500 rows.  With the former unit-variance priors mean-field ADVI
was over-confident there (confidence above the true probability of the
predicted class); the tolerances are stated at the test.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from scipy.special import softmax

from pymc_bnn.models.bnn import bnn_classifier, bnn_layer, input_scale
from pymc_bnn.models.compile_mode import quick_compile
from pymc_bnn.models.inference import fit_advi


def simulate(n: int, seed: int, d: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` rows of ``d`` standard-normal features, labels and their true probabilities.

    Three classes with logits ``3 tanh(x0 + x1)``, ``3 tanh(x0 - x1)`` and 0: a
    nonlinear boundary in two features; the other ``d - 2`` features are noise.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    logits = np.column_stack(
        [3 * np.tanh(X[:, 0] + X[:, 1]), 3 * np.tanh(X[:, 0] - X[:, 1]), np.zeros(n)]
    )
    p = softmax(logits, axis=1)
    y = np.array([rng.choice(3, p=row) for row in p])
    return X, y, p


def _weight_scale(layer) -> float:
    """The fixed prior scale of a layer: its weights with every free ``z`` set to 1."""
    z = pm.modelcontext(None)[f"{layer.name}_w_z"]
    ones = pt.ones(z.shape)
    values = pytensor.graph.graph_replace(layer.weights, {z: ones}).eval()
    assert np.ptp(values) == 0, "one prior scale per layer"
    return float(values.flat[0])


def _root_mean_square_norm(X: np.ndarray) -> float:
    return float(np.sqrt(np.mean([row @ row for row in X])))


def test_input_scale_is_one_over_the_root_mean_square_row_norm():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 7)) * rng.uniform(0.5, 2, size=7)
    assert input_scale(X) == pytest.approx(1 / _root_mean_square_norm(X), rel=1e-12)
    # Standardized columns: the fan-in rule (exactly, with population standardization).
    Z = (X - X.mean(0)) / X.std(0)
    assert input_scale(Z) == pytest.approx(1 / np.sqrt(7), rel=1e-12)
    # A one-hot group of any size is one unit-variance input: 3 standardized columns
    # beside 40 indicators count as 4 inputs, not 43.
    onehot = np.eye(40)[rng.integers(0, 40, size=100)]
    W = rng.normal(size=(100, 3))
    W = (W - W.mean(0)) / W.std(0)
    assert input_scale(np.column_stack([W, onehot])) == pytest.approx(0.5, rel=1e-12)
    assert input_scale(onehot) == 1.0
    assert input_scale(np.zeros((5, 3))) == 1.0
    assert input_scale(np.zeros((0, 3))) == 1.0


def test_default_prior_scales_the_first_layer_to_the_inputs_and_fan_in_on_request():
    X = np.random.default_rng(0).normal(size=(12, 64))
    y = np.arange(12) % 3
    with pm.Model():
        net = bnn_classifier("y", X, y, hidden=(20, 5), random_seed=0)
        scales = [_weight_scale(layer) for layer in net.layers]
    # The output layer's wider prior: OUTPUT_SCALE (3.0).
    np.testing.assert_allclose(scales, [1 / _root_mean_square_norm(X), 1.0, 3.0], rtol=1e-12)
    assert net.prior_scales == pytest.approx(scales, rel=1e-12)
    with pm.Model():
        net = bnn_classifier(
            "y", X, y, hidden=(20, 5), prior_scale=("fan_in", "fan_in", 6.0), random_seed=0
        )
        scales = [_weight_scale(layer) for layer in net.layers]
    np.testing.assert_allclose(scales, [1 / 8, 1 / np.sqrt(20), 6.0], rtol=1e-12)
    assert net.prior_scales == pytest.approx(scales, rel=1e-12)


def test_auto_prior_reads_every_training_row_not_one_minibatch():
    X = np.random.default_rng(1).normal(size=(200, 5)) * np.arange(1, 201)[:, None] / 100
    y = np.arange(200) % 2
    with pm.Model():
        net = bnn_classifier("y", X, y, hidden=(3,), batch_size=10, random_seed=0)
    assert net.prior_scales[0] == pytest.approx(1 / _root_mean_square_norm(X), rel=1e-12)


def test_prior_scale_number_applies_to_every_layer_and_sequence_per_layer():
    X = np.random.default_rng(0).normal(size=(12, 4))
    y = np.arange(12) % 3
    with pm.Model():
        net = bnn_classifier("y", X, y, hidden=(3,), prior_scale=1.0, random_seed=0)
        assert [_weight_scale(layer) for layer in net.layers] == [1.0, 1.0]
    for first in (None, "auto"):
        with pm.Model():
            net = bnn_classifier("y", X, y, hidden=(3,), prior_scale=[first, 2.0], random_seed=0)
            scales = [_weight_scale(layer) for layer in net.layers]
        np.testing.assert_allclose(scales, [input_scale(X), 2.0], rtol=1e-12)
    with pm.Model(), pytest.raises(ValueError, match="one scale per layer"):
        bnn_classifier("y", X, y, hidden=(3,), prior_scale=[1.0], random_seed=0)
    with pm.Model(), pytest.raises(ValueError, match="prior_scale must be a positive"):
        bnn_classifier("y", X, y, hidden=(3,), prior_scale=[1.0, -1.0], random_seed=0)


@pytest.mark.parametrize("prior_scale", ["Auto", ["auto", "fanin"]])
def test_misspelt_prior_scale_names_every_valid_string(prior_scale):
    # Session 5's review: "Auto" reached bnn_layer, whose message named only a number or
    # "fan_in", though "auto" is what the caller meant.
    X = np.random.default_rng(0).normal(size=(12, 4))
    with pm.Model(), pytest.raises(ValueError, match='"auto", "fan_in"') as info:
        bnn_classifier("y", X, np.arange(12) % 3, hidden=(3,), prior_scale=prior_scale)
    assert repr(prior_scale if isinstance(prior_scale, str) else "fanin") in str(info.value)


def test_bnn_layer_fan_in_prior_scale_is_one_over_root_inputs():
    X = np.random.default_rng(0).normal(size=(5, 25))
    with pm.Model():
        _, layer = bnn_layer("h", X, 4, prior_scale="fan_in", return_variables=True)
        assert _weight_scale(layer) == pytest.approx(0.2, rel=1e-12)
    with pm.Model(), pytest.raises(ValueError, match='positive number or "fan_in"'):
        bnn_layer("h", X, 4, prior_scale="fanin")


GAP = 0.03
"""Largest mean (confidence - true probability of the predicted class) accepted.

Measured (one run each, 2,000 steps): 0.008 with the default ``"auto"`` prior,
0.018 with ``("fan_in", 3.0)`` and 0.047 with the former unit priors
(over-confident here).
"""
KL_MAX = 0.13
"""Largest mean KL divergence (nats) from the true to the predicted probabilities.

Measured: 0.116 with ``"auto"``, 0.115 with ``("fan_in", 3.0)``, 0.144 with the
former unit priors.
"""


def _confidence_gap(prior_scale) -> tuple[float, float]:
    """Fit on 500 simulated rows; mean KL(true || predicted) and confidence gap on 2,000."""
    X, y, _ = simulate(500, seed=0)
    X_new, _, p_true = simulate(2000, seed=1)
    # The prior is the subject, not the backend: quick_compile gives the same figures to
    # 1e-16 (2026-12-03) and spares a Numba compile (18 s on an empty cache).
    with pm.Model(), quick_compile():
        net = bnn_classifier("y", X, y, hidden=(10,), prior_scale=prior_scale, random_seed=0)
        idata, _ = fit_advi(2000, draws=300, random_seed=0, progressbar=False)
    p = net.predict_proba(idata, X_new).mean(("chain", "draw")).values
    kl = float(np.mean(np.sum(p_true * (np.log(p_true) - np.log(p)), axis=1)))
    k = p.argmax(axis=1)
    gap = float(np.mean(p.max(axis=1) - p_true[np.arange(len(k)), k]))
    return kl, gap


@pytest.mark.slow
def test_default_prior_is_calibrated_against_the_true_probabilities():
    """Default ("auto") prior: confidence within GAP, divergence below KL_MAX."""
    kl, gap = _confidence_gap("auto")
    assert abs(gap) < GAP, gap
    assert kl < KL_MAX, kl
